// SPDX-License-Identifier: BSD-3-Clause
// TLS for rpcaps:// (docs/protocol.md#tls-and-first-byte-detection), with OpenSSL, and the
// transport seam every connection goes through: a Channel is a socket,
// plain or with TLS over it, so the client and the daemon read and write
// the same way either way.
//
// The daemon is always the TLS server and the client always the TLS
// client, also in active mode where the daemon made the TCP connection.
// Unlike libpcap's client (B18, libpcap issue 1080) ours verifies the
// daemon: against the system's trust store or a CA file, with the host
// name (or IP address) checked, or against one pinned certificate
// (SHA-256 of its DER, what `openssl x509 -noout -fingerprint -sha256`
// prints). TLS 1.2 is the minimum. The daemon may ask for client
// certificates signed by a CA it names; a client with one is known by it.
//
// Every OpenSSL handle is owned here with RAII; no OpenSSL type leaks into
// this header. Handshakes are bounded by a timeout (non-blocking socket and
// poll, unlike libpcap's B17), and a Channel reports the bytes OpenSSL holds
// already decrypted (pending()), which poll() on the socket cannot see.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/net/certificate.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

// The first byte of a TLS handshake record (a ClientHello): how the daemon
// tells TLS from plaintext RPCAP, whose first byte is a version
// (docs/protocol.md#tls-and-first-byte-detection).
inline constexpr std::uint8_t k_tls_handshake_byte = 0x16;

// The daemon's side.
struct TlsServerSettings {
  std::string key_file;        // -K, PEM
  std::string cert_file;       // -X, PEM (may hold the chain after the certificate)
  std::string client_ca_file;  // --client-ca: ask for client certificates signed by this CA; empty: none
};

// The client's side.
struct TlsClientSettings {
  std::string ca_file;     // --ca: trust this CA (PEM) instead of the system's trust store
  std::optional<Pin> pin;  // --pin: trust exactly this certificate, instead of any chain
  bool insecure{false};    // --insecure: verify nothing
  std::string cert_file;   // --cert: our certificate, for daemons that ask (--client-ca)
  std::string key_file;    // --key: its key
};

// Which of TlsServerSettings' files a failure is about.
enum class TlsFile { key, cert, client_ca };

class TlsContext {
public:
  // Load the daemon's key and certificate (and client CA). Fails
  // (ErrorKind::config) naming the file and OpenSSL's reason; `failed`,
  // when given, is set to the file at fault (a key that does not belong to
  // the certificate: the key).
  static Result<TlsContext> server(const TlsServerSettings& settings, TlsFile* failed = nullptr);
  // The client's context: trust store or CA file, client certificate.
  static Result<TlsContext> client(const TlsClientSettings& settings);

  TlsContext(TlsContext&&) noexcept;
  TlsContext& operator=(TlsContext&&) noexcept;
  ~TlsContext();

  class Impl;
  const Impl& impl() const { return *m_impl; }

private:
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// A connected stream socket, plain or with TLS over it. Moves, never copies;
// closing is the destructor's (or reset()'s) job.
class Channel {
public:
  Channel() noexcept;
  // A plain channel over `fd`.
  explicit Channel(Fd fd);
  Channel(Channel&&) noexcept;
  Channel& operator=(Channel&&) noexcept;
  ~Channel();

  // The TLS client handshake on `fd` within `timeout_ms`, then the checks
  // `settings` ask for against `host` (a name or numeric address; empty:
  // no name check). Fails (ErrorKind::io) with "TLS: <reason>", e.g.
  // "TLS: certificate verify failed: self-signed certificate; use --ca FILE
  // or --pin SHA256".
  static Result<Channel> tls_client(Fd fd, const TlsContext& ctx, const TlsClientSettings& settings,
                                    const std::string& host, int timeout_ms);
  // The TLS server handshake on `fd` within `timeout_ms`.
  static Result<Channel> tls_server(Fd fd, const TlsContext& ctx, int timeout_ms);

  int fd() const noexcept { return m_fd.get(); }
  bool valid() const noexcept { return m_fd.valid(); }
  explicit operator bool() const noexcept { return valid(); }
  bool is_tls() const noexcept { return m_ssl != nullptr; }
  // Decrypted bytes waiting inside OpenSSL: read_some() returns them
  // without the socket being readable, so check this before poll().
  std::size_t pending() const noexcept;

  // Read at most `size` bytes without blocking. As recv(): >0 bytes, 0 at
  // the end of the stream, -1 with errno EAGAIN (nothing yet), EINTR, or
  // another error (for TLS, EPROTO: error_text() says what).
  long read_some(void* buf, std::size_t size);
  // Write what can be written of `data` without blocking; as send(): -1
  // with errno EAGAIN if nothing could be. For TLS, a write that returned
  // EAGAIN must be retried with at least the same bytes (they may move).
  long write_some(const void* data, std::size_t size);
  // Write all of `data` within `timeout_ms` (negative: no limit).
  Status write_all(const void* data, std::size_t size, int timeout_ms);
  // For TLS, send close_notify (best effort, never blocks); then SHUT_WR.
  void shutdown_write();
  // The last TLS error's text, for a read_some()/write_some() that failed with EPROTO.
  const std::string& error_text() const noexcept { return m_error; }

  // The peer's verified certificate's subject ("CN=alice,O=..."), if it
  // sent one that verified; empty otherwise.
  std::string peer_subject() const;
  // The CN of the peer's verified certificate, as certificate_common_name()
  // reads it. Fails (ErrorKind::auth) without a verified certificate too.
  Result<std::string> peer_common_name() const;
  // "TLS1.3 TLS_AES_256_GCM_SHA384", for logs; empty for a plain channel.
  std::string description() const;

  // Close (after close_notify for TLS, best effort).
  void reset() noexcept;
  // Give up the descriptor (a plain channel only; TLS: -1).
  Fd release_fd() noexcept;

  class Ssl;

private:
  // What SSL_read() (`writing` false) or SSL_write() returning `n` <= 0
  // means, as recv() and send() would say it: -1 with errno (EAGAIN, the
  // socket's error, EPIPE, or EPROTO with error_text()), or 0 for the end
  // of the stream.
  long ssl_failure(int n, bool writing);

  friend class TlsAccept;
  Channel(Fd fd, std::unique_ptr<Ssl> ssl);
  Fd m_fd;
  std::unique_ptr<Ssl> m_ssl;
  std::string m_error;
};

// The daemon's side of a TLS handshake taken one step at a time, for a
// caller that serves other descriptors meanwhile: the data connection's
// handshake must not hold up the control connection.
class TlsAccept {
public:
  // Set up the server handshake on `fd` (made non-blocking); nothing is
  // read or written yet. Fails (ErrorKind::io) if OpenSSL cannot.
  static Result<TlsAccept> start(Fd fd, const TlsContext& ctx);
  TlsAccept(TlsAccept&&) noexcept;
  TlsAccept& operator=(TlsAccept&&) noexcept;
  ~TlsAccept();

  int fd() const noexcept { return m_fd.get(); }
  // What to poll fd() for before the next step(): POLLIN or POLLOUT.
  short events() const noexcept { return m_events; }
  // Take the handshake as far as it goes without blocking. Returns the
  // channel once it is done (this object is then empty), nullopt while it
  // waits for events(); fails (ErrorKind::io) with "TLS: <reason>".
  Result<std::optional<Channel>> step();

private:
  TlsAccept(Fd fd, std::unique_ptr<Channel::Ssl> ssl);
  Fd m_fd;
  std::unique_ptr<Channel::Ssl> m_ssl;
  short m_events;
};

// Wait until `ch` has bytes to read (buffered or on the socket) within
// `timeout_ms`: true if so.
Result<bool> wait_readable(const Channel& ch, int timeout_ms);

}  // namespace rpcap
