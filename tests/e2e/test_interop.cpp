// SPDX-License-Identifier: BSD-3-Clause
// Interoperability with the reference peers: libpcap built with remote
// capture, its tcpdump, and tests/vectors/refclient.c on the reference
// library, all against our rpcapd on loopback.
//
// The reference build comes from scripts/reference-build (cached in
// $RPCAP_REF_DIR or ~/.cache/rpcap-ref). Where it is missing these tests
// print SKIPPED, unless RPCAP_REQUIRE_REFERENCE=1 (CI), where they fail.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <sstream>

#include "support/account.hpp"
#include "support/daemon.hpp"
#include "support/process.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// True if the reference build is there (and we may capture); otherwise
// reports SKIPPED, or fails when CI requires the reference peers.
bool have_reference()
{
  const std::string dir = reference_dir();
  const bool present = ::access((dir + "/inst/lib/libpcap.so").c_str(), R_OK) == 0
                       && ::access(reference_tcpdump().c_str(), X_OK) == 0;
  const char* required = std::getenv("RPCAP_REQUIRE_REFERENCE");
  if (required != nullptr && std::string{required} == "1") {
    INFO("reference build missing in " << dir << "; run scripts/reference-build");
    REQUIRE(present);
    REQUIRE(::geteuid() == 0);
    return true;
  }
  if (!present) {
    WARN("SKIPPED: no reference build in " << dir << " (scripts/reference-build makes one)");
    return false;
  }
  if (::geteuid() != 0) {
    WARN("SKIPPED: live capture needs root");
    return false;
  }
  return true;
}

// Run `argv` with the reference library first on the library path.
RunResult run_reference(std::vector<std::string> argv, int timeout_ms = 30000)
{
  std::vector<std::string> env_argv{"/usr/bin/env", "LD_LIBRARY_PATH=" + reference_dir() + "/inst/lib"};
  env_argv.insert(env_argv.end(), argv.begin(), argv.end());
  return run(env_argv, {}, timeout_ms);
}

// Build refclient.c against the reference library into `dir`.
std::string build_refclient(const TempDir& dir)
{
  const std::string ref = reference_dir();
  const std::string out = dir.path() + "/refclient";
  auto r = run({"/usr/bin/gcc", "-std=c11", "-O1", "-I" + ref + "/inst/include", "-o", out,
                std::string{RPCAP_TESTS_DIR} + "/vectors/refclient.c", "-L" + ref + "/inst/lib",
                "-Wl,-rpath," + ref + "/inst/lib", "-lpcap"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return out;
}

// Packets in the pcap file at `path`, counted by Debian's tcpdump.
std::size_t count_packets(const std::string& path)
{
  auto r = run({"/usr/bin/tcpdump", "-n", "-r", path});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n'));
}

// The recorder's capture buffer, in KiB: other tests' bulk TCP on lo goes
// through its filter too, and a starved recorder must not lose this test's.
constexpr const char* k_recorder_buffer_kib = "65536";
// Recordings made again at most, when the recorder says it lost packets anyway.
constexpr int k_recordings = 3;

// Record `filter` on lo into `pcap` with Debian's tcpdump, and return once it
// captures (it says "listening on lo" on stderr, kept in `log`; bounded).
pid_t start_recorder(const std::string& pcap, const std::string& filter, const std::string& log)
{
  const Fd null{::open("/dev/null", O_WRONLY | O_CLOEXEC)};
  const Fd err{::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  REQUIRE(null.valid());
  REQUIRE(err.valid());
  const pid_t rec = start_child({"/usr/bin/tcpdump", "-i", "lo", "-s", "0", "-B", k_recorder_buffer_kib, "-U",
                                 "--immediate-mode", "-w", pcap, filter},
                                {{1, null.get()}, {2, err.get()}});
  INFO(log << ": " << read_file(log));
  REQUIRE(eventually([&] { return read_file(log).find("listening on") != std::string::npos; }, 10000));
  return rec;
}

// True if the pcap file at `path` (Ethernet, as on lo) holds a whole record
// of an IPv4 TCP segment from or to port `port`.
bool has_tcp_port(const std::string& path, std::uint16_t port)
{
  const std::string s = read_file(path);
  const auto byte = [&](std::size_t at) { return static_cast<unsigned>(static_cast<unsigned char>(s[at])); };
  for (std::size_t off = 24; off + 16 <= s.size();) {
    std::uint32_t caplen = 0;
    std::memcpy(&caplen, s.data() + off + 8, 4);
    if (s.size() - off - 16 < caplen) { break; }  // tcpdump is still writing it
    const std::size_t frame = off + 16;
    off = frame + caplen;
    // Ethernet (14 bytes, then the type at 12), IPv4 (its length in the low nibble of byte 0, protocol at 9)
    if (caplen < 34 || byte(frame + 12) != 0x08 || byte(frame + 13) != 0x00 || byte(frame + 23) != 6) { continue; }
    const std::size_t tcp = frame + 14 + 4 * (byte(frame + 14) & 0x0fU);
    if (tcp + 4 > off) { continue; }
    if ((byte(tcp) << 8 | byte(tcp + 1)) == port || (byte(tcp + 2) << 8 | byte(tcp + 3)) == port) { return true; }
  }
  return false;
}

// Stop the recorder `rec` once it wrote every packet sent before this call
// into `pcap` (its filter must take TCP). A connection to a closed port (a
// SYN, answered by a RST) goes out last: lo hands packets to a capture in
// the order they are sent, so once it is in the file so is all before it.
// Returns how many packets the recorder lost (its "packets dropped by
// kernel", from `log`): a recording that lost some proves nothing.
std::uint64_t stop_recorder(pid_t rec, const std::string& pcap, const std::string& log)
{
  const auto marker = closed_port();
  CHECK_FALSE(connect_tcp("127.0.0.1", std::to_string(marker), AddressFamily::ipv4, 5000).has_value());  // refused
  CHECK(eventually([&] { return has_tcp_port(pcap, marker); }, 10000));
  ::kill(rec, SIGINT);
  int status = 0;
  ::waitpid(rec, &status, 0);
  const std::string text = read_file(log);
  const auto at = text.find(" packets dropped by kernel");
  INFO(log << ": " << text);
  REQUIRE(at != std::string::npos);
  const auto line = text.rfind('\n', at);
  const std::size_t from = line == std::string::npos ? 0 : line + 1;
  return std::stoull(text.substr(from, at - from));
}

// Record `filter` on lo into `pcap` (the recorder's stderr in `log`) while
// `session` runs, again (at most k_recordings times in all) while the
// recorder says it lost packets; fails the test if every recording did.
void record_lossless(const std::string& pcap, const std::string& filter, const std::string& log,
                     const std::function<void()>& session)
{
  std::uint64_t lost = 0;
  for (int attempt = 0; attempt < k_recordings; ++attempt) {
    const pid_t rec = start_recorder(pcap, filter, log);
    session();
    lost = stop_recorder(rec, pcap, log);
    if (lost == 0) { return; }
  }
  REQUIRE(lost == 0);
}

}  // namespace

TEST_CASE("interop: the reference tcpdump captures through our rpcapd, with a filter", "[e2e][interop]")
{
  if (!have_reference()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  TempDir dir;
  const std::string out = dir.path() + "/cap.pcap";
  const auto port = traffic_port();
  const UdpPort noise_port;
  Traffic traffic{port, "tcpdump through rpcapd", 20};
  Traffic noise{noise_port.port(), "filtered out", 20};
  auto r = run_reference({reference_tcpdump(), "-i", "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo", "-c", "5",
                          "-w", out, "udp dst port " + std::to_string(port)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(count_packets(out) == 5);
  auto shown = run({"/usr/bin/tcpdump", "-n", "-r", out});
  CHECK(shown.out.find("> 127.0.0.1." + std::to_string(noise_port.port()) + ":") == std::string::npos);  // none crossed
}

TEST_CASE("interop: the reference tcpdump and a libpcap client work with our rpcapd over IPv6", "[e2e][interop]")
{
  if (!have_reference()) { return; }
  Daemon d{{program("rpcapd"), "-n", "-b", "::1", "-p", "0"}};
  TempDir dir;
  const std::string out = dir.path() + "/cap.pcap";
  Traffic traffic{9, "rpcap interop", 20};
  auto r = run_reference({reference_tcpdump(), "-i", "rpcap://[::1]:" + std::to_string(d.port()) + "/lo", "-c", "3",
                          "-w", out, "udp dst port 9"});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(count_packets(out) == 3);
  TempDir bin;
  const std::string refclient = build_refclient(bin);
  const std::string base = "rpcap://[::1]:" + std::to_string(d.port()) + "/";
  auto list = run({refclient, "findall", base});
  INFO(list.out << list.err);
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("dev " + base + "lo ") != std::string::npos);
  CHECK(run({refclient, "capture", base + "lo", "tcp"}).exit_code == 0);
}

TEST_CASE("interop: a libpcap client lists our interfaces and captures over TCP and UDP", "[e2e][interop]")
{
  if (!have_reference()) { return; }
  TempDir dir;
  const std::string refclient = build_refclient(dir);
  Daemon d{Daemon::ours({"-n"})};
  const std::string base = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/";

  auto list = run({refclient, "findall", base});
  INFO(list.out << list.err << "\ndaemon:\n" << d.log());
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("dev " + base + "lo flags 0x37") != std::string::npos);

  Traffic traffic{9, "rpcap interop", 20};
  for (const char* mode : {"tcp", "udp"}) {
    auto cap = run({refclient, "capture", base + "lo", mode});
    INFO(mode << ": " << cap.out << cap.err << "\ndaemon:\n" << d.log());
    CHECK(cap.exit_code == 0);
  }
}

TEST_CASE("interop: a libpcap client that sets no filter is served (B1)", "[e2e][interop]")
{
  if (!have_reference()) { return; }
  TempDir dir;
  const std::string refclient = build_refclient(dir);
  Daemon d{Daemon::ours({"-n"})};
  Traffic traffic{9, "rpcap interop", 20};
  auto r = run({refclient, "nofilter", "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo"});
  INFO(r.out << r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(d.log().find("payload is too short") == std::string::npos);
}

TEST_CASE("interop: tshark dissects a whole session with our daemon without a malformed message", "[e2e][interop]")
{
  if (!have_reference()) { return; }
  if (::access("/usr/bin/tshark", X_OK) != 0) {
    WARN("SKIPPED: tshark is not installed");
    return;
  }
  TempDir dir;
  const std::string refclient = build_refclient(dir);
  Daemon d{Daemon::ours({"-n"})};
  const std::string pcap = dir.path() + "/session.pcap";
  // Record the control and data connections on lo while a client lists and captures.
  record_lossless(pcap, "tcp and not port 9", dir.path() + "/tcpdump.log", [&] {
    Traffic traffic{9, "rpcap interop", 20};
    const std::string base = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/";
    CHECK(run({refclient, "findall", base}).exit_code == 0);
    CHECK(run({refclient, "capture", base + "lo", "tcp"}).exit_code == 0);
  });
  // Only this session's connections: other tests may be sending bad input
  // to other daemons on lo at the same time. They are the daemon's port and
  // the data ports its log names.
  std::string ours = "tcp.port == " + std::to_string(d.port());
  const std::string log = d.log();
  for (std::size_t at = log.find("data port "); at != std::string::npos; at = log.find("data port ", at + 1)) {
    ours += " or tcp.port == " + std::to_string(std::stoi(log.substr(at + 10)));
  }
  auto r = run({"/usr/bin/tshark", "-r", pcap, "-Y", "(" + ours + ") and rpcap"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("RPCAP") != std::string::npos);
  CHECK(r.out.find("Malformed") == std::string::npos);
  auto bad = run({"/usr/bin/tshark", "-r", pcap, "-Y",
                  "(" + ours + ") and (_ws.malformed or _ws.expert.severity >= error)"});
  INFO(bad.out);
  CHECK(bad.out.empty());
}

TEST_CASE("interop: our rpcapd in active mode serves a libpcap client that waits for it", "[e2e][interop][active]")
{
  if (!have_reference()) { return; }
  TempDir dir;
  const std::string refclient = build_refclient(dir);
  // pcap_remoteact_accept() binds the port with SO_REUSEADDR, so it may be one this process holds.
  const auto port = closed_port();
  Background client{{refclient, "active", std::to_string(port), "lo"}};
  // The client listens before the daemon starts, so the daemon's first call is taken.
  REQUIRE(eventually([&] { return listens_on(client.pid(), port) || !client.running(); }, 10000));
  INFO("client:\n" << client.out() << client.err());
  REQUIRE(client.running());
  Traffic traffic{9, "rpcap interop", 20};  // refclient's filters ask for port 9
  // -v: active only, no listening socket.
  Daemon d{{program("rpcapd"), "-n", "-v", "-a", "127.0.0.1," + std::to_string(port)}};
  const auto r = client.wait(30000);
  INFO(r.out << r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(d.log().find("active mode: connected to 127.0.0.1:" + std::to_string(port)) != std::string::npos);
  // The daemon is still running and trying again.
  CHECK(::kill(d.pid(), 0) == 0);
}

TEST_CASE("interop: a libpcap client logs in with a password and lists our interfaces", "[e2e][interop][auth]")
{
  if (!have_reference() || !can_manage_users()) { return; }
  TempDir dir;
  const std::string refclient = build_refclient(dir);
  TestUser user;
  Daemon d{Daemon::ours({})};
  const std::string base = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/";
  auto ok = run({refclient, "findall", base, user.name(), user.password()});
  INFO(ok.out << ok.err << "\ndaemon:\n" << d.log());
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("dev " + base + "lo ") != std::string::npos);
  auto bad = run({refclient, "findall", base, user.name(), "not-the-password"});
  CHECK(bad.out.find("Authentication failed") != std::string::npos);
  auto null = run({refclient, "findall", base});
  CHECK(null.out.find("NULL authentication not permitted") != std::string::npos);
}

// rpcap-listen with libpcap 1.10.3's rpcapd in active mode (-a). That daemon
// calls as it starts, and calls back at once after a session that ended
// without CLOSE, which rpcap-listen never sends; but a call that is refused
// it retries only after k_reference_active_retry_s. So rpcap-listen always
// listens before the daemon calls, and every listener here waits longer than
// that retry: should a call be refused after all, the test says when the
// daemon came back rather than that a deadline passed first.

namespace {

// --deadline for the listeners: the retry, and as long again for a loaded machine.
const std::string k_active_deadline = std::to_string(2 * k_reference_active_retry_s);
// How long the test waits for a listener: past its deadline, so the listener reports.
constexpr int k_active_wait_ms = (2 * k_reference_active_retry_s + 15) * 1000;

}  // namespace

TEST_CASE("interop: rpcap-listen captures from libpcap's rpcapd in active mode, which then calls back at once",
          "[e2e][interop][active]")
{
  if (!have_reference() || !have_reference_rpcapd()) { return; }
  const auto port = closed_port();
  const auto p = std::to_string(port);
  const auto udp = traffic_port();
  const std::string payload = "libpcap active " + std::to_string(::getpid());
  // rpcap-listen's and tcpdump's exit status, from bash's PIPESTATUS, on stderr after the statistics
  Background capture{{"/bin/bash", "-c",
                      "'" + program("rpcap-listen") + "' -p " + p + " --deadline " + k_active_deadline
                          + " capture lo -c 5 udp dst port " + std::to_string(udp)
                          + " | /usr/bin/tcpdump -n -A -r - 2>/dev/null; "
                            "echo \"status ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2"}};
  if (!wait_tcp_listening(port)) { FAIL("the capture does not listen; its stderr:\n" << capture.err()); }
  ReferenceDaemon d{{"-n", "-a", "127.0.0.1," + p}};
  // rpcap-listen stops listening once the daemon called in (a lone capture)...
  if (!wait_tcp_listening(port, false, k_active_wait_ms)) {
    FAIL("the capture still listens; its stderr:\n" << capture.err());
  }
  // ...so the next listener can be there when the daemon calls back.
  Background wait{{program("rpcap-listen"), "-p", p, "--deadline", k_active_deadline, "wait"}};
  if (!wait_tcp_listening(port)) { FAIL("wait does not listen; its stderr:\n" << wait.err()); }
  Traffic traffic{udp, payload};  // only now can the capture end
  const auto r = capture.wait(k_active_wait_ms);
  const auto ended = std::chrono::steady_clock::now();
  INFO(r.err);
  CHECK(r.err.ends_with("status 0 0\n"));
  CHECK(r.err.find("5 packets captured\n") != std::string::npos);
  INFO("tcpdump:\n" << r.out);
  CHECK(occurrences(r.out, "> 127.0.0.1." + std::to_string(udp) + ": UDP") == 5);
  CHECK(occurrences(r.out, payload) == 5);
  // The daemon is healthy and called back at once. wait listened before the
  // capture could end, so the call cannot have been refused; had it been,
  // it would come only after the retry.
  const auto again = wait.wait(k_active_wait_ms);
  const auto callback = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - ended);
  INFO(again.err << "\ncalled back " << callback.count() << " s after the capture ended");
  CHECK(again.exit_code == 0);
  CHECK(again.out == "127.0.0.1\n");
  CHECK(callback < std::chrono::seconds(k_reference_active_retry_s));
}

TEST_CASE("interop: rpcap-listen ls lists the interfaces of libpcap's rpcapd, twice as it calls back",
          "[e2e][interop][active]")
{
  if (!have_reference() || !have_reference_rpcapd()) { return; }
  const auto port = closed_port();
  const auto p = std::to_string(port);
  Background ls{{program("rpcap-listen"), "-p", p, "--deadline", k_active_deadline, "--daemons", "2", "ls"}};
  if (!wait_tcp_listening(port)) { FAIL("ls does not listen; its stderr:\n" << ls.err()); }
  ReferenceDaemon d{{"-n", "-a", "127.0.0.1," + p}};
  const auto r = ls.wait(k_active_wait_ms);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(after_listening(r.err).empty());
  std::vector<std::string> lines;
  std::istringstream in{r.out};
  for (std::string line; std::getline(in, line);) { lines.push_back(line); }
  REQUIRE(lines.size() == 2);  // the second: it called back after the first session, which had no CLOSE
  for (const auto& line : lines) {
    CHECK(line.starts_with("127.0.0.1 "));
    CHECK((line + " ").find(" lo ") != std::string::npos);
  }
  CHECK(lines[0] == lines[1]);
}

// ---------------------------------------------------------------------------
// rpcaps://

namespace {

// A key and self-signed certificate for 127.0.0.1 by rpcap-conf tls-cert; returns the pin.
std::string make_daemon_cert(const TempDir& dir)
{
  auto r = run({program("rpcap-conf"), "tls-cert", "--key", dir.path() + "/key.pem", "--cert", dir.path() + "/cert.pem",
                "--host", "127.0.0.1"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return r.out.substr(0, r.out.find('\n'));
}

}  // namespace

TEST_CASE("interop: the reference tcpdump captures through our rpcapd -S with rpcaps://", "[e2e][interop][tls]")
{
  if (!have_reference()) { return; }
  TempDir dir;
  make_daemon_cert(dir);
  Daemon d{Daemon::ours({"-n", "-S", "-K", dir.path() + "/key.pem", "-X", dir.path() + "/cert.pem"})};
  const std::string out = dir.path() + "/cap.pcap";
  const auto port = traffic_port();
  Traffic traffic{port, "tcpdump through rpcapd -S", 20};
  auto r = run_reference({reference_tcpdump(), "-i", "rpcaps://127.0.0.1:" + std::to_string(d.port()) + "/lo", "-c",
                          "5", "-w", out, "udp dst port " + std::to_string(port)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(count_packets(out) == 5);
  CHECK(d.log().find("TLSv1.") != std::string::npos);
}

TEST_CASE("interop: rpcap-capture captures from libpcap's rpcapd -S -K -X, its certificate pinned", "[e2e][interop][tls]")
{
  if (!have_reference()) { return; }
  TempDir dir;
  const std::string pin = make_daemon_cert(dir);
  ReferenceDaemon d{{"-n", "-S", "-K", dir.path() + "/key.pem", "-X", dir.path() + "/cert.pem"}};
  const std::string base = "rpcaps://127.0.0.1:" + std::to_string(d.port()) + "/";
  auto listed = run({program("rpcap-ls"), "--pin", pin, base});
  INFO(listed.err);
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find(base + "lo\n") != std::string::npos);
  const auto port = traffic_port();
  Traffic traffic{port, "from libpcap over tls"};
  const std::string out = dir.path() + "/cap.pcap";
  auto r = run({program("rpcap-capture"), "--pin", pin, "-c", "5", "-w", out, base + "lo", "udp", "dst", "port",
                std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(count_packets(out) == 5);
  // And its certificate is checked: a wrong pin is refused.
  TempDir other;
  auto wrong = run({program("rpcap-ls"), "--pin", make_daemon_cert(other), base});
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find("is not the pinned one") != std::string::npos);
}

TEST_CASE("interop: tshark sees TLS and no plaintext RPCAP on both connections of an rpcaps:// capture",
          "[e2e][interop][tls]")
{
  if (!have_reference()) { return; }
  if (::access("/usr/bin/tshark", X_OK) != 0) {
    WARN("SKIPPED: tshark is not installed");
    return;
  }
  TempDir dir;
  const std::string pin = make_daemon_cert(dir);
  Daemon d{Daemon::ours({"-n", "-S", "-K", dir.path() + "/key.pem", "-X", dir.path() + "/cert.pem"})};
  const std::string pcap = dir.path() + "/session.pcap";
  const auto port = traffic_port();
  const std::string filter = "tcp and not port " + std::to_string(port);
  record_lossless(pcap, filter, dir.path() + "/tcpdump.log", [&] {
    Traffic traffic{port, "secret payload", 20};
    auto r = run({program("rpcap-capture"), "--pin", pin, "-c", "5", "-w", dir.path() + "/cap.pcap",
                  "rpcaps://127.0.0.1:" + std::to_string(d.port()) + "/lo", "udp", "dst", "port", std::to_string(port)});
    INFO(r.err);
    CHECK(r.exit_code == 0);
  });
  // The data connection of the last capture: its port is the last the daemon's log names.
  const std::string log = d.log();
  const auto at = log.rfind("data port ");
  REQUIRE(at != std::string::npos);
  const std::string control = std::to_string(d.port());
  const std::string data = std::to_string(std::stoi(log.substr(at + 10)));
  // Without help, tshark finds no RPCAP at all on either connection...
  auto rpcap = run({"/usr/bin/tshark", "-r", pcap, "-Y", "(tcp.port == " + control + " or tcp.port == " + data + ") and rpcap"});
  CHECK(rpcap.exit_code == 0);
  CHECK(rpcap.out.empty());
  // ...and decoded as TLS, each connection has its own handshake and only encrypted records.
  for (const auto& p : {control, data}) {
    auto tls = run({"/usr/bin/tshark", "-r", pcap, "-d", "tcp.port==" + p + ",tls", "-Y",
                    "tcp.port == " + p + " and tls.handshake.type == 1"});
    INFO("port " << p << ": " << tls.err);
    CHECK(tls.out.find("Client Hello") != std::string::npos);
    auto app = run({"/usr/bin/tshark", "-r", pcap, "-d", "tcp.port==" + p + ",tls", "-Y",
                    "tcp.port == " + p + " and tls.app_data"});
    CHECK_FALSE(app.out.empty());
  }
  // The captured payload never crossed in clear.
  CHECK(read_file(pcap).find("secret payload") == std::string::npos);
}
