// SPDX-License-Identifier: BSD-3-Clause
// The listening side of active mode on 127.0.0.1: ActiveListener takes the
// connections daemons make, refuses hosts off its allow list with ERROR 11,
// and ClientSession::attach runs a session over an accepted connection,
// with a fake daemon played by the test in the main thread (so that its
// checks are Catch2 assertions) and the client call in a second thread.
//
// The whole of 127.0.0.0/8 is loopback on Linux: a socket bound to
// 127.0.0.2 plays a daemon on another host.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "rpcap/client/session.hpp"
#include "rpcap/net/listener.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/wire/protocol.hpp"
#include "support/fake_daemon.hpp"
#include "support/load.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

using Clock = std::chrono::steady_clock;

// A listener on 127.0.0.1, ephemeral port, allowing `hosts` (none: everyone).
ActiveListener open_listener(const std::vector<std::string>& hosts = {})
{
  std::vector<Error> errors;
  auto allow = HostAllowList::resolve(hosts, errors);
  REQUIRE(errors.empty());
  auto l = ActiveListener::open("127.0.0.1", "0", AddressFamily::ipv4, std::move(allow));
  INFO((l ? "" : l.error().message));
  REQUIRE(l.has_value());
  return std::move(*l);
}

// The port of a listener on 127.0.0.1, from where() ("127.0.0.1:PORT").
std::uint16_t port_of(const ActiveListener& l)
{
  const std::string prefix = "127.0.0.1:";
  REQUIRE(l.where().starts_with(prefix));
  const int port = std::stoi(l.where().substr(prefix.size()));
  REQUIRE(port > 0);
  REQUIRE(port < 65536);
  return static_cast<std::uint16_t>(port);
}

// A daemon calling in: a TCP connection from `from` (a loopback address) to 127.0.0.1:`port`.
Fd call_in(std::uint16_t port, const std::string& from = "127.0.0.1") { return test::connect_from(from, port); }

// A handler that counts packets and keeps the last one's bytes.
class Collector final : public PacketHandler {
public:
  std::size_t count{0};
  Bytes last;
  void on_packet(const PacketHeader&, ByteView data) override
  {
    ++count;
    last.assign(data.begin(), data.end());
  }
};

// A daemon that called in through `l` and a session attached to it with
// NULL authentication, answered with libpcap's recorded AUTH_REPLY.
struct Attached {
  std::optional<FakePeer> daemon;
  std::optional<ClientSession> session;
};

void attach_session(Attached& a, ActiveListener& l)
{
  Fd daemon_end = call_in(port_of(l));
  auto in = l.next(k_timeout_ms);
  REQUIRE(in.has_value());
  REQUIRE(in->has_value());
  auto fut = in_background([conn = std::move((*in)->conn)]() mutable {
    return ClientSession::attach(std::move(conn), options());
  });
  a.daemon.emplace(std::move(daemon_end));
  const auto auth = a.daemon->expect<AuthRequest>();
  CHECK(auth.method == AuthRequest::Method::null);
  a.daemon->send(load_vector("auth_reply"));
  auto s = fut.get();
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  a.session.emplace(std::move(*s));
}

}  // namespace

TEST_CASE("listener: open on 127.0.0.1 port 0 says where it listens, and accepts there", "[listener]")
{
  auto l = open_listener();
  const auto port = port_of(l);
  CHECK(l.where() == "127.0.0.1:" + std::to_string(port));
  Fd daemon_end = call_in(port);
  auto in = l.next(k_timeout_ms);
  REQUIRE(in.has_value());
  REQUIRE(in->has_value());
  CHECK((*in)->conn.valid());
}

TEST_CASE("listener: next() returns nullopt when its timeout passed", "[listener]")
{
  auto l = open_listener();
  const auto start = Clock::now();
  auto in = l.next(300);
  const auto took = Clock::now() - start;
  REQUIRE(in.has_value());
  CHECK_FALSE(in->has_value());
  CHECK(took >= std::chrono::milliseconds(290));
  CHECK(took < std::chrono::milliseconds(2000));
  CHECK_FALSE(l.next(0)->has_value());  // 0: just a look
}

TEST_CASE("listener: a daemon off the allow list gets exactly ERROR 11 and EOF, and next() keeps waiting",
          "[listener]")
{
  auto l = open_listener({"127.0.0.2"});
  const auto port = port_of(l);
  Fd refused_end = call_in(port, "127.0.0.1");
  auto refused_addr = local_address(refused_end.get());
  REQUIRE(refused_addr.has_value());

  SECTION("alone: the wait runs to its end")
  {
    std::vector<std::string> told;
    const auto start = Clock::now();
    auto in = l.next(500, [&](const SockAddress& peer) { told.push_back(peer.to_string()); });
    const auto took = Clock::now() - start;
    REQUIRE(in.has_value());
    CHECK_FALSE(in->has_value());
    CHECK(took >= std::chrono::milliseconds(490));
    CHECK(told == std::vector<std::string>{refused_addr->to_string()});
  }
  SECTION("followed by an allowed one: the same call returns that one")
  {
    Fd allowed_end = call_in(port, "127.0.0.2");
    auto allowed_addr = local_address(allowed_end.get());
    REQUIRE(allowed_addr.has_value());
    std::size_t told = 0;
    auto in = l.next(k_timeout_ms, [&](const SockAddress&) { ++told; });
    REQUIRE(in.has_value());
    REQUIRE(in->has_value());
    CHECK((*in)->peer.to_string() == allowed_addr->to_string());
    CHECK(told == 1);
  }
  const Bytes got = read_to_eof(refused_end.get());
  CHECK(got == refusal_message(*refused_addr));
  // ERROR (0x01), version 0, code 11 (REMOTEACCEPT), the host in the text
  auto msg = decode(got);
  REQUIRE(msg.has_value());
  REQUIRE(msg->has_value());
  CHECK((*msg)->size == got.size());
  CHECK((*msg)->header.ver == 0);
  CHECK((*msg)->header.type == MsgType::error);
  CHECK((*msg)->header.value == 11);
  REQUIRE(std::holds_alternative<ErrorMsg>((*msg)->message));
  CHECK(std::get<ErrorMsg>((*msg)->message).text == "Host 127.0.0.1 is not allowed to connect");
}

TEST_CASE("listener: an allowed daemon is returned with its peer address", "[listener]")
{
  for (const auto& allow : {std::vector<std::string>{}, std::vector<std::string>{"127.0.0.1"}}) {
    INFO("allow list of " << allow.size());
    auto l = open_listener(allow);
    Fd daemon_end = call_in(port_of(l));
    auto local = local_address(daemon_end.get());
    REQUIRE(local.has_value());
    std::size_t refused = 0;
    auto in = l.next(k_timeout_ms, [&](const SockAddress&) { ++refused; });
    REQUIRE(in.has_value());
    REQUIRE(in->has_value());
    CHECK(refused == 0);
    CHECK((*in)->peer.to_string() == local->to_string());
    CHECK((*in)->peer.host() == "127.0.0.1");
    // the connection is the daemon's: bytes go through
    const std::string hello = "hello";
    REQUIRE(write_all(daemon_end.get(), hello.data(), hello.size(), k_timeout_ms).has_value());
    daemon_end.reset();
    const Bytes got = read_to_eof((*in)->conn.get());
    CHECK(std::string(got.begin(), got.end()) == hello);
  }
}

TEST_CASE("listener: a closed listener refuses new daemons and next() fails", "[listener]")
{
  auto l = open_listener();
  const auto port = port_of(l);
  l.close();
  auto in = l.next(100);
  REQUIRE_FALSE(in.has_value());
  CHECK(in.error().message == "the listener is closed");
  Fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) != 0);
}

TEST_CASE("client: attach runs a session over a daemon's connection: SERVEROPEN data, no CLOSE", "[listener][client]")
{
  auto l = open_listener();
  Attached a;
  attach_session(a, l);
  CHECK(a.session->daemon_name() == "rpcap://127.0.0.1/");
  open_lo(*a.session, *a.daemon);

  SECTION("TCP: the client listens, the daemon connects to portdata")
  {
    auto started = in_background([&] { return a.session->start_capture(StartOptions{}); });
    const auto req = a.daemon->expect<StartCapRequest>();
    CHECK(req.flags == startcap_flags::serveropen);  // as libpcap's client sends it (startcap_req_active)
    REQUIRE(req.portdata != 0);
    // Like libpcap's rpcapd: connect to the client's data port, then reply.
    auto data = connect_tcp("127.0.0.1", std::to_string(req.portdata), AddressFamily::ipv4, k_timeout_ms);
    INFO((data ? "" : data.error().message));
    REQUIRE(data.has_value());
    a.daemon->send(StartCapReply{262144, 0});
    auto sc = started.get();
    INFO((sc ? "" : sc.error().message));
    REQUIRE(sc.has_value());
    CHECK(a.session->capturing());
    CHECK(a.session->data_fd() >= 0);

    // a packet sent on that connection reaches the client
    Packet p;
    p.hdr = PacketHeader{1000, 1, 4, 4, 1};
    p.data = Bytes{0xde, 0xad, 0xbe, 0xef};
    const Bytes wire = encode(p, 0);
    REQUIRE(write_all(data->get(), wire.data(), wire.size(), k_timeout_ms).has_value());
    Collector got;
    auto n = a.session->read_packets(got, k_timeout_ms);
    INFO((n ? "" : n.error().message));
    REQUIRE(n.has_value());
    CHECK(*n == 1);
    CHECK(got.last == p.data);

    // close(): both connections end, and no CLOSE came (libpcap's rpcapd would never call back)
    a.session->close();
    CHECK(a.daemon->rest_until_eof().empty());
    CHECK(read_to_eof(data->get()).empty());
  }
  SECTION("TCP: a data connection from another host is closed, the daemon's is taken (B16)")
  {
    auto started = in_background([&] { return a.session->start_capture(StartOptions{}); });
    const auto req = a.daemon->expect<StartCapRequest>();
    REQUIRE(req.portdata != 0);
    Fd intruder = call_in(req.portdata, "127.0.0.2");
    Fd data = call_in(req.portdata, "127.0.0.1");
    a.daemon->send(StartCapReply{262144, 0});
    auto sc = started.get();
    INFO((sc ? "" : sc.error().message));
    REQUIRE(sc.has_value());
    CHECK(read_to_eof(intruder.get()).empty());
    Packet p;
    p.hdr = PacketHeader{1000, 1, 2, 2, 1};
    p.data = Bytes{0x01, 0x02};
    const Bytes wire = encode(p, 0);
    REQUIRE(write_all(data.get(), wire.data(), wire.size(), k_timeout_ms).has_value());
    Collector got;
    auto n = a.session->read_packets(got, k_timeout_ms);
    REQUIRE(n.has_value());
    CHECK(*n == 1);
    CHECK(got.last == p.data);
  }
  SECTION("UDP: the client's socket port goes in portdata, with SERVEROPEN")
  {
    StartOptions opts;
    opts.udp = true;
    auto started = in_background([&] { return a.session->start_capture(opts); });
    const auto req = a.daemon->expect<StartCapRequest>();
    CHECK((req.flags & startcap_flags::serveropen) != 0);
    CHECK((req.flags & startcap_flags::dgram) != 0);
    CHECK(req.portdata != 0);
    a.daemon->send(StartCapReply{262144, 0});
    REQUIRE(started.get().has_value());
    CHECK(a.session->capturing());
    a.session.reset();  // the destructor closes as close() does: no CLOSE
    CHECK(a.daemon->rest_until_eof().empty());
  }
  SECTION("without a capture, the destructor sends no CLOSE either")
  {
    a.session.reset();
    CHECK(a.daemon->rest_until_eof().empty());
  }
}
