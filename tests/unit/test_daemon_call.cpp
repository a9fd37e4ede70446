// SPDX-License-Identifier: BSD-3-Clause
// What rpcap-listen does with a daemon that calls in, besides the session:
// the output file named after it, and the environment of a command run
// with its connection.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "rpcap/client/daemon_call.hpp"
#include "rpcap/net/socket.hpp"

using namespace rpcap;

TEST_CASE("daemon call: %h in an output pattern is the daemon's address, %% a percent sign", "[daemon_call]")
{
  CHECK(output_for("cap-%h.pcap", "192.0.2.7") == "cap-192.0.2.7.pcap");
  CHECK(output_for("100%%-%h", "::1") == "100%-::1");
  CHECK(output_for("%x%h%", "h") == "%xh%");
  CHECK(output_for("-", "192.0.2.7") == "-");
  CHECK(per_daemon_output("dir/%h.pcap"));
  CHECK_FALSE(per_daemon_output("100%%.pcap"));
  CHECK_FALSE(per_daemon_output("-"));
}

TEST_CASE("daemon call: a daemon calling in again gets a new file, numbered from 1", "[daemon_call]")
{
  CHECK(output_for("%h.pcap", "192.0.2.7", 1) == "192.0.2.7.pcap");
  CHECK(output_for("%h.pcap", "192.0.2.7", 2) == "192.0.2.7.pcap.1");
  CHECK(output_for("%h.pcap", "192.0.2.7", 3) == "192.0.2.7.pcap.2");
}

TEST_CASE("daemon call: a command learns the connection's descriptor and both ends, in ucspi-tcp's names too",
          "[daemon_call]")
{
  auto listening = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4);
  REQUIRE(listening);
  auto where = local_address(listening->front().get());
  REQUIRE(where);
  auto conn = connect_tcp("127.0.0.1", std::to_string(where->port()), AddressFamily::ipv4, 2000);
  REQUIRE(conn);
  auto peer = local_address(conn->get());  // the accepted side's peer is this socket
  REQUIRE(peer);
  IncomingDaemon d{std::move(*conn), *where};
  const auto env = command_environment(d);
  auto value = [&](const std::string& name) {
    auto it = std::find_if(env.begin(), env.end(), [&](const auto& e) { return e.first == name; });
    return it == env.end() ? std::string{"(unset)"} : it->second;
  };
  CHECK(value("RPCAP_FD") == std::to_string(k_command_fd));
  CHECK(value("RPCAP_DAEMON") == "127.0.0.1");
  CHECK(value("RPCAP_DAEMON_PORT") == std::to_string(where->port()));
  CHECK(value("PROTO") == "TCP");
  CHECK(value("TCPREMOTEIP") == "127.0.0.1");
  CHECK(value("TCPREMOTEPORT") == std::to_string(where->port()));
  CHECK(value("TCPLOCALIP") == "127.0.0.1");
  CHECK(value("TCPLOCALPORT") == std::to_string(peer->port()));
}
