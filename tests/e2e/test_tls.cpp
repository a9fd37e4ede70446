// SPDX-License-Identifier: BSD-3-Clause
// rpcaps:// end to end: our clients and our rpcapd -S on loopback, with
// certificates made at test time (rpcap-conf tls-cert, and the library for
// CAs, client and expired certificates); verification outcomes as the user
// sees them; the answers to the wrong kind of peer (TV16, docs/protocol.md#test-vectors); active
// mode over TLS with rpcap-listen --tls.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "rpcap/client/session.hpp"
#include "rpcap/net/tls.hpp"
#include "rpcap/wire/url.hpp"
#include "support/account.hpp"
#include "support/daemon.hpp"
#include "support/pcapng_file.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// A daemon key and self-signed certificate made by rpcap-conf tls-cert, and its pin.
struct DaemonCert {
  TempDir dir;
  std::string key, cert, pin;
  explicit DaemonCert(std::vector<std::string> hosts = {"localhost", "127.0.0.1"})
  {
    key = dir.path() + "/key.pem";
    cert = dir.path() + "/cert.pem";
    std::vector<std::string> argv{program("rpcap-conf"), "tls-cert", "--key", key, "--cert", cert};
    for (const auto& h : hosts) {
      argv.push_back("--host");
      argv.push_back(h);
    }
    auto r = run(argv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.size() == 96);  // 32 bytes as "AB:" and a newline
    pin = r.out.substr(0, 95);
  }
  std::vector<std::string> daemon_args(std::vector<std::string> extra = {"-n"}) const
  {
    extra.insert(extra.end(), {"-S", "-K", key, "-X", cert});
    return extra;
  }
};

std::string tls_source(const Daemon& d, const std::string& rest = "", const std::string& host = "127.0.0.1")
{
  return "rpcaps://" + host + ":" + std::to_string(d.port()) + "/" + rest;
}

RunResult ls(std::vector<std::string> args)
{
  args.insert(args.begin(), program("rpcap-ls"));
  return run(args);
}

PemIdentity made(Result<PemIdentity> r)
{
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  return std::move(*r);
}

// Everything `fd` sends until it closes (bounded).
std::string read_until_closed(int fd)
{
  std::string out;
  char buf[512];
  for (;;) {
    auto ready = wait_readable(fd, 5000);
    if (!ready || !*ready) { break; }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) { break; }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TEST_CASE("tls: rpcap-ls lists through rpcapd -S, verified by pin or by the certificate as CA", "[e2e][tls]")
{
  DaemonCert c;
  Daemon d{Daemon::ours(c.daemon_args())};
  auto pinned = ls({"--pin", c.pin, tls_source(d)});
  INFO(pinned.err << "\ndaemon:\n" << d.log());
  CHECK(pinned.exit_code == 0);
  CHECK(pinned.err.empty());
  CHECK(pinned.out.find(tls_source(d, "lo") + "\n") != std::string::npos);
  // The pin without colons and in lower case is the same pin.
  std::string bare = c.pin;
  bare.erase(std::remove(bare.begin(), bare.end(), ':'), bare.end());
  std::transform(bare.begin(), bare.end(), bare.begin(), [](char ch) { return static_cast<char>(std::tolower(ch)); });
  CHECK(ls({"--pin", bare, tls_source(d)}).exit_code == 0);
  auto by_name = ls({"--ca", c.cert, tls_source(d, "", "localhost")});
  CHECK(by_name.exit_code == 0);
  CHECK(by_name.out.find(tls_source(d, "lo", "localhost") + "\n") != std::string::npos);
  CHECK(d.log().find("TLSv1.") != std::string::npos);
}

TEST_CASE("tls: rpcap-capture captures through rpcapd -S, both connections with TLS", "[e2e][tls]")
{
  if (!can_capture()) { return; }
  DaemonCert c;
  Daemon d{Daemon::ours(c.daemon_args())};
  const auto port = traffic_port();
  Traffic traffic{port, "over tls"};
  TempDir dir;
  const std::string file = dir.path() + "/out.pcap";
  auto r = run({program("rpcap-capture"), "--pin", c.pin, "-c", "5", "-w", file, tls_source(d, "lo"), "udp", "dst",
                "port", std::to_string(port)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("5 packets captured\n") != std::string::npos);
  auto shown = run({"/usr/bin/tcpdump", "-n", "-A", "-r", file});
  CHECK(std::count(shown.out.begin(), shown.out.end(), '\n') >= 5);
  CHECK(shown.out.find("over tls") != std::string::npos);
  CHECK(d.log().find("capture started on \"lo\"") != std::string::npos);

  SECTION("UDP data is refused with TLS, as libpcap does")
  {
    auto udp = run({program("rpcap-capture"), "--pin", c.pin, "--udp", "-c", "1", "-w", file, tls_source(d, "lo")});
    CHECK(udp.exit_code == 2);
    CHECK(udp.err.find("UDP data cannot be protected by TLS; capture over TCP with rpcaps://") != std::string::npos);
  }
}

TEST_CASE("tls: a wrong CA, host name, pin, an expired or an untrusted certificate is refused with the reason",
          "[e2e][tls]")
{
  DaemonCert c{{"localhost"}};
  Daemon d{Daemon::ours(c.daemon_args())};
  const std::string prefix = "rpcap-ls: error: " + tls_source(d) + ": TLS: ";
  SECTION("the system's trust store does not know a self-signed certificate")
  {
    auto r = ls({tls_source(d)});
    CHECK(r.exit_code == 1);
    CHECK(r.err == prefix + "certificate verify failed: self-signed certificate; use --ca FILE, or --pin " + c.pin +
                       " if that is the daemon's certificate (rpcap-conf tls-cert prints its pin on the daemon's host)\n");
    CHECK(r.out.empty());
  }
  SECTION("another CA")
  {
    DaemonCert other;
    auto r = ls({"--ca", other.cert, tls_source(d)});
    CHECK(r.exit_code == 1);
    CHECK(r.err == prefix + "certificate verify failed: self-signed certificate; use --ca FILE, or --pin " + c.pin +
                       " if that is the daemon's certificate (rpcap-conf tls-cert prints its pin on the daemon's host)\n");
  }
  SECTION("a host name the certificate does not hold")
  {
    auto r = ls({"--ca", c.cert, tls_source(d)});  // 127.0.0.1: the certificate names localhost only
    CHECK(r.exit_code == 1);
    CHECK(r.err == prefix + "certificate verify failed: IP address mismatch (the certificate is not for "
                            "\"127.0.0.1\"); connect by a name it holds, or use --pin SHA256\n");
  }
  SECTION("a wrong pin")
  {
    DaemonCert other;
    auto r = ls({"--pin", other.pin, tls_source(d)});
    CHECK(r.exit_code == 1);
    CHECK(r.err == prefix + "the daemon's certificate " + c.pin + " is not the pinned one (--pin " + other.pin + ")\n");
  }
  SECTION("an expired certificate")
  {
    CertSpec spec;
    spec.hosts = {"localhost"};
    spec.not_before_s = -30 * 86400;
    spec.not_after_s = -86400;
    auto old = made(make_certificate(spec));
    TempDir dir;
    Daemon expired{Daemon::ours({"-n", "-S", "-K", dir.write("k.pem", old.key_pem), "-X", dir.write("c.pem", old.cert_pem)})};
    auto r = ls({"--ca", dir.path() + "/c.pem", tls_source(expired, "", "localhost")});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: " + tls_source(expired, "", "localhost")
                       + ": TLS: certificate verify failed: certificate has expired\n");
  }
  SECTION("--insecure takes it, and warns")
  {
    auto r = ls({"--insecure", tls_source(d)});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "rpcap-ls: warning: --insecure: the daemon's certificate is not verified; anyone on the path can "
                   "read and change the session\n");
    CHECK(r.out.find(tls_source(d, "lo")) != std::string::npos);
  }
}

TEST_CASE("tls: the wrong kind of client gets the answers of the reference (TV16)", "[e2e][tls]")
{
  DaemonCert c;
  SECTION("plaintext RPCAP to rpcapd -S: ERROR 19 in plaintext, then closed")
  {
    Daemon d{Daemon::ours(c.daemon_args())};
    Fd fd = connect_local(d.port());
    // AUTH_REQ, NULL authentication (16 bytes, as libpcap sends it)
    const unsigned char auth[] = {0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0};
    REQUIRE(::send(fd.get(), auth, sizeof auth, MSG_NOSIGNAL) == sizeof auth);
    const std::string want = std::string{"\x00\x01\x00\x13\x00\x00\x00\x1e", 8} + "TLS is required by this server";
    CHECK(read_until_closed(fd.get()) == want);
    auto r = ls({"rpcap://127.0.0.1:" + std::to_string(d.port()) + "/"});
    CHECK(r.exit_code == 1);
    CHECK(r.err == "rpcap-ls: error: rpcap://127.0.0.1:" + std::to_string(d.port())
                       + "/: authenticate: TLS is required by this server\n");
    CHECK(d.log().find("refused: plaintext RPCAP, but this daemon requires TLS") != std::string::npos);
  }
  SECTION("a TLS ClientHello to a plain rpcapd: a handshake_failure alert, then closed")
  {
    Daemon d{Daemon::ours({"-n"})};
    Fd fd = connect_local(d.port());
    const unsigned char hello[] = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x00, 0x00};
    REQUIRE(::send(fd.get(), hello, sizeof hello, MSG_NOSIGNAL) == sizeof hello);
    CHECK(read_until_closed(fd.get()) == std::string{"\x15\x03\x01\x00\x02\x02\x28", 7});
    auto r = ls({"--insecure", tls_source(d)});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rpcap-ls: error: " + tls_source(d)
                     + ": TLS: handshake: sslv3 alert handshake failure (does the daemon use TLS, rpcapd -S?)\n")
          != std::string::npos);
  }
}

TEST_CASE("tls: a password login over TLS, and no password over plaintext unless asked", "[e2e][tls][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  DaemonCert c;
  Daemon d{Daemon::ours(c.daemon_args({}))};
  TempDir dir;
  const auto good = dir.write("good", user.password() + "\n");
  const auto bad = dir.write("bad", "not-the-password\n");
  auto ok = ls({"--pin", c.pin, "-u", user.name(), "--password-file", good, tls_source(d)});
  INFO(ok.err << "\ndaemon:\n" << d.log());
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find(tls_source(d, "lo")) != std::string::npos);
  auto refused = ls({"--pin", c.pin, "-u", user.name(), "--password-file", bad, tls_source(d)});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err == "rpcap-ls: error: " + tls_source(d) + ": authentication failed: Authentication failed\n");
  auto clear = ls({"-u", user.name(), "--password-file", good, "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/"});
  CHECK(clear.exit_code == 2);
  CHECK(clear.err.find("in clear text; use rpcaps:// (TLS), or --allow-plaintext-password") != std::string::npos);
  CHECK(d.log().find(user.password()) == std::string::npos);
}

namespace {

// A client CA and certificates it signs for any CN, in files.
struct ClientPki {
  TempDir dir;
  PemIdentity ca;
  std::string ca_file;
  ClientPki()
  {
    CertSpec spec;
    spec.common_name = "rpcap test clients";
    spec.is_ca = true;
    ca = made(make_certificate(spec));
    ca_file = dir.write("clients.pem", ca.cert_pem);
  }
  // --cert and --key for a client certificate whose CN is `cn`.
  std::vector<std::string> client_args(const std::string& cn, const std::string& file_name)
  {
    CertSpec spec;
    spec.common_name = cn;
    auto id = made(make_certificate(spec, &ca));
    return {"--cert", dir.write(file_name + ".pem", id.cert_pem), "--key", dir.write(file_name + ".key", id.key_pem)};
  }
};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b)
{
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// rpcapd -S -n in active mode, calling 127.0.0.1:`port` (a listener there), with `more` switches.
std::vector<std::string> active_tls_daemon(const DaemonCert& c, const std::string& port, std::vector<std::string> more = {})
{
  return std::vector<std::string>{program("rpcapd"), "-v", "-a", "127.0.0.1," + port, "-n", "-S", "-K", c.key, "-X", c.cert}
         + more;
}

// An active-mode capture over TLS: the daemon's certificate, the port
// rpcap-listen takes calls on, UDP traffic on lo holding `text` (to port
// `traffic`) and the file the capture goes to.
struct ActiveTlsCapture {
  explicit ActiveTlsCapture(const std::string& text) : t{traffic, text} {}
  DaemonCert c;
  std::uint16_t port{closed_port()};
  std::string p{std::to_string(port)};
  std::uint16_t traffic{traffic_port()};
  Traffic t;
  TempDir dir;
  std::string file{dir.path() + "/cap.pcap"};
  std::string filter_port{std::to_string(traffic)};
};

// What an active-mode capture over TLS wrote to `file`: at least 4 packets
// holding `text`, with the daemon's data connection over TLS too.
void check_tls_capture(const std::string& file, const std::string& text, const Daemon& d)
{
  auto shown = run({"/usr/bin/tcpdump", "-n", "-A", "-r", file});
  CHECK(std::count(shown.out.begin(), shown.out.end(), '\n') >= 4);
  CHECK(shown.out.find(text) != std::string::npos);
  CHECK(d.log().find("data connection: TLSv1.") != std::string::npos);
}

}  // namespace

TEST_CASE("tls: a client certificate logs in as the user its CN names, and the session runs as that user",
          "[e2e][tls][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  ClientPki pki;
  DaemonCert c;
  // With -n too: NULL authentication would keep the daemon's privileges, the certificate's user does not.
  const bool null_auth = GENERATE(false, true);
  INFO("-n " << null_auth);
  Daemon d{Daemon::ours(c.daemon_args(null_auth ? std::vector<std::string>{"-n", "--client-ca", pki.ca_file}
                                                : std::vector<std::string>{"--client-ca", pki.ca_file}))};
  const auto cert = pki.client_args(user.name(), "user");

  // A session held open, to look at its process.
  ClientOptions opts;
  opts.tls_settings.pin = *parse_pin(c.pin);
  opts.tls_settings.cert_file = cert[1];
  opts.tls_settings.key_file = cert[3];
  auto src = parse_source(tls_source(d), SourceUse::list);
  REQUIRE(src);
  auto session = ClientSession::connect(*src, opts);
  INFO((session ? "" : session.error().message) << "\ndaemon:\n" << d.log());
  REQUIRE(session);
  CHECK(session->list_interfaces());
  const passwd* pw = ::getpwnam(user.name().c_str());
  REQUIRE(pw != nullptr);
  const std::string uid = std::to_string(pw->pw_uid);
  const auto sessions = children_of(d.pid());
  REQUIRE(sessions.size() == 1);
  CHECK(uids_of(sessions.front()) == uid + " " + uid + " " + uid + " " + uid);
  session->close();
  CHECK(d.log().find("client certificate \"CN=" + user.name() + "\" verified") != std::string::npos);
  CHECK(d.log().find("client certificate CN=" + user.name() + " logged in as user \"" + user.name() + "\"")
        != std::string::npos);

  // As that user, without --capture-group: no capture (a NULL login as root could).
  auto capture = run(std::vector<std::string>{program("rpcap-capture"), "--pin", c.pin} + cert
                     + std::vector<std::string>{"-c", "1", tls_source(d, "lo")});
  CHECK(capture.exit_code == 1);
  CHECK(capture.err.find("permission") != std::string::npos);
}

TEST_CASE("tls: a client certificate whose user PAM refuses logs in nobody, not the daemon's user, even with -n",
          "[e2e][tls][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  REQUIRE(run({"/usr/bin/chage", "-E", "0", user.name()}).exit_code == 0);  // expired in 1970
  ClientPki pki;
  DaemonCert c;
  Daemon d{Daemon::ours(c.daemon_args({"-n", "--client-ca", pki.ca_file}))};
  auto r = ls(std::vector<std::string>{"--pin", c.pin} + pki.client_args(user.name(), "user")
              + std::vector<std::string>{tls_source(d)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 1);
  CHECK(r.err == "rpcap-ls: error: " + tls_source(d) + ": authentication failed: Authentication failed\n");
  CHECK(d.log().find("certificate login of \"" + user.name() + "\" from 127.0.0.1") != std::string::npos);
  CHECK(d.log().find("NULL authentication accepted") == std::string::npos);
}

TEST_CASE("tls: a client certificate whose CN names no local account, or one that may not log in, authenticates nobody",
          "[e2e][tls][auth]")
{
  if (!can_manage_users()) { return; }
  TestUser user;
  ClientPki pki;
  DaemonCert c;
  Daemon d{Daemon::ours(c.daemon_args({"--client-ca", pki.ca_file}))};  // no -n
  const auto alien = pki.client_args("nosuchuser-rpcap", "alien");
  const auto odd = pki.client_args("Eve\n" + user.name(), "odd");
  const auto service = pki.client_args("daemon", "service");  // shell /usr/sbin/nologin
  for (const auto& cert : {alien, odd, service}) {
    auto r = ls(std::vector<std::string>{"--pin", c.pin} + cert + std::vector<std::string>{tls_source(d)});
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 1);
    INFO(d.log());
    CHECK(r.err == "rpcap-ls: error: " + tls_source(d) + ": authentication failed: Authentication failed; NULL "
                   "authentication not permitted.\n");
  }
  INFO("daemon:\n" << d.log());
  CHECK(d.log().find("client certificate \"CN=nosuchuser-rpcap\" logs in as nobody: CN \"nosuchuser-rpcap\" names no "
                     "local account; the client must log in by password\n")
        != std::string::npos);
  // The subject is escaped: the newline in the CN cannot start a log line of its own.
  CHECK(d.log().find("client certificate \"CN=Eve\\0A" + user.name() + "\" logs in as nobody: CN \"Eve\\x0a" + user.name()
                     + "\" is not a user name; the client must log in by password\n")
        != std::string::npos);
  CHECK(d.log().find("client certificate \"CN=daemon\" logs in as nobody: CN \"daemon\" names account \"daemon\", which "
                     "may not log in (shell \"/usr/sbin/nologin\"); the client must log in by password\n")
        != std::string::npos);
  // With a password it logs in like anyone else.
  TempDir dir;
  auto r = ls(std::vector<std::string>{"--pin", c.pin} + alien
              + std::vector<std::string>{"-u", user.name(), "--password-file", dir.write("pw", user.password() + "\n"),
                                         tls_source(d)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(tls_source(d, "lo")) != std::string::npos);
}

TEST_CASE("tls: rpcapd -S with a missing or unusable key or certificate exits 2 naming it", "[e2e][tls]")
{
  DaemonCert c;
  auto missing = run({program("rpcapd"), "-n", "-S", "-K", c.key, "-X", c.dir.path() + "/nope.pem", "-p", "0"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "rpcapd: error: TLS certificate \"" + c.dir.path() + "/nope.pem\": No such file or directory\n");
  auto no_key = run({program("rpcapd"), "-n", "-S", "-p", "0"});
  CHECK(no_key.exit_code == 2);
  CHECK(no_key.err == "rpcapd: error: -S needs -K and -X (the key and certificate files, PEM)\n");
  auto check = run({program("rpcap-conf"), "check",
                    c.dir.write("tls.conf", "Tls = YES\nTlsKey = " + c.cert + "\nTlsCert = " + c.cert + "\n")});
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("tls.conf:2: TlsKey: TLS key \"" + c.cert + "\": ") != std::string::npos);
  auto good = run({program("rpcap-conf"), "check",
                   c.dir.write("good.conf", "Tls = YES\nTlsKey = " + c.key + "\nTlsCert = " + c.cert + "\n")});
  CHECK(good.exit_code == 0);
  CHECK(good.err.empty());
}

TEST_CASE("tls: rpcap-conf tls-cert writes a 0600 key, refuses to overwrite, and its pin matches openssl's",
          "[e2e][tls][conf]")
{
  DaemonCert c;
  const auto mode = std::filesystem::status(c.key).permissions() & std::filesystem::perms::all;
  CHECK(mode == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  auto again = run({program("rpcap-conf"), "tls-cert", "--key", c.key, "--cert", c.cert});
  CHECK(again.exit_code == 1);
  CHECK(again.err == "rpcap-conf: error: write \"" + c.key + "\": File exists (--force replaces it)\n");
  if (::access("/usr/bin/openssl", X_OK) == 0) {
    auto fp = run({"/usr/bin/openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", c.cert});
    CHECK(fp.out == "sha256 Fingerprint=" + c.pin + "\n");
    auto text = run({"/usr/bin/openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", c.cert});
    CHECK(text.out.find("DNS:localhost, IP Address:127.0.0.1") != std::string::npos);
  }
}

TEST_CASE("tls: active mode over TLS: rpcapd -S calls rpcap-listen --tls, which is the TLS client", "[e2e][tls][listen]")
{
  DaemonCert c;
  const auto port = closed_port();
  const std::string p = std::to_string(port);
  auto l = std::make_unique<Background>(std::vector<std::string>{program("rpcap-listen"), "-p", p, "--tls",
                                                                 "--deadline", "20", "--daemons", "1", "ls", "--pin", c.pin});
  REQUIRE(wait_tcp_listening(port));
  Daemon d{active_tls_daemon(c, p)};
  auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("127.0.0.1 "));
  CHECK(r.out.find(" lo") != std::string::npos);
  CHECK(d.log().find("TLSv1.") != std::string::npos);

}

TEST_CASE("tls: rpcap-listen --tls captures from rpcapd -S in active mode, the daemon's data connection with TLS",
          "[e2e][tls][listen]")
{
  if (!can_capture()) { return; }
  ActiveTlsCapture a{"active tls"};
  auto l = std::make_unique<Background>(std::vector<std::string>{
      program("rpcap-listen"), "-p", a.p, "--tls", "--deadline", "20", "capture", "lo", "--pin", a.c.pin, "-c", "4",
      "-w", a.file, "udp", "dst", "port", a.filter_port});
  REQUIRE(wait_tcp_listening(a.port));
  Daemon d{active_tls_daemon(a.c, a.p, {"-D"})};
  auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  check_tls_capture(a.file, "active tls", d);
}

TEST_CASE("tls: rpcap-listen without --tls gets ERROR 19 from rpcapd -S", "[e2e][tls][listen]")
{
  DaemonCert c;
  const auto port = closed_port();
  const std::string p = std::to_string(port);
  auto plain = std::make_unique<Background>(std::vector<std::string>{program("rpcap-listen"), "-p", p, "--deadline", "3", "wait"});
  REQUIRE(wait_tcp_listening(port));
  Daemon d{active_tls_daemon(c, p)};
  auto w = plain->wait(10000);
  INFO(w.err << "\ndaemon:\n" << d.log());
  CHECK(w.exit_code == 1);
  CHECK(w.err.find("TLS is required by this server") != std::string::npos);
}

// rpcap-listen exec hands the TCP connection over untouched (it takes no
// --tls); the command it runs is the TLS client when given an rpcaps:// source.
TEST_CASE("tls: rpcap-listen exec hands a TLS daemon to rpcap-ls --fd 3 rpcaps://, which verifies it", "[e2e][tls][listen]")
{
  DaemonCert c;
  const auto port = closed_port();
  const std::string p = std::to_string(port);
  const auto listener = [&](std::vector<std::string> ls_args) {
    std::vector<std::string> argv{program("rpcap-listen"), "-p", p, "--deadline", "20", "--daemons", "1", "exec", "--",
                                  program("rpcap-ls"), "--fd", "3"};
    argv.insert(argv.end(), ls_args.begin(), ls_args.end());
    auto l = std::make_unique<Background>(argv);
    REQUIRE(wait_tcp_listening(port));
    return l;
  };
  SECTION("verified against the certificate as CA and the daemon's address")
  {
    auto l = listener({"--ca", c.cert, "rpcaps://127.0.0.1/"});
    Daemon d{active_tls_daemon(c, p)};
    auto r = l->wait(25000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
    CHECK(after_listening(r.err).empty());
    CHECK(r.out.find("rpcaps://127.0.0.1/lo\n") != std::string::npos);
    CHECK(d.log().find("TLSv1.") != std::string::npos);
  }
  SECTION("by pin, one interface")
  {
    auto l = listener({"--pin", c.pin, "rpcaps://127.0.0.1/lo"});
    Daemon d{active_tls_daemon(c, p)};
    auto r = l->wait(25000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "rpcaps://127.0.0.1/lo\n");
  }
  SECTION("a certificate for another name is refused with the reason")
  {
    auto l = listener({"--ca", c.cert, "rpcaps://probe.example/"});
    Daemon d{active_tls_daemon(c, p)};
    auto r = l->wait(25000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rpcap-ls: error: ") != std::string::npos);
    CHECK(r.err.find("TLS: ") != std::string::npos);
    CHECK(r.err.find("probe.example") != std::string::npos);
  }
}

TEST_CASE("tls: rpcap-listen exec hands a TLS daemon to rpcap-capture --fd 3 rpcaps://, both connections with TLS",
          "[e2e][tls][listen]")
{
  if (!can_capture()) { return; }
  ActiveTlsCapture a{"exec over tls"};
  auto l = std::make_unique<Background>(std::vector<std::string>{
      program("rpcap-listen"), "-p", a.p, "--deadline", "20", "--daemons", "1", "exec", "--", program("rpcap-capture"),
      "--fd", "3", "--pin", a.c.pin, "-q", "-c", "4", "-w", a.file, "rpcaps://127.0.0.1/lo", "udp", "dst", "port",
      a.filter_port});
  REQUIRE(wait_tcp_listening(a.port));
  Daemon d{active_tls_daemon(a.c, a.p, {"-D"})};
  auto r = l->wait(25000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(after_listening(r.err).empty());
  check_tls_capture(a.file, "exec over tls", d);
}

TEST_CASE("tls: SIGHUP re-reads the TLS files: new connections get the new certificate, a broken key keeps the old",
          "[e2e][tls][rpcapd]")
{
  DaemonCert first;
  DaemonCert second;
  REQUIRE(first.pin != second.pin);
  TempDir dir;
  const auto key = dir.write("key.pem", read_file(first.key));
  const auto cert = dir.write("cert.pem", read_file(first.cert));
  const auto conf = dir.write("rpcapd.conf", "Tls = YES\nTlsKey = " + key + "\nTlsCert = " + cert
                                                 + "\nNullAuthPermit = YES\nListenAddress = 127.0.0.1\nListenPort = 0\n");
  Daemon d{{program("rpcapd"), "-f", conf}};
  const auto lists_with = [&](const DaemonCert& c) {
    auto r = ls({"--pin", c.pin, tls_source(d)});
    INFO(r.err << "\ndaemon:\n" << d.log());
    return r.exit_code == 0 && r.out.find(tls_source(d, "lo") + "\n") != std::string::npos;
  };
  const auto hup_and_wait_for = [&](const std::string& line) {
    const auto before = occurrences(d.log(), line);
    ::kill(d.pid(), SIGHUP);
    REQUIRE(eventually([&] { return occurrences(d.log(), line) > before; }, 10000));
  };
  CHECK(lists_with(first));
  CHECK_FALSE(lists_with(second));

  // An open session keeps the connection it has; the next ones get the new certificate.
  ClientOptions opts;
  opts.tls_settings.pin = *parse_pin(first.pin);
  auto src = parse_source(tls_source(d), SourceUse::list);
  REQUIRE(src);
  auto open = ClientSession::connect(*src, opts);
  REQUIRE(open);

  dir.write("key.pem", read_file(second.key));
  dir.write("cert.pem", read_file(second.cert));
  hup_and_wait_for("SIGHUP: re-read " + conf);
  CHECK(lists_with(second));
  auto refused = ls({"--pin", first.pin, tls_source(d)});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("TLS: ") != std::string::npos);
  CHECK(open->list_interfaces());

  // A key that does not load: the daemon says why and keeps the second certificate.
  dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
  hup_and_wait_for("SIGHUP: keeping the current settings: ");
  CHECK(d.log().find("SIGHUP: keeping the current settings: TLS key \"" + key + "\": ") != std::string::npos);
  CHECK(lists_with(second));
  // The first certificate's key with the second certificate: refused alike.
  dir.write("key.pem", read_file(first.key));
  hup_and_wait_for("SIGHUP: keeping the current settings: ");
  CHECK(lists_with(second));
  CHECK(d.stop(SIGTERM) == 0);
}

TEST_CASE("tls: SIGHUP re-reads the TLS files for active mode too: the next call to rpcap-listen --tls has the new certificate",
          "[e2e][tls][rpcapd][listen]")
{
  DaemonCert first;
  DaemonCert second;
  const auto port = closed_port();
  const std::string p = std::to_string(port);
  TempDir dir;
  const auto key = dir.write("key.pem", read_file(first.key));
  const auto cert = dir.write("cert.pem", read_file(first.cert));
  const auto conf = dir.write("rpcapd.conf", "Tls = YES\nTlsKey = " + key + "\nTlsCert = " + cert
                                                 + "\nNullAuthPermit = YES\nActiveOnly = YES\nActiveClient = 127.0.0.1, "
                                                 + p + "\n");
  const auto listen_ls = [&](const DaemonCert& c) {
    return std::make_unique<Background>(std::vector<std::string>{program("rpcap-listen"), "-p", p, "--tls", "--deadline",
                                                                 "30", "--daemons", "1", "ls", "--pin", c.pin});
  };
  auto l = listen_ls(first);
  REQUIRE(wait_tcp_listening(port));
  Daemon d{{program("rpcapd"), "-f", conf}};
  auto r = l->wait(35000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  REQUIRE(wait_tcp_listening(port, false));

  dir.write("key.pem", read_file(second.key));
  dir.write("cert.pem", read_file(second.cert));
  ::kill(d.pid(), SIGHUP);
  REQUIRE(eventually([&] { return d.log().find("SIGHUP: re-read " + conf) != std::string::npos; }, 10000));
  l = listen_ls(second);
  REQUIRE(wait_tcp_listening(port));
  r = l->wait(35000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("127.0.0.1 "));
}

TEST_CASE("tls: control requests are answered while the data connection's TLS handshake waits, and one that never comes ends the capture",
          "[e2e][tls]")
{
  if (!can_capture()) { return; }
  DaemonCert c;
  TlsClientSettings settings;
  settings.pin = *parse_pin(c.pin);
  auto ctx = TlsContext::client(settings);
  REQUIRE(ctx);
  const auto connect = [&](const Daemon& d) {
    auto ch = Channel::tls_client(connect_local(d.port()), *ctx, settings, "127.0.0.1", 5000);
    REQUIRE(ch);
    RawClient control{std::move(*ch)};
    control.null_auth();
    return control;
  };
  SECTION("answered meanwhile")
  {
    // A handshake timeout far beyond expect()'s 5 s: a session that waited
    // for the handshake before reading requests would miss the STATS.
    Daemon d{Daemon::ours(c.daemon_args({"-n", "-D", "--data-timeout", "60"}))};
    RawClient control = connect(d);
    RawClient data = start_lo_capture(control, "udp dst port 9");  // never starts its handshake
    REQUIRE(eventually([&] { return d.log().find("data connection from 127.0.0.1") != std::string::npos; }, 10000));
    control.send(StatsRequest{});
    INFO(d.log());
    control.expect<StatsReply>();
    control.send(EndCapRequest{});
    control.expect<EndCapReply>();
  }
  SECTION("ended by the timeout")
  {
    Daemon d{Daemon::ours(c.daemon_args({"-n", "-D", "--data-timeout", "2"}))};
    RawClient control = connect(d);
    RawClient data = start_lo_capture(control, "udp dst port 9");
    const auto e = control.expect_error(ErrorCode::startcapture, 10000);
    INFO(d.log());
    CHECK(e.text == "The TLS handshake on the data connection failed");
    CHECK(d.log().find("data connection: TLS: no handshake within 2000 ms") != std::string::npos);
    control.send(StatsRequest{});  // the session goes on
    control.expect<StatsReply>();
  }
}

TEST_CASE("tls: rpcap-capture --sources gives each daemon its own pin, merged into one stream", "[e2e][tls][merge]")
{
  if (!can_capture()) { return; }
  DaemonCert ca;
  DaemonCert cb;
  Daemon a{Daemon::ours(ca.daemon_args())};
  Daemon b{Daemon::ours(cb.daemon_args())};
  const auto port = traffic_port();
  Traffic traffic{port, "two pins"};
  TempDir dir;
  const std::string list = dir.write("sources", "# each daemon its own certificate\n" + tls_source(a, "lo") + " pin=" + ca.pin
                                                    + "\n" + tls_source(b, "lo") + " pin=" + cb.pin + "\n");
  auto r = run({program("rpcap-capture"), "-c", "10", "--sources", list, "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("10 packets captured from 2 sources\n") != std::string::npos);
  // One pin for both: the other daemon is refused, with the pin to use, and the first goes on.
  auto one = run({program("rpcap-capture"), "-c", "3", "--pin", ca.pin, "-i", tls_source(a, "lo"), "-i",
                  tls_source(b, "lo"), "udp dst port " + std::to_string(port)});
  INFO(one.err);
  CHECK(one.exit_code == 1);
  CHECK(one.err.find("error: " + tls_source(b, "lo") + ": TLS: the daemon's certificate " + cb.pin + " is not the pinned one")
        != std::string::npos);
  // A mistake in the list names its line.
  const std::string bad = dir.write("bad", tls_source(a, "lo") + "\n" + tls_source(b, "lo") + " password=x\n");
  auto wrong = run({program("rpcap-capture"), "--sources", bad, "-w", "/dev/null"});
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err == "rpcap-capture: error: " + bad + ":2: unknown key \"password\" (keys: user, password-file, ca, pin, cert, key)\n");
}

TEST_CASE("tls: rpcap-capture's TLS options apply to its rpcaps:// sources, and are refused when it has none",
          "[e2e][tls][merge]")
{
  DaemonCert c;
  Daemon secure{Daemon::ours(c.daemon_args())};
  Daemon plain{Daemon::ours({"-n"})};
  const std::string plain_lo = "rpcap://127.0.0.1:" + std::to_string(plain.port()) + "/lo";
  TempDir dir;
  // None uses TLS: a session in plaintext would look verified.
  auto none = run({program("rpcap-capture"), "-w", "/dev/null", "--pin", c.pin, "-i", plain_lo, "-i", "lo"});
  CHECK(none.exit_code == 2);
  CHECK(none.err == "rpcap-capture: error: --pin applies to rpcaps:// sources only\n");
  auto listing = run({program("rpcap-capture"), "-D", "--insecure", "rpcap://127.0.0.1:" + std::to_string(plain.port()) + "/"});
  CHECK(listing.exit_code == 2);
  CHECK(listing.err == "rpcap-capture: error: --insecure applies to rpcaps:// sources only\n");
  // A --sources line's own: the line is named.
  const std::string lines = dir.write("sources", tls_source(secure, "lo") + " pin=" + c.pin + "\n" + plain_lo + " pin=" + c.pin + "\n");
  auto line = run({program("rpcap-capture"), "-w", "/dev/null", "--sources", lines});
  CHECK(line.exit_code == 2);
  CHECK(line.err == "rpcap-capture: error: " + lines + ":2: pin= applies to rpcaps:// sources only\n");
  INFO(plain.log());
  CHECK(plain.log().find(": connected") == std::string::npos);

  // Mixed: --pin verifies the rpcaps:// daemon, the rpcap:// one is plaintext.
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  Traffic traffic{port, "mixed"};
  auto mixed = run({program("rpcap-capture"), "-c", "10", "--pin", c.pin, "-i", tls_source(secure, "lo"), "-i", plain_lo,
                    "udp dst port " + std::to_string(port)});
  INFO(mixed.err);
  CHECK(mixed.exit_code == 0);
  const auto stream = parse_pcapng(mixed.out);
  CHECK(stream.interfaces.size() == 2);
}
