// SPDX-License-Identifier: BSD-3-Clause
// rpcap-listen as a user runs it: our rpcapd in active mode (-a) calls in
// on loopback, and rpcap-listen waits for it, lists its interfaces,
// captures from it into tcpdump, hands the connection to rpcap-capture and
// rpcap-ls --fd 3, refuses hosts off its -l list and logs in with a password.
//
// Each test listens on its own port, a closed_port() that this process
// holds so that no other can take it (rpcap-listen binds it with
// SO_REUSEADDR), and starts rpcap-listen before the daemons, watching
// /proc/net/tcp until it listens, so that a daemon's first call succeeds; a
// probe connection would be taken for a daemon. A listener that should
// succeed gets a deadline far beyond the time it needs, as it ends when
// done; one that should reach its deadline sees the daemon's first call at
// once, or the next one our rpcapd makes a second after a session.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "rpcap/net/socket.hpp"
#include "support/account.hpp"
#include "support/daemon.hpp"
#include "support/pcap_file.hpp"
#include "support/pcapng_file.hpp"
#include "support/process.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> words_of(const std::string& line)
{
  std::vector<std::string> out;
  std::istringstream in{line};
  for (std::string w; in >> w;) { out.push_back(w); }
  return out;
}

// rpcap-listen with `args`.
std::vector<std::string> listen_argv(std::vector<std::string> args)
{
  args.insert(args.begin(), program("rpcap-listen"));
  return args;
}

// `argv` (rpcap-listen, or a pipeline with it) in the background, once it listens on `port`.
std::unique_ptr<Background> start_listener(std::uint16_t port, const std::vector<std::string>& argv)
{
  auto l = std::make_unique<Background>(argv);
  if (!eventually([&] { return tcp_listening(port) || !l->running(); }, 10000) || !l->running()) {
    FAIL("nothing listens on port " << port << "; stderr:\n" << l->err());
  }
  return l;
}

// Our rpcapd in active mode only (-v: no listening socket), calling `host`,`port`.
std::vector<std::string> active_daemon(std::uint16_t port, const std::string& host = "127.0.0.1",
                                       std::vector<std::string> extra = {"-n"})
{
  std::vector<std::string> argv{program("rpcapd"), "-v", "-a", host + "," + std::to_string(port)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

// True if ::1 can be listened on; otherwise reports SKIPPED for `what`.
bool have_ipv6_loopback(const std::string& what)
{
  if (listen_tcp("::1", "0", AddressFamily::ipv6)) { return true; }
  WARN("SKIPPED: " << what << ": no IPv6 loopback (::1)");
  return false;
}

// The packet lines of tcpdump's output (those that start with a time stamp).
std::vector<std::string> packet_lines(const std::string& tcpdump_out)
{
  std::vector<std::string> out;
  for (auto& l : lines_of(tcpdump_out)) {
    if (l.size() > 2 && std::isdigit(static_cast<unsigned char>(l[0])) != 0 && l[2] == ':') { out.push_back(l); }
  }
  return out;
}

// Checks that `tcpdump_out` shows `count` UDP packets to `port` carrying `payload`.
void check_packets(const std::string& tcpdump_out, std::size_t count, std::uint16_t port, const std::string& payload)
{
  INFO("tcpdump:\n" << tcpdump_out);
  const auto lines = packet_lines(tcpdump_out);
  CHECK(lines.size() == count);
  for (const auto& l : lines) { CHECK(l.find("> 127.0.0.1." + std::to_string(port) + ": UDP") != std::string::npos); }
  CHECK(occurrences(tcpdump_out, payload) == count);
}

// check_packets() on what Debian's tcpdump shows of the pcap file at `path`.
void check_file_packets(const std::string& path, std::size_t count, std::uint16_t port, const std::string& payload)
{
  auto shown = run({"/usr/bin/tcpdump", "-n", "-A", "-r", path});
  INFO(shown.err);
  CHECK(shown.exit_code == 0);
  check_packets(shown.out, count, port, payload);
}

}  // namespace

// ---------------------------------------------------------------------------
// wait

TEST_CASE("rpcap-listen: wait prints the address of the daemon that called in", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "--deadline", "20", "wait"}));
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "127.0.0.1\n");
  CHECK(after_listening(r.err).empty());
  CHECK(d.log().find("active mode: connected to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(d.log().find("NULL authentication accepted") != std::string::npos);
}

TEST_CASE("rpcap-listen: wait and ls say so when standard output cannot be written, and exit 1", "[e2e][listen]")
{
  for (const std::string mode : {"wait", "ls"}) {
    const auto port = closed_port();
    auto l = start_listener(port, {"/bin/sh", "-c", "exec '" + program("rpcap-listen") + "' -p " + std::to_string(port)
                                                        + " --deadline 20 " + mode + " >/dev/full"});
    Daemon d{active_daemon(port)};
    const auto r = l->wait(25000);
    INFO(mode << "\n" << r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 1);
    CHECK(after_listening(r.err) == "rpcap-listen: error: standard output: No space left on device\n");
  }
}

TEST_CASE("rpcap-listen: says where it listens, and on a terminal that it still waits", "[e2e][listen]")
{
  const auto port = std::to_string(closed_port());
  auto r = run(listen_argv({"-b", "127.0.0.1", "-p", port, "wait", "--deadline", "0.2"}));
  CHECK(r.exit_code == 1);
  CHECK(lines_of(r.err).front() == "rpcap-listen: info: listening on 127.0.0.1:" + port + " for daemons (rpcapd -a)");
  CHECK(r.err.find("still waiting") == std::string::npos);  // not a terminal
  Background waiting{listen_argv({"-b", "127.0.0.1", "-p", port, "wait"}), Stderr::terminal};
  CHECK(eventually([&] { return waiting.err().find("still waiting") != std::string::npos; }, 20000));
  CHECK(waiting.err().find("rpcap-listen: info: still waiting: no daemon has called in on 127.0.0.1:" + port + " yet")
        != std::string::npos);
}

TEST_CASE("rpcap-listen: wait gives up at --deadline with one line naming it", "[e2e][listen]")
{
  const auto port = std::to_string(closed_port());
  const auto start = Clock::now();
  auto r = run(listen_argv({"-p", port, "wait", "--deadline", "1"}));
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(after_listening(r.err) == "rpcap-listen: error: deadline of 1 s passed: 0 of 1 daemons called in\n");
  CHECK(Clock::now() - start < std::chrono::seconds(10));

  auto named = run(listen_argv({"-p", port, "--deadline", "0.5", "wait", "127.0.0.1", "::1"}));
  CHECK(named.exit_code == 1);
  CHECK(named.out.empty());
  CHECK(after_listening(named.err) == "rpcap-listen: error: deadline of 0.5 s passed: still waiting for 127.0.0.1, ::1\n");
}

TEST_CASE("rpcap-listen: wait for two named daemons, one over IPv4 and one over IPv6", "[e2e][listen]")
{
  if (!have_ipv6_loopback("wait 127.0.0.1 ::1")) { return; }
  const auto port = closed_port();
  auto l = start_listener(port,
                          listen_argv({"-p", std::to_string(port), "--deadline", "20", "wait", "127.0.0.1", "::1"}));
  Daemon v4{active_daemon(port, "127.0.0.1")};
  Daemon v6{active_daemon(port, "::1")};
  const auto r = l->wait(25000);
  INFO(r.err << "\nIPv4 daemon:\n" << v4.log() << "\nIPv6 daemon:\n" << v6.log());
  CHECK(r.exit_code == 0);
  const auto got = lines_of(r.out);
  CHECK(std::set<std::string>(got.begin(), got.end()) == std::set<std::string>{"127.0.0.1", "::1"});
  CHECK(got.size() == 2);
}

TEST_CASE("rpcap-listen: wait closes daemons that are not among its HOSTs without logging in", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "--deadline", "3", "wait", "::1"}));
  Daemon d{active_daemon(port)};  // its first call is taken
  const auto r = l->wait(10000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(after_listening(r.err) == "rpcap-listen: error: deadline of 3 s passed: still waiting for ::1\n");  // no warning
  CHECK(d.log().find("active mode: connected to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  CHECK(d.log().find("authentication accepted") == std::string::npos);
}

TEST_CASE("rpcap-listen: wait ends when every HOST named logged in, also if two name the same daemon",
          "[e2e][listen]")
{
  const auto port = closed_port();
  const auto p = std::to_string(port);
  std::unique_ptr<Daemon> d;
  for (const auto& hosts : {std::vector<std::string>{"127.0.0.1", "127.0.0.1"},
                            std::vector<std::string>{"localhost", "127.0.0.1"}}) {
    // The daemon calls back a second after a session, or retries a refused
    // call after 1, 2, 4 s: the deadline leaves room for a few of those.
    std::vector<std::string> args{"-p", p, "--deadline", "20", "wait"};
    args.insert(args.end(), hosts.begin(), hosts.end());
    auto l = start_listener(port, listen_argv(args));
    if (!d) { d = std::make_unique<Daemon>(active_daemon(port)); }  // started once the first listener listens
    const auto r = l->wait(25000);
    INFO("wait " << hosts[0] << " " << hosts[1] << ": " << r.err << "\ndaemon:\n" << d->log());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "127.0.0.1\n");
    CHECK(after_listening(r.err).empty());
  }
}

TEST_CASE("rpcap-listen: wait exits 1 on SIGTERM, saying it was interrupted", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "wait", "127.0.0.1"}));
  // It handles signals a moment after it listens, and says nothing when it does.
  REQUIRE(eventually([&] { return catches_signal(l->pid(), SIGTERM); }, 10000));
  l->signal(SIGTERM);
  const auto r = l->wait(10000);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(after_listening(r.err) == "rpcap-listen: error: interrupted: still waiting for 127.0.0.1\n");
}

TEST_CASE("rpcap-listen: our rpcapd -v calls back after the listener went away and came back", "[e2e][listen]")
{
  const auto port = closed_port();
  const auto p = std::to_string(port);
  auto first = start_listener(port, listen_argv({"-p", p, "--deadline", "20", "wait"}));
  Daemon d{active_daemon(port)};
  auto r = first->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == "127.0.0.1\n");
  // Nobody listens until the daemon's call was refused; it backs off (1, 2, 4 s).
  REQUIRE(eventually([&] { return d.log().find("retrying in") != std::string::npos; }, 10000));
  auto second = start_listener(port, listen_argv({"-p", p, "--deadline", "15", "wait"}));
  r = second->wait(20000);
  INFO("second: " << r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "127.0.0.1\n");
  CHECK(d.log().find("retrying in") != std::string::npos);
  CHECK(::kill(d.pid(), 0) == 0);  // and it is still running
}

// ---------------------------------------------------------------------------
// ls

TEST_CASE("rpcap-listen: ls prints one line per daemon, its address then its interfaces", "[e2e][listen]")
{
  const auto port = closed_port();
  const auto p = std::to_string(port);
  SECTION("one daemon")
  {
    auto l = start_listener(port, listen_argv({"-p", p, "--deadline", "20", "--daemons", "1", "ls"}));
    Daemon d{active_daemon(port)};
    const auto r = l->wait(25000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
    const auto got = lines_of(r.out);
    REQUIRE(got.size() == 1);
    const auto words = words_of(got[0]);
    REQUIRE(words.size() >= 2);
    CHECK(words[0] == "127.0.0.1");
    CHECK(std::count(words.begin() + 1, words.end(), "lo") == 1);
  }
  SECTION("two daemons, served one after the other")
  {
    auto l = start_listener(port, listen_argv({"-p", p, "--deadline", "20", "--daemons", "2", "ls"}));
    Daemon a{active_daemon(port)};
    Daemon b{active_daemon(port)};
    const auto r = l->wait(25000);
    INFO(r.err << "\nfirst daemon:\n" << a.log() << "\nsecond daemon:\n" << b.log());
    CHECK(r.exit_code == 0);
    const auto got = lines_of(r.out);
    REQUIRE(got.size() == 2);
    for (const auto& line : got) {
      const auto words = words_of(line);
      REQUIRE(words.size() >= 2);
      CHECK(words[0] == "127.0.0.1");
      CHECK(std::count(words.begin() + 1, words.end(), "lo") == 1);
    }
    // each daemon had a session: the two lines are not one daemon calling twice
    CHECK(a.log().find("NULL authentication accepted") != std::string::npos);
    CHECK(b.log().find("NULL authentication accepted") != std::string::npos);
  }
}

TEST_CASE("rpcap-listen: ls --json prints one JSON object per daemon and line", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(
      port, listen_argv({"-p", std::to_string(port), "--deadline", "20", "--daemons", "1", "ls", "--json"}));
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  const auto got = lines_of(r.out);
  REQUIRE(got.size() == 1);
  CHECK(got[0].starts_with("{\"daemon\":\"127.0.0.1\",\"interfaces\":[{"));
  CHECK(got[0].ends_with("}]}"));
  CHECK(got[0].find("{\"source\":\"rpcap://127.0.0.1/lo\",\"name\":\"lo\",") != std::string::npos);
  // and a JSON parser takes each line
  if (::access("/usr/bin/python3", X_OK) == 0) {
    auto parsed = run({"/usr/bin/python3", "-c",
                       "import json,sys\n"
                       "for line in sys.stdin:\n"
                       "  d=json.loads(line)\n"
                       "  print(d['daemon'], [i['name'] for i in d['interfaces']].count('lo'))"},
                      r.out);
    INFO(parsed.err);
    CHECK(parsed.out == "127.0.0.1 1\n");
  }
}

TEST_CASE("rpcap-listen: ls ends at --deadline, with status 1 only if fewer than --daemons were listed",
          "[e2e][listen]")
{
  const auto port = std::to_string(closed_port());
  auto any = run(listen_argv({"-p", port, "--deadline", "1", "ls"}));
  CHECK(any.exit_code == 0);
  CHECK(any.out.empty());
  CHECK(after_listening(any.err).empty());
  auto short_of = run(listen_argv({"-p", port, "--deadline", "1", "--daemons", "1", "ls"}));
  CHECK(short_of.exit_code == 1);
  CHECK(short_of.out.empty());
  CHECK(after_listening(short_of.err) == "rpcap-listen: error: deadline of 1 s passed: 0 of 1 daemons listed\n");
}

namespace {

// ls with `args` and a daemon, stopped by SIGTERM once it listed one.
RunResult ls_until_sigterm(std::uint16_t port, const std::vector<std::string>& args)
{
  auto l = start_listener(port, listen_argv(args));
  Daemon d{active_daemon(port)};
  CHECK(eventually([&] { return !l->out().empty(); }));
  l->signal(SIGTERM);
  auto r = l->wait(10000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.out.starts_with("127.0.0.1 "));
  return r;
}

}  // namespace

TEST_CASE("rpcap-listen: ls exits 0 on SIGTERM", "[e2e][listen]")
{
  const auto port = closed_port();
  const auto r = ls_until_sigterm(port, {"-p", std::to_string(port), "ls"});
  CHECK(r.exit_code == 0);
  CHECK(after_listening(r.err).empty());
}

TEST_CASE("rpcap-listen: ls --daemons N exits 0 on SIGTERM before N were listed", "[e2e][listen]")
{
  // "repeats until --daemons N listed (then exit 0), SIGINT/SIGTERM (exit 0), or --deadline (exit 0
  // without --daemons; exit 1 if fewer than N)"
  const auto port = closed_port();
  const auto r = ls_until_sigterm(port, {"-p", std::to_string(port), "--daemons", "5", "ls"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(after_listening(r.err).empty());
}

// ---------------------------------------------------------------------------
// capture

TEST_CASE("rpcap-listen: capture writes the daemon's packets into a pipe that tcpdump reads", "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  const std::string payload = "rpcap-listen capture " + std::to_string(::getpid());
  // rpcap-listen's own exit status, from bash's PIPESTATUS, on stderr after its statistics
  auto l = start_listener(port, {"/bin/bash", "-c",
                                 "'" + program("rpcap-listen") + "' -p " + std::to_string(port)
                                     + " --deadline 20 capture lo -c 5 udp dst port " + std::to_string(traffic)
                                     + " | /usr/bin/tcpdump -n -A -r - 2>/dev/null; "
                                       "echo \"status ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2"});
  Daemon d{active_daemon(port)};
  Traffic t{traffic, payload};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.err.ends_with("status 0 0\n"));
  CHECK(r.err.find("5 packets captured\n") != std::string::npos);
  check_packets(r.out, 5, traffic, payload);
}

TEST_CASE("rpcap-listen: capture -w with %h writes a file per daemon", "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  const std::string payload = "per daemon " + std::to_string(::getpid());
  TempDir dir;
  Traffic t{traffic, payload};
  SECTION("one daemon")
  {
    auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                   "--daemons", "1", "capture", "lo", "-c", "4", "-w", dir.path() + "/cap-%h.pcap",
                                   "udp dst port " + std::to_string(traffic)});
    Daemon d{active_daemon(port)};
    const auto r = l->wait(25000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.find("127.0.0.1: 4 packets captured\n") != std::string::npos);
    const std::string file = dir.path() + "/cap-127.0.0.1.pcap";
    REQUIRE(::access(file.c_str(), R_OK) == 0);
    check_file_packets(file, 4, traffic, payload);
  }
  SECTION("two daemons, over IPv4 and IPv6")
  {
    if (!have_ipv6_loopback("-w %h with an IPv6 daemon")) { return; }
    auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                   "--daemons", "2", "capture", "lo", "-q", "-c", "3", "-w",
                                   dir.path() + "/%h-100%%.pcap", "udp dst port " + std::to_string(traffic)});
    Daemon v4{active_daemon(port, "127.0.0.1")};
    Daemon v6{active_daemon(port, "::1")};
    const auto r = l->wait(25000);
    INFO(r.err << "\nIPv4 daemon:\n" << v4.log() << "\nIPv6 daemon:\n" << v6.log());
    CHECK(r.exit_code == 0);
    CHECK(after_listening(r.err).empty());  // -q
    for (const char* host : {"127.0.0.1", "::1"}) {
      const std::string file = dir.path() + "/" + host + "-100%.pcap";
      INFO(file);
      REQUIRE(::access(file.c_str(), R_OK) == 0);
      check_file_packets(file, 3, traffic, payload);
    }
  }
}

TEST_CASE("rpcap-listen: capture --merge collects every daemon that calls in into one time-ordered pcapng stream",
          "[e2e][listen][capture][merge]")
{
  if (!can_capture() || !have_ipv6_loopback("--merge with an IPv6 daemon")) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  TempDir dir;
  const std::string file = dir.path() + "/collected.pcapng";
  Traffic t{traffic, "collected"};
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--daemons", "2", "capture",
                                 "--merge", "lo", "-w", file, "udp dst port " + std::to_string(traffic)});
  Daemon v4{active_daemon(port, "127.0.0.1")};
  Daemon v6{active_daemon(port, "::1")};
  const std::vector<std::string> names{"rpcap://127.0.0.1/lo", "rpcap://[::1]/lo"};
  CHECK(eventually([&] {
    const auto c = read_pcapng(file);
    return packets_of(c, names[0]) >= 5 && packets_of(c, names[1]) >= 5;
  }));
  REQUIRE(eventually([&] { return catches_signal(l->pid(), SIGINT); }));
  l->signal(SIGINT);
  const auto r = l->wait(20000);
  INFO(r.err << "\nIPv4 daemon:\n" << v4.log() << "\nIPv6 daemon:\n" << v6.log());
  CHECK(r.exit_code == 0);
  const auto c = read_pcapng(file);
  REQUIRE(c.interfaces.size() == 2);
  for (const auto& i : c.interfaces) {
    CHECK(std::find(names.begin(), names.end(), i.name) != names.end());
    CHECK(i.filter == "udp dst port " + std::to_string(traffic));
  }
  for (std::size_t i = 1; i < c.packets.size(); ++i) { CHECK(c.packets[i - 1].ts_ns <= c.packets[i].ts_ns); }
  CHECK(r.err.find(" packets captured from 2 sources\n") != std::string::npos);
  const auto shown = run({"/bin/sh", "-c", "tshark -r '" + file + "' -T fields -e frame.interface_name | sort -u"});
  CHECK(shown.out == "rpcap://127.0.0.1/lo\nrpcap://[::1]/lo\n");
  // One stream: %h makes no sense with it.
  auto bad = run({program("rpcap-listen"), "-p", std::to_string(port), "capture", "--merge", "lo", "-w", dir.path() + "/%h.pcapng"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--merge") != std::string::npos);
}

TEST_CASE("rpcap-listen: capture -G rotates the daemon's capture into complete files, -W keeping two",
          "[e2e][listen][capture][files]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  TempDir dir;
  Traffic t{traffic, "rotated"};
  const std::string log = dir.path() + "/done.log";
  const std::string post = dir.write("post.sh", "#!/bin/sh\necho \"$1\" >> '" + log + "'\n");
  REQUIRE(::chmod(post.c_str(), 0755) == 0);
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "capture", "-q", "-G", "1",
                                 "-W", "2", "-z", post, "-w", dir.path() + "/l-%s.pcap", "lo",
                                 "udp dst port " + std::to_string(traffic)});
  Daemon d{active_daemon(port)};
  CHECK(eventually([&] { return lines_of(read_file(log)).size() >= 3; }));
  REQUIRE(eventually([&] { return catches_signal(l->pid(), SIGINT); }));
  l->signal(SIGINT);
  const auto r = l->wait(20000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = e.path().filename();
    if (name.rfind("l-", 0) == 0) { files.push_back(e.path()); }
  }
  CHECK(files.size() == 2);
  for (const auto& f : files) {
    auto shown = run({"/usr/bin/tcpdump", "-n", "-r", f});
    INFO(f << ": " << shown.err);
    CHECK(shown.exit_code == 0);
    CHECK(!packet_lines(shown.out).empty());
  }
}

TEST_CASE("rpcap-listen: capture -w %h gives a daemon that calls in again a new file", "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  const std::string payload = "again " + std::to_string(::getpid());
  TempDir dir;
  Traffic t{traffic, payload};
  // The daemon's first capture ends at -c 2; it calls back 1 s later and is captured again.
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                 "--daemons", "2", "capture", "lo", "-q", "-c", "2", "-w", dir.path() + "/cap-%h.pcap",
                                 "udp dst port " + std::to_string(traffic)});
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  for (const std::string name : {"cap-127.0.0.1.pcap", "cap-127.0.0.1.pcap.1"}) {
    INFO(name);
    CHECK(records_in(dir.path() + "/" + name) == 2);
  }
}

TEST_CASE("rpcap-listen: capture ends cleanly on SIGINT, and with status 1 when the daemon dies",
          "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  TempDir dir;
  const std::string file = dir.path() + "/out.pcap";
  Traffic t{traffic, "until the end"};
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "--deadline", "20", "capture", "lo", "-U",
                                             "-w", file, "udp dst port " + std::to_string(traffic)}));
  auto d = std::make_unique<Daemon>(active_daemon(port));
  CHECK(eventually([&] { return records_in(file) > 5; }));
  SECTION("SIGINT")
  {
    l->signal(SIGINT);
    const auto r = l->wait(10000);
    INFO(r.err << "\ndaemon:\n" << d->log());
    CHECK(r.exit_code == 0);
    CHECK(r.err.find(" packets captured\n") != std::string::npos);
  }
  SECTION("the daemon killed")
  {
    ::kill(-d->pid(), SIGKILL);  // its whole group: the session dies with it
    const auto r = l->wait(10000);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rpcap-listen: error: ") != std::string::npos);
    d.reset();
  }
  // whole records only
  auto shown = run({"/usr/bin/tcpdump", "-n", "-r", file});
  INFO(shown.err);
  CHECK(shown.exit_code == 0);
  CHECK(packet_lines(shown.out).size() > 5);
}

TEST_CASE("rpcap-listen: capture fails with status 1 when no daemon came or the interface does not exist",
          "[e2e][listen][capture]")
{
  const auto port = closed_port();
  auto none = run(listen_argv({"-p", std::to_string(port), "--deadline", "1", "capture", "lo", "-w", "/dev/null"}));
  CHECK(none.exit_code == 1);
  CHECK(after_listening(none.err) == "rpcap-listen: error: deadline of 1 s passed: no daemon called in\n");

  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "--deadline", "20", "capture",
                                             "no-such-if0", "-w", "/dev/null"}));
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 1);
  CHECK(after_listening(r.err).starts_with("rpcap-listen: error: rpcap://127.0.0.1/: open \"no-such-if0\": "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);  // where it listened, and the error
  CHECK(r.err.find("\"no-such-if0\": open \"no-such-if0\"") == std::string::npos);  // never the same words twice
}

TEST_CASE("rpcap-listen: capture -w %h passes SIGTERM on to the captures, which end cleanly", "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  TempDir dir;
  Traffic t{traffic, "until SIGTERM"};
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "capture", "lo", "-U", "-w",
                                             dir.path() + "/%h.pcap", "udp dst port " + std::to_string(traffic)}));
  Daemon d{active_daemon(port)};
  const std::string file = dir.path() + "/127.0.0.1.pcap";
  CHECK(eventually([&] { return records_in(file) > 5; }));
  l->signal(SIGTERM);  // to rpcap-listen only
  const auto r = l->wait(10000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("127.0.0.1: ") != std::string::npos);
  CHECK(r.err.find(" packets captured\n") != std::string::npos);
  auto shown = run({"/usr/bin/tcpdump", "-n", "-r", file});
  CHECK(shown.exit_code == 0);
  CHECK(packet_lines(shown.out).size() > 5);
}

// ---------------------------------------------------------------------------
// exec

TEST_CASE("rpcap-listen: exec hands the connection to rpcap-capture --fd 3, with the daemon in the environment",
          "[e2e][listen][capture]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();
  const auto traffic = traffic_port();
  const std::string payload = "exec " + std::to_string(::getpid());
  TempDir dir;
  const std::string pcap = dir.path() + "/exec.pcap";
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                 "--daemons", "1", "exec", "--", "/bin/sh", "-c",
                                 "echo \"daemon=$RPCAP_DAEMON fd=$RPCAP_FD proto=$PROTO remote=$TCPREMOTEIP\"; "
                                 "exec '" + program("rpcap-capture") + "' --fd 3 -q -c 3 -w '" + pcap
                                     + "' lo udp dst port " + std::to_string(traffic)});
  Daemon d{active_daemon(port)};
  Traffic t{traffic, payload};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "daemon=127.0.0.1 fd=3 proto=TCP remote=127.0.0.1\n");
  CHECK(after_listening(r.err).empty());
  check_file_packets(pcap, 3, traffic, payload);
}

TEST_CASE("rpcap-listen: exec rpcap-ls --fd 3 lists the daemon's interfaces", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                 "--daemons", "1", "exec", "--", program("rpcap-ls"), "--fd", "3"});
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  const auto got = lines_of(r.out);
  CHECK(std::count(got.begin(), got.end(), "rpcap://127.0.0.1/lo") == 1);
  CHECK(d.log().find("NULL authentication accepted") != std::string::npos);
}

TEST_CASE("rpcap-listen: exec rpcap-ls --fd 3 IFACE lists that interface of the daemon", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                 "--daemons", "1", "exec", "--", program("rpcap-ls"), "--fd", "3", "lo"});
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(lines_of(r.out) == std::vector<std::string>{"rpcap://127.0.0.1/lo"});
}

TEST_CASE("rpcap-listen: exec exits 1 when the command fails, naming the daemon and the status", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, {program("rpcap-listen"), "-p", std::to_string(port), "--deadline", "20",
                                 "--daemons", "1", "exec", "--", "/bin/sh", "-c", "exit 3"});
  Daemon d{active_daemon(port)};
  const auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 1);
  CHECK(after_listening(r.err) == "rpcap-listen: warning: the command for 127.0.0.1 exited with status 3\n");
}

TEST_CASE("rpcap-listen: exec passes SIGTERM on to the commands and reports how they ended", "[e2e][listen]")
{
  const auto port = closed_port();
  auto l = start_listener(port, listen_argv({"-p", std::to_string(port), "exec", "--", "/bin/sh", "-c",
                                             "echo started; exec sleep 30"}));
  Daemon d{active_daemon(port)};
  CHECK(eventually([&] { return l->out() == "started\n"; }));
  const auto start = Clock::now();
  l->signal(SIGTERM);  // to rpcap-listen only
  const auto r = l->wait(20000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 1);
  CHECK(after_listening(r.err) == "rpcap-listen: warning: the command for 127.0.0.1 was killed by signal Terminated\n");
  CHECK(Clock::now() - start < std::chrono::seconds(5));  // SIGTERM, not the SIGKILL 10 s later
}

// ---------------------------------------------------------------------------
// -l, passwords, usage

TEST_CASE("rpcap-listen: -l refuses daemons from other hosts and accepts those on it", "[e2e][listen]")
{
  const auto port = closed_port();
  const auto p = std::to_string(port);
  SECTION("not on the list")
  {
    // 192.0.2.1 (TEST-NET-1) is not us
    auto l = start_listener(port, listen_argv({"-p", p, "-l", "192.0.2.1", "wait", "--deadline", "3"}));
    Daemon d{active_daemon(port)};  // its first call comes at once
    const auto r = l->wait(10000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    const auto err = lines_of(after_listening(r.err));
    REQUIRE(err.size() >= 2);
    for (std::size_t i = 0; i + 1 < err.size(); ++i) {
      CHECK(err[i].starts_with("rpcap-listen: warning: refused a daemon from 127.0.0.1:"));
      CHECK(err[i].ends_with(": not in the -l list"));
    }
    CHECK(err.back() == "rpcap-listen: error: deadline of 3 s passed: 0 of 1 daemons called in");
    // the daemon was told why (ERROR 11), and never logged in
    CHECK(eventually([&] { return d.log().find("Host 127.0.0.1 is not allowed to connect") != std::string::npos; }));
    CHECK(d.log().find("NULL authentication accepted") == std::string::npos);
  }
  SECTION("on the list, as a list or in a file")
  {
    TempDir dir;
    const std::string file = dir.write("hosts", "# daemons\n192.0.2.1\n127.0.0.1\n");
    std::unique_ptr<Daemon> d;
    for (const std::string& allow : {std::string{"192.0.2.1,127.0.0.1"}, file}) {
      auto l = start_listener(port, listen_argv({"-p", p, "-l", allow, "wait", "--deadline", "20"}));
      if (!d) { d = std::make_unique<Daemon>(active_daemon(port)); }  // started once the first listener listens
      const auto r = l->wait(25000);
      INFO(allow << ": " << r.err << "\ndaemon:\n" << d->log());
      CHECK(r.exit_code == 0);
      CHECK(r.out == "127.0.0.1\n");
      CHECK(after_listening(r.err).empty());
    }
  }
}

TEST_CASE("rpcap-listen: wait logs in with a password over the daemon's connection", "[e2e][listen][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  TempDir dir;
  const std::string good = dir.write("good", user.password() + "\n");
  const std::string bad = dir.write("bad", "not-the-password\n");
  const auto port = closed_port();
  const auto p = std::to_string(port);
  auto first = start_listener(port, listen_argv({"-p", p, "wait", "--deadline", "3", "-u", user.name(),
                                                 "--password-file", bad, "--allow-plaintext-password"}));
  Daemon d{active_daemon(port, "127.0.0.1", {})};  // without -n: passwords only; its first call comes at once

  const auto refused = first->wait(10000);
  INFO(refused.err << "\ndaemon:\n" << d.log());
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.empty());
  CHECK(after_listening(refused.err).starts_with("rpcap-listen: warning: rpcap://127.0.0.1/: authentication failed"));
  CHECK(refused.err.ends_with("rpcap-listen: error: deadline of 3 s passed: 0 of 1 daemons called in\n"));
  CHECK(refused.err.find(user.password()) == std::string::npos);

  // The daemon calls a second after each session, or 1, 2 s after a call refused between two listeners.
  auto null = run(listen_argv({"-p", p, "wait", "--deadline", "5"}));
  INFO(null.err << "\ndaemon:\n" << d.log());
  CHECK(null.exit_code == 1);
  CHECK(null.err.find("NULL authentication not permitted") != std::string::npos);

  auto ok = run(listen_argv({"-p", p, "wait", "--deadline", "20", "-u", user.name(), "--password-file", good,
                            "--allow-plaintext-password"}));
  INFO(ok.err << "\ndaemon:\n" << d.log());
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "127.0.0.1\n");
  CHECK(after_listening(ok.err).empty());
}

TEST_CASE("rpcap-listen: bad usage exits 2 with one line", "[e2e][listen]")
{
  const auto port = std::to_string(closed_port());
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
    {{}, "rpcap-listen: error: A subcommand is required (see --help)\n"},
    {{"-p", port, "capture"}, "rpcap-listen: error: IFACE is required (see --help)\n"},
    {{"-p", port, "--no-such-option", "wait"},
     "rpcap-listen: error: The following argument was not expected: --no-such-option (see --help)\n"},
    {{"-p", port, "-l", "no-such-host.invalid", "wait"}, ""},
    {{"-p", port, "-4", "-6", "wait"}, ""},
    {{"-p", port, "--daemons", "0", "wait"}, ""},
    {{"-p", port, "wait", "--password-file", "/dev/null"}, ""},
    {{"-p", port, "wait", "-u", "alice", "--password-file", "/etc/hostname"},
     "rpcap-listen: error: refusing to send the password of \"alice\" in clear text; use --tls (daemons running "
     "rpcapd -S), or --allow-plaintext-password to send it anyway\n"},
    {{"-p", port, "--tls", "exec", "true"}, "rpcap-listen: error: exec excludes --tls (see --help)\n"},
    // getaddrinfo() takes ports modulo 65536: 99999 was 34463, and 65536 any free port.
    {{"-b", "127.0.0.1", "-p", "99999", "--deadline", "0.5", "wait"},
     "rpcap-listen: error: --port: \"99999\" is not a port number (0-65535) or service name (see --help)\n"},
    {{"-b", "127.0.0.1", "-p", "65536", "--deadline", "0.5", "wait"},
     "rpcap-listen: error: --port: \"65536\" is not a port number (0-65535) or service name (see --help)\n"},
    {{"-p", "-1", "--deadline", "0.5", "wait"}, ""},
    // The daemons' certificates are checked with --tls only.
    {{"-p", port, "wait", "--pin", "abababababababababababababababababababababababababababababababab"}, "rpcap-listen: error: --pin applies only with --tls (daemons running rpcapd -S)\n"},
    {{"-p", port, "ls", "--insecure"}, "rpcap-listen: error: --insecure applies only with --tls (daemons running rpcapd -S)\n"},
    {{"-p", port, "capture", "lo", "--ca", "/etc/hostname"},
     "rpcap-listen: error: --ca applies only with --tls (daemons running rpcapd -S)\n"},
    // Before any daemon calls in, for one daemon or several merged.
    {{"-p", port, "--deadline", "20", "capture", "lo", "bogus filter"},
     "rpcap-listen: error: filter \"bogus filter\": can't parse filter expression: syntax error\n"},
    {{"-p", port, "--deadline", "20", "capture", "--merge", "lo", "-w", "/dev/null", "bogus filter"},
     "rpcap-listen: error: filter \"bogus filter\": can't parse filter expression: syntax error\n"},
  };
  for (const auto& c : cases) {
    auto r = run(listen_argv(c.args));
    std::string joined;
    for (const auto& a : c.args) { joined += a + " "; }
    INFO("rpcap-listen " << joined << "\n" << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("rpcap-listen: error: "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    if (!c.err.empty()) { CHECK(r.err == c.err); }
  }
}
