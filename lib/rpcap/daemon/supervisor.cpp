// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/supervisor.hpp"

#include "rpcap/config/settings.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "rpcap/daemon/admission.hpp"
#include "rpcap/daemon/auth.hpp"
#include "rpcap/base/children.hpp"
#include "rpcap/daemon/serve.hpp"
#include "rpcap/base/deadline.hpp"
#include "rpcap/daemon/login_throttle.hpp"
#include "rpcap/daemon/service_manager.hpp"
#include "rpcap/daemon/session_link.hpp"
#include "rpcap/base/file.hpp"
#include "rpcap/base/signal_fd.hpp"
#include "rpcap/base/text.hpp"

namespace rpcap {
namespace {

constexpr int k_shutdown_grace_ms = 3000;

bool same_listen_settings(const DaemonConfig& a, const DaemonConfig& b)
{
  return a.listen_address == b.listen_address && a.port == b.port && a.family == b.family
         && a.active_only == b.active_only;
}

Result<std::vector<Fd>> open_listeners(const DaemonConfig& cfg)
{
  if (cfg.active_only) { return std::vector<Fd>{}; }
  // A deep accept queue: a burst of connections (a flood among them) waits
  // there to be accepted, where a short one would drop the SYNs of clients
  // that then retry only after a second. The kernel caps it at somaxconn.
  constexpr int k_listen_backlog = 4096;
  auto fds = listen_tcp(cfg.listen_address, cfg.port, cfg.family, k_listen_backlog);
  if (!fds) { return std::move(fds).error(); }
  for (auto& fd : *fds) { (void)set_nonblocking(fd.get(), true); }
  return fds;
}

}  // namespace

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

namespace {

// The listening process of passive mode (and the parent of the active-mode
// workers). A new connection stays in this process's poll set, costing a
// descriptor and a table entry, until the client says something; only then
// is a session process forked for it. Admission (admission.hpp) decides
// which connections are kept, evicted or refused; each session process is
// tied to this one by a SessionLink.
class Supervisor {
public:
  Supervisor(const DaemonOptions& opts, const LogFn& log, SignalFd& signals, std::shared_ptr<const TlsContext> tls,
             DaemonSockets sockets, const ServiceNotifier& notifier)
      : m_opts(opts), m_log(log), m_cfg(opts.config), m_tls(std::move(tls)), m_listeners(std::move(sockets.listeners)),
        m_passed(sockets.passed), m_signals(signals), m_notifier(notifier), m_admission(limits_for(m_cfg))
  {
  }

  int run();

private:
  using Clock = std::chrono::steady_clock;
  using Id = Admission::Id;

  // A connection that has not said anything yet.
  struct Waiting {
    Fd fd;
    SockAddress from;
    std::string source;
    Clock::time_point accepted;
  };
  // A passive session's process.
  struct Session {
    Id id{0};
    std::string host;    // its address, for the log
    std::string source;  // its source, for Admission and LoginThrottle
    Fd link;             // the listener's end of its SessionLink (closed when the session closes its end)
  };
  // A refused connection: the ERROR is sent, what the client sends is read
  // and dropped until it closes or `until`, so the reason is not lost in a reset.
  struct Lingering {
    Fd fd;
    Clock::time_point until;
  };
  // What one pollfd is for.
  enum class Slot { signals, listener, waiting, link, lingering };

  AdmissionLimits limits_for(const DaemonConfig& cfg) const;
  void accept_from(int listener);
  void serve(Id id);
  void expire(Clock::time_point now);
  void refuse(Fd fd, const std::string& who, const std::string& reason);
  void drain_lingering(std::size_t index);
  void read_link(pid_t pid);
  void log_penalty(const std::string& source, const std::string& why, unsigned share) const;
  void reap();
  bool handle_signals();
  void reload();
  bool try_reload();
  std::string status() const;
  // What a child leaves blocked of this process's signals (the rest get
  // their default actions back): a session reads SIGUSR1 and SIGTERM from a
  // SignalFd of its own, so a SIGTERM before it has one waits for it rather
  // than ending the session without a word; an active-mode worker reads
  // SIGUSR1 only (SIGTERM ends it).
  enum class ChildKind { session, worker };
  // Fork a child that runs `body` without this process's descriptors and
  // signal handling; -1 if fork failed (logged, with `label`).
  pid_t fork_child(const std::string& label, ChildKind kind, const std::function<void()>& body);
  void start_worker(const ActiveClient& target);
  void sync_workers(bool reload);
  void stop();
  int next_timeout() const;

  const DaemonOptions& m_opts;
  const LogFn& m_log;
  DaemonConfig m_cfg;
  std::shared_ptr<const TlsContext> m_tls;
  std::vector<Fd> m_listeners;
  bool m_passed{false};  // the listeners are the service manager's
  SignalFd& m_signals;
  const ServiceNotifier& m_notifier;
  std::size_t m_fd_limit{1024};  // RLIMIT_NOFILE's soft limit, raised to the hard one (before m_admission: it reads it)
  Admission m_admission;
  LoginThrottle m_throttle;
  Id m_next_id{1};
  std::map<Id, Waiting> m_waiting;
  std::map<pid_t, Session> m_sessions;
  std::vector<Lingering> m_lingering;
  std::map<std::string, pid_t> m_workers;  // active-mode targets, by "host:port"
  Children m_children;                     // the sessions' and the workers' processes
};

// Descriptors kept free for everything but connections: the standard ones,
// listeners, the signalfd, syslog, what a fork and PAM need.
constexpr std::size_t k_reserved_fds = 64;
// Refused connections whose ERROR is still on its way, at most.
constexpr std::size_t k_max_lingering = 64;
constexpr auto k_linger_time = std::chrono::seconds(1);
// Connections accepted from one listener per wakeup: the others get their turn.
constexpr int k_accepts_per_wakeup = 64;

// Raise the soft descriptor limit to the hard one; return the limit in force.
std::size_t raise_fd_limit(const LogFn& log)
{
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) { return 1024; }
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      rl = raised;
    } else {
      log(LogLevel::warning, std::string{"setrlimit(RLIMIT_NOFILE): "} + std::strerror(errno));
    }
  }
  return rl.rlim_cur == RLIM_INFINITY ? std::size_t{1} << 20 : static_cast<std::size_t>(rl.rlim_cur);
}

AdmissionLimits Supervisor::limits_for(const DaemonConfig& cfg) const
{
  AdmissionLimits l;
  l.max_sessions = cfg.max_sessions;
  l.max_sessions_per_host = cfg.max_sessions_per_host;
  l.max_unauthenticated_per_source = cfg.max_unauthenticated_per_source;
  // Each connection not logged in holds a descriptor here (its socket or its
  // session's link), each logged-in session one (its link), each lingering
  // refusal one: stay within the descriptor limit.
  const std::size_t used = k_reserved_fds + cfg.max_sessions + k_max_lingering;
  const std::size_t room = m_fd_limit > used + 1 ? m_fd_limit - used : 1;
  l.max_unauthenticated = static_cast<unsigned>(std::min<std::size_t>(cfg.max_unauthenticated, room));
  return l;
}

int Supervisor::next_timeout() const
{
  std::optional<Clock::time_point> next;
  if (auto oldest = m_admission.oldest_silent()) {
    next = *oldest + std::chrono::seconds(m_cfg.first_message_timeout);
  }
  for (const auto& l : m_lingering) {
    if (!next || l.until < *next) { next = l.until; }
  }
  if (!next) { return -1; }
  // A millisecond past it, so that expire() then finds it due.
  return Deadline::at(*next + std::chrono::milliseconds(1)).left_ms();
}

void Supervisor::refuse(Fd fd, const std::string& who, const std::string& reason)
{
  m_log(LogLevel::warning, who + ": refused: " + reason);
  if (m_lingering.size() >= k_max_lingering) { return; }  // closed without a word: the flood is on
  (void)set_nonblocking(fd.get(), true);
  const Bytes msg = encode(Message{make_error_msg(ErrorCode::hostnoauth, reason)});
  if (::send(fd.get(), msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL) != static_cast<ssize_t>(msg.size())) {
    return;
  }
  ::shutdown(fd.get(), SHUT_WR);
  m_lingering.push_back(Lingering{std::move(fd), Clock::now() + k_linger_time});
}

void Supervisor::drain_lingering(std::size_t index)
{
  char buf[4096];
  for (int i = 0; i < 16; ++i) {
    const ssize_t n = ::recv(m_lingering[index].fd.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) { continue; }
    if (n < 0 && errno == EAGAIN) { return; }
    break;  // closed or failed: done with it
  }
  m_lingering[index].until = Clock::time_point{};  // expire() closes it
}

void Supervisor::accept_from(int listener)
{
  for (int i = 0; i < k_accepts_per_wakeup; ++i) {
    SockAddress from;
    from.length = sizeof from.storage;
    Fd conn{::accept4(listener, from.get(), &from.length, SOCK_CLOEXEC | SOCK_NONBLOCK)};
    if (!conn) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors after all: give up the oldest silent connection.
        if (auto oldest = m_admission.silent_since(Clock::now()); !oldest.empty()) {
          m_admission.leave(oldest.front());
          m_waiting.erase(oldest.front());
        }
        m_log(LogLevel::warning, std::string{"accept: "} + std::strerror(errno));
      }
      return;
    }
    const Id id = m_next_id++;
    const std::string source = source_of(from);
    const auto now = Clock::now();
    auto still_silent = [this](Id other) {
      auto it = m_waiting.find(other);
      if (it == m_waiting.end()) { return true; }
      char byte = 0;
      const ssize_t n = ::recv(it->second.fd.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      return n <= 0;  // nothing (or only a close) has come: it may go
    };
    auto arrival = m_admission.arrive(id, source, now, still_silent);
    for (Id gone : arrival.evicted) {
      auto it = m_waiting.find(gone);
      if (it == m_waiting.end()) { continue; }
      m_log(LogLevel::debug, it->second.from.to_string() + ": closed: silent, and its place was taken (" + source
                                 + " holds the most connections not logged in)");
      m_waiting.erase(it);
    }
    for (Id spoke : arrival.spoke) { serve(spoke); }
    if (!arrival.accepted) {
      refuse(std::move(conn), from.to_string(), arrival.refusal);
      continue;
    }
    m_waiting.emplace(id, Waiting{std::move(conn), from, source, now});
  }
}

pid_t Supervisor::fork_child(const std::string& label, ChildKind kind, const std::function<void()>& body)
{
  const pid_t pid = m_children.spawn(label, [&] {
    // Nothing of the listening process's stays open in a child.
    m_listeners.clear();
    m_waiting.clear();
    m_lingering.clear();
    m_sessions.clear();
    if (kind == ChildKind::session) {
      m_signals.restore_in_child({SIGUSR1, SIGTERM});
    } else {
      m_signals.restore_in_child({SIGUSR1});
    }
    body();
    return 0;
  });
  if (pid < 0) { m_log(LogLevel::error, label + ": fork: " + std::strerror(errno)); }
  return pid;
}

void Supervisor::serve(Id id)
{
  auto it = m_waiting.find(id);
  if (it == m_waiting.end()) { return; }
  char byte = 0;
  const ssize_t peeked = ::recv(it->second.fd.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0 && (errno == EAGAIN || errno == EINTR)) { return; }  // nothing after all: it waits on
  Waiting w = std::move(it->second);
  m_waiting.erase(it);
  if (peeked <= 0) {
    m_log(LogLevel::info, w.from.to_string() + ": closing: the client closed the connection before saying anything");
    m_admission.leave(id);
    return;
  }
  m_admission.spoke(id);
  auto link = make_session_link();
  if (!link) {
    m_log(LogLevel::error, w.from.to_string() + ": closing: " + link.error().message);
    m_admission.leave(id);
    return;
  }
  const std::string host = w.from.host();
  // The delays count per source, as Admission does: an IPv6 client that
  // moves within its /64 keeps its delay.
  SessionTies ties{m_throttle.delay_for(w.source, LoginThrottle::Clock::now(), std::chrono::seconds(m_cfg.max_login_delay)),
                   SessionLink{std::move(link->second)}, w.accepted};
  (void)set_nonblocking(w.fd.get(), false);
  const pid_t pid = fork_child(w.from.to_string(), ChildKind::session, [&] {
    link->first.reset();
    serve_connection(std::move(w.fd), m_opts, m_cfg, m_tls.get(), m_log, std::move(ties));
  });
  if (pid < 0) {
    m_admission.leave(id);
    return;
  }
  m_sessions.emplace(pid, Session{id, host, w.source, std::move(link->first)});
}

void Supervisor::expire(Clock::time_point now)
{
  const auto timeout = std::chrono::seconds(m_cfg.first_message_timeout);
  // Most wakeups find nothing due: look at the oldest first, not at every connection.
  const auto oldest = m_admission.oldest_silent();
  const auto due = oldest && *oldest <= now - timeout ? m_admission.silent_since(now - timeout) : std::vector<Id>{};
  for (Id id : due) {
    auto it = m_waiting.find(id);
    if (it == m_waiting.end()) {
      m_admission.leave(id);
      continue;
    }
    char byte = 0;
    if (::recv(it->second.fd.get(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0) {
      serve(id);  // it spoke just now
      continue;
    }
    const std::string source = it->second.source;
    m_log(LogLevel::info, it->second.from.to_string() + ": closing: nothing received within "
                              + std::to_string(m_cfg.first_message_timeout) + " s");
    m_waiting.erase(it);
    m_admission.leave(id);
    const unsigned before = m_admission.share(source, now);
    const unsigned after = m_admission.penalise(source, now);
    if (after < before) { log_penalty(source, "connections that say nothing", after); }
  }
  std::erase_if(m_lingering, [&](const Lingering& l) { return l.until <= now; });
}

void Supervisor::log_penalty(const std::string& source, const std::string& why, unsigned share) const
{
  m_log(LogLevel::warning, source + ": penalised for " + why + ": its share of connections not logged in is "
                               + std::to_string(share) + " (" + key_of(&DaemonConfig::max_unauthenticated_per_source) + " "
                               + std::to_string(m_admission.limits().max_unauthenticated_per_source)
                               + "), one miss forgiven a minute");
}

void Supervisor::read_link(pid_t pid)
{
  auto it = m_sessions.find(pid);
  if (it == m_sessions.end() || !it->second.link) { return; }
  Session& s = it->second;
  for (int i = 0; i < 64; ++i) {
    bool closed = false;
    auto msg = read_link_message(s.link.get(), closed);
    if (closed) {
      s.link.reset();
      return;
    }
    if (!msg) { return; }
    const auto now = Clock::now();
    switch (msg->kind) {
    case LinkMessage::Kind::login_failed: {
      m_throttle.failed(s.source, LoginThrottle::Clock::now());
      // A wrong password costs the source a connection of its share, as a
      // missed deadline does: a guesser holding connections open in their
      // failure delays cannot fill the table for other sources.
      const unsigned before = m_admission.share(s.source, now);
      const unsigned after = m_admission.penalise(s.source, now);
      if (after < before) { log_penalty(s.source, "failed logins", after); }
      break;
    }
    case LinkMessage::Kind::login_succeeded: m_throttle.succeeded(s.source); break;
    case LinkMessage::Kind::missed_deadline: {
      const unsigned before = m_admission.share(s.source, now);
      const unsigned after = m_admission.penalise(s.source, now);
      if (after < before) { log_penalty(s.source, "connections that do not log in in time", after); }
      break;
    }
    case LinkMessage::Kind::wants_slot: {
      const auto refusal = m_admission.log_in(s.id);
      if (refusal) { m_log(LogLevel::warning, s.host + ": login refused: " + *refusal); }
      answer_slot(s.link.get(), refusal);
      break;
    }
    }
  }
}

void Supervisor::reap()
{
  for (const auto& ended : m_children.reap()) {
    const pid_t pid = ended.pid;
    if (auto it = m_sessions.find(pid); it != m_sessions.end()) {
      // A session logs its own end; one killed by a signal (a crash) could not.
      if (WIFSIGNALED(ended.status)) {
        m_log(LogLevel::error, it->second.host + ": the session's process " + describe_status(ended.status));
      }
      read_link(pid);  // what it reported before it ended
      m_admission.leave(it->second.id);
      m_sessions.erase(it);
      continue;
    }
    for (auto it = m_workers.begin(); it != m_workers.end(); ++it) {
      if (it->second == pid) {
        m_log(LogLevel::error, "active mode: the worker for " + it->first + " ended; restarting it");
        const std::string gone = it->first;
        m_workers.erase(it);
        for (const auto& t : m_cfg.active_clients) {
          if (target_name(t) == gone) { start_worker(t); }
        }
        break;
      }
    }
  }
}

void Supervisor::start_worker(const ActiveClient& target)
{
  const pid_t pid = fork_child("active mode: " + target_name(target), ChildKind::worker, [&] {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    active_worker(target, m_opts, m_cfg, m_tls.get(), m_log);
  });
  if (pid > 0) { m_workers[target_name(target)] = pid; }
}

// Bring the active-mode workers in line with the configuration: stop those
// no longer listed, start the new ones, leave the others connected.
void Supervisor::sync_workers(bool reload)
{
  std::set<std::string> wanted;
  for (const auto& t : m_cfg.active_clients) { wanted.insert(target_name(t)); }
  for (auto it = m_workers.begin(); it != m_workers.end();) {
    if (wanted.count(it->first) == 0) {
      m_log(LogLevel::info, "active mode: no longer connecting to " + it->first);
      ::kill(it->second, SIGTERM);
      it = m_workers.erase(it);
    } else {
      if (reload) { ::kill(it->second, SIGHUP); }  // kept: it re-reads the file for its next session
      ++it;
    }
  }
  for (const auto& t : m_cfg.active_clients) {
    if (m_workers.count(target_name(t)) == 0) { start_worker(t); }
  }
}

void Supervisor::reload()
{
  m_notifier.reloading();
  if (try_reload()) { m_log(LogLevel::info, "SIGHUP: re-read " + m_opts.config_file); }
  m_notifier.ready(status());
}

// False if the settings were kept (the reason logged).
bool Supervisor::try_reload()
{
  if (m_opts.config_file.empty()) {
    m_log(LogLevel::info, "SIGHUP: no configuration file to re-read (-f not given)");
    return false;
  }
  auto fresh = reload_config(m_opts);
  if (!fresh) {
    m_log(LogLevel::error, "SIGHUP: keeping the current settings: " + fresh.error().message);
    return false;
  }
  auto fresh_tls = tls_context_for(*fresh);
  if (!fresh_tls) {
    m_log(LogLevel::error, "SIGHUP: keeping the current settings: " + fresh_tls.error().message);
    return false;
  }
  if (!same_listen_settings(m_cfg, *fresh)) {
    if (m_passed) {
      m_log(LogLevel::warning, "SIGHUP: the listening sockets are the service manager's: a new "
                                   + key_of(&DaemonConfig::listen_address) + ", " + key_of(&DaemonConfig::port)
                                   + " or address family belongs in its socket unit");
    } else {
      auto reopened = open_listeners(*fresh);
      if (!reopened) {
        m_log(LogLevel::error, "SIGHUP: keeping the current settings: " + reopened.error().message);
        return false;
      }
      m_listeners = std::move(*reopened);
    }
  }
  m_cfg = std::move(*fresh);
  m_tls = std::move(*fresh_tls);
  m_admission.set_limits(limits_for(m_cfg));
  sync_workers(true);
  return true;
}

// The service manager's status line: where it listens, what it serves.
std::string Supervisor::status() const
{
  std::string where;
  for (const auto& l : m_listeners) {
    if (auto a = local_address(l.get()); a) { where += (where.empty() ? "" : ", ") + a->to_string(); }
  }
  std::string line = where.empty() ? "active mode only" : "listening on " + where;
  line += "; " + std::to_string(m_sessions.size()) + " session(s)";
  if (!m_workers.empty()) { line += ", " + std::to_string(m_workers.size()) + " active-mode target(s)"; }
  return line;
}

// False once a signal says stop.
bool Supervisor::handle_signals()
{
  for (int sig = m_signals.next(); sig != 0; sig = m_signals.next()) {
    if (sig == SIGCHLD) {
      reap();
    } else if (sig == SIGHUP) {
      reload();
    } else if (sig == SIGUSR1) {
      // Each session logs its own (the active-mode workers pass it on to theirs).
      m_log(LogLevel::info, "SIGUSR1: " + std::to_string(m_sessions.size()) + " passive session(s), "
                                + std::to_string(m_workers.size()) + " active-mode connection(s); each logs its statistics");
      m_children.signal(SIGUSR1);
    } else {
      m_log(LogLevel::info, std::string{"stopping on "} + ::strsignal(sig));
      return false;
    }
  }
  return true;
}

int Supervisor::run()
{
  m_fd_limit = raise_fd_limit(m_log);
  m_admission.set_limits(limits_for(m_cfg));
  if (m_admission.limits().max_unauthenticated < m_cfg.max_unauthenticated) {
    m_log(LogLevel::warning, key_of(&DaemonConfig::max_unauthenticated) + " " + std::to_string(m_cfg.max_unauthenticated) + " lowered to "
                                 + std::to_string(m_admission.limits().max_unauthenticated) + " by the descriptor limit ("
                                 + std::to_string(m_fd_limit) + ")");
  }
  sync_workers(false);
  m_notifier.ready(status());
  std::vector<pollfd> pfds;
  std::vector<std::pair<Slot, std::uint64_t>> what;  // for each pollfd: its kind and key
  for (;;) {
    pfds.clear();
    what.clear();
    auto add = [&](int fd, Slot slot, std::uint64_t key) {
      pfds.push_back(pollfd{fd, POLLIN, 0});
      what.emplace_back(slot, key);
    };
    add(m_signals.fd(), Slot::signals, 0);
    for (std::size_t i = 0; i < m_listeners.size(); ++i) { add(m_listeners[i].get(), Slot::listener, i); }
    for (const auto& [id, w] : m_waiting) { add(w.fd.get(), Slot::waiting, id); }
    for (const auto& [pid, s] : m_sessions) {
      if (s.link) { add(s.link.get(), Slot::link, static_cast<std::uint64_t>(pid)); }
    }
    for (std::size_t i = 0; i < m_lingering.size(); ++i) { add(m_lingering[i].fd.get(), Slot::lingering, i); }
    if (::poll(pfds.data(), pfds.size(), next_timeout()) < 0) {
      if (errno == EINTR) { continue; }
      m_log(LogLevel::error, std::string{"poll: "} + std::strerror(errno));
      break;
    }
    if ((pfds[0].revents & POLLIN) != 0 && !handle_signals()) { break; }
    // Reports first (a failure reported just now counts for the next
    // connection), then the connections that spoke, then new ones.
    std::vector<int> listeners_ready;
    for (std::size_t i = 1; i < pfds.size(); ++i) {
      if (pfds[i].revents == 0) { continue; }
      const auto [slot, key] = what[i];
      switch (slot) {
      case Slot::signals: break;
      case Slot::listener: listeners_ready.push_back(pfds[i].fd); break;
      case Slot::waiting: serve(key); break;
      case Slot::link: read_link(static_cast<pid_t>(key)); break;
      case Slot::lingering:
        if (key < m_lingering.size()) { drain_lingering(key); }
        break;
      }
    }
    for (int fd : listeners_ready) {
      if (std::any_of(m_listeners.begin(), m_listeners.end(), [fd](const Fd& l) { return l.get() == fd; })) {
        accept_from(fd);
      }
    }
    expire(Clock::now());
  }
  stop();
  return 0;
}

// Stop: no new connections; end our own sessions, and only those (B21).
void Supervisor::stop()
{
  m_notifier.stopping();
  m_listeners.clear();
  m_waiting.clear();
  m_lingering.clear();
  (void)m_children.stop(std::chrono::milliseconds(k_shutdown_grace_ms));
}

}  // namespace

Result<DaemonSockets> open_daemon_sockets(const DaemonConfig& cfg)
{
  auto passed = passed_listeners();
  if (!passed) { return std::move(passed).error(); }
  if (!passed->empty()) {
    for (auto& fd : *passed) { (void)set_nonblocking(fd.get(), true); }
    return DaemonSockets{std::move(*passed), true};
  }
  auto opened = open_listeners(cfg);
  if (!opened) { return std::move(opened).error(); }
  return DaemonSockets{std::move(*opened), false};
}

int run_daemon(DaemonSockets sockets, const DaemonOptions& opts, const LogFn& log)
{
  ::signal(SIGPIPE, SIG_IGN);
  SignalFd signals{SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1};  // first: a SIGTERM from now on is a clean stop
  const ServiceNotifier notifier;
  // Loaded here once (and again on SIGHUP), before the process drops any
  // privilege; each session's process inherits it.
  auto tls = tls_context_for(opts.config);
  if (!tls) {
    log(LogLevel::error, tls.error().message);
    return 2;
  }
  const std::string from = sockets.passed ? " (passed by the service manager)" : "";
  for (const auto& l : sockets.listeners) {
    if (auto a = local_address(l.get()); a) { log(LogLevel::info, "listening on " + a->to_string() + from); }
  }
  if (opts.ready_fd >= 0) {
    std::string port = "0";
    if (!sockets.listeners.empty()) {
      if (auto a = local_address(sockets.listeners.front().get()); a) { port = std::to_string(a->port()); }
    }
    port += "\n";
    (void)write_all(opts.ready_fd, port.data(), port.size(), 1000);
    ::close(opts.ready_fd);
  }
  Supervisor supervisor{opts, log, signals, std::move(*tls), std::move(sockets), notifier};
  const int status = supervisor.run();
  // A SIGTERM that came during the stop (a service manager signals every
  // process of the service) asks for what is done: it must not kill the
  // process when `signals` unblocks it on the way out.
  ::signal(SIGTERM, SIG_IGN);
  ::signal(SIGINT, SIG_IGN);
  return status;
}

Result<DaemonConfig> reload_config(const DaemonOptions& opts)
{
  auto cfg = load_config(opts.config_file);
  if (!cfg) { return cfg; }
  return with_absolute_paths(std::move(*cfg), opts.base_dir);
}

Result<DaemonOptions> prepare_daemon(DaemonConfig cfg, const std::string& config_file, int ready_fd)
{
  DaemonOptions run;
  // Every path as from here, whatever the working directory later (-d: "/").
  std::error_code ec;
  run.base_dir = std::filesystem::current_path(ec).string();
  run.config = with_absolute_paths(std::move(cfg), run.base_dir);
  if (!config_file.empty()) { run.config_file = std::filesystem::absolute(config_file, ec).string(); }
  run.ready_fd = ready_fd;
  if (!run.config.host_list_file.empty()) {
    if (auto hosts = load_host_list(run.config.host_list_file); !hosts) { return std::move(hosts).error(); }
  }
  // A key or certificate that cannot be used stops the daemon at once, as libpcap's.
  if (auto tls = tls_context_for(run.config); !tls) { return std::move(tls).error(); }
  AuthSettings auth;
  auth.capture_group = run.config.capture_group;
  if (auto st = check_auth_settings(auth); !st) { return std::move(st).error(); }
  // Each session's process logs in through PAM and becomes the user.
  run.make_authenticator = [auth](const DaemonConfig& now_cfg) {
    AuthSettings now = auth;
    now.capture_group = now_cfg.capture_group;
    return std::unique_ptr<Authenticator>{std::make_unique<PamAuthenticator>(now)};
  };
  return run;
}

std::vector<std::string> config_file_problems(const std::string& path)
{
  auto text = read_file(path, k_max_config_bytes);
  if (!text) { return {text.error().message}; }
  const auto parsed = parse_config(*text, path);
  std::vector<std::string> out;
  for (const auto& e : parsed.errors) { out.push_back(e.message); }
  if (!out.empty()) { return out; }
  const DaemonConfig& cfg = parsed.config;
  // A file the config names is reported at the line of its key.
  const auto settings = daemon_settings();
  auto at = [&](std::string DaemonConfig::*member) {
    for (std::size_t i = 0; i < settings.size(); ++i) {
      if (settings[i].text == member) {
        return path + ":" + std::to_string(parsed.key_lines[i]) + ": " + std::string{settings[i].key} + ": ";
      }
    }
    return path + ": ";
  };
  if (!cfg.host_list_file.empty()) {
    if (auto hosts = load_host_list(cfg.host_list_file); !hosts) {
      // Its own lines' errors name that file; one that cannot be read is this file's.
      const bool unreadable = hosts.error().kind == ErrorKind::io;
      out.push_back((unreadable ? at(&DaemonConfig::host_list_file) : "") + hosts.error().message);
    }
  }
  bool files_readable = true;
  for (auto member : {&DaemonConfig::tls_key, &DaemonConfig::tls_cert, &DaemonConfig::tls_client_ca}) {
    const std::string& file = cfg.*member;
    if (!cfg.tls || file.empty()) { continue; }
    if (::access(file.c_str(), R_OK) != 0) {
      out.push_back(at(member) + quote_text(file, 256) + ": " + std::strerror(errno));
      files_readable = false;
    }
  }
  if (cfg.tls && files_readable) {
    TlsFile failed = TlsFile::cert;
    if (auto tls = TlsContext::server(TlsServerSettings{cfg.tls_key, cfg.tls_cert, cfg.tls_client_ca}, &failed); !tls) {
      // At the line of the file at fault.
      const auto member = failed == TlsFile::key ? &DaemonConfig::tls_key
                          : failed == TlsFile::client_ca ? &DaemonConfig::tls_client_ca
                                                         : &DaemonConfig::tls_cert;
      out.push_back(at(member) + tls.error().message);
    }
  }
  return out;
}

}  // namespace rpcap
