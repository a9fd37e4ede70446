// SPDX-License-Identifier: BSD-3-Clause
// Fixed data ports for firewalls: rpcapd --data-ports (DataPorts) puts the
// data connection of a passive capture on a port of the range, for our
// client and libpcap's alike, holds it while the capture runs, and refuses
// a capture when every port is taken; the clients take the ports of their
// own sockets (UDP data, active mode) from --data-ports.
//
// The ranges are single ports that this process holds (closed_port(): bound
// with SO_REUSEADDR, never listening), so that no other test can take them
// and the programs, which bind with SO_REUSEADDR, still can.
#include <catch2/catch.hpp>

#include <signal.h>

#include "support/daemon.hpp"
#include "support/process.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

std::string source(const Daemon& d) { return "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo"; }

// The reference tcpdump with `args`, the reference libpcap found at run time.
RunResult run_reference_tcpdump(const std::vector<std::string>& args, int timeout_ms = 30000)
{
  std::vector<std::string> argv{"/usr/bin/env", "LD_LIBRARY_PATH=" + reference_dir() + "/inst/lib", reference_tcpdump()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, {}, timeout_ms);
}

// The sockets `ss` lists for process `pid` (`flags` such as "-tan" or "-uan").
std::string sockets_of(pid_t pid, const std::string& flags)
{
  return run({"/bin/sh", "-c", "ss -H " + flags + "p | grep 'pid=" + std::to_string(pid) + ",'"}).out;
}

}  // namespace

TEST_CASE("rpcapd --data-ports: our client's data connection is made to the port of the range", "[e2e][data-ports]")
{
  if (!can_capture()) { return; }
  const std::string data_port = std::to_string(closed_port());
  Daemon d{Daemon::ours({"-n", "--data-ports", data_port + "-" + data_port})};
  const auto port = traffic_port();
  Background capture{{program("rpcap-capture"), "-w", "-", source(d), traffic_filter(port)}};
  {
    const Traffic t{port, "fixed data port", 20};
    REQUIRE(eventually([&] { return capture.out().size() > 24; }));
  }
  INFO(d.log());
  CHECK(d.log().find("capture started on \"lo\", data port " + data_port + "\n") != std::string::npos);
  // The client's established data connection goes to that port.
  CHECK(sockets_of(capture.pid(), "-tn").find("127.0.0.1:" + data_port + " ") != std::string::npos);
  capture.signal(SIGINT);
  CHECK(capture.wait().exit_code == 0);
}

TEST_CASE("rpcapd --data-ports: libpcap's tcpdump captures through the range, and a full range refuses with a clear "
          "error",
          "[e2e][data-ports][interop]")
{
  if (!can_capture() || !have_reference_tcpdump()) { return; }
  const std::string data_port = std::to_string(closed_port());
  TempDir dir;
  const std::string conf = dir.write("rpcapd.conf", "NullAuthPermit = YES\nDataPorts = " + data_port + "\n");
  Daemon d{Daemon::ours({"-f", conf})};
  const auto port = traffic_port();
  const std::string out = dir.path() + "/ref.pcap";
  {
    const Traffic t{port, "libpcap through the range", 20};
    auto r = run_reference_tcpdump({"-i", source(d), "-c", "3", "-w", out, traffic_filter(port)});
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
  }
  CHECK(d.log().find("data port " + data_port + "\n") != std::string::npos);

  // While our capture holds the one port, the next capture is refused, and
  // says why; the first goes on.
  Background first{{program("rpcap-capture"), "-w", "-", source(d), traffic_filter(port)}};
  {
    const Traffic t{port, "first holds the port", 20};
    REQUIRE(eventually([&] { return first.out().size() > 24; }));
  }
  auto second = run({program("rpcap-capture"), "-c", "1", "-w", "/dev/null", source(d)});
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("every data port (" + data_port + ") is in use by other captures") != std::string::npos);
  auto reference = run_reference_tcpdump({"-i", source(d), "-c", "1", "-w", "/dev/null"});
  CHECK(reference.exit_code != 0);
  CHECK(reference.err.find("every data port (" + data_port + ") is in use by other captures") != std::string::npos);
  CHECK(first.running());
  first.signal(SIGINT);
  CHECK(first.wait().exit_code == 0);
  // Free again once the capture ended.
  {
    const Traffic t{port, "free again", 20};
    auto again = run({program("rpcap-capture"), "-c", "1", "-w", "/dev/null", source(d), traffic_filter(port)});
    INFO(again.err << "\ndaemon:\n" << d.log());
    CHECK(again.exit_code == 0);
  }
}

TEST_CASE("rpcap-capture --data-ports: the UDP data socket takes a port of the range", "[e2e][data-ports]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  // A UDP port no other test binds: the TCP port this process holds leaves
  // UDP's alone, so the range gives ten to choose from.
  const std::uint16_t lo = closed_port();
  const std::uint16_t hi = static_cast<std::uint16_t>(std::min<unsigned>(lo + 9u, 65535u));
  const auto port = traffic_port();
  Background capture{{program("rpcap-capture"), "--udp", "--data-ports", std::to_string(lo) + "-" + std::to_string(hi),
                      "-w", "-", source(d), traffic_filter(port)}};
  {
    const Traffic t{port, "udp data in the range", 20};
    REQUIRE(eventually([&] { return capture.out().size() > 24; }));
  }
  const std::string udp = sockets_of(capture.pid(), "-uan");
  INFO(udp);
  bool in_range = false;
  for (unsigned p = lo; p <= hi; ++p) { in_range = in_range || udp.find(":" + std::to_string(p) + " ") != std::string::npos; }
  CHECK(in_range);
  capture.signal(SIGINT);
  CHECK(capture.wait().exit_code == 0);
}

TEST_CASE("rpcap-listen capture --data-ports: a daemon that called in makes its data connection to the range",
          "[e2e][data-ports][listen]")
{
  if (!can_capture()) { return; }
  const auto listen_port = closed_port();
  const std::string data_port = std::to_string(closed_port());
  const auto port = traffic_port();
  Background listener{{program("rpcap-listen"), "-p", std::to_string(listen_port), "--deadline", "20", "capture",
                       "--data-ports", data_port, "-w", "-", "lo", traffic_filter(port)}};
  REQUIRE(wait_tcp_listening(listen_port));
  Daemon d{{program("rpcapd"), "-n", "-v", "-a", "127.0.0.1," + std::to_string(listen_port)}};
  {
    const Traffic t{port, "active data in the range", 20};
    REQUIRE(eventually([&] { return listener.out().size() > 24; }));
  }
  CHECK(sockets_of(listener.pid(), "-tn").find("127.0.0.1:" + data_port + " ") != std::string::npos);
  listener.signal(SIGINT);
  CHECK(listener.wait().exit_code == 0);
}

TEST_CASE("data ports: a range that is not one is a usage error in every program", "[e2e][data-ports]")
{
  auto daemon = run({program("rpcapd"), "--data-ports", "9-1"});
  CHECK(daemon.exit_code == 2);
  CHECK(daemon.err == "rpcapd: error: --data-ports: \"9-1\": the first port is above the last\n");
  auto capture = run({program("rpcap-capture"), "--udp", "--data-ports", "x", "rpcap://127.0.0.1:1/lo"});
  CHECK(capture.exit_code == 2);
  CHECK(capture.err == "rpcap-capture: error: --data-ports \"x\" is not a port range LO-HI (ports 1-65535) or one port\n");
  TempDir dir;
  auto check = run({program("rpcap-conf"), "check", dir.write("c.conf", "DataPorts = 0-10\n")});
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("c.conf:1: DataPorts: \"0-10\" is not a port range") != std::string::npos);
}
