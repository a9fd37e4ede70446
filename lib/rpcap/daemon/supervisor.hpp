// SPDX-License-Identifier: BSD-3-Clause
// The daemon's process model: the listening process holds new connections
// until their clients speak, then forks a process for each session
// (serve.hpp serves it), bounded by Admission (admission.hpp); it
// keeps the active-mode workers, handles signals (SIGHUP reloads the
// configuration file, SIGTERM and SIGINT stop cleanly), and inetd mode.
// The listening process never blocks on a session: host checks, name
// resolution and everything the peer sends are handled in the child.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "rpcap/config/config.hpp"
#include "rpcap/daemon/session.hpp"
#include "rpcap/net/tls.hpp"

namespace rpcap {

struct DaemonOptions {
  DaemonConfig config;
  // The -f file, re-read on SIGHUP; empty: SIGHUP only logs that there is none.
  std::string config_file;
  // The working directory rpcapd started in: relative paths of every
  // configuration it loads are taken from there (with_absolute_paths()).
  std::string base_dir;
  // Write the bound port and a newline to this descriptor once listening (-1: no).
  int ready_fd{-1};
  DaemonSessionConfig session;  // auth_timeout_s, idle_timeout_s and null_auth come from `config`
  // Makes the authenticator for a session (in its own process) under the
  // configuration in force; may return null (no password logins).
  std::function<std::unique_ptr<Authenticator>(const DaemonConfig&)> make_authenticator;
};

// rpcapd's options from `cfg`, checked as the daemon will use them before
// it starts, so that a mistake stops it at once: the HostListFile loads;
// the TLS key and certificate load; the CaptureGroup exists. Each session
// logs in through PAM. `config_file` (-f, made absolute here) is re-read
// on SIGHUP. Fails naming what cannot be used. Writes nothing: rpcapd -s
// saves the result's `config` only once the daemon is sure to run.
Result<DaemonOptions> prepare_daemon(DaemonConfig cfg, const std::string& config_file, int ready_fd);

// The -f file of `opts` as it reads now, its relative paths resolved
// against `opts.base_dir` (SIGHUP, in the listening process and in active
// mode's workers).
Result<DaemonConfig> reload_config(const DaemonOptions& opts);

// Each problem of the config file at `path` and of the host list file it
// names, as "file:line: message", and of its TLS key and certificate as
// rpcapd would load them (rpcap-conf check). Empty: the daemon can use it.
std::vector<std::string> config_file_problems(const std::string& path);

// The listening sockets of passive mode: those a service manager passed
// (socket activation: LISTEN_PID and LISTEN_FDS; `passed` is set, and the
// listen settings are the manager's), or bound now as `cfg` says (none for
// active mode only). Opened before rpcapd -d detaches, so that a port in
// use stops it with the reason on standard error.
struct DaemonSockets {
  std::vector<Fd> listeners;
  bool passed{false};
};
Result<DaemonSockets> open_daemon_sockets(const DaemonConfig& cfg);

// Serve passive connections on `sockets` (and the active-mode targets)
// until SIGTERM or SIGINT; a service manager at NOTIFY_SOCKET hears when it
// is ready, reloads and stops. Returns the exit status: 0 after a signal,
// 2 if the TLS files no longer load.
int run_daemon(DaemonSockets sockets, const DaemonOptions& opts, const LogFn& log);

// Serve the single connection on descriptor `fd` (inetd mode) and return.
int run_single(int fd, const DaemonOptions& opts, const LogFn& log);

// The TLS server context `cfg` asks for (Tls = YES): its key and
// certificate loaded; null without TLS. Fails (ErrorKind::config) naming
// the file that cannot be used.
Result<std::shared_ptr<const TlsContext>> tls_context_for(const DaemonConfig& cfg);

// The session settings `cfg` implies on top of `base`.
DaemonSessionConfig session_config(const DaemonConfig& cfg, DaemonSessionConfig base);

}  // namespace rpcap
