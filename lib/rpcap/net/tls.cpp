// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/tls.hpp"

#include "rpcap/base/deadline.hpp"
#include "rpcap/net/openssl.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>

namespace rpcap {
namespace {

using namespace openssl;
using Clock = std::chrono::steady_clock;

// Whether `file` can be opened; the cause if not ("No such file or directory").
std::optional<std::string> unreadable(const std::string& file)
{
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) { return std::string{std::strerror(errno)}; }
  std::fclose(f);
  return std::nullopt;
}

// ---- a BIO over a socket that never raises SIGPIPE (send with MSG_NOSIGNAL) ----

int bio_write(BIO* b, const char* data, int len)
{
  const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
  BIO_clear_retry_flags(b);
  const ssize_t n = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) { BIO_set_retry_write(b); }
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* data, int len)
{
  const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b)));
  BIO_clear_retry_flags(b);
  const ssize_t n = ::recv(fd, data, static_cast<std::size_t>(len), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) { BIO_set_retry_read(b); }
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*)
{
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* b)
{
  BIO_set_init(b, 1);
  return 1;
}

const BIO_METHOD* socket_method()
{
  static BIO_METHOD* const k_method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rpcap socket");
    BIO_meth_set_write(m, bio_write);
    BIO_meth_set_read(m, bio_read);
    BIO_meth_set_ctrl(m, bio_ctrl);
    BIO_meth_set_create(m, bio_create);
    return m;
  }();
  return k_method;
}

}  // namespace

// ---------------------------------------------------------------------------

class TlsContext::Impl {
public:
  SslCtxPtr ctx;
  bool server{false};
};

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TlsContext::TlsContext(TlsContext&&) noexcept = default;
TlsContext& TlsContext::operator=(TlsContext&&) noexcept = default;
TlsContext::~TlsContext() = default;

namespace {

SslCtxPtr new_context(const SSL_METHOD* method)
{
  SslCtxPtr ctx{SSL_CTX_new(method)};
  if (!ctx) { return ctx; }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // A peer that closes without close_notify ends the stream (RPCAP frames its messages).
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  // The daemon's data path hands SSL_write a buffer that grows at its end between retries.
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

Status use_identity(SSL_CTX* ctx, const std::string& key_file, const std::string& cert_file, std::string_view who,
                    TlsFile* failed)
{
  const std::string what = std::string{who};
  const auto fail = [failed](TlsFile file, std::string message) {
    if (failed != nullptr) { *failed = file; }
    return make_error(ErrorKind::config, std::move(message));
  };
  if (auto cause = unreadable(cert_file)) { return fail(TlsFile::cert, what + " certificate \"" + cert_file + "\": " + *cause); }
  if (auto cause = unreadable(key_file)) { return fail(TlsFile::key, what + " key \"" + key_file + "\": " + *cause); }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return fail(TlsFile::cert, what + " certificate \"" + cert_file + "\": " + ssl_reason());
  }
  const bool loaded = SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  const std::string reason = loaded ? std::string{} : ssl_reason();
  if (!loaded && reason.find("mismatch") == std::string::npos) {
    return fail(TlsFile::key, what + " key \"" + key_file + "\": " + reason);
  }
  if (!loaded || SSL_CTX_check_private_key(ctx) != 1) {
    return fail(TlsFile::key, what + " key \"" + key_file + "\" does not belong to certificate \"" + cert_file + "\"");
  }
  return {};
}

}  // namespace

Result<TlsContext> TlsContext::server(const TlsServerSettings& settings, TlsFile* failed)
{
  auto impl = std::make_unique<Impl>();
  impl->server = true;
  impl->ctx = new_context(TLS_server_method());
  if (!impl->ctx) { return make_error(ErrorKind::config, "TLS: " + ssl_reason()); }
  if (settings.key_file.empty() || settings.cert_file.empty()) {
    return make_error(ErrorKind::config, "TLS needs a key (-K FILE) and a certificate (-X FILE)");
  }
  if (auto st = use_identity(impl->ctx.get(), settings.key_file, settings.cert_file, "TLS", failed); !st) {
    return std::move(st).error();
  }
  // Each session is its own process: tickets could never be used again.
  SSL_CTX_set_num_tickets(impl->ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(impl->ctx.get(), SSL_SESS_CACHE_OFF);
  if (!settings.client_ca_file.empty()) {
    const auto& ca = settings.client_ca_file;
    if (failed != nullptr) { *failed = TlsFile::client_ca; }
    if (auto cause = unreadable(ca)) { return make_error(ErrorKind::config, "TLS client CA \"" + ca + "\": " + *cause); }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
    if (names == nullptr || SSL_CTX_load_verify_locations(impl->ctx.get(), ca.c_str(), nullptr) != 1) {
      if (names != nullptr) { sk_X509_NAME_pop_free(names, X509_NAME_free); }
      return make_error(ErrorKind::config, "TLS client CA \"" + ca + "\": " + ssl_reason("no certificate in it"));
    }
    SSL_CTX_set_client_CA_list(impl->ctx.get(), names);
    // Ask for a certificate, but let clients without one in: they log in with a password.
    SSL_CTX_set_verify(impl->ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  return TlsContext{std::move(impl)};
}

Result<TlsContext> TlsContext::client(const TlsClientSettings& settings)
{
  auto impl = std::make_unique<Impl>();
  impl->ctx = new_context(TLS_client_method());
  if (!impl->ctx) { return make_error(ErrorKind::config, "TLS: " + ssl_reason()); }
  if (!settings.ca_file.empty()) {
    if (auto cause = unreadable(settings.ca_file)) {
      return make_error(ErrorKind::usage, "--ca \"" + settings.ca_file + "\": " + *cause);
    }
    if (SSL_CTX_load_verify_locations(impl->ctx.get(), settings.ca_file.c_str(), nullptr) != 1) {
      return make_error(ErrorKind::usage, "--ca \"" + settings.ca_file + "\": " + ssl_reason("no certificate in it"));
    }
  } else if (SSL_CTX_set_default_verify_paths(impl->ctx.get()) != 1) {
    return make_error(ErrorKind::config, "TLS: the system's trust store: " + ssl_reason());
  }
  if (!settings.cert_file.empty() || !settings.key_file.empty()) {
    if (settings.cert_file.empty() || settings.key_file.empty()) {
      return make_error(ErrorKind::usage, "--cert and --key go together");
    }
    if (auto st = use_identity(impl->ctx.get(), settings.key_file, settings.cert_file, "--cert/--key: TLS", nullptr); !st) {
      return make_error(ErrorKind::usage, st.error().message);
    }
  }
  return TlsContext{std::move(impl)};
}

// ---------------------------------------------------------------------------

class Channel::Ssl {
public:
  SslPtr ssl;
  bool failed{false};  // a fatal TLS error: no close_notify then
};

Channel::Channel() noexcept = default;
Channel::Channel(Fd fd) : m_fd(std::move(fd)) {}
Channel::Channel(Fd fd, std::unique_ptr<Ssl> ssl) : m_fd(std::move(fd)), m_ssl(std::move(ssl)) {}
Channel::Channel(Channel&&) noexcept = default;
Channel& Channel::operator=(Channel&& other) noexcept
{
  if (this != &other) {
    reset();
    m_fd = std::move(other.m_fd);
    m_ssl = std::move(other.m_ssl);
    m_error = std::move(other.m_error);
  }
  return *this;
}
Channel::~Channel() { reset(); }

void Channel::reset() noexcept
{
  if (m_ssl && m_fd && !m_ssl->failed) {
    ERR_clear_error();
    (void)SSL_shutdown(m_ssl->ssl.get());  // non-blocking socket: sends close_notify if it fits
    ERR_clear_error();
  }
  m_ssl.reset();
  m_fd.reset();
}

Fd Channel::release_fd() noexcept
{
  if (m_ssl) { return Fd{}; }
  return std::move(m_fd);
}

std::size_t Channel::pending() const noexcept
{
  if (!m_ssl) { return 0; }
  const int n = SSL_pending(m_ssl->ssl.get());
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

long Channel::read_some(void* buf, std::size_t size)
{
  if (!m_ssl) { return static_cast<long>(::recv(m_fd.get(), buf, size, MSG_DONTWAIT)); }
  if (m_ssl->failed) {
    errno = EPROTO;
    return -1;
  }
  ERR_clear_error();
  errno = 0;
  const int n = SSL_read(m_ssl->ssl.get(), buf, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  return n > 0 ? n : ssl_failure(n, false);
}

long Channel::write_some(const void* data, std::size_t size)
{
  if (!m_ssl) { return static_cast<long>(::send(m_fd.get(), data, size, MSG_DONTWAIT | MSG_NOSIGNAL)); }
  if (m_ssl->failed) {
    errno = EPROTO;
    return -1;
  }
  if (size == 0) { return 0; }
  ERR_clear_error();
  errno = 0;
  const int n = SSL_write(m_ssl->ssl.get(), data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  return n > 0 ? n : ssl_failure(n, true);
}

long Channel::ssl_failure(int n, bool writing)
{
  switch (SSL_get_error(m_ssl->ssl.get(), n)) {
  case SSL_ERROR_WANT_READ:
  case SSL_ERROR_WANT_WRITE: errno = EAGAIN; return -1;
  case SSL_ERROR_ZERO_RETURN:
    if (!writing) { return 0; }  // the peer's close_notify: the end of the stream
    break;
  case SSL_ERROR_SYSCALL:
    // The socket failed (errno says how), or the peer went without a close_notify.
    m_ssl->failed = true;
    if (errno != 0) { return -1; }
    if (!writing) { return 0; }
    errno = EPIPE;
    return -1;
  default: break;
  }
  m_ssl->failed = true;
  m_error = "TLS: " + ssl_reason();
  errno = EPROTO;
  return -1;
}

Status Channel::write_all(const void* data, std::size_t size, int timeout_ms)
{
  if (!m_ssl) { return rpcap::write_all(m_fd.get(), data, size, timeout_ms); }
  return write_all_with(
      m_fd.get(), data, size, timeout_ms, [this](const std::uint8_t* p, std::size_t n) { return write_some(p, n); },
      [this](int err) { return err == EPROTO ? m_error : std::string{std::strerror(err)}; });
}

void Channel::shutdown_write()
{
  if (!m_fd) { return; }
  if (m_ssl && !m_ssl->failed) {
    ERR_clear_error();
    (void)SSL_shutdown(m_ssl->ssl.get());
    ERR_clear_error();
  }
  ::shutdown(m_fd.get(), SHUT_WR);
}

std::string Channel::peer_subject() const
{
  if (!m_ssl) { return {}; }
  X509* cert = SSL_get0_peer_certificate(m_ssl->ssl.get());
  if (cert == nullptr || SSL_get_verify_result(m_ssl->ssl.get()) != X509_V_OK) { return {}; }
  BioPtr bio{BIO_new(BIO_s_mem())};
  if (!bio) { return {}; }
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(std::max(n, 0L)));
}

Result<std::string> Channel::peer_common_name() const
{
  X509* cert = m_ssl ? SSL_get0_peer_certificate(m_ssl->ssl.get()) : nullptr;
  if (cert == nullptr || SSL_get_verify_result(m_ssl->ssl.get()) != X509_V_OK) {
    return make_error(ErrorKind::auth, "no verified client certificate");
  }
  return common_name_of(cert);
}

std::string Channel::description() const
{
  if (!m_ssl) { return {}; }
  return std::string{SSL_get_version(m_ssl->ssl.get())} + " " + SSL_get_cipher_name(m_ssl->ssl.get());
}

namespace {

// What one go at a handshake came to.
struct HandshakeStep {
  bool done{false};
  short events{0};                     // not done: what to poll for (POLLIN, POLLOUT), or 0 if it failed
  std::optional<std::string> failure;  // why it failed
};

// Take the handshake on non-blocking `ssl` as far as it goes without blocking.
HandshakeStep handshake_step(SSL* ssl, bool server)
{
  ERR_clear_error();
  errno = 0;
  const int rc = server ? SSL_accept(ssl) : SSL_connect(ssl);
  if (rc == 1) { return HandshakeStep{true, 0, std::nullopt}; }
  const int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_WANT_READ) { return HandshakeStep{false, POLLIN, std::nullopt}; }
  if (err == SSL_ERROR_WANT_WRITE) { return HandshakeStep{false, POLLOUT, std::nullopt}; }
  if (err == SSL_ERROR_SYSCALL || err == SSL_ERROR_ZERO_RETURN) {
    const int e = errno;
    ERR_clear_error();
    if (e != 0) { return HandshakeStep{false, 0, std::string{"handshake: "} + std::strerror(e)}; }
    return HandshakeStep{false, 0, std::string{"the peer closed the connection during the handshake"}};
  }
  return HandshakeStep{false, 0, "handshake: " + ssl_reason()};
}

// Run the handshake on non-blocking `ssl` within `timeout_ms`. Returns the
// failure's text, or nullopt once done.
std::optional<std::string> handshake(SSL* ssl, int fd, bool server, int timeout_ms)
{
  const Deadline deadline{timeout_ms};
  for (;;) {
    const HandshakeStep step = handshake_step(ssl, server);
    if (step.done) { return std::nullopt; }
    if (step.failure) { return step.failure; }
    const int left = deadline.left_ms();
    if (left == 0) { return "no handshake within " + std::to_string(timeout_ms) + " ms"; }
    pollfd p{fd, step.events, 0};
    const int prc = ::poll(&p, 1, left);
    if (prc < 0 && errno != EINTR) { return std::string{"poll: "} + std::strerror(errno); }
  }
}

Result<std::unique_ptr<Channel::Ssl>> new_ssl(const TlsContext& ctx, int fd)
{
  auto s = std::make_unique<Channel::Ssl>();
  s->ssl.reset(SSL_new(ctx.impl().ctx.get()));
  BIO* bio = s->ssl ? BIO_new(socket_method()) : nullptr;
  if (bio == nullptr) { return make_error(ErrorKind::io, "TLS: " + ssl_reason()); }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(fd)));
  SSL_set_bio(s->ssl.get(), bio, bio);  // the SSL owns it now
  if (auto st = set_nonblocking(fd, true); !st) { return std::move(st).error(); }
  return s;
}

}  // namespace

Result<Channel> Channel::tls_server(Fd fd, const TlsContext& ctx, int timeout_ms)
{
  auto s = new_ssl(ctx, fd.get());
  if (!s) { return std::move(s).error(); }
  if (auto failure = handshake((*s)->ssl.get(), fd.get(), true, timeout_ms)) {
    return make_error(ErrorKind::io, "TLS: " + *failure);
  }
  return Channel{std::move(fd), std::move(*s)};
}

TlsAccept::TlsAccept(Fd fd, std::unique_ptr<Channel::Ssl> ssl)
    : m_fd(std::move(fd)), m_ssl(std::move(ssl)), m_events(POLLIN)
{
}
TlsAccept::TlsAccept(TlsAccept&&) noexcept = default;
TlsAccept& TlsAccept::operator=(TlsAccept&&) noexcept = default;
TlsAccept::~TlsAccept() = default;

Result<TlsAccept> TlsAccept::start(Fd fd, const TlsContext& ctx)
{
  auto s = new_ssl(ctx, fd.get());
  if (!s) { return std::move(s).error(); }
  return TlsAccept{std::move(fd), std::move(*s)};
}

Result<std::optional<Channel>> TlsAccept::step()
{
  if (!m_ssl || !m_fd) { return make_error(ErrorKind::io, "TLS: no handshake in progress"); }
  const HandshakeStep step = handshake_step(m_ssl->ssl.get(), true);
  if (step.failure) { return make_error(ErrorKind::io, "TLS: " + *step.failure); }
  if (!step.done) {
    m_events = step.events;
    return std::optional<Channel>{};
  }
  return std::optional<Channel>{Channel{std::move(m_fd), std::move(m_ssl)}};
}

namespace {

// OpenSSL's verify callback: keeps the verdict, and records the pin of the
// daemon's certificate when the chain is refused (in the SSL's app data, a
// std::optional<Pin>).
int remember_refused(int preverify_ok, X509_STORE_CTX* store) noexcept
{
  if (preverify_ok == 1) { return 1; }
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* refused = ssl != nullptr ? static_cast<std::optional<Pin>*>(SSL_get_app_data(ssl)) : nullptr;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (refused != nullptr && leaf != nullptr) { *refused = digest(leaf); }
  return 0;
}

}  // namespace

Result<Channel> Channel::tls_client(Fd fd, const TlsContext& ctx, const TlsClientSettings& settings,
                                    const std::string& host, int timeout_ms)
{
  auto s = new_ssl(ctx, fd.get());
  if (!s) { return std::move(s).error(); }
  SSL* ssl = (*s)->ssl.get();
  const bool ip = is_ip_address(host);
  if (!host.empty() && !ip) { SSL_set_tlsext_host_name(ssl, host.c_str()); }
  const bool verify_chain = !settings.insecure && !settings.pin;
  if (verify_chain) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, remember_refused);
    if (!host.empty()) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) : SSL_set1_host(ssl, host.c_str());
      if (ok != 1) { return make_error(ErrorKind::io, "TLS: cannot check the name \"" + host + "\""); }
    }
  } else {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
  }
  // The certificate a failed verification was about, to name its pin.
  std::optional<Pin> refused;
  SSL_set_app_data(ssl, &refused);
  auto failure = handshake(ssl, fd.get(), false, timeout_ms);
  SSL_set_app_data(ssl, nullptr);
  if (failure) {
    const long vr = SSL_get_verify_result(ssl);
    if (verify_chain && vr != X509_V_OK) {
      std::string hint = "; use --ca FILE or --pin SHA256";
      if (refused) {
        // Trust on first use, made explicit: the user compares the pin with
        // what rpcap-conf tls-cert prints on the daemon's host.
        hint = "; use --ca FILE, or --pin " + format_pin(*refused) +
               " if that is the daemon's certificate (rpcap-conf tls-cert prints its pin on the daemon's host)";
      }
      if (vr == X509_V_ERR_HOSTNAME_MISMATCH || vr == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        hint = " (the certificate is not for \"" + host + "\"); connect by a name it holds, or use --pin SHA256";
      } else if (vr == X509_V_ERR_CERT_HAS_EXPIRED || vr == X509_V_ERR_CERT_NOT_YET_VALID) {
        hint = "";
      }
      return make_error(ErrorKind::io,
                        std::string{"TLS: certificate verify failed: "} + X509_verify_cert_error_string(vr) + hint);
    }
    if (failure->find("alert handshake failure") != std::string::npos || failure->find("wrong version number") != std::string::npos
        || failure->find("packet length too long") != std::string::npos) {
      *failure += " (does the daemon use TLS, rpcapd -S?)";
    }
    return make_error(ErrorKind::io, "TLS: " + *failure);
  }
  if (settings.pin) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr) { return make_error(ErrorKind::io, "TLS: the daemon sent no certificate"); }
    const Pin got = digest(cert);
    if (got != *settings.pin) {
      return make_error(ErrorKind::io, "TLS: the daemon's certificate " + format_pin(got)
                                           + " is not the pinned one (--pin " + format_pin(*settings.pin) + ")");
    }
  }
  return Channel{std::move(fd), std::move(*s)};
}

Result<bool> wait_readable(const Channel& ch, int timeout_ms)
{
  if (ch.pending() > 0) { return true; }
  return wait_readable(ch.fd(), timeout_ms);
}

}  // namespace rpcap
