// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon.hpp"

#include <fcntl.h>

#include "rpcap/text.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "rpcap/auth.hpp"
#include "rpcap/login_throttle.hpp"

namespace rpcap {
namespace {

constexpr int k_shutdown_grace_ms = 3000;
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
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  std::size_t drained = 0;
  while (drained < (1u << 20) && std::chrono::steady_clock::now() < until) {
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
bool read_exact(int fd, std::uint8_t* buf, std::size_t size, std::chrono::steady_clock::time_point until)
{
  while (size > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) { return false; }
    auto r = wait_readable(fd, static_cast<int>(left.count()));
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
bool skip_bytes(int fd, std::size_t size, std::chrono::steady_clock::time_point until)
{
  std::uint8_t buf[4096];
  while (size > 0) {
    const std::size_t n = std::min(size, sizeof buf);
    if (!read_exact(fd, buf, n, until)) { return false; }
    size -= n;
  }
  return true;
}

// The connection's transport after the client's first byte (§1.3): TLS
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
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(std::min(timeout_s, 10));
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

// What a passive session's process gets from the listening process for
// password logins: the delay its address has earned, and where to report.
struct LoginLimits {
  std::chrono::milliseconds delay{1000};
  int report_fd{-1};
};

// Serve one accepted connection in this process: the daemon's side of §6.2a.
void serve_connection(Fd fd, const DaemonOptions& opts, const DaemonConfig& cfg, const TlsContext* tls,
                      const LogFn& log, const LoginLimits& limits = {})
{
  auto peer = peer_address(fd.get());
  const std::string who = peer ? peer->to_string() : std::string{"?"};
  // Nothing is said before the client's first byte (§1.1); wait for it, bounded.
  auto first = wait_readable(fd.get(), static_cast<int>(cfg.auth_timeout) * 1000);
  if (!first || !*first) {
    log(LogLevel::info, who + ": closing: nothing received within " + std::to_string(cfg.auth_timeout) + " s");
    return;
  }
  auto ch = open_channel(std::move(fd), tls, static_cast<int>(cfg.auth_timeout), who, log);
  if (!ch) { return; }
  auto hosts = allowed_hosts(cfg);
  if (!hosts) {
    // A list that cannot be read allows nobody: never fail open.
    log(LogLevel::error, who + ": refused: " + hosts.error().message);
    close_after(std::move(*ch), encode(Message{make_error_msg(ErrorCode::hostnoauth,
                                                              "Allowed host list error: " + hosts.error().message)}));
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
    auth = std::make_unique<ThrottledAuthenticator>(std::move(auth), limits.delay,
                                                    std::chrono::seconds(cfg.max_login_delay),
                                                    LoginReporter{limits.report_fd});
  }
  auto backend = make_pcap_backend();
  const auto sc = settings_for(*ch, session_config(cfg, opts.session), tls, who, log);
  if (!sc) {
    refuse_login(std::move(*ch));
    return;
  }
  run_daemon_session(std::move(*ch), *sc, *backend, auth.get(), log);
}

std::string target_name(const ActiveClient& t)
{
  return (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" + t.port;
}

// Serve one connection the daemon made to an active-mode client (§6.4):
// no host list (the daemon chose the peer), no idle timeout (the analyst
// may take a while), and data connections made by the daemon.
void serve_active(Fd fd, const DaemonOptions& opts, const DaemonConfig& cfg, const TlsContext* tls,
                  const std::string& who, const LogFn& log)
{
  // We made the connection, but the client speaks first and is the TLS
  // client (§1.3), as with libpcap's rpcapd.
  auto first = wait_readable(fd.get(), static_cast<int>(cfg.auth_timeout) * 1000);
  if (!first || !*first) {
    log(LogLevel::info, who + ": closing: nothing received within " + std::to_string(cfg.auth_timeout) + " s");
    return;
  }
  auto ch = open_channel(std::move(fd), tls, static_cast<int>(cfg.auth_timeout), who, log);
  if (!ch) { return; }
  auto settings = settings_for(*ch, session_config(cfg, opts.session), tls, who, log);
  if (!settings) {
    refuse_login(std::move(*ch));
    return;
  }
  DaemonSessionConfig& sc = *settings;
  sc.active = true;
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
        if (auto fresh = load_config(opts.config_file); fresh) {
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
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        ::signal(SIGHUP, SIG_IGN);  // the worker's reload is not the session's business
        serve_active(std::move(*fd), opts, cfg, tls, name, log);
        ::_exit(0);
      }
      fd->reset();
      if (pid > 0) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
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

class SignalFd {
public:
  SignalFd()
  {
    sigemptyset(&m_set);
    for (int s : {SIGCHLD, SIGHUP, SIGTERM, SIGINT}) { sigaddset(&m_set, s); }
    ::sigprocmask(SIG_BLOCK, &m_set, &m_old);
    m_fd.reset(::signalfd(-1, &m_set, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~SignalFd() { ::sigprocmask(SIG_SETMASK, &m_old, nullptr); }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return m_fd.get(); }
  // The next pending signal, or 0.
  int next()
  {
    signalfd_siginfo si{};
    if (::read(m_fd.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) { return 0; }
    return static_cast<int>(si.ssi_signo);
  }
  // For a forked child: the signal mask and handlers a session expects.
  void restore_in_child() const { ::sigprocmask(SIG_SETMASK, &m_old, nullptr); }

private:
  sigset_t m_set{};
  sigset_t m_old{};
  Fd m_fd;
};

bool same_listen_settings(const DaemonConfig& a, const DaemonConfig& b)
{
  return a.listen_address == b.listen_address && a.port == b.port && a.family == b.family
         && a.active_only == b.active_only;
}

Result<std::vector<Fd>> open_listeners(const DaemonConfig& cfg)
{
  if (cfg.active_only) { return std::vector<Fd>{}; }
  auto fds = listen_tcp(cfg.listen_address, cfg.port, cfg.family);
  if (!fds) { return std::move(fds).error(); }
  for (auto& fd : *fds) { (void)set_nonblocking(fd.get(), true); }
  return fds;
}

}  // namespace

DaemonSessionConfig session_config(const DaemonConfig& cfg, DaemonSessionConfig base)
{
  base.protocol.null_auth = cfg.null_auth;
  base.auth_timeout_s = static_cast<int>(cfg.auth_timeout);
  base.idle_timeout_s = static_cast<int>(cfg.idle_timeout);
  base.data_timeout_ms = static_cast<int>(cfg.data_timeout) * 1000;
  base.keepalive = Keepalive{cfg.keepalive, cfg.user_timeout};
  base.capture_buffer = static_cast<int>(cfg.capture_buffer_kib * 1024);
  return base;
}

Result<std::shared_ptr<const TlsContext>> tls_context_for(const DaemonConfig& cfg)
{
  if (!cfg.tls) { return std::shared_ptr<const TlsContext>{}; }
  auto ctx = TlsContext::server(TlsServerSettings{cfg.tls_key, cfg.tls_cert, cfg.tls_client_ca});
  if (!ctx) { return std::move(ctx).error(); }
  return std::shared_ptr<const TlsContext>{std::make_shared<TlsContext>(std::move(*ctx))};
}

int run_single(int fd, const DaemonOptions& opts, const LogFn& log)
{
  auto tls = tls_context_for(opts.config);
  if (!tls) {
    log(LogLevel::error, tls.error().message);
    return 2;
  }
  serve_connection(Fd{fd}, opts, opts.config, tls->get(), log);
  return 0;
}

int run_daemon(const DaemonOptions& opts, const LogFn& log)
{
  ::signal(SIGPIPE, SIG_IGN);
  SignalFd signals;
  DaemonConfig cfg = opts.config;
  // Loaded here once (and again on SIGHUP), before the process drops any
  // privilege; each session's process inherits it.
  auto tls_loaded = tls_context_for(cfg);
  if (!tls_loaded) {
    log(LogLevel::error, tls_loaded.error().message);
    return 2;
  }
  std::shared_ptr<const TlsContext> tls = std::move(*tls_loaded);
  auto opened = open_listeners(cfg);
  if (!opened) {
    log(LogLevel::error, opened.error().message);
    return 1;
  }
  std::vector<Fd> listeners = std::move(*opened);
  for (const auto& l : listeners) {
    if (auto a = local_address(l.get()); a) { log(LogLevel::info, "listening on " + a->to_string()); }
  }
  if (opts.ready_fd >= 0) {
    std::string port = "0";
    if (!listeners.empty()) {
      if (auto a = local_address(listeners.front().get()); a) { port = std::to_string(a->port()); }
    }
    port += "\n";
    (void)write_all(opts.ready_fd, port.data(), port.size(), 1000);
    ::close(opts.ready_fd);
  }

  std::set<pid_t> children;                  // passive sessions
  // Login outcomes reported by the passive sessions, counted per address.
  LoginThrottle throttle;
  std::map<pid_t, std::string> child_hosts;
  Fd reports_read;
  Fd reports_write;
  if (int p[2]; ::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0) {
    reports_read.reset(p[0]);
    reports_write.reset(p[1]);
  } else {
    log(LogLevel::warning, std::string{"pipe: "} + std::strerror(errno) + "; failed logins are slowed down per connection only");
  }
  auto read_reports = [&] {
    LoginReporter::Record r[64];
    for (ssize_t n; (n = ::read(reports_read.get(), r, sizeof r)) > 0;) {
      for (std::size_t i = 0; i < static_cast<std::size_t>(n) / sizeof r[0]; ++i) {
        auto it = child_hosts.find(static_cast<pid_t>(r[i].pid));
        if (it == child_hosts.end()) { continue; }
        if (r[i].outcome == static_cast<char>(LoginReporter::Outcome::failed)) {
          throttle.failed(it->second, LoginThrottle::Clock::now());
        } else {
          throttle.succeeded(it->second);
        }
      }
    }
  };
  std::map<std::string, pid_t> workers;      // active-mode targets, by "host:port"
  // Fork a process that runs `body` without this one's listening sockets
  // and signal handling, then exits; -1 if fork failed (logged).
  auto fork_child = [&](const std::function<void()>& body) -> pid_t {
    const pid_t pid = ::fork();
    if (pid < 0) { log(LogLevel::error, std::string{"fork: "} + std::strerror(errno)); }
    if (pid == 0) {
      listeners.clear();
      reports_read.reset();
      signals.restore_in_child();
      body();
      ::_exit(0);
    }
    return pid;
  };
  auto start_worker = [&](const ActiveClient& target) {
    const pid_t pid = fork_child([&] {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      reports_write.reset();  // active sessions are not throttled: the daemon chose the peer
      active_worker(target, opts, cfg, tls.get(), log);
    });
    if (pid > 0) { workers[target_name(target)] = pid; }
  };
  // Bring the active-mode workers in line with `cfg`: stop those no longer
  // listed, start the new ones, leave the others connected.
  auto sync_workers = [&](bool reload) {
    std::set<std::string> wanted;
    for (const auto& t : cfg.active_clients) { wanted.insert(target_name(t)); }
    for (auto it = workers.begin(); it != workers.end();) {
      if (wanted.count(it->first) == 0) {
        log(LogLevel::info, "active mode: no longer connecting to " + it->first);
        ::kill(it->second, SIGTERM);
        it = workers.erase(it);
      } else {
        if (reload) { ::kill(it->second, SIGHUP); }  // kept: it re-reads the file for its next session
        ++it;
      }
    }
    for (const auto& t : cfg.active_clients) {
      if (workers.count(target_name(t)) == 0) { start_worker(t); }
    }
  };
  sync_workers(false);
  bool stopping = false;
  while (!stopping) {
    std::vector<pollfd> pfds;
    pfds.push_back(pollfd{signals.fd(), POLLIN, 0});
    for (const auto& l : listeners) { pfds.push_back(pollfd{l.get(), POLLIN, 0}); }
    if (reports_read) { pfds.push_back(pollfd{reports_read.get(), POLLIN, 0}); }
    if (::poll(pfds.data(), pfds.size(), -1) < 0) {
      if (errno == EINTR) { continue; }
      log(LogLevel::error, std::string{"poll: "} + std::strerror(errno));
      break;
    }
    if ((pfds[0].revents & POLLIN) != 0) {
      for (int sig = signals.next(); sig != 0; sig = signals.next()) {
        if (sig == SIGCHLD) {
          read_reports();  // what the ended sessions reported, while their addresses are known
          for (pid_t pid; (pid = ::waitpid(-1, nullptr, WNOHANG)) > 0;) {
            children.erase(pid);
            child_hosts.erase(pid);
            for (auto it = workers.begin(); it != workers.end(); ++it) {
              if (it->second == pid) {
                log(LogLevel::error, "active mode: the worker for " + it->first + " ended; restarting it");
                const std::string gone = it->first;
                workers.erase(it);
                for (const auto& t : cfg.active_clients) {
                  if (target_name(t) == gone) { start_worker(t); }
                }
                break;
              }
            }
          }
        } else if (sig == SIGHUP) {
          if (opts.config_file.empty()) {
            log(LogLevel::info, "SIGHUP: no configuration file to re-read (-f not given)");
            continue;
          }
          auto fresh = load_config(opts.config_file);
          if (!fresh) {
            log(LogLevel::error, "SIGHUP: keeping the current settings: " + fresh.error().message);
            continue;
          }
          auto fresh_tls = tls_context_for(*fresh);
          if (!fresh_tls) {
            log(LogLevel::error, "SIGHUP: keeping the current settings: " + fresh_tls.error().message);
            continue;
          }
          if (!same_listen_settings(cfg, *fresh)) {
            auto reopened = open_listeners(*fresh);
            if (!reopened) {
              log(LogLevel::error, "SIGHUP: keeping the current settings: " + reopened.error().message);
              continue;
            }
            listeners = std::move(*reopened);
          }
          cfg = std::move(*fresh);
          tls = std::move(*fresh_tls);
          sync_workers(true);
          log(LogLevel::info, "SIGHUP: re-read " + opts.config_file);
        } else {
          log(LogLevel::info, std::string{"stopping on "} + ::strsignal(sig));
          stopping = true;
        }
      }
    }
    if (stopping) { break; }
    // Before accepting: a failure reported just now counts for the next connection.
    if (reports_read) { read_reports(); }
    for (std::size_t i = 1; i < pfds.size(); ++i) {
      if ((pfds[i].revents & POLLIN) == 0 || pfds[i].fd == reports_read.get()) { continue; }
      SockAddress from;
      from.length = sizeof from.storage;
      Fd conn{::accept4(pfds[i].fd, from.get(), &from.length, SOCK_CLOEXEC)};
      if (!conn) { continue; }
      if (children.size() >= cfg.max_sessions) {
        log(LogLevel::warning, from.to_string() + ": refused: " + std::to_string(children.size())
                                   + " sessions already (MaxSessions)");
        continue;
      }
      const std::string host = from.host();
      const auto from_host = static_cast<unsigned>(
          std::count_if(child_hosts.begin(), child_hosts.end(), [&](const auto& c) { return c.second == host; }));
      if (from_host >= cfg.max_sessions_per_host) {
        log(LogLevel::warning, from.to_string() + ": refused: " + std::to_string(from_host)
                                   + " sessions from this address already (MaxSessionsPerHost)");
        continue;
      }
      const LoginLimits limits{throttle.delay_for(host, LoginThrottle::Clock::now(), std::chrono::seconds(cfg.max_login_delay)),
                               reports_write.get()};
      const pid_t pid = fork_child([&] { serve_connection(std::move(conn), opts, cfg, tls.get(), log, limits); });
      if (pid > 0) {
        children.insert(pid);
        child_hosts[pid] = host;
      }
    }
  }

  // Stop: no new connections; end our own sessions, and only those (B21).
  listeners.clear();
  for (const auto& [name, pid] : workers) { children.insert(pid); }
  for (pid_t pid : children) { ::kill(pid, SIGTERM); }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(k_shutdown_grace_ms);
  while (!children.empty() && std::chrono::steady_clock::now() < deadline) {
    for (pid_t pid; (pid = ::waitpid(-1, nullptr, WNOHANG)) > 0;) { children.erase(pid); }
    if (!children.empty()) { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }
  }
  for (pid_t pid : children) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  return 0;
}

}  // namespace rpcap
