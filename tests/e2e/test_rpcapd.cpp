// SPDX-License-Identifier: BSD-3-Clause
// rpcapd end to end: the real daemon on 127.0.0.1, driven by a client that
// speaks the protocol with librpcap's encoder, capturing real traffic on lo.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "rpcap/daemon/session.hpp"
#include "rpcap/net/capture.hpp"
#include "rpcap/wire/protocol.hpp"
#include "support/account.hpp"
#include "rpcap/net/listener.hpp"
#include "support/daemon.hpp"
#include "support/load.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"

using namespace rpcap;
using namespace rpcap::test;


TEST_CASE("rpcapd: a full session: list, open, capture with a filter, update it, stats, end, close", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();

  c.send(FindAllIfRequest{});
  auto ifs = c.expect<FindAllIfReply>();
  bool has_lo = false;
  for (const auto& i : ifs.interfaces) {
    if (i.name == "lo") {
      has_lo = true;
      CHECK((i.flags & if_flags::loopback) != 0);
      bool has_v4 = false;
      for (const auto& a : i.addresses) { has_v4 = has_v4 || a.addr.to_string() == "127.0.0.1"; }
      CHECK(has_v4);
    }
  }
  CHECK(has_lo);

  const auto port = traffic_port();
  const UdpPort other_port;  // not port + 1: that may be another test's
  const auto other = other_port.port();
  RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(port));
  send_udp(port, "first", 5);
  send_udp(other, "other port", 5);  // filtered out on the daemon
  auto pkts = read_packets(data, 5);
  for (std::size_t i = 0; i < pkts.size(); ++i) {
    CHECK(pkts[i].hdr.npkt == i + 1);
    CHECK(pkts[i].hdr.caplen == pkts[i].data.size());
    CHECK(pkts[i].hdr.len == pkts[i].hdr.caplen);
    const std::string tail(pkts[i].data.end() - 5, pkts[i].data.end());
    CHECK(tail == "first");
  }

  // change the filter mid-capture: only the other port now
  auto f2 = compile_filter("udp dst port " + std::to_string(other), 1, 65535);
  REQUIRE(f2.has_value());
  c.send(UpdateFilterRequest{*f2});
  c.expect<UpdateFilterReply>();
  send_udp(port, "first", 3);
  send_udp(other, "second", 3);
  auto more = read_packets(data, 3);
  for (const auto& p : more) { CHECK(std::string(p.data.end() - 6, p.data.end()) == "second"); }

  c.send(StatsRequest{});
  auto st = c.expect<StatsReply>();
  CHECK(st.svrcapt == 8);
  CHECK(st.ifrecv >= 8);
  CHECK(st.krnldrop == 0);

  c.send(EndCapRequest{});
  c.expect<EndCapReply>();
  CHECK(data.closed());
  c.send(StatsRequest{});
  CHECK(c.expect<StatsReply>().svrcapt == 8);  // saved at ENDCAP
  c.send(CloseMsg{});
  CHECK(c.closed());
  INFO(d.log());
  CHECK(d.stop(SIGTERM) == 0);
}

namespace {

// A UDP socket on 127.0.0.1 with a port of the kernel's choosing: a client's UDP data socket.
Fd loopback_udp_socket()
{
  Fd udp{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  REQUIRE(udp.valid());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(udp.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return udp;
}

struct UdpCapture {
  Fd data;              // the client's UDP data socket
  StartCapReply reply;  // the daemon's answer to STARTCAP
};

// Open lo and start a capture of `filter` (authenticated already) whose
// PACKETs the daemon sends as datagrams (`flags`: dgram, and more) to a UDP
// socket of the client's.
UdpCapture start_udp_capture(RawClient& c, const std::string& filter, std::uint16_t flags)
{
  open_lo(c);
  Fd udp = loopback_udp_socket();
  auto local = local_address(udp.get());
  REQUIRE(local.has_value());
  auto sc = startcap_for(filter);
  sc.flags = flags;
  sc.portdata = local->port();
  c.send(sc);
  auto reply = c.expect<StartCapReply>();
  return UdpCapture{std::move(udp), reply};
}

// The next datagram on `fd`, which must come within 5 s.
Bytes next_datagram(int fd)
{
  auto ready = wait_readable(fd, 5000);
  REQUIRE(ready.has_value());
  REQUIRE(*ready);
  Bytes buf(70000);
  const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
  REQUIRE(n > 0);
  buf.resize(static_cast<std::size_t>(n));
  return buf;
}

}  // namespace

TEST_CASE("rpcapd: UDP data channel", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  const auto port = traffic_port();
  const auto udp = start_udp_capture(c, "udp dst port " + std::to_string(port), startcap_flags::dgram);
  CHECK(udp.reply.portdata == 0);
  send_udp(port, "via udp", 4);
  for (int i = 0; i < 4; ++i) {
    const Bytes datagram = next_datagram(udp.data.get());
    auto m = decode(datagram);
    REQUIRE(m.has_value());
    REQUIRE(m->has_value());
    CHECK((*m)->size == datagram.size());  // one message per datagram
    const auto& p = std::get<Packet>((*m)->message);
    CHECK(p.hdr.npkt == static_cast<std::uint32_t>(i + 1));
    CHECK(std::string(p.data.end() - 7, p.data.end()) == "via udp");
  }
  c.send(CloseMsg{});
  CHECK(c.closed());
}

TEST_CASE("rpcapd: UDP data gathers several PACKETs into a datagram only when the client asks", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  const auto port = traffic_port();
  const auto udp = start_udp_capture(c, "udp dst port " + std::to_string(port),
                                     startcap_flags::dgram | startcap_flags::dgram_batch);
  constexpr std::uint32_t k_count = 50;
  send_udp(port, "batched", static_cast<int>(k_count));
  std::uint32_t next = 1;
  std::size_t most_in_one = 0;
  while (next <= k_count) {
    const Bytes datagram = next_datagram(udp.data.get());
    CHECK(datagram.size() <= 65507);
    std::size_t in_this = 0;
    for (std::size_t at = 0; at < datagram.size();) {
      auto m = decode(ByteView{datagram}.subspan(at));
      REQUIRE(m.has_value());
      REQUIRE(m->has_value());  // whole messages only: none is cut at a datagram's end
      const auto& p = std::get<Packet>((*m)->message);
      CHECK(p.hdr.npkt == next);
      CHECK(std::string(p.data.end() - 7, p.data.end()) == "batched");
      ++next;
      ++in_this;
      at += (*m)->size;
    }
    most_in_one = std::max(most_in_one, in_this);
  }
  CHECK(most_in_one > 1);  // 50 packets sent at once arrive in fewer datagrams
  c.send(CloseMsg{});
  CHECK(c.closed());
}

TEST_CASE("rpcapd: NULL authentication is refused without -n", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({})};
  RawClient c{d.port()};
  c.send(AuthRequest{});
  CHECK(c.expect_error(ErrorCode::auth_failed).text == "Authentication failed; NULL authentication not permitted.");
  c.send(FindAllIfRequest{});
  CHECK(c.expect_error(ErrorCode::wrongmsg).text
        == "RPCAP_MSG_FINDALLIF_REQ request sent before authentication was completed");
}

TEST_CASE("rpcapd: a host not on the allow list is refused before any protocol work", "[e2e][rpcapd]")
{
  Daemon refused{Daemon::ours({"-n", "-l", "192.0.2.77"})};
  RawClient c{refused.port()};
  c.send(AuthRequest{});
  CHECK(c.expect_error(ErrorCode::hostnoauth).text == "The host is not in the allowed host list. Connection refused.");
  CHECK(c.closed());

  Daemon allowed{Daemon::ours({"-n", "-l", "192.0.2.77,127.0.0.1"})};
  RawClient ok{allowed.port()};
  ok.null_auth();

  TempDir dir;
  const auto file = dir.write("hosts", "# analysts\n192.0.2.1\n127.0.0.1\n");
  Daemon from_file{Daemon::ours({"-n", "-l", file})};
  RawClient ok2{from_file.port()};
  ok2.null_auth();
}

TEST_CASE("rpcapd: an OPEN of a URL is refused and forgotten (B28)", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  c.send(OpenRequest{"rpcap://127.0.0.1:1/lo"});
  CHECK(c.expect_error(ErrorCode::open).text == "Source string refers to a remote device");
  c.send(startcap_for("udp"));
  CHECK(c.expect_error(ErrorCode::startcapture).text == "No capture device was specified");
}

TEST_CASE("rpcapd: bad input gets its error reply and the daemon keeps serving", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n"})};
  {
    RawClient c{d.port()};
    c.send_bytes(from_hex("00 02 00"));  // a truncated header, then the client goes away
  }
  {
    RawClient c{d.port()};
    c.send_bytes(from_hex("01 08 0000 00000008 0000 0000 0000 0000"));
    auto e = c.expect_error(ErrorCode::wrongver);
    CHECK(e.text == "RPCAP version in requests in the authentication phase must be 0");
    CHECK(c.closed());
  }
  {
    RawClient c{d.port()};
    c.send_bytes(from_hex("00 20 0000 00000000"));
    CHECK(c.expect_error(ErrorCode::wrongmsg).text == "Unknown message type 32");
    c.null_auth();  // still open before authentication
    c.send_bytes(from_hex("00 05 0000 7fffffff"));  // a length far beyond any request
    c.expect_error(ErrorCode::updatefilter);
    CHECK(c.closed());
  }
  {
    RawClient c{d.port()};
    c.null_auth();
    open_lo(c);
    StartCapRequest sc;
    sc.snaplen = 100;
    sc.filter.insns = {BpfInsn{0x15, 5, 5, 0}};  // jumps past the end
    c.send(sc);
    CHECK(c.expect_error(ErrorCode::startcapture).text == "The filter contains bogus instructions");
    c.send(FindAllIfRequest{});
    c.expect<FindAllIfReply>();
  }
}

TEST_CASE("rpcapd: connections that never speak do not stop others from being served", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n"})};
  std::vector<Fd> idle;
  for (int i = 0; i < 100; ++i) { idle.push_back(connect_local(d.port())); }
  const auto start = std::chrono::steady_clock::now();
  RawClient c{d.port()};
  c.null_auth();
  c.send(FindAllIfRequest{});
  c.expect<FindAllIfReply>();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("rpcapd: a client that vanishes mid-capture leaves the daemon serving", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  {
    RawClient c{d.port()};
    c.null_auth();
    RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(port));
    send_udp(port, "x", 3);
    read_packets(data, 3);
  }  // both connections dropped without ENDCAP or CLOSE
  RawClient c{d.port()};
  c.null_auth();
  RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(port));
  send_udp(port, "again", 2);
  auto pkts = read_packets(data, 2);
  CHECK(pkts[0].hdr.npkt == 1);
}

TEST_CASE("rpcapd: two clients capture at once", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  RawClient c1{d.port()};
  RawClient c2{d.port()};
  c1.null_auth();
  c2.null_auth();
  RawClient d1 = start_lo_capture(c1, "udp dst port " + std::to_string(port));
  RawClient d2 = start_lo_capture(c2, "udp dst port " + std::to_string(port));
  send_udp(port, "both", 4);
  CHECK(read_packets(d1, 4).size() == 4);
  CHECK(read_packets(d2, 4).size() == 4);
}

TEST_CASE("rpcapd: the data connection is taken only from the client's address", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  open_lo(c);
  c.send(startcap_for("udp"));
  auto reply = c.expect<StartCapReply>();
  // Connect to the data port from another local address (127.0.0.2): refused.
  Fd intruder{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(0x7f000002);
  REQUIRE(::bind(intruder.get(), reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(reply.portdata);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(intruder.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  RawClient stolen{std::move(intruder)};
  CHECK(stolen.closed());
  RawClient data{reply.portdata};  // the real client still gets it
  (void)data;
  auto log = d.log();
  CHECK(log.find("refused a data connection from 127.0.0.2") != std::string::npos);
}

TEST_CASE("rpcapd: SIGHUP re-reads the config file, a bad file keeps the old settings", "[e2e][rpcapd]")
{
  TempDir dir;
  const auto file = dir.write("rpcapd.conf", "NullAuthPermit = YES\nListenAddress = 127.0.0.1\nListenPort = 0\n");
  Daemon d{{program("rpcapd"), "-f", file}};
  {
    RawClient c{d.port()};
    c.null_auth();
  }
  dir.write("rpcapd.conf", "NullAuthPermit = NO\nListenAddress = 127.0.0.1\nListenPort = 0\n");
  ::kill(d.pid(), SIGHUP);
  // the reload is logged once done
  REQUIRE(eventually([&] { return d.log().find("SIGHUP: re-read") != std::string::npos; }, 10000));
  {
    RawClient c{d.port()};
    c.send(AuthRequest{});
    c.expect_error(ErrorCode::auth_failed);
  }
  dir.write("rpcapd.conf", "NullAuthPermit = perhaps\n");
  ::kill(d.pid(), SIGHUP);
  CHECK(eventually([&] { return d.log().find("keeping the current settings") != std::string::npos; }, 10000));
  RawClient c{d.port()};
  c.send(AuthRequest{});
  c.expect_error(ErrorCode::auth_failed);
}

TEST_CASE("rpcapd: SIGHUP applies new settings to active-mode targets it keeps", "[e2e][rpcapd][active]")
{
  auto listener = ActiveListener::open("127.0.0.1", "0", AddressFamily::ipv4, HostAllowList{});
  REQUIRE(listener.has_value());
  const std::string port = listener->where().substr(listener->where().rfind(':') + 1);
  TempDir dir;
  const std::string base = "ActiveOnly = YES\nActiveClient = 127.0.0.1, " + port + "\n";
  const auto file = dir.write("rpcapd.conf", "NullAuthPermit = YES\n" + base);
  Daemon d{{program("rpcapd"), "-f", file}};
  auto next_daemon = [&] {
    for (int i = 0; i < 100; ++i) {  // up to 20 s: the daemon calls back 1 s after a session
      auto in = listener->next(200);
      REQUIRE(in.has_value());
      if (*in) { return std::move((*in)->conn); }
    }
    FAIL("the daemon did not call in");
    return Fd{};
  };
  {
    RawClient c{next_daemon()};
    c.null_auth();
  }
  dir.write("rpcapd.conf", "NullAuthPermit = NO\n" + base);
  ::kill(d.pid(), SIGHUP);
  REQUIRE(eventually([&] { return d.log().find("SIGHUP: re-read") != std::string::npos; }, 10000));
  RawClient c{next_daemon()};
  c.send(AuthRequest{});
  INFO(d.log());
  c.expect_error(ErrorCode::auth_failed);  // the kept target's next session has the new setting
}

TEST_CASE("rpcapd: inetd mode serves the connection on standard input", "[e2e][rpcapd]")
{
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Fd ours{sv[0]};
  const pid_t pid = start_child({program("rpcapd"), "-i", "-n"}, {{0, sv[1]}});
  ::close(sv[1]);
  RawClient c{std::move(ours)};
  c.null_auth();
  c.send(FindAllIfRequest{});
  c.expect<FindAllIfReply>();
  c.send(CloseMsg{});
  CHECK(c.closed());
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("rpcapd: -i with standard input that is not one connection is one line and exit 2", "[e2e][rpcapd]")
{
  const std::string use = "-i is for inetd and systemd (Accept=yes), which pass rpcapd one client's connection there";
  // A pipe (run()'s standard input), /dev/null, a terminal's stand-in: not a socket.
  auto piped = run({program("rpcapd"), "-i", "-n"});
  CHECK(piped.exit_code == 2);
  CHECK(piped.err == "rpcapd: error: standard input is not a socket: " + use + "\n");
  auto null = run({"/bin/sh", "-c", "exec '" + program("rpcapd") + "' -i -n </dev/null"});
  CHECK(null.exit_code == 2);
  CHECK(null.err == "rpcapd: error: standard input is not a socket: " + use + "\n");

  // A socket, but not a connection: what Accept=no or a datagram socket unit would pass.
  auto given = [](int fd) {
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    Fd read_end{out[0]};
    const pid_t pid = start_child({program("rpcapd"), "-i", "-n"}, {{0, fd}, {2, out[1]}});
    ::close(out[1]);
    std::string err;
    char buf[512];
    for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) > 0;) { err.append(buf, static_cast<std::size_t>(n)); }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : -1, err};
  };
  auto listening = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4);
  REQUIRE(listening);
  const auto [listen_rc, listen_err] = given(listening->front().get());
  CHECK(listen_rc == 2);
  CHECK(listen_err == "rpcapd: error: standard input is a listening socket: " + use
                          + "; without -i rpcapd serves listening sockets (Accept=no)\n");
  Fd datagram{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  REQUIRE(datagram);
  const auto [dgram_rc, dgram_err] = given(datagram.get());
  CHECK(dgram_rc == 2);
  CHECK(dgram_err == "rpcapd: error: standard input is not a stream socket: " + use + "\n");
}

TEST_CASE("rpcapd: SIGTERM ends sessions and exits 0", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  CHECK(d.stop(SIGTERM) == 0);
  CHECK(c.expect_error(ErrorCode::netw).text == k_shutdown_message);
  CHECK(c.closed());
}

TEST_CASE("rpcapd: usage errors are one line and exit 2", "[e2e][rpcapd]")
{
  auto r = run({program("rpcapd"), "-4", "-6"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcapd: error: --ipv4 excludes --ipv6 (see --help)\n");
  r = run({program("rpcapd"), "-i", "-d"});
  CHECK(r.exit_code == 2);
  r = run({program("rpcapd"), "-a", "host,notaport!"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("rpcapd: error: ", 0) == 0);
  // Command-line mistakes in the command line's words, not the config file's.
  r = run({program("rpcapd"), "-v"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcapd: error: -v (active only) needs at least one -a HOST,PORT, or the daemon would serve nobody\n");
  r = run({program("rpcapd"), "-n", "--client-ca", "/etc/hostname", "-p", "0"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcapd: error: --client-ca requires --tls (see --help)\n");
  // The key and certificate without -S would start a plaintext daemon without a word.
  r = run({program("rpcapd"), "-b", "127.0.0.1", "-p", "0", "-K", "/nonexistent"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcapd: error: --tls-key requires --tls (see --help)\n");
  r = run({program("rpcapd"), "-n", "-b", "127.0.0.1", "-p", "0", "-X", "/etc/hostname"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcapd: error: --tls-cert requires --tls (see --help)\n");
}

TEST_CASE("rpcapd: password login: wrong passwords and unknown users get one answer and no password is logged",
          "[e2e][rpcapd][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  Daemon d{Daemon::ours({})};
  {
    RawClient c{d.port()};
    c.send(AuthRequest{AuthRequest::Method::password, user.name(), "wrong-secret"});
    CHECK(c.expect_error(ErrorCode::auth_failed).text == "Authentication failed");
    c.send(AuthRequest{AuthRequest::Method::password, "no-such-user-x", "other-secret"});
    CHECK(c.expect_error(ErrorCode::auth_failed).text == "Authentication failed");
    c.send(AuthRequest{AuthRequest::Method::password, user.name(), user.password()});
    c.expect<AuthReply>();
    c.send(FindAllIfRequest{});
    c.expect<FindAllIfReply>();
    // not root and no capture group: logged in, but may not capture
    c.send(OpenRequest{"lo"});
    auto e = c.expect_error(ErrorCode::open);
    CHECK(e.text.find("ermission") != std::string::npos);
  }
  const auto log = d.log();
  CHECK(log.find("wrong-secret") == std::string::npos);
  CHECK(log.find("other-secret") == std::string::npos);
  CHECK(log.find(user.password()) == std::string::npos);
  CHECK(log.find("127.0.0.1") != std::string::npos);
  // A successful login is logged as NULL and certificate logins are: who, from where.
  CHECK(log.find(": password login: user \"" + user.name() + "\" logged in\n") != std::string::npos);
}

TEST_CASE("rpcapd: a member of the capture group captures after a password login", "[e2e][rpcapd][auth]")
{
  if (!can_manage_users() || !can_capture()) { return; }
  TestUser user;
  Daemon d{Daemon::ours({"--capture-group", user.group()})};
  RawClient c{d.port()};
  c.send(AuthRequest{AuthRequest::Method::password, user.name(), user.password()});
  c.expect<AuthReply>();
  const auto port = traffic_port();
  RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(port));
  send_udp(port, "as a user", 3);
  CHECK(read_packets(data, 3).size() == 3);
}

TEST_CASE("rpcapd: with -f, the other switches are ignored with a warning naming each", "[e2e][rpcapd]")
{
  TempDir dir;
  const auto file = dir.write("rpcapd.conf", "NullAuthPermit = NO\nListenAddress = 127.0.0.1\nListenPort = 0\n");
  Daemon d{{program("rpcapd"), "-f", file, "-n", "-l", "192.0.2.1"}};
  const auto log = d.log();
  CHECK(log.find("rpcapd: warning: --null-auth is ignored: -f gives the whole configuration\n") != std::string::npos);
  CHECK(log.find("rpcapd: warning: --hosts is ignored: -f gives the whole configuration\n") != std::string::npos);
  RawClient c{d.port()};
  c.send(AuthRequest{});
  c.expect_error(ErrorCode::auth_failed);  // -n did not apply
}

TEST_CASE("rpcapd: -s saves every setting in a file that -f and rpcap-conf read back", "[e2e][rpcapd]")
{
  TempDir dir;
  const std::string saved = dir.path() + "/saved.conf";
  {
    Daemon d{Daemon::ours({"-n", "-l", "192.0.2.1,127.0.0.1", "--idle-timeout", "30", "-s", saved})};
  }
  auto show = run({program("rpcap-conf"), "show", saved});
  CHECK(show.exit_code == 0);
  CHECK(show.out.find("PassiveClient = 192.0.2.1\nPassiveClient = 127.0.0.1\n") != std::string::npos);
  CHECK(show.out.find("NullAuthPermit = YES\n") != std::string::npos);
  CHECK(show.out.find("ListenAddress = 127.0.0.1\n") != std::string::npos);
  CHECK(show.out.find("IdleTimeout = 30\n") != std::string::npos);
  Daemon again{{program("rpcapd"), "-f", saved}};
  RawClient c{again.port()};
  c.null_auth();
}

TEST_CASE("rpcapd: a start that fails leaves the -s file as it was", "[e2e][rpcapd]")
{
  TempDir dir;
  const auto saved = dir.write("saved.conf", "precious\n");
  // A mistake found after the switches are parsed: a capture group that does not exist.
  auto group = run(
      {program("rpcapd"), "-b", "127.0.0.1", "-p", "0", "--capture-group", "rpcap-no-such-group", "-s", saved});
  CHECK(group.exit_code == 2);
  CHECK(lines_of(group.err).size() == 1);
  CHECK(read_file(saved) == "precious\n");
  // A port it cannot listen on: another daemon holds it.
  Daemon holder{Daemon::ours({"-n"})};
  auto busy = run({program("rpcapd"), "-n", "-b", "127.0.0.1", "-p", std::to_string(holder.port()), "-s", saved});
  CHECK(busy.exit_code == 1);
  CHECK(read_file(saved) == "precious\n");
  CHECK(std::distance(std::filesystem::directory_iterator{dir.path()}, {}) == 1);  // no temporary file left
}

TEST_CASE("rpcapd: -d detaches, writes its pid file and keeps serving", "[e2e][rpcapd]")
{
  TempDir dir;
  // A port this process holds until the daemon binds it too (with SO_REUSEADDR), so no other process can take it.
  const auto port = closed_port();
  const std::string pid_file = dir.path() + "/rpcapd.pid";
  auto r = run({program("rpcapd"), "-d", "--pid-file", pid_file, "-n", "-b", "127.0.0.1", "-p", std::to_string(port)});
  CHECK(r.exit_code == 0);
  const pid_t pid = detached_daemon(pid_file, port);
  const KillAtEnd guard{pid};
  RawClient c{connect_local(port)};
  c.null_auth();
  CHECK(::kill(pid, SIGTERM) == 0);
  CHECK(eventually([&] { return has_exited(pid); }, 10000));
}

namespace {

// A veth pair whose far end lives in a network namespace this test creates
// (and removes): traffic sent there reaches only our own interfaces.
class VethNamespace {
public:
  VethNamespace()
      : m_ns("rpcapt" + std::to_string(::getpid())), m_near("rv" + std::to_string(::getpid()) + "a"),
        m_far("rv" + std::to_string(::getpid()) + "b")
  {
    cleanup();
    m_ok = sh("ip netns add " + m_ns) && sh("ip link add " + m_near + " type veth peer name " + m_far)
           && sh("ip link set " + m_far + " netns " + m_ns) && sh("ip addr add 198.18.7.1/30 dev " + m_near)
           && sh("ip link set " + m_near + " up")
           && sh("ip netns exec " + m_ns + " ip addr add 198.18.7.2/30 dev " + m_far)
           && sh("ip netns exec " + m_ns + " ip link set " + m_far + " up");
  }
  ~VethNamespace() { cleanup(); }
  VethNamespace(const VethNamespace&) = delete;
  VethNamespace& operator=(const VethNamespace&) = delete;

  bool ok() const { return m_ok; }
  const std::string& near_end() const { return m_near; }
  // Send `count` UDP datagrams from inside the namespace to 198.18.7.1:`port`.
  void send_from_namespace(std::uint16_t port, int count) const
  {
    sh("ip netns exec " + m_ns + " bash -c 'for i in $(seq " + std::to_string(count)
       + "); do echo veth > /dev/udp/198.18.7.1/" + std::to_string(port) + "; done'");
  }

private:
  static bool sh(const std::string& cmd) { return run({"/bin/sh", "-c", cmd}).exit_code == 0; }
  void cleanup() const
  {
    sh("ip link del " + m_near + " 2>/dev/null; ip netns del " + m_ns + " 2>/dev/null; true");
  }

  std::string m_ns;
  std::string m_near;
  std::string m_far;
  bool m_ok{false};
};

}  // namespace

TEST_CASE("rpcapd: captures on a veth interface with traffic from a test namespace", "[e2e][rpcapd][veth]")
{
  if (!can_capture()) { return; }
  VethNamespace net;
  REQUIRE(net.ok());
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  c.send(FindAllIfRequest{});
  auto ifs = c.expect<FindAllIfReply>();
  CHECK(std::any_of(ifs.interfaces.begin(), ifs.interfaces.end(),
                    [&](const Interface& i) { return i.name == net.near_end(); }));
  c.send(OpenRequest{net.near_end()});
  CHECK(c.expect<OpenReply>().linktype == 1);
  const auto port = traffic_port();
  c.send(startcap_for("udp dst port " + std::to_string(port)));
  auto reply = c.expect<StartCapReply>();
  RawClient data{reply.portdata};
  net.send_from_namespace(port, 5);
  auto pkts = read_packets(data, 5);
  for (const auto& p : pkts) { CHECK(std::string(p.data.end() - 5, p.data.end()) == "veth\n"); }
}

TEST_CASE("rpcapd: a connection that sends no whole message or does not authenticate in time is closed",
          "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"--first-message-timeout", "1", "--auth-timeout", "3"})};
  {
    RawClient silent{d.port()};  // never sends a byte: closed without a word
    const auto start = std::chrono::steady_clock::now();
    CHECK(silent.closed(5000));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  }
  RawClient slow{d.port()};
  slow.send_bytes(from_hex("00 08 00"));  // a third of a header, then nothing
  CHECK(slow.expect_error(ErrorCode::inittimeout, 3000).text == "The RPCAP initial timeout has expired");
  CHECK(slow.closed());
  // A whole first message, but no login: closed at AuthTimeout.
  RawClient idle{d.port()};
  const auto start = std::chrono::steady_clock::now();
  idle.send(FindAllIfRequest{});
  idle.expect_error(ErrorCode::wrongmsg);
  CHECK(idle.expect_error(ErrorCode::inittimeout, 6000).text == "The RPCAP initial timeout has expired");
  CHECK(std::chrono::steady_clock::now() - start > std::chrono::milliseconds(2500));
  CHECK(idle.closed());
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("closing: nothing received within 1 s") != std::string::npos);
  CHECK(log.find("closing: no whole request within 1 s") != std::string::npos);
  CHECK(log.find("closing: no authentication within 3 s") != std::string::npos);
}

TEST_CASE("rpcapd: sampling is applied: one packet out of every N", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  c.send(SetSamplingRequest{SetSamplingRequest::Method::every_nth, 3});
  c.expect<SetSamplingReply>();
  const auto port = traffic_port();
  RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(port));
  send_udp(port, "sampled", 9);
  auto pkts = read_packets(data, 3);
  c.send(StatsRequest{});
  auto st = c.expect<StatsReply>();
  CHECK(st.svrcapt == 3);
  CHECK(pkts[2].hdr.npkt == 3);
  // Nothing more than the 3 sampled packets arrives: after 3 more datagrams,
  // the next PACKET is one of those, the fourth sampled, not a fourth of the 9.
  send_udp(port, "after", 3);
  const auto next = read_packets(data, 1);
  CHECK(std::string(next[0].data.end() - 5, next[0].data.end()) == "after");
  CHECK(next[0].hdr.npkt == 4);
}

TEST_CASE("rpcapd: packets larger than 64 KiB keep their full length (B2)", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  const auto port = traffic_port();
  open_lo(c);
  c.send(startcap_for("udp dst port " + std::to_string(port), 262144));
  RawClient data{c.expect<StartCapReply>().portdata};
  send_udp(port, std::string(65507, 'z'), 1);  // the largest UDP datagram: a 65549-byte frame on lo
  auto pkts = read_packets(data, 1);
  CHECK(pkts[0].hdr.len == 14 + 20 + 8 + 65507);
  CHECK(pkts[0].hdr.caplen == pkts[0].hdr.len);
  CHECK(pkts[0].data.size() == pkts[0].hdr.caplen);
}

TEST_CASE("rpcapd: a client that does not read keeps the session's memory bounded", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  const auto port = traffic_port();
  open_lo(c);
  c.send(startcap_for("udp dst port " + std::to_string(port), 262144));
  RawClient data{c.expect<StartCapReply>().portdata};  // connected, and never read
  const auto sessions = children_of(d.pid());
  REQUIRE(sessions.size() == 1);
  const long before = peak_rss_kib(sessions.front());  // the ring is mapped: what the capture costs idle
  // About 1.3 GB of capture in 64 KiB datagrams: far more than any buffer.
  for (int i = 0; i < 40; ++i) { send_udp(port, std::string(65000, 'm'), 500); }
  c.send(StatsRequest{});
  const auto st = c.expect<StatsReply>();  // answered: the session has seen the flood
  const long peak = peak_rss_kib(sessions.front());
  INFO("session peak RSS " << before << " KiB before the flood, " << peak << " KiB after\n" << d.log());
  CHECK(before > 0);
  // The stream adds only what is queued for the client (max_pending, 1 MiB).
#if defined(__SANITIZE_ADDRESS__)
  // Under AddressSanitizer its shadow of the memory the session reads (the
  // capture ring, 32 MiB by default: one shadow byte per 8) is paged in
  // on top, as the flood goes through the ring: 1.8 MiB of shadow measured.
  CHECK(peak - before <= 3 * 1024 + 32 * 1024 / 8);
#else
  CHECK(peak - before <= 3 * 1024);
#endif
#if !defined(__SANITIZE_ADDRESS__)
  // In all at most the capture ring it asked for (the default, 32 MiB) and
  // 8 MiB (AddressSanitizer's shadow memory and quarantine are far more).
  CHECK(peak <= (32 + 8) * 1024);
#endif
  CHECK(st.krnldrop > 0);  // the kernel dropped what the session could not queue
}

TEST_CASE("rpcapd: a login beyond --max-sessions gets an ERROR with the reason, and connections not logged in do not count",
          "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n", "--max-sessions", "2"})};
  RawClient waiting{d.port()};  // connected before the others, logs in after them
  RawClient a{d.port()};
  RawClient b{d.port()};
  a.null_auth();
  b.null_auth();
  waiting.send(AuthRequest{});
  CHECK(waiting.expect_error(ErrorCode::hostnoauth).text == "too many sessions (MaxSessions 2)");
  CHECK(waiting.closed(3000));
  // A session that ends frees its slot.
  a.send(CloseMsg{});
  REQUIRE(a.closed());
  REQUIRE(eventually([&] { return children_of(d.pid()).size() == 1; }, 10000));
  RawClient again{d.port()};
  again.null_auth();
  CHECK(d.log().find("127.0.0.1: login refused: too many sessions (MaxSessions 2)") != std::string::npos);
}

TEST_CASE("rpcapd: a data connection that is never made ends the capture after 10 s, not the session", "[e2e][rpcapd]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  open_lo(c);
  c.send(startcap_for("udp"));
  c.expect<StartCapReply>();
  auto e = c.recv(15000);  // nobody connects to the data port
  REQUIRE(e.has_value());
  REQUIRE(std::holds_alternative<ErrorMsg>(e->message));
  CHECK(std::get<ErrorMsg>(e->message).code == ErrorCode::startcapture);
  CHECK(std::get<ErrorMsg>(e->message).text == "The data connection was not opened in time");
  c.send(EndCapRequest{});
  c.expect_error(ErrorCode::endcapture);  // the capture is gone; the session goes on
}

TEST_CASE("rpcapd: stopping signals nothing outside the daemon's own processes (B21)", "[e2e][rpcapd]")
{
  // A shell-like parent and the daemon share a process group, as under a
  // script without job control; SIGTERM to the daemon must leave the parent
  // alone. The parent reaps the daemon and then reports: a signal the daemon
  // sent its group before it exited is pending by then and ends the parent
  // first, so the report proves it got none, without waiting for a while.
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t group = ::fork();
  REQUIRE(group >= 0);
  if (group == 0) {
    ::setpgid(0, 0);
    const pid_t daemon = ::fork();
    if (daemon == 0) {
      ::dup2(ready[1], 3);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 2);
      const std::string prog = program("rpcapd");
      ::execl(prog.c_str(), prog.c_str(), "-n", "-b", "127.0.0.1", "-p", "0", "--ready-fd", "3",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const std::string pid_line = "pid " + std::to_string(daemon) + "\n";  // the daemon's port may come first
    (void)!::write(ready[1], pid_line.data(), pid_line.size());
    ::alarm(30);  // a daemon that does not end fails the test rather than hangs it
    int status = 0;
    while (::waitpid(daemon, &status, 0) < 0 && errno == EINTR) {}
    const std::string reaped = "reaped\n";
    (void)!::write(ready[1], reaped.data(), reaped.size());
    ::_exit(0);
  }
  ::close(ready[1]);
  // the daemon's pid, and its port once it listens
  std::string text;
  char buf[64];
  for (ssize_t n; text.find('\n', text.find('\n') + 1) == std::string::npos && (n = ::read(ready[0], buf, sizeof buf)) > 0;) {
    text.append(buf, static_cast<std::size_t>(n));
  }
  const auto at = text.find("pid ");
  REQUIRE(at != std::string::npos);
  const pid_t daemon = static_cast<pid_t>(std::stol(text.substr(at + 4)));
  ::kill(daemon, SIGTERM);
  // the rest: "reaped" from the parent once the daemon is gone, then end of file
  for (ssize_t n; (n = ::read(ready[0], buf, sizeof buf)) > 0;) { text.append(buf, static_cast<std::size_t>(n)); }
  ::close(ready[0]);
  int status = 0;
  ::waitpid(group, &status, 0);
  ::kill(-group, SIGKILL);  // whatever is left of the group
  INFO(text);
  CHECK(text.ends_with("\nreaped\n"));
  CHECK(WIFEXITED(status));  // not killed by a signal from the daemon
}

TEST_CASE("rpcapd: a session process that crashes is logged, and the daemon serves on", "[e2e][rpcapd]")
{
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  const auto sessions = children_of(d.pid());
  REQUIRE(sessions.size() == 1);
  REQUIRE(::kill(sessions.front(), SIGABRT) == 0);  // as libpcap's filter aborts (AddressSanitizer would catch a SIGSEGV)
  CHECK(c.closed());
  REQUIRE(eventually([&] { return d.log().find("the session's process was killed by signal") != std::string::npos; }));
  INFO(d.log());
  CHECK(d.log().find("127.0.0.1: the session's process was killed by signal Aborted") != std::string::npos);
  RawClient next{d.port()};
  next.null_auth();
}
