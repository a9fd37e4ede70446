// SPDX-License-Identifier: BSD-3-Clause
// The daemon as a security reviewer sees it (issue 8): many connections at
// once and many in a row, peers and networks that fail mid-capture, an
// output that fills up, password guessing, and one regression test for
// each class of libpcap's rpcapd CVEs that applies to a daemon or client
// (docs/protocol.md#cve-classes). Each test runs its own daemon on its own
// port; figures measured from /proc are printed on stdout.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "support/daemon.hpp"
#include "support/load.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"

using namespace rpcap;
using namespace rpcap::test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// ---- /proc ----

// The inodes of the packet sockets (live captures) in /proc/net/packet.
std::set<std::string> packet_socket_inodes()
{
  std::set<std::string> out;
  std::ifstream f{"/proc/net/packet"};
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::istringstream fields{line};
    std::string field;
    std::vector<std::string> v;
    while (fields >> field) { v.push_back(field); }
    if (!v.empty()) { out.insert(v.back()); }  // the last column is the inode
  }
  return out;
}

// The inodes of the packet sockets `pid` holds.
std::set<std::string> packet_sockets_of(pid_t pid)
{
  const auto packet = packet_socket_inodes();
  std::set<std::string> out;
  for (const auto& inode : socket_inodes_of(pid)) {
    if (packet.count(inode) != 0) { out.insert(inode); }
  }
  return out;
}

// ---- clients ----

// One password login from `from`: the daemon's error text and how long the answer took.
std::pair<std::string, double> failed_login(std::uint16_t port, const std::string& from, const std::string& user,
                                            const std::string& password)
{
  RawClient c{connect_from(from, port)};
  const auto start = Clock::now();
  c.send(AuthRequest{AuthRequest::Method::password, user, password});
  auto e = c.expect_error(ErrorCode::auth_failed, 40000);
  return {e.text, seconds_since(start)};
}

std::string source(std::uint16_t port, const std::string& host = "127.0.0.1", const std::string& iface = "lo")
{
  return "rpcap://" + host + ":" + std::to_string(port) + "/" + iface;
}

std::size_t file_size(const std::string& path)
{
  std::error_code ec;
  auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

// The number of whole records in pcap file contents `s`; fails the test if the file is not valid.
std::size_t pcap_record_count(const std::string& s)
{
  REQUIRE(s.size() >= 24);
  std::uint32_t magic = 0;
  std::memcpy(&magic, s.data(), 4);
  REQUIRE(magic == 0xa1b2c3d4);
  std::size_t off = 24;
  std::size_t n = 0;
  while (off < s.size()) {
    REQUIRE(s.size() - off >= 16);
    std::uint32_t caplen = 0;
    std::memcpy(&caplen, s.data() + off + 8, 4);
    REQUIRE(s.size() - off - 16 >= caplen);
    off += 16 + caplen;
    ++n;
  }
  return n;
}

bool log_has(const Daemon& d, const std::string& text) { return d.log().find(text) != std::string::npos; }

// A network namespace joined to this one by a veth pair, for a daemon on
// the far side whose link the test can cut. Names carry the test's pid;
// both are deleted when the object goes, whatever happened.
class CutNetwork {
public:
  CutNetwork()
      : m_ns("rpcapcut" + std::to_string(::getpid())), m_near("rc" + std::to_string(::getpid()) + "a"),
        m_far("rc" + std::to_string(::getpid()) + "b")
  {
    cleanup();
    m_ok = sh("ip netns add " + m_ns) && sh("ip link add " + m_near + " type veth peer name " + m_far)
           && sh("ip link set " + m_far + " netns " + m_ns) && sh("ip addr add 198.18.9.1/30 dev " + m_near)
           && sh("ip link set " + m_near + " up") && sh(in_ns("ip addr add 198.18.9.2/30 dev " + m_far))
           && sh(in_ns("ip link set " + m_far + " up")) && sh(in_ns("ip link set lo up"));
  }
  ~CutNetwork() { cleanup(); }
  CutNetwork(const CutNetwork&) = delete;
  CutNetwork& operator=(const CutNetwork&) = delete;

  bool ok() const { return m_ok; }
  const std::string& name() const { return m_ns; }
  static constexpr const char* k_far_address = "198.18.9.2";
  // Cut the link: both ends down, so nothing crosses in either direction.
  void cut() const
  {
    sh("ip link set " + m_near + " down");
    sh(in_ns("ip link set " + m_far + " down"));
  }

private:
  std::string in_ns(const std::string& cmd) const { return "ip netns exec " + m_ns + " " + cmd; }
  static bool sh(const std::string& cmd) { return run({"/bin/sh", "-c", cmd}).exit_code == 0; }
  void cleanup() const { sh("ip link del " + m_near + " 2>/dev/null; ip netns del " + m_ns + " 2>/dev/null; true"); }

  std::string m_ns;
  std::string m_near;
  std::string m_far;
  bool m_ok{false};
};

}  // namespace

// ---------------------------------------------------------------------------
// Load

TEST_CASE("rpcapd load: 100 silent connections and 32 captures at once are all served, a newcomer within 1 s",
          "[e2e][hardening][load]")
{
  if (!can_capture()) { return; }
  // The defaults: silent connections are held by the listening process and
  // counted apart from logged-in sessions, so a collector on one address can
  // capture 32 times while 100 connections from elsewhere say nothing.
  NoAsanQuarantine flat;
  Daemon d{Daemon::ours({"-n"})};
  const long parent_before = rss_kib(d.pid());
  std::vector<Fd> silent;
  for (int i = 0; i < 100; ++i) { silent.push_back(connect_from("127.0.0." + std::to_string(2 + i % 4), d.port())); }
  REQUIRE(eventually([&] { return connections_held(d.pid(), d.port()) == 100; }, 10000));
  const auto port = traffic_port();
  const std::string filter = "udp dst port " + std::to_string(port);
  std::vector<RawClient> control;
  std::vector<RawClient> data;
  control.reserve(32);
  data.reserve(32);
  for (int i = 0; i < 32; ++i) {
    control.emplace_back(d.port());
    control.back().null_auth();
    data.push_back(start_lo_capture(control.back(), filter));
  }
  send_udp(port, "load", 20);
  for (auto& dc : data) { CHECK(read_packets(dc, 20).size() == 20); }

  const auto start = Clock::now();
  RawClient newcomer{d.port()};
  newcomer.null_auth();
  newcomer.send(FindAllIfRequest{});
  newcomer.expect<FindAllIfReply>();
  const double newcomer_s = seconds_since(start);
  CHECK(newcomer_s < 1.0);

  // Memory: the listening process does not grow with the sessions, and
  // each session's process is bounded on its own.
  const long parent_after = rss_kib(d.pid());
  const auto kids = children_of(d.pid());
  long total = parent_after;
  long largest = 0;
  for (pid_t k : kids) {
    const long r = rss_kib(k);
    total += r;
    largest = std::max(largest, r);
  }
  std::printf("load: %zu session processes (32 capturing, 1 new; the 100 silent need none); newcomer served in "
              "%.3f s; listener RSS %ld KiB before, %ld KiB after; largest session %ld KiB; all together %ld KiB\n",
              kids.size(), newcomer_s, parent_before, parent_after, largest, total);
  CHECK(kids.size() == 33);
  CHECK(parent_after - parent_before < 4 * 1024);
  CHECK(largest < 64 * 1024 + k_asan_slack_kib);
}

TEST_CASE("rpcapd load: 1000 connect/authenticate/list/close cycles leave no growth in descriptors, processes or "
          "memory",
          "[e2e][hardening][load]")
{
  NoAsanQuarantine flat;
  Daemon d{Daemon::ours({"-n"})};
  auto cycle = [&] {
    RawClient c{d.port()};
    c.null_auth();
    c.send(FindAllIfRequest{});
    c.expect<FindAllIfReply>();
    c.send(CloseMsg{});
    REQUIRE(c.closed());
  };
  auto settled = [&] { return eventually([&] { return children_of(d.pid()).empty(); }, 10000); };
  for (int i = 0; i < 50; ++i) { cycle(); }  // warm up: the allocator, the logger, the first fork
  REQUIRE(settled());
  const auto fds_before = fd_count(d.pid());
  const long rss_before = rss_kib(d.pid());
  const auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) { cycle(); }
  const double took = seconds_since(start);
  REQUIRE(settled());
  const auto fds_after = fd_count(d.pid());
  const long rss_after = rss_kib(d.pid());
  std::printf("cycles: 1000 in %.1f s; listener descriptors %zu -> %zu, RSS %ld -> %ld KiB, session processes left 0\n",
              took, fds_before, fds_after, rss_before, rss_after);
  CHECK(fds_after == fds_before);
  // ASan's own allocator state grows about 0.5 KiB a cycle for the first
  // few thousand, then stops (a release build stays flat to the KiB).
  CHECK(rss_after - rss_before < 512 + k_asan_slack_kib / 64);
}

TEST_CASE("rpcapd: one address that holds --max-sessions-per-host sessions logs in no more, others are served",
          "[e2e][hardening][load]")
{
  Daemon d{Daemon::ours({"-n", "--max-sessions-per-host", "3"})};
  std::vector<RawClient> held;
  held.reserve(3);
  for (int i = 0; i < 3; ++i) {
    held.emplace_back(connect_from("127.0.0.1", d.port()));
    held.back().null_auth();
  }
  // Connecting is not logging in: the fourth connects, and is told why it may not log in.
  RawClient extra{connect_from("127.0.0.1", d.port())};
  extra.send(AuthRequest{});
  CHECK(extra.expect_error(ErrorCode::hostnoauth).text == "too many sessions from 127.0.0.1 (MaxSessionsPerHost 3)");
  CHECK(extra.closed(10000));

  RawClient other{connect_from("127.0.0.2", d.port())};
  other.null_auth();
  other.send(FindAllIfRequest{});
  other.expect<FindAllIfReply>();

  // A session that ends frees its address's slot.
  held[0].send(CloseMsg{});
  REQUIRE(held[0].closed());
  // (Its process reaped: two sessions of 127.0.0.1 and the other address's are left.)
  REQUIRE(eventually([&] { return children_of(d.pid()).size() == 3; }, 10000));
  RawClient again{connect_from("127.0.0.1", d.port())};
  again.null_auth();
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("127.0.0.1: login refused: too many sessions from 127.0.0.1 (MaxSessionsPerHost 3)")
        != std::string::npos);
}

// The bytes of packet-socket rings `pid` has mapped (a live capture's kernel buffer).
std::size_t capture_ring_bytes(pid_t pid)
{
  std::ifstream f{"/proc/" + std::to_string(pid) + "/maps"};
  std::string line;
  std::size_t total = 0;
  while (std::getline(f, line)) {
    if (line.find("socket:[") == std::string::npos) { continue; }
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    total += std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16) - std::stoull(line.substr(0, dash), nullptr, 16);
  }
  return total;
}

TEST_CASE("rpcapd: --capture-buffer sets each capture's kernel buffer, 32 MiB by default", "[e2e][hardening][load]")
{
  if (!can_capture()) { return; }
  for (const auto& [args, expected] : {std::pair<std::vector<std::string>, std::size_t>{{"-n"}, 32u << 20},
                                       {{"-n", "--capture-buffer", "2048"}, 2u << 20}}) {
    Daemon d{Daemon::ours(args)};
    RawClient c{d.port()};
    c.null_auth();
    RawClient data = start_lo_capture(c, "udp dst port 9");
    const auto kids = children_of(d.pid());
    REQUIRE(kids.size() == 1);
    const std::size_t ring = capture_ring_bytes(kids[0]);
    std::printf("capture buffer: %s -> %zu KiB mapped\n", args.size() > 1 ? args[2].c_str() : "default", ring / 1024);
    // libpcap makes the ring of whole blocks (a few hundred KiB each for
    // lo's snaplen); both sizes are multiples of them, so nothing is rounded.
    CHECK(ring == expected);
  }
}

// ---------------------------------------------------------------------------
// Faults

TEST_CASE("rpcapd faults: a client SIGKILLed mid-capture ends its session and releases its capture, others go on",
          "[e2e][hardening][faults]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  const std::string filter = "udp dst port " + std::to_string(port);
  Traffic traffic{port, "still here"};
  RawClient other{d.port()};
  other.null_auth();
  RawClient other_data = start_lo_capture(other, filter);
  TempDir dir;
  const std::string file = dir.path() + "/killed.pcap";
  Background victim{{program("rpcap-capture"), "-U", "-w", file, source(d.port()), filter}};
  REQUIRE(eventually([&] { return file_size(file) > 200; }, 10000));
  REQUIRE(eventually([&] { return children_of(d.pid()).size() == 2; }, 5000));
  std::set<std::string> before;
  for (pid_t k : children_of(d.pid())) {
    auto s = packet_sockets_of(k);
    before.insert(s.begin(), s.end());
  }
  REQUIRE(before.size() >= 2);

  victim.signal(SIGKILL);
  const auto killed = Clock::now();
  CHECK(eventually([&] { return children_of(d.pid()).size() == 1; }, 5000));
  const double ended_s = seconds_since(killed);
  std::set<std::string> after;
  for (pid_t k : children_of(d.pid())) {
    auto s = packet_sockets_of(k);
    after.insert(s.begin(), s.end());
  }
  // The killed session's capture sockets are closed, the other's are not.
  CHECK_FALSE(after.empty());
  CHECK(after.size() < before.size());
  const auto live = packet_socket_inodes();
  for (const auto& inode : before) {
    if (after.count(inode) == 0) { CHECK(live.count(inode) == 0); }
  }
  std::printf("faults: the killed client's session ended %.3f s after SIGKILL\n", ended_s);
  CHECK(log_has(d, "capture ended"));
  CHECK(log_has(d, "session ended"));
  // The other client's capture goes on.
  read_packets(other_data, 5);
  other.send(StatsRequest{});
  other.expect<StatsReply>();
}

TEST_CASE("rpcapd faults: a daemon SIGKILLed mid-capture leaves the client's packets written, a valid file, exit 1 "
          "and a message",
          "[e2e][hardening][faults]")
{
  if (!can_capture()) { return; }
  auto d = std::make_unique<Daemon>(Daemon::ours({"-n"}));
  const auto port = traffic_port();
  const std::string filter = "udp dst port " + std::to_string(port);
  Traffic traffic{port, "until the end"};
  TempDir dir;
  const std::string file = dir.path() + "/partial.pcap";
  Background cap{{program("rpcap-capture"), "-w", file, source(d->port()), filter}};
  REQUIRE(eventually([&] { return file_size(file) > 1000; }, 10000));
  ::kill(-d->pid(), SIGKILL);  // the daemon and its sessions, at once
  auto r = cap.wait(10000);
  d.reset();
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(r.err.find("rpcap-capture: error: rpcap://127.0.0.1:") != std::string::npos);
  CHECK(r.err.find("the daemon closed the") != std::string::npos);
  // Every packet it counted is in the file, whole.
  const auto records = pcap_record_count(read_file(file));
  CHECK(records > 10);
  CHECK(r.err.find(std::to_string(records) + " packets captured\n") != std::string::npos);
}

TEST_CASE("rpcapd faults: a network cut mid-capture is noticed by both sides through keepalive and the user "
          "timeout",
          "[e2e][hardening][faults][netns]")
{
  if (!can_capture()) { return; }
  CutNetwork net;
  if (!net.ok()) {
    WARN("SKIPPED: cannot create a network namespace with a veth pair");
    return;
  }
  // The daemon in the namespace; 1 s keepalive and a 3 s user timeout on both sides.
  Daemon d{{"/usr/sbin/ip", "netns", "exec", net.name(), program("rpcapd"), "-n", "-b", CutNetwork::k_far_address,
            "-p", "0", "--keepalive", "1", "--user-timeout", "3"}};
  const auto port = traffic_port();
  const std::string filter = "udp dst port " + std::to_string(port);
  Background traffic{{"/usr/sbin/ip", "netns", "exec", net.name(), "/bin/bash", "-c",
                      "for i in $(seq 3000); do echo cut > /dev/udp/127.0.0.1/" + std::to_string(port)
                          + "; sleep 0.01; done"}};
  TempDir dir;
  const std::string file = dir.path() + "/cut.pcap";
  Background cap{{program("rpcap-capture"), "--keepalive", "1", "--user-timeout", "3", "-w", file,
                  source(d.port(), CutNetwork::k_far_address), filter}};
  REQUIRE(eventually([&] { return file_size(file) > 500; }, 10000));

  net.cut();
  const auto cut_at = Clock::now();
  auto r = cap.wait(20000);
  const double client_s = seconds_since(cut_at);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("rpcap-capture: error: rpcap://198.18.9.2:") != std::string::npos);
  CHECK(pcap_record_count(read_file(file)) > 0);
  const bool daemon_noticed = eventually([&] { return log_has(d, "session ended"); }, 20000);
  const double daemon_s = seconds_since(cut_at);
  INFO(d.log());
  CHECK(daemon_noticed);
  CHECK(log_has(d, "capture ended"));
  std::printf("faults: network cut noticed by the client after %.1f s, by the daemon after %.1f s "
              "(keepalive 1 s, user timeout 3 s)\n",
              client_s, daemon_s);
  CHECK(client_s < 10);
  CHECK(daemon_s < 10);
}

TEST_CASE("rpcap-capture faults: a full disk or a full device is reported with exit 1 and the session closed cleanly",
          "[e2e][hardening][faults]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  const std::string filter = "udp dst port " + std::to_string(port);
  Traffic traffic{port, std::string(1000, 'f'), 2};

  SECTION("a 64 KiB tmpfs in a private mount namespace")
  {
    if (run({"/usr/bin/unshare", "-m", "/bin/true"}).exit_code != 0) {
      WARN("SKIPPED: cannot make a mount namespace");
      return;
    }
    TempDir dir;
    auto r = run({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                  "mount -t tmpfs -o size=64k rpcap-full '" + dir.path() + "' && exec '" + program("rpcap-capture")
                      + "' -w '" + dir.path() + "/full.pcap' '" + source(d.port()) + "' '" + filter + "'"},
                 {}, 30000);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rpcap-capture: error: ") != std::string::npos);
    CHECK(r.err.find("No space left on device") != std::string::npos);
  }
  SECTION("/dev/full")
  {
    auto r = run({program("rpcap-capture"), "-w", "/dev/full", source(d.port()), filter}, {}, 30000);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("No space left on device") != std::string::npos);
  }
  // The daemon saw a clean end: the client closed, the capture was ended.
  INFO(d.log());
  CHECK(eventually([&] { return log_has(d, "capture ended") && log_has(d, "session ended"); }, 5000));
  CHECK(d.log().find("error") == std::string::npos);
  CHECK(eventually([&] { return children_of(d.pid()).empty(); }, 5000));
}

TEST_CASE("every program: text for standard output that cannot be written is one error line and exit 1",
          "[e2e][hardening]")
{
  Daemon d{Daemon::ours({"-n"})};
  TempDir dir;
  const std::string conf = dir.write("rpcapd.conf", "NullAuthPermit = YES\n");
  const std::string listing = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/";
  struct Case {
    std::string prog;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
    {"rpcap-ls", {listing}},
    {"rpcap-ls", {}},
    {"rpcap-ls", {"--json"}},
    {"rpcap-capture", {"-D"}},
    {"rpcap-capture", {"-D", listing}},
    {"rpcap-conf", {"generate", "-n"}},
    {"rpcap-conf", {"show", conf}},
    {"rpcap-conf", {"show", "--json", conf}},
    {"rpcap-conf", {"tls-cert", "--key", dir.path() + "/key.pem", "--cert", dir.path() + "/cert.pem"}},
    {"rpcap-extcap", {"--extcap-interfaces"}},
    {"rpcap-extcap", {"--extcap-version"}},
    {"rpcapd", {"--help"}},
    {"rpcap-ls", {"--version"}},
  };
  for (const auto& c : cases) {
    std::string command = "exec '" + program(c.prog) + "'";
    for (const auto& a : c.args) { command += " '" + a + "'"; }
    const auto r = run({"/bin/sh", "-c", command + " >/dev/full"});
    INFO(command);
    CHECK(r.exit_code == 1);
    CHECK(r.err == c.prog + ": error: standard output: No space left on device\n");
  }
  // A closed standard output too.
  const auto closed = run({"/bin/sh", "-c", "exec '" + program("rpcap-ls") + "' '" + listing + "' >&-"});
  CHECK(closed.exit_code == 1);
  CHECK(closed.err == "rpcap-ls: error: standard output: Bad file descriptor\n");
}

// ---------------------------------------------------------------------------
// Password guessing

TEST_CASE("rpcapd: failed logins are slowed down per source address across connections, others are not",
          "[e2e][hardening][auth]")
{
  Daemon d{Daemon::ours({})};
  auto [text1, first] = failed_login(d.port(), "127.0.0.1", "no-such-user-guess", "first-secret-guess");
  auto [text2, second] = failed_login(d.port(), "127.0.0.1", "no-such-user-guess", "second-secret-guess");
  auto [text3, elsewhere] = failed_login(d.port(), "127.0.0.3", "no-such-user-guess", "third-secret-guess");
  std::printf("throttle: failed logins answered after %.2f s, then %.2f s from the same address, %.2f s from another\n",
              first, second, elsewhere);
  CHECK(text1 == "Authentication failed");
  CHECK(text2 == text1);
  CHECK(text3 == text1);
  // The delays grow from one address and not from another; relative checks,
  // so that a loaded machine (or ASan) does not make them fail.
  CHECK(first >= 0.95);
  CHECK(second >= 1.95);
  CHECK(second > first + 0.5);
  CHECK(elsewhere < second - 0.5);
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("password login of \"no-such-user-guess\" from 127.0.0.1:") != std::string::npos);
  CHECK(log.find("password login of \"no-such-user-guess\" from 127.0.0.3:") != std::string::npos);
  CHECK(log.find("(answered after 2.") != std::string::npos);
  CHECK(log.find("secret-guess") == std::string::npos);
}

TEST_CASE("rpcapd: --max-login-delay caps the delay", "[e2e][hardening][auth]")
{
  Daemon d{Daemon::ours({"--max-login-delay", "1"})};
  failed_login(d.port(), "127.0.0.1", "no-such-user-cap", "x");
  auto [text, again] = failed_login(d.port(), "127.0.0.1", "no-such-user-cap", "y");
  CHECK(again < 1.8);
}

// ---------------------------------------------------------------------------
// libpcap rpcapd CVE classes (docs/protocol.md#cve-classes)

TEST_CASE("CVE-2019-15161: trailing bytes after a request are discarded and every reply keeps its own length",
          "[e2e][hardening][cve]")
{
  Daemon d{Daemon::ours({"-n"})};
  RawClient c{d.port()};
  c.null_auth();
  // FINDALLIF, STATS and ENDCAP carry no payload; these carry 8 bytes anyway.
  c.send_bytes(from_hex("00 02 0000 00000008 4141414141414141"));
  auto ifs = c.expect<FindAllIfReply>();  // decoded strictly: its plen matches what it holds
  CHECK_FALSE(ifs.interfaces.empty());
  c.send_bytes(from_hex("00 09 0000 00000004 ffffffff"));
  c.expect<StatsReply>();
  c.send_bytes(from_hex("00 0a 0000 00000010 00000000000000000000000000000000"));
  c.expect_error(ErrorCode::endcapture);
  // still in step: a plain request gets its own reply
  c.send(FindAllIfRequest{});
  c.expect<FindAllIfReply>();
}

TEST_CASE("CVE-2019-15162: an unknown user and a wrong password get the same answer after the same time",
          "[e2e][hardening][cve]")
{
  Daemon d{Daemon::ours({})};
  // One after another (Catch's assertions stay in this thread), each from its own address.
  auto [text_pw, time_pw] = failed_login(d.port(), "127.0.0.4", "root", "not-roots-password");
  auto [text_user, time_user] = failed_login(d.port(), "127.0.0.5", "no-such-user-15162", "whatever");
  CHECK(text_pw == "Authentication failed");
  CHECK(text_user == text_pw);
  CHECK(std::abs(time_pw - time_user) < 0.5);
}

TEST_CASE("CVE-2019-15163: the password check's failure paths answer and the daemon keeps serving",
          "[e2e][hardening][cve]")
{
  Daemon d{Daemon::ours({})};
  const std::vector<std::pair<std::string, std::string>> odd = {
    {"", ""},
    {"root", ""},
    {std::string("root\0x", 6), "x"},
    {"root", std::string("pw\0", 3)},
    {"nobody", "x"},                          // an account that cannot log in
    {"root", std::string(65535, 'p')},        // the longest password the message holds
    {std::string(65535, 'u'), "x"},
    {"\xff\xfe\x80", "\xc3\x28\xa0\xa1"},     // not UTF-8
  };
  // One after another: Catch's assertions (inside failed_login) belong to
  // the test's own thread. Each from an address of its own, so none waits
  // for another's failure delay.
  int n = 10;
  for (const auto& [user, password] : odd) {
    const std::string from = "127.0.2." + std::to_string(n++);
    CHECK(failed_login(d.port(), from, user, password).first == "Authentication failed");
  }
  auto [text, t] = failed_login(d.port(), "127.0.2.99", "no-such-user-after", "x");
  CHECK(text == "Authentication failed");
  CHECK(::kill(d.pid(), 0) == 0);
  CHECK(d.log().find("signal") == std::string::npos);
}

TEST_CASE("CVE-2019-15164: an OPEN naming a URL is refused, and a STARTCAP after it opens nothing (the incomplete fix)",
          "[e2e][hardening][cve]")
{
  Daemon d{Daemon::ours({"-n"})};
  // A third party the daemon must never connect to.
  auto third = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4);
  REQUIRE(third.has_value());
  const auto third_port = local_address(third->front().get())->port();
  RawClient c{d.port()};
  c.null_auth();
  c.send(OpenRequest{"lo"});  // a device that works, then a URL: the URL must not inherit it
  c.expect<OpenReply>();
  for (const std::string& url : {"rpcap://127.0.0.1:" + std::to_string(third_port) + "/lo",
                                std::string("rpcaps://127.0.0.1:" + std::to_string(third_port) + "/lo"),
                                std::string("file:///etc/passwd")}) {
    INFO(url);
    c.send(OpenRequest{url});
    c.expect_error(ErrorCode::open);
    c.send(startcap_for("udp"));
    CHECK(c.expect_error(ErrorCode::startcapture).text == "No capture device was specified");
  }
  auto contacted = wait_readable(third->front().get(), 500);
  REQUIRE(contacted.has_value());
  CHECK_FALSE(*contacted);
}

TEST_CASE("CVE-2026-18313: thousands of UPDATEFILTER and STARTCAP messages leave the session's memory flat",
          "[e2e][hardening][cve]")
{
  if (!can_capture()) { return; }
  NoAsanQuarantine flat;
  // The restarted captures never get a data connection: no timeout may end them mid-test.
  Daemon d{Daemon::ours({"-n", "--data-timeout", "3600"})};
  RawClient c{d.port()};
  c.null_auth();
  RawClient data = start_lo_capture(c, "udp dst port 9");
  REQUIRE(eventually([&] { return children_of(d.pid()).size() == 1; }, 5000));
  const pid_t session = children_of(d.pid()).front();
  // A 4000-instruction program: loads, then accept.
  Filter big;
  big.insns.assign(4000, BpfInsn{0x00, 0, 0, 1});
  big.insns.push_back(BpfInsn{0x06, 0, 0, 65535});
  auto round = [&](int updates, int startcaps, int cycles) {
    for (int done = 0; done < updates; done += 100) {
      Bytes batch;
      for (int i = 0; i < 100; ++i) {
        big.insns[0].k = static_cast<std::uint32_t>(done + i);
        auto b = encode(Message{UpdateFilterRequest{big}});
        batch.insert(batch.end(), b.begin(), b.end());
      }
      c.send_bytes(batch);
      for (int i = 0; i < 100; ++i) { c.expect<UpdateFilterReply>(); }
    }
    for (int done = 0; done < startcaps; done += 100) {
      Bytes batch;
      for (int i = 0; i < 100; ++i) {
        auto b = encode(Message{startcap_for("udp")});
        batch.insert(batch.end(), b.begin(), b.end());
      }
      c.send_bytes(batch);
      for (int i = 0; i < 100; ++i) { c.expect_error(ErrorCode::startcapture); }  // one capture at a time (B9)
    }
    for (int i = 0; i < cycles; ++i) {  // and captures that end and start again
      c.send(EndCapRequest{});
      c.expect<EndCapReply>();
      c.send(startcap_for("udp dst port 9"));
      c.expect<StartCapReply>();
    }
  };
  round(500, 200, 20);  // warm up
  const long before = rss_kib(session);
  round(3000, 2000, 200);
  const long after = rss_kib(session);
  std::printf("CVE-2026-18313: session RSS %ld KiB before and %ld KiB after 3000 UPDATEFILTER (4001 instructions "
              "each), 2000 refused STARTCAP and 200 ENDCAP/STARTCAP\n",
              before, after);
  CHECK(after - before < 2048);
  c.send(StatsRequest{});
  c.expect<StatsReply>();
}
