// SPDX-License-Identifier: BSD-3-Clause
// The TLS module: pins, generated certificates, and what the client's
// verification accepts and refuses, over real handshakes on socket pairs.
// Every key and certificate is made here, at test time.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#include "rpcap/net/tls.hpp"

using namespace rpcap;

namespace {

struct Dir {
  std::filesystem::path path;
  Dir()
  {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("rpcap-tls-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~Dir()
  {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  std::string write(const std::string& name, const std::string& text) const
  {
    const auto p = (path / name).string();
    std::ofstream{p} << text;
    return p;
  }
};

template <typename T>
T value_of(Result<T> r)
{
  if (!r) { FAIL(r.error().message); }
  return std::move(*r);
}

// A CA, a daemon certificate it signed for "probe.example" and 127.0.0.1, as files.
struct Pki {
  Dir dir;
  PemIdentity ca;
  PemIdentity server;
  std::string ca_file, key_file, cert_file;
  Pki()
  {
    CertSpec ca_spec;
    ca_spec.common_name = "test CA";
    ca_spec.is_ca = true;
    ca = value_of(make_certificate(ca_spec));
    CertSpec s;
    s.hosts = {"probe.example", "127.0.0.1"};
    server = value_of(make_certificate(s, &ca));
    ca_file = dir.write("ca.pem", ca.cert_pem);
    key_file = dir.write("key.pem", server.key_pem);
    cert_file = dir.write("cert.pem", server.cert_pem);
  }
};

struct Outcome {
  Result<Channel> client;
  Result<Channel> server;
};

// A handshake between a server with `server_settings` and a client with
// `client_settings` checking `host`, over a socket pair.
Outcome handshake(const TlsServerSettings& server_settings, const TlsClientSettings& client_settings,
                  const std::string& host)
{
  int sv[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Fd a{sv[0]};
  Fd b{sv[1]};
  auto sctx = value_of(TlsContext::server(server_settings));
  auto cctx = value_of(TlsContext::client(client_settings));
  auto server = std::async(std::launch::async, [&] { return Channel::tls_server(std::move(b), sctx, 5000); });
  // A failed client closes its end, so the server's handshake ends too.
  Outcome out{Channel::tls_client(std::move(a), cctx, client_settings, host, 5000),
              Result<Channel>{make_error(ErrorKind::io, "not run")}};
  out.server = server.get();
  return out;
}

std::string message_of(const Result<Channel>& r) { return r ? std::string{"(succeeded)"} : r.error().message; }

}  // namespace

TEST_CASE("tls: pins are 64 hex digits, with or without colons, as openssl prints them", "[tls]")
{
  const std::string hex = "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";
  auto plain = parse_pin(hex);
  REQUIRE(plain);
  CHECK((*plain)[0] == 0x01);
  CHECK((*plain)[31] == 0xef);
  CHECK(format_pin(*plain).substr(0, 8) == "01:23:45");
  auto colons = parse_pin(format_pin(*plain));
  REQUIRE(colons);
  CHECK(*colons == *plain);
  auto openssl = parse_pin("sha256 Fingerprint=" + format_pin(*plain));
  REQUIRE(openssl);
  CHECK(*openssl == *plain);
  for (const std::string& bad : {std::string{""}, hex.substr(1), hex + "00", hex.substr(0, 62) + "zz", std::string{"01::23"},
                                hex.substr(0, 63) + ":"}) {
    auto r = parse_pin(bad);
    CHECK_FALSE(r);
    if (!r) {
      CHECK(r.error().kind == ErrorKind::usage);
      CHECK(r.error().message.find("is not a SHA-256 fingerprint") != std::string::npos);
    }
  }
}

TEST_CASE("tls: the pin of a generated certificate is the SHA-256 of its DER", "[tls]")
{
  CertSpec spec;
  spec.hosts = {"a.example", "192.0.2.1", "::1"};
  auto id = value_of(make_certificate(spec));
  CHECK(id.key_pem.find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(id.cert_pem.find("-----BEGIN CERTIFICATE-----") == 0);
  auto pin = value_of(certificate_pin(id.cert_pem));
  auto again = value_of(certificate_pin(id.cert_pem));
  CHECK(pin == again);
  auto other = value_of(make_certificate(spec));
  CHECK(value_of(certificate_pin(other.cert_pem)) != pin);
  CHECK_FALSE(certificate_pin("not a certificate"));
  CHECK_FALSE(make_certificate(CertSpec{"", {"bad,host"}}));
}

TEST_CASE("tls: the client verifies the chain and the name, or the pin", "[tls]")
{
  Pki pki;
  const TlsServerSettings server{pki.key_file, pki.cert_file, ""};
  TlsClientSettings client;
  client.ca_file = pki.ca_file;

  SECTION("the right CA and a name the certificate holds")
  {
    auto o = handshake(server, client, "probe.example");
    REQUIRE(o.client);
    REQUIRE(o.server);
    CHECK(o.client->is_tls());
    CHECK(o.client->description().find("TLS") == 0);
    // Bytes go both ways, and pending() counts what OpenSSL holds.
    const std::string hello = "hello over TLS";
    REQUIRE(o.server->write_all(hello.data(), hello.size(), 5000));
    char buf[64] = {};
    long n = -1;
    for (int i = 0; i < 200 && n < 0; ++i) {
      REQUIRE(wait_readable(*o.client, 1000));
      n = o.client->read_some(buf, 4);
    }
    CHECK(n == 4);
    CHECK(o.client->pending() == hello.size() - 4);
  }
  SECTION("an IP address the certificate holds")
  {
    auto o = handshake(server, client, "127.0.0.1");
    CHECK(o.client);
  }
  SECTION("a name it does not hold")
  {
    auto o = handshake(server, client, "other.example");
    REQUIRE_FALSE(o.client);
    CHECK(message_of(o.client).find("TLS: certificate verify failed: hostname mismatch") == 0);
  }
  SECTION("an IP address it does not hold")
  {
    auto o = handshake(server, client, "127.0.0.2");
    CHECK(message_of(o.client).find("TLS: certificate verify failed: IP address mismatch") == 0);
  }
  SECTION("another CA")
  {
    CertSpec other_spec;
    other_spec.is_ca = true;
    auto other = value_of(make_certificate(other_spec));
    client.ca_file = pki.dir.write("other-ca.pem", other.cert_pem);
    auto o = handshake(server, client, "probe.example");
    CHECK(message_of(o.client) == "TLS: certificate verify failed: unable to get local issuer certificate; use --ca "
                                  "FILE, or --pin " + format_pin(value_of(certificate_pin(pki.server.cert_pem))) +
                                      " if that is the daemon's certificate (rpcap-conf tls-cert prints its pin on the "
                                      "daemon's host)");
  }
  SECTION("the pin replaces the chain: right pin, any name")
  {
    client.ca_file.clear();
    client.pin = value_of(certificate_pin(pki.server.cert_pem));
    auto o = handshake(server, client, "not-the-name.example");
    CHECK(o.client);
  }
  SECTION("a wrong pin")
  {
    client.ca_file.clear();
    client.pin = value_of(certificate_pin(pki.ca.cert_pem));
    auto o = handshake(server, client, "probe.example");
    CHECK(message_of(o.client).find("TLS: the daemon's certificate ") == 0);
    CHECK(message_of(o.client).find(" is not the pinned one (--pin ") != std::string::npos);
  }
  SECTION("--insecure accepts anything")
  {
    client.ca_file.clear();
    client.insecure = true;
    auto o = handshake(server, client, "other.example");
    CHECK(o.client);
  }
}

TEST_CASE("tls: an expired or self-signed certificate is refused with its reason", "[tls]")
{
  Pki pki;
  TlsClientSettings client;
  client.ca_file = pki.ca_file;
  SECTION("expired")
  {
    CertSpec s;
    s.hosts = {"probe.example"};
    s.not_before_s = -10 * 86400;
    s.not_after_s = -86400;
    auto old = value_of(make_certificate(s, &pki.ca));
    const TlsServerSettings server{pki.dir.write("old-key.pem", old.key_pem), pki.dir.write("old.pem", old.cert_pem), ""};
    auto o = handshake(server, client, "probe.example");
    CHECK(message_of(o.client) == "TLS: certificate verify failed: certificate has expired");
  }
  SECTION("self-signed, not trusted")
  {
    CertSpec s;
    s.hosts = {"probe.example"};
    auto self = value_of(make_certificate(s));
    const TlsServerSettings server{pki.dir.write("self-key.pem", self.key_pem), pki.dir.write("self.pem", self.cert_pem),
                                   ""};
    auto o = handshake(server, client, "probe.example");
    // The pin to use is named, for the user to compare with the daemon's.
    CHECK(message_of(o.client) == "TLS: certificate verify failed: self-signed certificate; use --ca FILE, or --pin " +
                                      format_pin(value_of(certificate_pin(self.cert_pem))) +
                                      " if that is the daemon's certificate (rpcap-conf tls-cert prints its pin on the "
                                      "daemon's host)");
    SECTION("but trusted as its own CA file (rpcap-conf tls-cert, then --ca cert.pem)")
    {
      client.ca_file = pki.dir.write("self-ca.pem", self.cert_pem);
      auto trusted = handshake(server, client, "probe.example");
      CHECK(trusted.client);
    }
  }
}

TEST_CASE("tls: client certificates signed by the daemon's client CA identify the client", "[tls]")
{
  Pki pki;
  const TlsServerSettings server{pki.key_file, pki.cert_file, pki.ca_file};
  TlsClientSettings client;
  client.ca_file = pki.ca_file;
  SECTION("with one: its subject")
  {
    CertSpec s;
    s.common_name = "alice";
    auto alice = value_of(make_certificate(s, &pki.ca));
    client.cert_file = pki.dir.write("alice.pem", alice.cert_pem);
    client.key_file = pki.dir.write("alice-key.pem", alice.key_pem);
    auto o = handshake(server, client, "probe.example");
    REQUIRE(o.server);
    CHECK(o.server->peer_subject() == "CN=alice");
    auto cn = o.server->peer_common_name();
    REQUIRE(cn);
    CHECK(*cn == "alice");
  }
  SECTION("without one: in, but nobody")
  {
    auto o = handshake(server, client, "probe.example");
    REQUIRE(o.server);
    CHECK(o.server->peer_subject().empty());
    auto cn = o.server->peer_common_name();
    REQUIRE_FALSE(cn);
    CHECK(cn.error().message == "no verified client certificate");
  }
  SECTION("signed by another CA: refused")
  {
    CertSpec other_spec;
    other_spec.is_ca = true;
    auto other = value_of(make_certificate(other_spec));
    CertSpec s;
    s.common_name = "mallory";
    auto mallory = value_of(make_certificate(s, &other));
    client.cert_file = pki.dir.write("m.pem", mallory.cert_pem);
    client.key_file = pki.dir.write("m-key.pem", mallory.key_pem);
    auto o = handshake(server, client, "probe.example");
    CHECK_FALSE(o.server);
  }
}

TEST_CASE("tls: unusable key and certificate files are named with the cause", "[tls]")
{
  Pki pki;
  auto e = TlsContext::server(TlsServerSettings{pki.key_file, pki.dir.path.string() + "/missing.pem", ""});
  REQUIRE_FALSE(e);
  CHECK(e.error().kind == ErrorKind::config);
  CHECK(e.error().message == "TLS certificate \"" + pki.dir.path.string() + "/missing.pem\": No such file or directory");
  CertSpec s;
  auto other = value_of(make_certificate(s));
  auto mismatch = TlsContext::server(TlsServerSettings{pki.dir.write("k2.pem", other.key_pem), pki.cert_file, ""});
  REQUIRE_FALSE(mismatch);
  CHECK(mismatch.error().message.find("does not belong to certificate") != std::string::npos);
  auto garbage = TlsContext::server(TlsServerSettings{pki.key_file, pki.dir.write("g.pem", "garbage\n"), ""});
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().message.find("TLS certificate \"") == 0);
}

TEST_CASE("tls: a peer that speaks plaintext or hangs up fails the handshake in time", "[tls]")
{
  Pki pki;
  auto sctx = value_of(TlsContext::server(TlsServerSettings{pki.key_file, pki.cert_file, ""}));
  int sv[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Fd peer{sv[1]};
  SECTION("silence: bounded by the timeout")
  {
    auto r = Channel::tls_server(Fd{sv[0]}, sctx, 200);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "TLS: no handshake within 200 ms");
  }
  SECTION("an RPCAP header instead of a ClientHello")
  {
    const unsigned char rpcap[8] = {0, 8, 0, 0, 0, 0, 0, 0};
    REQUIRE(::send(peer.get(), rpcap, sizeof rpcap, 0) == 8);
    auto r = Channel::tls_server(Fd{sv[0]}, sctx, 2000);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("TLS: handshake: ") == 0);
  }
  SECTION("hang-up")
  {
    peer.reset();
    auto r = Channel::tls_server(Fd{sv[0]}, sctx, 2000);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "TLS: the peer closed the connection during the handshake");
  }
}

namespace {

// Made with `openssl req -x509 -subj "/CN=alice/CN=root"`: two CNs.
constexpr const char* k_two_cns_pem = R"(-----BEGIN CERTIFICATE-----
MIIBlDCCATugAwIBAgIUIXdy6OU7oy1RDgpdfU2pESuoldIwCgYIKoZIzj0EAwIw
HzEOMAwGA1UEAwwFYWxpY2UxDTALBgNVBAMMBHJvb3QwIBcNMjYxMTI3MDAwMzMz
WhgPMjEyNjExMDMwMDAzMzNaMB8xDjAMBgNVBAMMBWFsaWNlMQ0wCwYDVQQDDARy
b290MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6ACKcGhfyYh8Q7CtrJakkIZH
SowSdEAGaN9hfDK6kjwRVTyiRVFh/b6gF48EV7fTDtT/342pwj6jQOVnjhpWE6NT
MFEwHQYDVR0OBBYEFO7ZX7DWENebwxAvq6K4RmGsvLR6MB8GA1UdIwQYMBaAFO7Z
X7DWENebwxAvq6K4RmGsvLR6MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
RwAwRAIgFtI5jHbnyK1cfZonaFs5Mvo4SnOUA4X8hXprgfHs39MCIFuWpf3UlrPh
OIFa/mSbGdjyJmnAfStjUUfY3ZuhTX9e
-----END CERTIFICATE-----
)";

// Made with `openssl req -x509 -subj "/O=rpcap tests/OU=no common name"`: no CN.
constexpr const char* k_no_cn_pem = R"(-----BEGIN CERTIFICATE-----
MIIBtDCCAVugAwIBAgIUZyRknrLPYil1/d5BKSdvo7toZOUwCgYIKoZIzj0EAwIw
LzEUMBIGA1UECgwLcnBjYXAgdGVzdHMxFzAVBgNVBAsMDm5vIGNvbW1vbiBuYW1l
MCAXDTI2MTEyNzAwMDMzM1oYDzIxMjYxMTAzMDAwMzMzWjAvMRQwEgYDVQQKDAty
cGNhcCB0ZXN0czEXMBUGA1UECwwObm8gY29tbW9uIG5hbWUwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQQMpeXOuohfD5nt1/etp38vT67qTrFosqzNFdovfl1Whmq
MMRlxnK96HJrokNW4vBvoI1w8i0szk57nMF+UTAqo1MwUTAdBgNVHQ4EFgQUaRLY
/XQtYBUs0XhN2g95VMBvpmwwHwYDVR0jBBgwFoAUaRLY/XQtYBUs0XhN2g95VMBv
pmwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAwOmVIO9dO/4tb
Er9AgWlxx51mR/sSZXXQu+qM2r3K3AIgap9oyCGReXBl1DT12/0YFJL/JH0oKbuC
Hz5oa3s5nkI=
-----END CERTIFICATE-----
)";

std::string cn_or_error(const Result<std::string>& r) { return r ? "CN " + *r : "error: " + r.error().message; }

}  // namespace

TEST_CASE("tls: the common name a client certificate logs in as is its subject's one CN, as it is", "[tls]")
{
  const auto cn_of = [](const std::string& common_name) {
    CertSpec s;
    s.common_name = common_name;
    return cn_or_error(certificate_common_name(value_of(make_certificate(s)).cert_pem));
  };
  CHECK(cn_of("alice") == "CN alice");
  // Returned as it is, odd characters and all: whether it names a user is certificate_account()'s question.
  CHECK(cn_of("al ice\n,O=x") == "CN al ice\n,O=x");
  CHECK(cn_of("\xc3\xa5sa") == "CN \xc3\xa5sa");
  CHECK(cn_or_error(certificate_common_name(k_two_cns_pem)) == "error: the certificate's subject has more than one CN");
  CHECK(cn_or_error(certificate_common_name(k_no_cn_pem)) == "error: the certificate's subject has no CN");
  auto garbage = certificate_common_name("not a certificate");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().kind == ErrorKind::config);
}

TEST_CASE("tls: a server handshake taken a step at a time waits on the socket and ends as the blocking one", "[tls]")
{
  Pki pki;
  auto sctx = value_of(TlsContext::server(TlsServerSettings{pki.key_file, pki.cert_file, ""}));
  int sv[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Fd client_end{sv[1]};
  auto accept = value_of(TlsAccept::start(Fd{sv[0]}, sctx));
  // Nothing from the client yet: it waits for a ClientHello, without blocking.
  auto first = accept.step();
  REQUIRE(first);
  CHECK_FALSE(*first);
  CHECK(accept.events() == POLLIN);

  SECTION("a client that does its part: the channel, verified as usual")
  {
    TlsClientSettings cs;
    cs.ca_file = pki.ca_file;
    auto cctx = value_of(TlsContext::client(cs));
    auto client = std::async(std::launch::async,
                             [&] { return Channel::tls_client(std::move(client_end), cctx, cs, "probe.example", 5000); });
    std::optional<Channel> done;
    for (int i = 0; i < 100 && !done; ++i) {  // a handshake takes a few round trips, not a hundred
      pollfd p{accept.fd(), accept.events(), 0};
      REQUIRE(::poll(&p, 1, 5000) == 1);
      auto step = accept.step();
      REQUIRE(step);
      if (*step) { done = std::move(**step); }
    }
    REQUIRE(done);
    CHECK(done->is_tls());
    auto c = client.get();
    REQUIRE(c);
    REQUIRE(c->write_all("hello", 5, 5000));
    auto readable = wait_readable(*done, 5000);
    REQUIRE(readable);
    REQUIRE(*readable);
    char buf[8] = {};
    CHECK(done->read_some(buf, sizeof buf) == 5);
    CHECK(std::string(buf, 5) == "hello");
  }
  SECTION("an RPCAP header instead of a ClientHello: the reason")
  {
    const unsigned char rpcap[8] = {0, 8, 0, 0, 0, 0, 0, 0};
    REQUIRE(::send(client_end.get(), rpcap, sizeof rpcap, 0) == 8);
    auto r = accept.step();
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("TLS: handshake: ") == 0);
  }
  SECTION("hang-up")
  {
    client_end.reset();
    auto r = accept.step();
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "TLS: the peer closed the connection during the handshake");
  }
}
