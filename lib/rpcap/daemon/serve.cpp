// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/serve.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "rpcap/daemon/auth.hpp"
#include "rpcap/base/deadline.hpp"
#include "rpcap/daemon/login_throttle.hpp"
#include "rpcap/base/text.hpp"

namespace rpcap {
namespace {

constexpr int k_active_retry_min_ms = 1000;
constexpr int k_active_retry_max_ms = 60000;
constexpr int k_active_connect_timeout_ms = 10000;

// Send `msg` and close so that the peer reads it before the connection
// ends: stop writing, then drain what it sent for a bounded time.
void close_after(Channel ch, const Bytes& msg)
{
  (void)ch.write_all(msg.data(), msg.size(), 2000);
  ch.shutdown_write();
  char buf[4096];
  const Deadline until{1000};
  std::size_t drained = 0;
  while (drained < (1u << 20) && !until.passed()) {
    auto r = wait_readable(ch, 200);
    if (!r || !*r) { break; }
    const long n = ch.read_some(buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) { continue; }
    if (n <= 0) { break; }
    drained += static_cast<std::size_t>(n);
  }
}

// Read exactly `size` bytes from `fd` before `until`; false if the peer
// closed, failed or was too slow.
bool read_exact(int fd, std::uint8_t* buf, std::size_t size, const Deadline& until)
{
  while (size > 0) {
    const int left = until.left_ms();
    if (left == 0) { return false; }
    auto r = wait_readable(fd, left);
    if (!r || !*r) { return false; }
    const ssize_t n = ::recv(fd, buf, size, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) { continue; }
    if (n <= 0) { return false; }
    buf += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Read and throw away `size` bytes (bounded by `until`).
bool skip_bytes(int fd, std::size_t size, const Deadline& until)
{
  std::uint8_t buf[4096];
  while (size > 0) {
    const std::size_t n = std::min(size, sizeof buf);
    if (!read_exact(fd, buf, n, until)) { return false; }
    size -= n;
  }
  return true;
}

// The connection's transport after the client's first byte (docs/protocol.md#tls-and-first-byte-detection): TLS
// when the daemon requires it and the client starts a handshake; a client
// of the other kind gets the answer libpcap's rpcapd gives it (ERROR 19 in
// plaintext, or a TLS handshake_failure alert) and is closed. nullopt then.
std::optional<Channel> open_channel(Fd fd, const TlsContext* tls, int timeout_s, const std::string& who,
                                    const LogFn& log)
{
  std::uint8_t first = 0;
  ssize_t n = 0;
  do {
    n = ::recv(fd.get(), &first, 1, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    log(LogLevel::info, who + ": closing: the client closed the connection before saying anything");
    return std::nullopt;
  }
  // Bounded: a peer that stops in the middle of its first message is dropped.
  const Deadline until{std::min(timeout_s, 10) * 1000};
  if (tls != nullptr && first != k_tls_handshake_byte) {
    log(LogLevel::warning, who + ": refused: plaintext RPCAP, but this daemon requires TLS (rpcaps://)");
    std::uint8_t header[k_header_size] = {};
    if (!read_exact(fd.get(), header, sizeof header, until)) { return std::nullopt; }
    const std::uint32_t plen = (std::uint32_t{header[4]} << 24) | (std::uint32_t{header[5]} << 16)
                               | (std::uint32_t{header[6]} << 8) | header[7];
    // The payload (a password, maybe) is dropped unread, up to a limit.
    if (plen <= (1u << 20)) { (void)skip_bytes(fd.get(), plen, until); }
    close_after(Channel{std::move(fd)},
                encode(Message{make_error_msg(ErrorCode::tls_required, "TLS is required by this server")}, header[0]));
    return std::nullopt;
  }
  if (tls == nullptr && first == k_tls_handshake_byte) {
    log(LogLevel::warning, who + ": refused: a TLS handshake, but TLS is off (rpcapd -S turns it on)");
    std::uint8_t record[5] = {};
    if (!read_exact(fd.get(), record, sizeof record, until)) { return std::nullopt; }
    (void)skip_bytes(fd.get(), (std::size_t{record[3]} << 8) | record[4], until);
    // A fatal handshake_failure alert in the client's record version (TV16).
    const Bytes alert{0x15, record[1], record[2], 0x00, 0x02, 0x02, 0x28};
    close_after(Channel{std::move(fd)}, alert);
    return std::nullopt;
  }
  if (tls == nullptr) { return Channel{std::move(fd)}; }
  auto ch = Channel::tls_server(std::move(fd), *tls, timeout_s * 1000);
  if (!ch) {
    log(LogLevel::warning, who + ": closing: " + ch.error().message);
    return std::nullopt;
  }
  const std::string subject = ch->peer_subject();
  log(LogLevel::info, who + ": " + ch->description()
                          + (subject.empty() ? "" : ", client certificate \"" + escape_control(subject, 256) + "\" verified"));
  return std::move(*ch);
}

// The first contact on a new control connection: the client speaks first
// (docs/protocol.md#control-connection, in active mode too, where it is also the TLS client), so
// wait for its first byte, then open the channel its first byte asks for;
// all within `timeout_s` of `since`. nullopt, logged, when it said nothing
// in time (then `on_silent` is called) or was refused.
std::optional<Channel> first_contact(Fd fd, const TlsContext* tls, std::chrono::steady_clock::time_point since,
                                     unsigned timeout_s, const std::string& who, const LogFn& log,
                                     const std::function<void()>& on_silent = {})
{
  const auto by = since + std::chrono::seconds(timeout_s);
  auto first = wait_readable(fd.get(), Deadline::at(by).left_ms());
  if (!first || !*first) {
    log(LogLevel::info, who + ": closing: nothing received within " + std::to_string(timeout_s) + " s");
    if (on_silent) { on_silent(); }
    return std::nullopt;
  }
  // What is left of the time, in whole seconds, for the handshake or the first message.
  const int left_s = std::clamp<int>((Deadline::at(by).left_ms() + 999) / 1000, 1, static_cast<int>(timeout_s));
  return open_channel(std::move(fd), tls, left_s, who, log);
}

// Refuse the client's login before any request: the generic answer a
// failed AUTH gets, then close.
void refuse_login(Channel ch)
{
  close_after(std::move(ch), encode(Message{make_error_msg(ErrorCode::auth_failed, "Authentication failed")}));
}

// The session settings for a connection over `ch`: a verified client
// certificate (--client-ca) whose CN names a local account logs in as that
// user, as a password would; one that names nobody authenticates nobody.
// nullopt (logged) when the account database cannot say which: the
// connection is closed rather than served as nobody's.
std::optional<DaemonSessionConfig> settings_for(const Channel& ch, DaemonSessionConfig sc, const TlsContext* tls,
                                                const std::string& who, const LogFn& log)
{
  sc.tls = tls;
  const std::string subject = ch.peer_subject();
  if (subject.empty()) { return sc; }
  auto cn = ch.peer_common_name();
  auto user = cn ? certificate_account(*cn) : Result<std::string>{std::move(cn).error()};
  if (!user && user.error().kind != ErrorKind::auth) {
    log(LogLevel::error, who + ": closing: client certificate \"" + escape_control(subject, 256)
                             + "\": " + user.error().message);
    return std::nullopt;
  }
  if (!user) {
    log(LogLevel::warning, who + ": client certificate \"" + escape_control(subject, 256) + "\" logs in as nobody: "
                               + user.error().message + "; the client must log in by password"
                               + (sc.protocol.null_auth ? " or NULL authentication" : ""));
    return sc;
  }
  sc.certificate = CertificateLogin{*cn, *user};
  return sc;
}

// The allow list: PassiveClient hosts plus those of the HostListFile.
Result<std::vector<std::string>> allowed_hosts(const DaemonConfig& cfg)
{
  std::vector<std::string> hosts = cfg.passive_clients;
  if (!cfg.host_list_file.empty()) {
    auto more = load_host_list(cfg.host_list_file);
    if (!more) { return std::move(more).error(); }
    hosts.insert(hosts.end(), more->begin(), more->end());
  }
  return hosts;
}

}  // namespace

void serve_connection(Fd fd, const DaemonOptions& opts, const DaemonConfig& cfg, const TlsContext* tls,
                      const LogFn& log, SessionTies ties)
{
  auto peer = peer_address(fd.get());
  const std::string who = peer ? peer->to_string() : std::string{"?"};
  if (ties.accepted == std::chrono::steady_clock::time_point{}) { ties.accepted = std::chrono::steady_clock::now(); }
  auto ch = first_contact(std::move(fd), tls, ties.accepted, cfg.first_message_timeout, who, log,
                          [&ties] { ties.link.missed_deadline(); });
  if (!ch) { return; }
  auto hosts = allowed_hosts(cfg);
  if (!hosts) {
    // A list that cannot be read allows nobody: never fail open. The log
    // says why; the client, not logged in, learns nothing of the daemon's files.
    log(LogLevel::error, who + ": refused: " + hosts.error().message);
    close_after(std::move(*ch), encode(Message{make_error_msg(
                                    ErrorCode::hostnoauth, "The daemon cannot read its allowed host list. Connection refused.")}));
    return;
  }
  if (!hosts->empty()) {
    std::vector<Error> errors;
    auto list = HostAllowList::resolve(*hosts, errors);
    for (const auto& e : errors) { log(LogLevel::warning, e.message); }
    if (!peer || !list.allows(*peer)) {
      log(LogLevel::warning, who + ": refused: not in the allowed host list");
      close_after(std::move(*ch), encode(Message{make_error_msg(
                                     ErrorCode::hostnoauth, "The host is not in the allowed host list. Connection refused.")}));
      return;
    }
  }
  log(LogLevel::info, who + ": connected");
  std::unique_ptr<Authenticator> auth = opts.make_authenticator ? opts.make_authenticator(cfg) : nullptr;
  if (auth) {
    // The reporter closes its descriptor after a login: a duplicate, so the
    // link stays open for the slot request that follows.
    const int report_fd = ties.link.valid() ? ::fcntl(ties.link.fd(), F_DUPFD_CLOEXEC, 3) : -1;
    auth = std::make_unique<ThrottledAuthenticator>(std::move(auth), ties.delay,
                                                    std::chrono::seconds(cfg.max_login_delay),
                                                    LoginReporter{report_fd});
  }
  auto backend = make_pcap_backend();
  auto sc = settings_for(*ch, session_config(cfg, opts.session), tls, who, log);
  if (!sc) {
    refuse_login(std::move(*ch));
    return;
  }
  sc->accepted = ties.accepted;
  if (ties.link.valid()) {
    sc->admit = [&ties] { return ties.link.admit(); };
    sc->missed_deadline = [&ties] { ties.link.missed_deadline(); };
  }
  run_daemon_session(std::move(*ch), *sc, *backend, auth.get(), log);
}

std::string target_name(const ActiveClient& t)
{
  return (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" + t.port;
}

namespace {

// Serve one connection the daemon made to an active-mode client (docs/protocol.md#active-mode):
// no host list (the daemon chose the peer), no idle timeout (the analyst
// may take a while), and data connections made by the daemon.
void serve_active(Fd fd, const DaemonOptions& opts, const DaemonConfig& cfg, const TlsContext* tls,
                  const std::string& who, const LogFn& log)
{
  // We made the connection, but the client speaks first, as with libpcap's rpcapd.
  auto ch = first_contact(std::move(fd), tls, std::chrono::steady_clock::now(), cfg.auth_timeout, who, log);
  if (!ch) { return; }
  auto settings = settings_for(*ch, session_config(cfg, opts.session), tls, who, log);
  if (!settings) {
    refuse_login(std::move(*ch));
    return;
  }
  DaemonSessionConfig& sc = *settings;
  sc.active = true;
  sc.first_message_timeout_s = sc.auth_timeout_s;  // the daemon chose the peer
  sc.idle_timeout_s = 0;
  std::unique_ptr<Authenticator> auth = opts.make_authenticator ? opts.make_authenticator(cfg) : nullptr;
  auto backend = make_pcap_backend();
  run_daemon_session(std::move(*ch), sc, *backend, auth.get(), log);
}

// The process that keeps a connection to one active-mode client: connect,
// serve the session in a child process (a password login changes that
// process's user, never the worker's: libpcap's B15), and when it ends or
// the connection fails, try again after a pause that doubles up to a cap.
volatile std::sig_atomic_t g_worker_reload = 0;  // a worker's SIGHUP: re-read -f before the next session
extern "C" void on_worker_hup(int) { g_worker_reload = 1; }
// A worker's SIGUSR1 goes on to its session's process, which logs its statistics.
volatile std::sig_atomic_t g_worker_session = 0;  // that process, while there is one
extern "C" void on_worker_usr1(int)
{
  if (g_worker_session > 0) { ::kill(static_cast<pid_t>(g_worker_session), SIGUSR1); }
}

}  // namespace

[[noreturn]] void active_worker(const ActiveClient& target, const DaemonOptions& opts, const DaemonConfig& start_cfg,
                                const TlsContext* start_tls, const LogFn& log)
{
  // The main process passes SIGHUP on after re-reading the file: sessions
  // from then on use the new settings (NullAuthPermit, timeouts), as new
  // passive connections do; a session in progress keeps its own.
  struct sigaction sa {};
  sa.sa_handler = on_worker_hup;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGHUP, &sa, nullptr);
  sa.sa_handler = on_worker_usr1;
  ::sigaction(SIGUSR1, &sa, nullptr);
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ::sigprocmask(SIG_UNBLOCK, &usr1, nullptr);
  DaemonConfig cfg = start_cfg;
  const TlsContext* tls = start_tls;
  std::shared_ptr<const TlsContext> reloaded_tls;  // the TLS files as re-read, once they are
  const std::string name = target_name(target);
  int pause_ms = k_active_retry_min_ms;
  for (;;) {
    if (g_worker_reload != 0) {
      g_worker_reload = 0;
      if (!opts.config_file.empty()) {
        // All or nothing, as the main process: a file or TLS key that does not load keeps the settings.
        if (auto fresh = reload_config(opts); fresh) {
          if (auto fresh_tls = tls_context_for(*fresh); fresh_tls) {
            cfg = std::move(*fresh);
            reloaded_tls = std::move(*fresh_tls);
            tls = reloaded_tls.get();
          }
        }
      }
    }
    auto fd = connect_tcp(target.host, target.port, cfg.family, k_active_connect_timeout_ms);
    if (!fd) {
      log(LogLevel::warning, "active mode: " + fd.error().message + "; retrying in " + std::to_string(pause_ms / 1000)
                                 + " s");
    } else {
      log(LogLevel::info, "active mode: connected to " + name);
      const pid_t pid = ::fork();
      if (pid == 0) {
        ::sigprocmask(SIG_BLOCK, &usr1, nullptr);  // the session reads it from a SignalFd
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        ::signal(SIGHUP, SIG_IGN);  // the worker's reload is not the session's business
        serve_active(std::move(*fd), opts, cfg, tls, name, log);
        ::_exit(0);
      }
      fd->reset();
      if (pid > 0) {
        g_worker_session = pid;
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        g_worker_session = 0;
        pause_ms = k_active_retry_min_ms;  // it worked: start again from the shortest pause
      }
      log(LogLevel::info, "active mode: session with " + name + " ended; reconnecting in "
                              + std::to_string(pause_ms / 1000) + " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    if (fd) { continue; }
    pause_ms = std::min(pause_ms * 2, k_active_retry_max_ms);
  }
}

DaemonSessionConfig session_config(const DaemonConfig& cfg, DaemonSessionConfig base)
{
  base.protocol.null_auth = cfg.null_auth;
  base.first_message_timeout_s = static_cast<int>(cfg.first_message_timeout);
  base.auth_timeout_s = static_cast<int>(cfg.auth_timeout);
  base.idle_timeout_s = static_cast<int>(cfg.idle_timeout);
  base.data_timeout_ms = static_cast<int>(cfg.data_timeout) * 1000;
  base.keepalive = Keepalive{cfg.keepalive, cfg.user_timeout};
  base.capture_buffer = static_cast<int>(cfg.capture_buffer_kib * 1024);
  if (auto ports = parse_port_range(cfg.data_ports); ports) { base.data_ports = *ports; }  // checked when loaded
  return base;
}

Result<std::shared_ptr<const TlsContext>> tls_context_for(const DaemonConfig& cfg)
{
  if (!cfg.tls) { return std::shared_ptr<const TlsContext>{}; }
  auto ctx = TlsContext::server(TlsServerSettings{cfg.tls_key, cfg.tls_cert, cfg.tls_client_ca});
  if (!ctx) { return std::move(ctx).error(); }
  return std::shared_ptr<const TlsContext>{std::make_shared<TlsContext>(std::move(*ctx))};
}

}  // namespace rpcap
