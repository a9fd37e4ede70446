// SPDX-License-Identifier: BSD-3-Clause
// One daemon session on a real control connection: the ServerSession state
// machine wired to sockets and libpcap, in a single-threaded poll loop that
// serves the control connection and the data path together (no capture
// thread, so no unsynchronised writes on the control socket and no join that
// can hang: libpcap's B19 and B20).
//
// The data path batches: each poll wakeup hands a whole kernel block of
// packets to PACKET messages in one buffer, sent with one system call. The
// kernel's block timeout bounds how long a lone packet waits. When the
// client reads slower than packets come, the buffer stops growing at a high
// watermark and the kernel drops (and counts) instead: memory stays bounded.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "rpcap/net/capture.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/daemon/server.hpp"
#include "rpcap/net/tls.hpp"

namespace rpcap {

using LogFn = std::function<void(LogLevel, const std::string&)>;

// Checks a password login and, on success, makes the process run as that
// user (the daemon serves each connection in its own process). Both calls
// fail with ErrorKind::auth when the login is refused and the client may
// try again, and with another kind (ErrorKind::io) when the process can no
// longer serve anyone (the identity change failed, perhaps half-way): the
// session then ends. The message is for the log.
class Authenticator {
public:
  virtual ~Authenticator() = default;
  virtual Status login(const std::string& user, const std::string& password, const SockAddress& peer) = 0;
  // Make the process run as `user`, whom the client's verified certificate
  // names (no password to check): as login() does after the password.
  virtual Status login_certificate(const std::string& user, const SockAddress& peer) = 0;
};

// A client certificate that names a local account (certificate_account()):
// the client's NULL authentication logs in as that user.
struct CertificateLogin {
  std::string common_name;  // the certificate subject's CN
  std::string user;         // the account it names
};

struct DaemonSessionConfig {
  SessionSettings protocol;
  int first_message_timeout_s{10};  // for the first whole request, from `accepted`
  int auth_timeout_s{90};       // to authenticate, from the connection's start
  // When the connection was accepted (the listening process may have held
  // it before this process began); the epoch: when the session starts.
  std::chrono::steady_clock::time_point accepted{};
  int idle_timeout_s{180};      // between requests after authentication when no capture runs; 0 = none
  bool active{false};           // the daemon made this connection (active mode): it opens data connections
  int data_timeout_ms{10000};   // for the data connection to be made
  int capture_buffer{32 << 20}; // kernel capture buffer, bytes
  PortRange data_ports;         // passive TCP data connections listen on one of these (empty: any)
  int max_block_wait_ms{50};    // longest a captured packet waits in the kernel
  // Data bytes queued for the data connection at most: beyond, packets wait
  // in the capture ring, and the kernel drops (and counts) what the ring cannot
  // hold. Large enough for big writes (700 frames of 1500 B), small beside the ring.
  std::size_t max_pending{1u << 20};
  Keepalive keepalive;          // on the control and TCP data connections: a vanished peer ends the session
  // TLS (-S): the data connection gets a handshake of its own, the daemon
  // the TLS server (docs/protocol.md#tls-and-first-byte-detection); UDP data is refused. Null: plaintext.
  const TlsContext* tls{nullptr};
  // Set when the client presented a verified certificate naming a local account.
  std::optional<CertificateLogin> certificate;
  // The listening process's say (passive mode; unset in inetd and active
  // mode, where every login may go on): `admit` asks, after a successful
  // login, whether the session may go on (a failure carries the reason for
  // the client); `missed_deadline` reports a client that sent no whole
  // first message or did not authenticate in time (its source is penalised).
  std::function<Status()> admit;
  std::function<void()> missed_deadline;
};

// What a session tells its client (an ERROR, code 1) when SIGTERM stops it.
inline constexpr std::string_view k_shutdown_message = "Session closed: daemon shutting down";

// Serve the session on `control` (plain, or TLS already set up) until the
// client closes it, it fails, times out or SIGTERM stops it (the client is
// told k_shutdown_message). Never throws; everything is logged through `log`.
void run_daemon_session(Channel control, const DaemonSessionConfig& cfg, CaptureBackend& backend,
                        Authenticator* auth, const LogFn& log);

}  // namespace rpcap
