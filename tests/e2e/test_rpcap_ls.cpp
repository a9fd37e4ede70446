// SPDX-License-Identifier: BSD-3-Clause
// rpcap-ls as a user runs it, against our rpcapd and against libpcap
// 1.10.3's: exact lines on stdout, exact error lines, exit codes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "support/daemon.hpp"
#include "support/reference.hpp"
#include "support/process.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

RunResult ls(std::vector<std::string> args, int timeout_ms = 20000)
{
  args.insert(args.begin(), program("rpcap-ls"));
  return run(args, {}, timeout_ms);
}

bool contains(const std::vector<std::string>& v, const std::string& s)
{
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string listing_of(std::uint16_t port) { return "rpcap://127.0.0.1:" + std::to_string(port) + "/"; }

}  // namespace

TEST_CASE("rpcap-ls: lists the daemon's interfaces as sources rpcap-capture takes", "[e2e][ls]")
{
  Daemon d{Daemon::ours({"-n"})};
  auto r = ls({listing_of(d.port())});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.err.empty());
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  CHECK(contains(lines, listing_of(d.port()) + "lo"));
  for (const auto& line : lines) { CHECK(line.starts_with(listing_of(d.port()))); }

  // the same interfaces as this host's own list, in the same order
  auto local = ls({"rpcap://"});
  REQUIRE(local.exit_code == 0);
  std::string expected;
  for (const auto& name : lines_of(local.out)) { expected += listing_of(d.port()) + name + "\n"; }
  CHECK(r.out == expected);

  // the host as written: a name stays a name, no port stays without one
  auto by_name = ls({"rpcap://localhost:" + std::to_string(d.port()) + "/", "-4"});
  REQUIRE(by_name.exit_code == 0);
  CHECK(contains(lines_of(by_name.out), "rpcap://localhost:" + std::to_string(d.port()) + "/lo"));

  // one interface
  auto one = ls({listing_of(d.port()) + "lo"});
  CHECK(one.exit_code == 0);
  CHECK(one.out == listing_of(d.port()) + "lo\n");
  auto none = ls({listing_of(d.port()) + "nosuch0"});
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());
  CHECK(none.err == "rpcap-ls: error: " + listing_of(d.port()) + ": no interface \"nosuch0\"\n");
}

TEST_CASE("rpcap-ls: --long shows flags and addresses", "[e2e][ls]")
{
  Daemon d{Daemon::ours({"-n"})};
  auto r = ls({"--long", listing_of(d.port()) + "lo"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == listing_of(d.port()) + "lo");
  CHECK(lines[1] == "  flags: 0x37 (loopback, up, running, status-not-applicable)");
  CHECK(contains(lines, "  inet 127.0.0.1/8"));

  auto all = ls({"-l", listing_of(d.port())});
  REQUIRE(all.exit_code == 0);
  CHECK(all.out.find(listing_of(d.port()) + "lo\n  flags: 0x37 (loopback, up, running, status-not-applicable)\n")
        != std::string::npos);
}

TEST_CASE("rpcap-ls: --json is one array of interface objects", "[e2e][ls]")
{
  Daemon d{Daemon::ours({"-n"})};
  auto r = ls({"--json", listing_of(d.port())});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.starts_with("[{\"source\":\""));
  CHECK(r.out.ends_with("}]\n"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  CHECK(r.out.find("{\"source\":\"" + listing_of(d.port())
                   + "lo\",\"name\":\"lo\",\"description\":null,\"flags\":55,"
                     "\"flag_names\":[\"loopback\",\"up\",\"running\",\"status-not-applicable\"],\"addresses\":[")
        != std::string::npos);
  CHECK(r.out.find("{\"family\":\"ipv4\",\"address\":\"127.0.0.1\",\"netmask\":\"255.0.0.0\",\"prefix\":8,"
                   "\"broadaddr\":null,\"dstaddr\":null}")
        != std::string::npos);
  // as many objects as the plain listing has lines
  auto plain = ls({listing_of(d.port())});
  std::size_t objects = 0;
  for (std::size_t pos = 0; (pos = r.out.find("{\"source\":", pos)) != std::string::npos; ++pos) { ++objects; }
  CHECK(objects == lines_of(plain.out).size());
  // and a JSON parser takes it
  if (::access("/usr/bin/python3", X_OK) == 0) {
    auto parsed = run({"/usr/bin/python3", "-c",
                       "import json,sys; d=json.load(sys.stdin); print(len(d), [i['name'] for i in d].count('lo'))"},
                      r.out);
    CHECK(parsed.out == std::to_string(objects) + " 1\n");
  }
}

TEST_CASE("rpcap-ls: refusals and unreachable daemons exit 1 with the host and the cause", "[e2e][ls]")
{
  SECTION("NULL authentication not permitted")
  {
    Daemon d{Daemon::ours({})};
    auto r = ls({listing_of(d.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err
          == "rpcap-ls: error: " + listing_of(d.port())
                 + ": authentication failed: Authentication failed; NULL authentication not permitted.\n");
  }
  SECTION("a wrong user and password, from a file and from RPCAP_PASSWORD")
  {
    Daemon d{Daemon::ours({})};
    TempDir dir;
    const auto pw = dir.write("pw", "not-the-password\n");
    auto r = ls({"-u", "nosuchuser-rpcap", "--password-file", pw, "--allow-plaintext-password", listing_of(d.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: " + listing_of(d.port()) + ": authentication failed: Authentication failed\n");
    auto env = run({"/usr/bin/env", "RPCAP_PASSWORD=not-the-password", program("rpcap-ls"), "-u", "nosuchuser-rpcap",
                    "--allow-plaintext-password", listing_of(d.port())});
    CHECK(env.exit_code == 1);
    CHECK(env.err == r.err);
  }
  SECTION("a host not on the daemon's allow list")
  {
    Daemon d{Daemon::ours({"-n", "-l", "192.0.2.99"})};
    auto r = ls({listing_of(d.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err.starts_with("rpcap-ls: error: " + listing_of(d.port()) + ": authenticate: "));
    CHECK(r.err.find("allowed host list") != std::string::npos);
  }
  SECTION("nothing listens on the port")
  {
    const auto port = closed_port();
    const auto start = std::chrono::steady_clock::now();
    auto r = ls({listing_of(port)});
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == "rpcap-ls: error: connect to 127.0.0.1:" + std::to_string(port) + ": Connection refused\n");
  }
  SECTION("a daemon that accepts but never answers: --timeout")
  {
    auto fds = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4);
    REQUIRE(fds.has_value());
    const auto port = local_address(fds->front().get())->port();
    const auto start = std::chrono::steady_clock::now();
    auto r = ls({"--timeout", "0.3", listing_of(port)});
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: " + listing_of(port) + ": authenticate: no reply within 300 ms\n");
  }
}

namespace {

// A server that greets its first connection with `banner` and then reads
// until the client goes away, in a thread of its own.
class BannerServer {
public:
  explicit BannerServer(std::string banner) : m_banner(std::move(banner))
  {
    auto fds = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4);
    REQUIRE(fds.has_value());
    m_listen = std::move(fds->front());
    m_port = local_address(m_listen.get())->port();
    m_thread = std::thread([this] {
      Fd c{::accept4(m_listen.get(), nullptr, nullptr, SOCK_CLOEXEC)};
      if (!c) { return; }
      (void)!::send(c.get(), m_banner.data(), m_banner.size(), MSG_NOSIGNAL);
      char buf[512];
      while (::recv(c.get(), buf, sizeof buf, 0) > 0) {}
    });
  }
  ~BannerServer()
  {
    ::shutdown(m_listen.get(), SHUT_RDWR);
    m_thread.join();
  }
  BannerServer(const BannerServer&) = delete;
  BannerServer& operator=(const BannerServer&) = delete;
  std::uint16_t port() const { return m_port; }

private:
  std::string m_banner;
  Fd m_listen;
  std::uint16_t m_port{0};
  std::thread m_thread;
};

}  // namespace

TEST_CASE("rpcap-ls: a peer that is not an RPCAP server is named as such, with what it sent", "[e2e][ls]")
{
  SECTION("an SSH server")
  {
    BannerServer ssh{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"};
    auto r = ls({listing_of(ssh.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: 127.0.0.1:" + std::to_string(ssh.port())
                       + " is not an RPCAP server (it sent \"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\")\n");
  }
  SECTION("an HTTP server")
  {
    BannerServer http{"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"};
    auto r = ls({listing_of(http.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: 127.0.0.1:" + std::to_string(http.port())
                       + " is not an RPCAP server (it sent \"HTTP/1.1 400 Bad Request\")\n");
  }
  SECTION("a TLS server (an alert, as a TLS server answers bytes that are no handshake)")
  {
    BannerServer tls{std::string{"\x15\x03\x03\x00\x02\x02\x32", 7}};
    auto r = ls({listing_of(tls.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: 127.0.0.1:" + std::to_string(tls.port())
                       + " is not an RPCAP server (it answered in TLS: use rpcaps://)\n");
  }
}

TEST_CASE("rpcap-ls: usage errors are one line and exit 2", "[e2e][ls]")
{
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
    {{"rpcap://probe1"},
     "source \"rpcap://probe1\": names the local device \"probe1\", which cannot be listed (write "
     "\"rpcap://probe1/\" to list a remote host, or \"rpcap://\" for local interfaces)"},
    {{"rpcapp://probe1/"}, "source \"rpcapp://probe1/\": unsupported scheme \"rpcapp\" (expected rpcap, rpcaps or file)"},
    {{"rpcap://[::1/"}, "source \"rpcap://[::1/\": IP literal has no closing \"]\""},
    {{"-u", "alice", "--password-file", "/etc/hostname", "rpcap://127.0.0.1:1/"},
     "rpcap://127.0.0.1:1/: refusing to send the password of \"alice\" in clear text; use rpcaps:// (TLS), or "
     "--allow-plaintext-password to send it anyway"},
    {{"--pin", "12:34", "rpcaps://127.0.0.1:1/"},
     "--pin: pin \"12:34\" is not a SHA-256 fingerprint (64 hex digits, colons allowed, as 'openssl x509 -noout "
     "-fingerprint -sha256' prints it)"},
    {{"--insecure", "--ca", "/etc/hostname", "rpcaps://127.0.0.1:1/"}, "--ca excludes --insecure (see --help)"},
    {{"--ca", "/nonexistent/ca.pem", "rpcaps://127.0.0.1:1/"}, "--ca \"/nonexistent/ca.pem\": No such file or directory"},
    // TLS options without rpcaps:// would be dropped for a plaintext session.
    {{"--pin", "abababababababababababababababababababababababababababababababab", "rpcap://127.0.0.1:1/"}, "--pin applies to rpcaps:// sources only"},
    {{"--ca", "/etc/hostname"}, "--ca applies to rpcaps:// sources only"},
    {{"--insecure", "--cert", "/etc/hostname", "--key", "/etc/hostname", "rpcap://127.0.0.1:1/"},
     "--insecure, --cert and --key apply to rpcaps:// sources only"},
    {{"file:///tmp/"}, "source \"file:///tmp/\": listing savefiles is not supported"},
    // CVE-2024-8006: libpcap's listing of a directory it cannot open dereferenced NULL.
    {{"file:///nonexistent-rpcap-dir/"}, "source \"file:///nonexistent-rpcap-dir/\": listing savefiles is not supported"},
    {{"-u", "alice", "rpcap://127.0.0.1:1/"},
     "no password for user \"alice\": give --password-file, set RPCAP_PASSWORD or run on a terminal"},
    {{"-u", "alice", "--password-file", "/nonexistent/pw", "rpcap://127.0.0.1:1/"},
     "password file \"/nonexistent/pw\": No such file or directory"},
    {{"--password-file", "/etc/hostname", "rpcap://127.0.0.1:1/"}, "--password-file requires --user (see --help)"},
    {{"--timeout", "0", "rpcap://"}, "--timeout: value \"0\" is not a number of seconds from 0.001 to 86400 (see --help)"},
    {{"-l", "--json", "rpcap://"}, "--long excludes --json (see --help)"},
  };
  for (const auto& c : cases) {
    auto r = ls(c.args);
    INFO(c.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "rpcap-ls: error: " + c.err + "\n");
  }
}

TEST_CASE("rpcap-ls: --pin with an rpcap:// daemon is refused before connecting, not a plaintext listing", "[e2e][ls]")
{
  Daemon d{Daemon::ours({"-n"})};
  auto r = ls({"--pin", "abababababababababababababababababababababababababababababababab", listing_of(d.port())});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "rpcap-ls: error: --pin applies to rpcaps:// sources only\n");
  INFO(d.log());
  CHECK(d.log().find(": connected") == std::string::npos);
}

TEST_CASE("rpcap-ls: an address that does not resolve is one line of error and exit 1 (CVE-2023-7256 class)", "[e2e][ls]")
{
  // libpcap freed the address list twice when resolving failed; here the
  // failure is an error like any other (the service name is looked up in
  // /etc/services: no DNS involved).
  auto r = ls({"rpcap://127.0.0.1:no-such-service-rpcap/"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.starts_with("rpcap-ls: error: resolve 127.0.0.1:no-such-service-rpcap: "));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

TEST_CASE("rpcap-ls: rpcap://, an empty SOURCE or none lists this host's interfaces by name", "[e2e][ls]")
{
  for (const std::vector<std::string>& args : {std::vector<std::string>{"rpcap://"}, {""}, {}}) {
    auto r = ls(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(contains(lines_of(r.out), "lo"));
  }
  auto j = ls({"--json", "rpcap://"});
  REQUIRE(j.exit_code == 0);
  CHECK(j.out.find("{\"source\":\"lo\",\"name\":\"lo\",") != std::string::npos);
}

TEST_CASE("rpcap-ls: lists the interfaces of libpcap 1.10.3's rpcapd", "[e2e][ls][interop]")
{
  if (!have_reference_rpcapd()) { return; }
  SECTION("with -n")
  {
    ReferenceDaemon d{{"-n"}};
    auto r = ls({listing_of(d.port())});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // (its libpcap is built without some of the system's capture sources)
    CHECK(contains(lines_of(r.out), listing_of(d.port()) + "lo"));
    for (const auto& line : lines_of(r.out)) { CHECK(line.starts_with(listing_of(d.port()))); }

    auto l = ls({"-l", listing_of(d.port()) + "lo"});
    CHECK(l.exit_code == 0);
    CHECK(contains(lines_of(l.out), "  inet 127.0.0.1/8"));
    auto j = ls({"--json", listing_of(d.port())});
    CHECK(j.exit_code == 0);
    CHECK(j.out.find("\"address\":\"127.0.0.1\",\"netmask\":\"255.0.0.0\",\"prefix\":8") != std::string::npos);
  }
  SECTION("without -n: the daemon's refusal")
  {
    ReferenceDaemon d{{}};
    auto r = ls({listing_of(d.port())});
    CHECK(r.exit_code == 1);
    CHECK(r.err
          == "rpcap-ls: error: " + listing_of(d.port())
                 + ": authentication failed: Authentication failed; NULL authentication not permitted.\n");
  }
}
