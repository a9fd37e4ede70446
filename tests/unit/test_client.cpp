// SPDX-License-Identifier: BSD-3-Clause
// ClientSession against a fake daemon on 127.0.0.1: the test plays the
// daemon in the main thread (so that its checks are Catch2 assertions)
// with the replies libpcap 1.10.3's rpcapd really sent (tests/vectors),
// hand-made garbage where a daemon must not be trusted, and the client
// call under test running in a second thread until it has its answer.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "rpcap/client/capture_run.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/wire/pcap_writer.hpp"
#include "rpcap/wire/protocol.hpp"
#include "support/fake_daemon.hpp"
#include "support/pcap_file.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// A listening TCP socket on 127.0.0.1, ephemeral port.
class Listener {
public:
  Listener()
  {
    auto fds = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4, 4);
    REQUIRE(fds.has_value());
    m_fd = std::move(fds->front());
    auto local = local_address(m_fd.get());
    REQUIRE(local.has_value());
    m_port = local->port();
  }
  std::uint16_t port() const { return m_port; }
  FakePeer accept(int timeout_ms = k_timeout_ms)
  {
    auto ready = wait_readable(m_fd.get(), timeout_ms);
    REQUIRE(ready.has_value());
    REQUIRE(*ready);
    Fd fd{::accept4(m_fd.get(), nullptr, nullptr, SOCK_CLOEXEC)};
    REQUIRE(fd.valid());
    return FakePeer{std::move(fd)};
  }

private:
  Fd m_fd;
  std::uint16_t m_port{0};
};

Source source_for(std::uint16_t port)
{
  auto src = parse_source("rpcap://127.0.0.1:" + std::to_string(port) + "/", SourceUse::list);
  REQUIRE(src.has_value());
  return *src;
}

// A header with any fields, for garbage.
Bytes header_bytes(std::uint8_t ver, std::uint8_t type, std::uint16_t value, std::uint32_t plen)
{
  Bytes b;
  encode_header(b, Header{ver, static_cast<MsgType>(type), value, plen});
  return b;
}

// A PACKET message with `caplen` data bytes (0, 1, 2, ...) and sequence number `npkt`.
Bytes packet_bytes(std::uint32_t npkt, std::uint32_t caplen, std::uint8_t ver = 0)
{
  Packet p;
  p.hdr = PacketHeader{1000 + npkt, npkt, caplen, caplen + 10, npkt};
  for (std::uint32_t i = 0; i < caplen; ++i) { p.data.push_back(static_cast<std::uint8_t>(i + npkt)); }
  return encode(p, ver);
}

struct Collected {
  PacketHeader hdr;
  Bytes data;
};

// A handler that keeps a copy of every packet.
class Collector final : public PacketHandler {
public:
  std::vector<Collected> packets;
  void on_packet(const PacketHeader& hdr, ByteView data) override
  {
    packets.push_back(Collected{hdr, Bytes(data.begin(), data.end())});
  }
};

// A fake daemon with one authenticated session: the listener, the
// control connection's far end, and the client's session.
struct Connected {
  Listener listener;
  std::optional<FakePeer> control;
  std::optional<ClientSession> session;
};

// Connect with NULL authentication, answered with `auth_reply`.
void connect_session(Connected& c, const Bytes& auth_reply, int timeout_ms = k_timeout_ms)
{
  auto fut = in_background([&] { return ClientSession::connect(source_for(c.listener.port()), options(timeout_ms)); });
  c.control.emplace(c.listener.accept());
  c.control->expect<AuthRequest>();
  c.control->send(auth_reply);
  auto s = fut.get();
  INFO((s ? "" : s.error().message));
  REQUIRE(s.has_value());
  c.session.emplace(std::move(*s));
}

// Open "lo" and start a TCP capture; returns the daemon's end of the data connection.
FakePeer start_tcp_capture(Connected& c, Listener& data_listener, StartOptions opts = {})
{
  open_lo(*c.session, *c.control);
  auto started = in_background([&] { return c.session->start_capture(opts); });
  c.control->expect<StartCapRequest>();
  c.control->send(StartCapReply{262144, data_listener.port()});
  auto sc = started.get();
  INFO((sc ? "" : sc.error().message));
  REQUIRE(sc.has_value());
  return data_listener.accept();
}

// Error of a client call that must fail.
template <typename R>
Error error_of(R&& r)
{
  REQUIRE_FALSE(r.has_value());
  return std::forward<R>(r).error();
}

// The error of a connect() to the daemon at `l` that answers its AUTH_REQ with `answer`.
Error auth_answered_with(Listener& l, const Bytes& answer, const ClientOptions& opts = options())
{
  auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), opts); });
  auto peer = l.accept();
  peer.expect<AuthRequest>();
  peer.send(answer);
  return error_of(fut.get());
}

Error auth_answered_with(Listener& l, const Message& answer) { return auth_answered_with(l, encode(answer, 0)); }

}  // namespace

TEST_CASE("client: accepts every AUTH_REPLY form: 0, 2, 8 and more bytes", "[client]")
{
  struct Form {
    const char* what;
    Bytes bytes;
    AuthReply::ByteOrder order;
  };
  const bool little = [] {
    const std::uint16_t one = 1;
    return *reinterpret_cast<const std::uint8_t*>(&one) == 1;
  }();
  // auth_reply.hex comes from a little-endian daemon
  const auto recorded_order = little ? AuthReply::ByteOrder::same : AuthReply::ByteOrder::swapped;
  const std::vector<Form> forms = {
    {"libpcap 1.9.0 (plen 0)", header_bytes(0, 0x88, 0, 0), AuthReply::ByteOrder::unknown},
    {"libpcap 1.9.1-1.10.1 (plen 2)", rpcap::test::parse_annotated_hex("00 88 0000 00000002  00 00"),
     AuthReply::ByteOrder::unknown},
    {"libpcap 1.10.3 (recorded)", load_vector("auth_reply"), recorded_order},
    {"plen 12, extra bytes ignored",
     rpcap::test::parse_annotated_hex("00 88 0000 0000000c  00 00 0000 d4c3b2a1  deadbeef"), recorded_order},
    {"a big-endian daemon", rpcap::test::parse_annotated_hex("00 88 0000 00000008  00 00 0000 a1b2c3d4"),
     little ? AuthReply::ByteOrder::swapped : AuthReply::ByteOrder::same},
  };
  for (const auto& form : forms) {
    SECTION(form.what)
    {
      Connected c;
      connect_session(c, form.bytes);
      CHECK(c.session->byte_order() == form.order);
      CHECK(c.session->daemon_name() == "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/");
    }
  }
}

TEST_CASE("client: sends NULL authentication, or the password when given", "[client]")
{
  Listener l;
  SECTION("NULL: the 16 bytes libpcap sends")
  {
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), options()); });
    auto peer = l.accept();
    auto got = peer.recv_msg();
    CHECK(got.bytes == load_vector("auth_req_null"));
    peer.send(load_vector("auth_reply"));
    CHECK(fut.get().has_value());
  }
  SECTION("password: type 1, both strings, correct plen")
  {
    auto opts = options();
    opts.credentials = Credentials{"rpcapvec", "vector-pass-1"};  // the account of auth_req_password.hex
    opts.allow_plaintext_password = true;
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), opts); });
    auto peer = l.accept();
    auto got = peer.recv_msg();
    CHECK(got.bytes == load_vector("auth_req_password"));
    peer.send(load_vector("auth_reply"));
    CHECK(fut.get().has_value());
  }
}

TEST_CASE("client: refused authentication is an auth error naming the daemon and its text", "[client]")
{
  Listener l;
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(l.port()) + "/";
  SECTION("NULL authentication not permitted (recorded)")
  {
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), options()); });
    auto peer = l.accept();
    peer.expect<AuthRequest>();
    peer.send(load_vector("error_null_auth_not_permitted"));
    auto e = error_of(fut.get());
    CHECK(e.kind == ErrorKind::auth);
    CHECK(e.message == where + ": authentication failed: Authentication failed; NULL authentication not permitted.");
    CHECK(e.rpcap_code == 18);
    CHECK(peer.closed());  // and the connection is closed, without CLOSE
    CHECK(peer.pending().empty());
  }
  SECTION("wrong password (recorded)")
  {
    auto opts = options();
    opts.credentials = Credentials{"rpcapvec", "wrong"};
    opts.allow_plaintext_password = true;
    auto e = auth_answered_with(l, load_vector("error_auth_failed"), opts);
    CHECK(e.kind == ErrorKind::auth);
    CHECK(e.message == where + ": authentication failed: Authentication failed");
  }
  SECTION("another ERROR before authentication is a remote error")
  {
    auto e = auth_answered_with(
        l, make_error_msg(ErrorCode::hostnoauth, "The host is not in the allowed host list. Connection refused."));
    CHECK(e.kind == ErrorKind::remote);
    CHECK(e.message == where + ": authenticate: The host is not in the allowed host list. Connection refused.");
  }
  SECTION("control characters in the daemon's text are escaped")
  {
    auto e = auth_answered_with(l, make_error_msg(ErrorCode::auth_failed, "bad\n\x1b[2Jthing"));
    CHECK(e.message == where + ": authentication failed: bad\\x0a\\x1b[2Jthing");
  }
}

TEST_CASE("client: bad AUTH_REPLYs and versions are refused", "[client]")
{
  Listener l;
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(l.port()) + "/";
  struct Bad {
    const char* what;
    Bytes reply;
    ErrorKind kind;
    std::string message;
  };
  const std::vector<Bad> cases = {
    {"plen 3 (B13)", rpcap::test::parse_annotated_hex("00 88 0000 00000003 000000"), ErrorKind::malformed,
     "authenticate: AUTH_REPLY payload has 3 bytes; a reply has 0, 2 or at least 8"},
    {"bad byte-order magic", rpcap::test::parse_annotated_hex("00 88 0000 00000008 0000 0000 12345678"),
     ErrorKind::malformed, "authenticate: AUTH_REPLY byte-order magic 12 34 56 78 is not 0xa1b2c3d4 in either byte order"},
    {"version 1 only", rpcap::test::parse_annotated_hex("00 88 0000 00000002 01 01"),
     ErrorKind::unsupported_version,
     "authenticate: the daemon speaks protocol versions 1 to 1, this client only version 0"},
    {"reply in version 1", rpcap::test::parse_annotated_hex("01 88 0000 00000000"), ErrorKind::unsupported_version,
     "authenticate: the daemon answered with protocol version 1, not 0"},
    {"another reply type", load_vector("open_reply"), ErrorKind::malformed,
     "authenticate: the daemon answered with RPCAP_MSG_OPEN_REPLY instead of RPCAP_MSG_AUTH_REPLY"},
  };
  for (const auto& bad : cases) {
    SECTION(bad.what)
    {
      auto e = auth_answered_with(l, bad.reply);
      CHECK(e.kind == bad.kind);
      CHECK(e.message == where + ": " + bad.message);
    }
  }
}

TEST_CASE("client: connection failures and silence are io errors within the timeout", "[client]")
{
  SECTION("refused: nothing listens on the port")
  {
    std::uint16_t port = 0;
    {
      Listener gone;
      port = gone.port();
    }
    auto r = ClientSession::connect(source_for(port), options());
    auto e = error_of(std::move(r));
    CHECK(e.kind == ErrorKind::io);
    CHECK(e.message == "connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused");
  }
  SECTION("the daemon closes the connection instead of answering")
  {
    Listener l;
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), options()); });
    {
      auto peer = l.accept();
      peer.expect<AuthRequest>();
    }
    auto e = error_of(fut.get());
    CHECK(e.kind == ErrorKind::io);
    CHECK(e.message == "rpcap://127.0.0.1:" + std::to_string(l.port()) + "/: authenticate: the daemon closed the connection");
  }
  SECTION("the daemon closes in the middle of a reply")
  {
    Listener l;
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), options()); });
    {
      auto peer = l.accept();
      peer.expect<AuthRequest>();
      Bytes reply = load_vector("auth_reply");
      reply.resize(12);
      peer.send(reply);
    }
    auto e = error_of(fut.get());
    CHECK(e.message
          == "rpcap://127.0.0.1:" + std::to_string(l.port())
                 + "/: authenticate: the daemon closed the connection in the middle of a message");
  }
  SECTION("the daemon never answers")
  {
    Listener l;
    const auto start = std::chrono::steady_clock::now();
    auto fut = in_background([&] { return ClientSession::connect(source_for(l.port()), options(300)); });
    auto peer = l.accept();
    peer.expect<AuthRequest>();
    auto e = error_of(fut.get());
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(e.kind == ErrorKind::io);
    CHECK(e.message == "rpcap://127.0.0.1:" + std::to_string(l.port()) + "/: authenticate: no reply within 300 ms");
    CHECK(took < std::chrono::seconds(2));
  }
}

TEST_CASE("client: refuses sources it cannot connect to", "[client]")
{
  auto local = parse_source("eth0");
  REQUIRE(local);
  auto e = error_of(ClientSession::connect(*local, options()));
  CHECK(e.kind == ErrorKind::usage);
  CHECK(e.message == "source \"eth0\" is not a remote rpcap:// source");

  // A password never goes out in clear text unless asked for, and nothing is sent.
  Listener l;
  auto plain = parse_source("rpcap://127.0.0.1:" + std::to_string(l.port()) + "/eth0");
  REQUIRE(plain);
  auto opts = options();
  opts.credentials = Credentials{"alice", "secret"};
  e = error_of(ClientSession::connect(*plain, opts));
  CHECK(e.kind == ErrorKind::usage);
  CHECK(e.message == "rpcap://127.0.0.1:" + std::to_string(l.port())
                         + "/: refusing to send the password of \"alice\" in clear text; use rpcaps:// (TLS), or "
                           "--allow-plaintext-password to send it anyway");
}

TEST_CASE("client: lists interfaces from the recorded FINDALLIF reply", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  const Bytes recorded = load_vector("findallif_reply");
  auto expected = decode(recorded);
  REQUIRE(expected);
  REQUIRE(*expected);
  const auto& want = std::get<FindAllIfReply>((*expected)->message).interfaces;

  auto fut = in_background([&] { return c.session->list_interfaces(); });
  auto req = c.control->recv_msg();
  CHECK(req.bytes == load_vector("findallif_req"));
  // sent in pieces: the client waits for the whole reply
  c.control->send(Bytes(recorded.begin(), recorded.begin() + 100));
  c.control->send(Bytes(recorded.begin() + 100, recorded.end()));
  auto got = fut.get();
  REQUIRE(got.has_value());
  CHECK(*got == want);
  REQUIRE(got->size() == 7);

  // the session goes on: a second listing, then CLOSE on close()
  auto again = in_background([&] { return c.session->list_interfaces(); });
  c.control->expect<FindAllIfRequest>();
  c.control->send(recorded);
  CHECK(again.get().has_value());
  c.session->close();
  CHECK(c.control->expect<CloseMsg>() == CloseMsg{});
  CHECK(c.control->closed());
  auto after = c.session->list_interfaces();
  CHECK(error_of(std::move(after)).kind == ErrorKind::usage);
}

TEST_CASE("client: ERROR replies are remote errors and the session goes on", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/";

  auto listed = in_background([&] { return c.session->list_interfaces(); });
  c.control->expect<FindAllIfRequest>();
  c.control->send(make_error_msg(ErrorCode::noremoteif, "No interfaces found! Make sure libpcap/Npcap is properly installed."));
  auto e = error_of(listed.get());
  CHECK(e.kind == ErrorKind::remote);
  CHECK(e.rpcap_code == 5);
  CHECK(e.message == where + ": list interfaces: No interfaces found! Make sure libpcap/Npcap is properly installed.");

  auto opened = in_background([&] { return c.session->open("rpcap://127.0.0.1:1/lo"); });
  CHECK(c.control->expect<OpenRequest>().device == "rpcap://127.0.0.1:1/lo");
  c.control->send(load_vector("error_open_url"));
  e = error_of(opened.get());
  CHECK(e.kind == ErrorKind::remote);
  CHECK(e.message == where + ": open \"rpcap://127.0.0.1:1/lo\": Source string refers to a remote device");

  auto empty = in_background([&] { return c.session->stats(); });
  c.control->expect<StatsRequest>();
  c.control->send(header_bytes(0, 0x01, 8, 0));
  CHECK(error_of(empty.get()).message == where + ": get statistics: the daemon sent ERROR code 8 without a text");

  auto stats = in_background([&] { return c.session->stats(); });
  c.control->expect<StatsRequest>();
  c.control->send(load_vector("stats_reply"));
  auto s = stats.get();
  REQUIRE(s.has_value());
  CHECK(*s == StatsReply{18, 0, 0, 9});
}

TEST_CASE("client: garbage from the daemon is a clear error with bounded memory", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/";

  SECTION("a FINDALLIF reply announcing 4 GiB")
  {
    auto listed = in_background([&] { return c.session->list_interfaces(); });
    c.control->expect<FindAllIfRequest>();
    c.control->send(header_bytes(0, 0x82, 1, 0xffffffff));
    auto e = error_of(listed.get());
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message
          == where + ": list interfaces: RPCAP_MSG_FINDALLIF_REPLY announces a payload of 4294967295 bytes, "
                     "more than the limit of 16777216");
    CHECK(c.control->closed());  // the stream cannot be trusted any more
    CHECK(c.session->control_fd() == -1);
  }
  SECTION("an OPEN reply announcing 1 MiB")
  {
    auto opened = in_background([&] { return c.session->open("lo"); });
    c.control->expect<OpenRequest>();
    c.control->send(header_bytes(0, 0x83, 0, 1u << 20));
    auto e = error_of(opened.get());
    CHECK(e.message
          == where + ": open \"lo\": RPCAP_MSG_OPEN_REPLY announces a payload of 1048576 bytes, more than the limit of 65536");
  }
  SECTION("the wrong reply type, then the right one")
  {
    auto opened = in_background([&] { return c.session->open("lo"); });
    c.control->expect<OpenRequest>();
    c.control->send(load_vector("stats_reply"));
    auto e = error_of(opened.get());
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message == where + ": open \"lo\": the daemon answered with RPCAP_MSG_STATS_REPLY instead of RPCAP_MSG_OPEN_REPLY");
    // the stream was framed correctly: the session still works
    auto again = in_background([&] { return c.session->open("lo"); });
    c.control->expect<OpenRequest>();
    c.control->send(load_vector("open_reply"));
    auto r = again.get();
    REQUIRE(r.has_value());
    CHECK(r->linktype == 1);
  }
  SECTION("an unknown message type")
  {
    auto opened = in_background([&] { return c.session->open("lo"); });
    c.control->expect<OpenRequest>();
    c.control->send(header_bytes(0, 0x42, 0, 0));
    CHECK(error_of(opened.get()).message
          == where + ": open \"lo\": the daemon answered with message type 66 instead of RPCAP_MSG_OPEN_REPLY");
  }
  SECTION("a short OPEN reply")
  {
    auto opened = in_background([&] { return c.session->open("lo"); });
    c.control->expect<OpenRequest>();
    c.control->send(rpcap::test::parse_annotated_hex("00 83 0000 00000004 00000001"));
    CHECK(error_of(opened.get()).message
          == where + ": open \"lo\": RPCAP_MSG_OPEN_REPLY payload is too short: 4 bytes, need 8");
  }
  SECTION("a FINDALLIF reply whose records overrun it")
  {
    auto listed = in_background([&] { return c.session->list_interfaces(); });
    c.control->expect<FindAllIfRequest>();
    c.control->send(rpcap::test::parse_annotated_hex("00 82 0001 0000000d  0002 0000 00000000 0001 0000 6c"));
    auto e = error_of(listed.get());
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message.starts_with(where + ": list interfaces: FINDALLIF_REPLY interface 1 of 1: record needs"));
  }
}

TEST_CASE("client: STARTCAP has a correct plen, zeroed reserved fields and a filter", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Listener data;
  auto opened = in_background([&] { return c.session->open("lo"); });
  c.control->expect<OpenRequest>();
  c.control->send(load_vector("open_reply"));
  REQUIRE(opened.get().has_value());

  SECTION("no filter: the 1-instruction accept program, counted in plen (B1)")
  {
    StartOptions opts;
    opts.snaplen = 65535;
    opts.promisc = true;
    opts.read_timeout_ms = 500;
    auto started = in_background([&] { return c.session->start_capture(opts); });
    auto got = c.control->recv_msg();
    CHECK(got.header.plen == 20 + 8);
    CHECK(got.bytes.size() == 8 + 28);
    const auto& req = std::get<StartCapRequest>(got.message);
    CHECK(req.snaplen == 65535);
    CHECK(req.read_timeout == 500);
    CHECK(req.flags == startcap_flags::promisc);
    CHECK(req.portdata == 0);
    CHECK(req.filter.reserved == 0);
    REQUIRE(req.filter.insns.size() == 1);
    CHECK(req.filter.insns[0] == BpfInsn{0x0006, 0, 0, 65535});
    c.control->send(StartCapReply{262144, data.port()});
    auto sc = started.get();
    REQUIRE(sc.has_value());
    CHECK(sc->bufsize == 262144);
    auto peer = data.accept();  // the client connected to the port the reply named
    CHECK(c.session->capturing());
    CHECK(c.session->data_fd() >= 0);
  }
  SECTION("a filter with a non-zero reserved field is sent zeroed (B3); snaplen 0 means 262144")
  {
    StartOptions opts;
    opts.snaplen = 0;
    opts.filter.reserved = 8;
    opts.filter.insns = {BpfInsn{0x28, 0, 0, 12}, BpfInsn{0x15, 0, 1, 0x800}, BpfInsn{0x6, 0, 0, 262144},
                         BpfInsn{0x6, 0, 0, 0}};
    auto started = in_background([&] { return c.session->start_capture(opts); });
    auto got = c.control->recv_msg();
    CHECK(got.header.plen == 20 + 4 * 8);
    const auto& req = std::get<StartCapRequest>(got.message);
    CHECK(req.snaplen == 262144);
    CHECK(req.filter.reserved == 0);
    CHECK(req.filter.insns == opts.filter.insns);
    c.control->send(StartCapReply{262144, data.port()});
    REQUIRE(started.get().has_value());

    // a second start is refused locally (B9)
    auto again = c.session->start_capture(opts);
    CHECK(error_of(std::move(again)).message
          == "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/: start the capture: a capture is already running");

    // UPDATEFILTER: correct plen, reserved zeroed
    opts.filter.reserved = 0x1234;
    auto updated = in_background([&] { return c.session->update_filter(opts.filter); });
    auto up = c.control->recv_msg();
    CHECK(up.header.plen == 8 + 4 * 8);
    CHECK(std::get<UpdateFilterRequest>(up.message).filter.reserved == 0);
    c.control->send(load_vector("updatefilter_reply"));
    CHECK(updated.get().has_value());
  }
  SECTION("an error reply starts nothing")
  {
    auto started = in_background([&] { return c.session->start_capture(StartOptions{}); });
    c.control->expect<StartCapRequest>();
    c.control->send(make_error_msg(ErrorCode::startcapture, "No capture device was specified"));
    auto e = error_of(started.get());
    CHECK(e.kind == ErrorKind::remote);
    CHECK_FALSE(c.session->capturing());
    CHECK(c.session->data_fd() == -1);
  }
}

TEST_CASE("client: no UPDATEFILTER or ENDCAP without a capture", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/";
  CHECK(error_of(c.session->update_filter(Filter{})).message == where + ": update the filter: no capture is running");
  CHECK(error_of(c.session->end_capture()).message == where + ": end the capture: no capture is running");
  Collector col;
  CHECK(error_of(c.session->read_packets(col, 0)).message == where + ": read packets: no capture is running");
  c.session->close();
  CHECK(c.control->expect<CloseMsg>() == CloseMsg{});  // nothing before CLOSE
}

TEST_CASE("client: a PACKET stream split at every byte boundary gives the same packets", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Listener data_listener;
  auto data = start_tcp_capture(c, data_listener);

  // the recorded packet, packets of 0 and 3000 bytes, and a message to skip
  const Bytes recorded = load_vector("packet");
  Bytes stream = recorded;
  for (const auto& b : {packet_bytes(2, 0), load_vector("stats_reply"), packet_bytes(3, 3000), packet_bytes(9, 5, 1),
                        packet_bytes(4, 17)}) {
    stream.insert(stream.end(), b.begin(), b.end());
  }
  const std::vector<std::uint32_t> want_npkt = {1, 2, 3, 4};  // the version-1 PACKET is skipped
  const Bytes last = packet_bytes(4, 17);

  Collector col;
  auto read_available = [&] {
    auto ready = wait_readable(c.session->data_fd(), k_timeout_ms);
    REQUIRE(ready.has_value());
    REQUIRE(*ready);
    auto n = c.session->read_packets(col, 0);
    INFO((n ? "" : n.error().message));
    REQUIRE(n.has_value());
  };
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    col.packets.clear();
    data.send(Bytes(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(cut)));
    read_available();
    data.send(Bytes(stream.begin() + static_cast<std::ptrdiff_t>(cut), stream.end()));
    while (col.packets.size() < want_npkt.size()) { read_available(); }
    INFO("cut at byte " << cut);
    REQUIRE(col.packets.size() == want_npkt.size());
    for (std::size_t i = 0; i < want_npkt.size(); ++i) { CHECK(col.packets[i].hdr.npkt == want_npkt[i]); }
    CHECK(col.packets[0].hdr.caplen == 56);
    CHECK(col.packets[0].data == Bytes(recorded.end() - 56, recorded.end()));
    CHECK(col.packets[1].data.empty());
    CHECK(col.packets[2].data.size() == 3000);
    CHECK(col.packets[2].hdr.len == 3010);
    CHECK(col.packets[3].data == Bytes(last.end() - 17, last.end()));
  }
}

TEST_CASE("client: read_packets batches, honours max_packets and times out with 0", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Listener data_listener;
  auto data = start_tcp_capture(c, data_listener);
  Bytes stream;
  for (std::uint32_t i = 1; i <= 1000; ++i) {
    auto p = packet_bytes(i, 100 + i % 50);
    stream.insert(stream.end(), p.begin(), p.end());
  }
  data.send(stream);
  Collector col;
  auto first = c.session->read_packets(col, k_timeout_ms, 10);
  REQUIRE(first.has_value());
  CHECK(*first == 10);
  std::size_t total = 10;
  while (total < 1000) {
    auto n = c.session->read_packets(col, k_timeout_ms);
    REQUIRE(n.has_value());
    REQUIRE(*n > 0);
    total += *n;
  }
  CHECK(total == 1000);
  REQUIRE(col.packets.size() == 1000);
  for (std::uint32_t i = 0; i < 1000; ++i) { CHECK(col.packets[i].hdr.npkt == i + 1); }

  const auto start = std::chrono::steady_clock::now();
  auto none = c.session->read_packets(col, 50);
  REQUIRE(none.has_value());
  CHECK(*none == 0);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(45));

  // ENDCAP: packets still in flight are drained, not delivered
  data.send(packet_bytes(1001, 10));
  auto ended = in_background([&] { return c.session->end_capture(); });
  c.control->expect<EndCapRequest>();
  c.control->send(load_vector("endcap_reply"));
  REQUIRE(ended.get().has_value());
  CHECK_FALSE(c.session->capturing());
  CHECK(c.session->data_fd() == -1);
  CHECK(data.closed());
}

TEST_CASE("client: bad PACKETs end the capture with an error", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Listener data_listener;
  StartOptions opts;
  opts.snaplen = 1000;
  auto data = start_tcp_capture(c, data_listener, opts);
  const std::string where = "rpcap://127.0.0.1:" + std::to_string(c.listener.port()) + "/";
  Collector col;

  SECTION("caplen beyond plen - 20 (B14)")
  {
    Bytes p = packet_bytes(1, 10);
    p[8 + 8 + 3] = 11;  // caplen 11, plen 30
    data.send(p);
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message
          == where + ": read packets: PACKET captured length 11 exceeds the 10 bytes of packet data in the message");
    CHECK(col.packets.empty());
  }
  SECTION("plen beyond 20 + snaplen + slack")
  {
    data.send(header_bytes(0, 0x07, 0, 20 + 1000 + ClientSession::k_packet_slack + 1));
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message
          == where + ": read packets: RPCAP_MSG_PACKET announces a payload of 5117 bytes, more than the limit of 5116 "
                     "(snaplen 1000)");
  }
  SECTION("a huge plen of another type")
  {
    data.send(packet_bytes(1, 10));
    data.send(header_bytes(0, 0x82, 0, 0x7fffffff));
    auto n = c.session->read_packets(col, k_timeout_ms);  // the good packet first
    REQUIRE(n.has_value());
    CHECK(*n == 1);
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::malformed);
  }
  SECTION("the daemon closes the data connection")
  {
    data.send(packet_bytes(1, 10));
    data.close();
    auto n = c.session->read_packets(col, k_timeout_ms);
    REQUIRE(n.has_value());
    CHECK(*n == 1);
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::io);
    CHECK(e.message == where + ": capture: the daemon closed the data connection");
  }
  SECTION("the daemon closes it in the middle of a PACKET")
  {
    Bytes p = packet_bytes(1, 10);
    p.resize(20);
    data.send(p);
    data.close();
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.message == where + ": capture: the daemon closed the data connection in the middle of a message");
  }
  SECTION("ERROR 9 on the control connection")
  {
    c.control->send(make_error_msg(ErrorCode::readex, "Error reading the packets: The interface went down"));
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::remote);
    CHECK(e.rpcap_code == 9);
    CHECK(e.message == where + ": capture: Error reading the packets: The interface went down");
  }
  SECTION("ERROR 9, then the data connection closes")
  {
    c.control->send(make_error_msg(ErrorCode::readex, "Error reading the packets: gone"));
    data.close();
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.message == where + ": capture: Error reading the packets: gone");
  }
  SECTION("the daemon closes the control connection")
  {
    c.control->close();
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::io);
    CHECK(e.message == where + ": capture: the daemon closed the control connection");
  }
  SECTION("an unexpected reply on the control connection")
  {
    c.control->send(load_vector("stats_reply"));
    auto e = error_of(c.session->read_packets(col, k_timeout_ms));
    CHECK(e.kind == ErrorKind::malformed);
    CHECK(e.message == where + ": capture: unexpected RPCAP_MSG_STATS_REPLY on the control connection");
  }
}

TEST_CASE("client: UDP data: the socket exists before STARTCAP and takes only the daemon's datagrams", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  auto opened = in_background([&] { return c.session->open("lo"); });
  c.control->expect<OpenRequest>();
  c.control->send(load_vector("open_reply"));
  REQUIRE(opened.get().has_value());
  StartOptions opts;
  opts.udp = true;
  opts.snaplen = 65535;
  auto started = in_background([&] { return c.session->start_capture(opts); });
  auto got = c.control->recv_msg();
  const auto req = std::get<StartCapRequest>(got.message);
  CHECK(req.flags == (startcap_flags::dgram | startcap_flags::dgram_batch));  // our client reads several PACKETs per datagram
  REQUIRE(req.portdata != 0);
  CHECK(got.header.plen == 28);
  c.control->send(load_vector("startcap_reply"));  // portdata is ignored for UDP
  REQUIRE(started.get().has_value());

  auto send_from = [&](const char* from, const Bytes& datagram) {
    Fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    REQUIRE(fd.valid());
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, from, &a.sin_addr);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(req.portdata);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    REQUIRE(::sendto(fd.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to)
            == static_cast<ssize_t>(datagram.size()));
  };
  const Bytes recorded = load_vector("packet_udp");
  send_from("127.0.0.2", packet_bytes(77, 5));  // not the daemon: ignored
  send_from("127.0.0.1", recorded);
  send_from("127.0.0.1", packet_bytes(2, 30));
  send_from("127.0.0.1", packet_bytes(5, 30));  // 3 and 4 lost
  Collector col;
  while (col.packets.size() < 3) {
    auto n = c.session->read_packets(col, k_timeout_ms);
    REQUIRE(n.has_value());
    REQUIRE(*n > 0);
  }
  REQUIRE(col.packets.size() == 3);
  CHECK(col.packets[0].hdr.npkt == 1);
  CHECK(col.packets[1].hdr.npkt == 2);
  CHECK(col.packets[2].hdr.npkt == 5);
  CHECK(c.session->udp_lost() == 2);

  // a good datagram, then one shorter than its header says: the packet
  // comes first, the error with the same or the next call
  Bytes cut = packet_bytes(7, 30);
  cut.resize(cut.size() - 1);
  send_from("127.0.0.1", packet_bytes(6, 30));
  send_from("127.0.0.1", cut);
  col.packets.clear();
  std::optional<Error> e;
  for (int i = 0; i < 3 && !e; ++i) {
    auto n = c.session->read_packets(col, k_timeout_ms);
    if (!n) { e = n.error(); }
  }
  REQUIRE(e.has_value());
  REQUIRE(col.packets.size() == 1);
  CHECK(col.packets[0].hdr.npkt == 6);
  CHECK(e->kind == ErrorKind::malformed);
  CHECK(e->message.ends_with("read packets: a datagram of 57 bytes holds a message cut short"));
}

TEST_CASE("client: the destructor and move assignment close the session with CLOSE", "[client]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Connected other;
  connect_session(other, load_vector("auth_reply"));
  *c.session = std::move(*other.session);  // c's first session ends here
  CHECK(c.control->expect<CloseMsg>() == CloseMsg{});
  CHECK(c.control->closed());
  c.session.reset();  // the moved-in one ends here
  CHECK(other.control->expect<CloseMsg>() == CloseMsg{});
  CHECK(other.control->closed());
  other.session.reset();  // moved-from: nothing to close
}

TEST_CASE("client: credentials come from a file, the environment or nowhere", "[client]")
{
  char tmpl[] = "/tmp/rpcap-pw-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  const std::string path = tmpl;
  const std::string text = "s3cret\r\nsecond line\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);

  auto none = credentials_for("", PasswordSources{path, "env", true});
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  auto from_file = credentials_for("alice", PasswordSources{path, "env", false});
  REQUIRE(from_file.has_value());
  CHECK(**from_file == Credentials{"alice", "s3cret"});

  auto from_env = credentials_for("alice", PasswordSources{"", "env pw", false});
  REQUIRE(from_env.has_value());
  CHECK(**from_env == Credentials{"alice", "env pw"});

  auto nothing = credentials_for("alice", PasswordSources{"", std::nullopt, false});
  auto e = error_of(std::move(nothing));
  CHECK(e.kind == ErrorKind::usage);
  CHECK(e.message == "no password for user \"alice\": give --password-file, set RPCAP_PASSWORD or run on a terminal");

  ::unlink(path.c_str());
  auto missing = credentials_for("alice", PasswordSources{path, std::nullopt, false});
  e = error_of(std::move(missing));
  CHECK(e.kind == ErrorKind::config);
  CHECK(e.message == "password file \"" + path + "\": No such file or directory");
}

TEST_CASE("client: CVE-2026-18238: a daemon's captured length beyond its message is refused, packets before it kept",
          "[client][cve]")
{
  Connected c;
  connect_session(c, load_vector("auth_reply"));
  Listener data_listener;
  StartOptions opts;
  opts.snaplen = 1000;
  auto data = start_tcp_capture(c, data_listener, opts);
  Collector col;
  // Two good packets, then one whose caplen claims 20 bytes more than its
  // message holds: libpcap 1.10.6's client copies them from past the end.
  Bytes evil = packet_bytes(3, 40);
  const std::uint32_t lie = 60;
  evil[8 + 8] = static_cast<std::uint8_t>(lie >> 24);
  evil[8 + 9] = static_cast<std::uint8_t>(lie >> 16);
  evil[8 + 10] = static_cast<std::uint8_t>(lie >> 8);
  evil[8 + 11] = static_cast<std::uint8_t>(lie);
  Bytes stream;
  for (const Bytes& b : {packet_bytes(1, 40), packet_bytes(2, 40), evil, packet_bytes(4, 40)}) {
    stream.insert(stream.end(), b.begin(), b.end());
  }
  data.send(stream);
  std::optional<Error> failed;
  for (int i = 0; i < 5 && !failed; ++i) {
    auto n = c.session->read_packets(col, k_timeout_ms);
    if (!n) { failed = n.error(); }
  }
  REQUIRE(failed);
  CHECK(failed->kind == ErrorKind::malformed);
  CHECK(failed->message.find("PACKET captured length 60 exceeds the 40 bytes of packet data in the message")
        != std::string::npos);
  REQUIRE(col.packets.size() == 2);
  CHECK(col.packets[1].hdr.npkt == 2);
  CHECK(col.packets[1].data.size() == 40);
}

TEST_CASE("client: a capture from a daemon of the other byte order is written in the daemon's order", "[client][pcap]")
{
  const std::uint16_t one = 1;
  const bool little = *reinterpret_cast<const std::uint8_t*>(&one) == 1;
  Connected c;
  // The AUTH_REPLY of a daemon whose byte order is not ours.
  connect_session(c, rpcap::test::parse_annotated_hex(little ? "00 88 0000 00000008  00 00 0000 a1b2c3d4"
                                                             : "00 88 0000 00000008  00 00 0000 d4c3b2a1"));
  REQUIRE(c.session->byte_order() == AuthReply::ByteOrder::swapped);

  const auto path = std::filesystem::temp_directory_path() / ("rpcap-order-" + std::to_string(::getpid()) + ".pcap");
  Fd file{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  REQUIRE(file.valid());
  PcapWriter writer{file.get()};
  PcapOutput out{writer};
  CaptureRunOptions opts;
  opts.source.name = "usbmon1";
  opts.exclude_self = false;
  opts.count = 1;
  CaptureTotals totals;
  Listener data_listener;
  auto run = in_background([&] { return run_session_capture(*c.session, opts, out, totals, RunSignals{}, RunCallbacks{}); });
  CHECK(c.control->expect<OpenRequest>().device == "usbmon1");
  c.control->send(OpenReply{189 /* LINKTYPE_USB_LINUX */, 0});
  c.control->expect<StartCapRequest>();
  c.control->send(StartCapReply{262144, data_listener.port()});
  auto data = data_listener.accept();
  // A 48-byte Linux USB header whose first field, the URB id, is in the daemon's order.
  Packet p;
  p.hdr = PacketHeader{1700000000, 250, 48, 48, 1};
  p.data.assign(48, 0);
  const std::uint64_t id = 0x0102030405060708;
  std::memcpy(p.data.data(), &id, sizeof id);
  std::reverse(p.data.begin(), p.data.begin() + 8);
  data.send(encode(p));
  c.control->expect<StatsRequest>();
  c.control->send(StatsReply{1, 0, 0, 1});
  c.control->expect<CloseMsg>();
  auto ended = run.get();
  INFO((ended ? "" : ended.error().message));
  REQUIRE(ended.has_value());
  CHECK(*ended == RunEnd::done);
  file.reset();

  const auto r = rpcap::test::read_first_record(path);
  CHECK(r.swapped);
  CHECK(r.linktype == 189);
  CHECK(r.header.ts.tv_sec == 1700000000);
  CHECK(r.header.ts.tv_usec == 250);
  REQUIRE(r.data.size() == 48);
  std::uint64_t read_id = 0;
  std::memcpy(&read_id, r.data.data(), sizeof read_id);
  CHECK(read_id == id);  // corrected by the reader, as for a file written on the daemon's host
}
