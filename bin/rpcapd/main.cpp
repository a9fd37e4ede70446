// SPDX-License-Identifier: BSD-3-Clause
// rpcapd: the remote packet capture daemon.
#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/tool.hpp"
#include "rpcap/daemon/auth.hpp"
#include "rpcap/config/view.hpp"
#include "rpcap/daemon/supervisor.hpp"
#include "rpcap/base/file.hpp"
#include "rpcapd/cli.hpp"

namespace {

using namespace rpcap;
constexpr const char* k_prog = "rpcapd";

LogFn make_logger(bool to_syslog, bool debug)
{
  if (to_syslog) {
    ::openlog(k_prog, LOG_PID, LOG_DAEMON);
    return [debug](LogLevel level, const std::string& msg) {
      if (level == LogLevel::debug && !debug) { return; }
      const int prio = level == LogLevel::debug ? LOG_DEBUG
                       : level == LogLevel::info ? LOG_INFO
                       : level == LogLevel::warning ? LOG_WARNING
                                                    : LOG_ERR;
      ::syslog(prio, "%s", msg.c_str());
    };
  }
  return [debug](LogLevel level, const std::string& msg) {
    switch (level) {
    case LogLevel::debug:
      if (debug) { tool::info(k_prog, "debug: " + msg); }
      break;
    case LogLevel::info: tool::info(k_prog, msg); break;
    case LogLevel::warning: tool::warning(k_prog, msg); break;
    case LogLevel::error: tool::error(k_prog, msg); break;
    }
  };
}

// Point descriptors 0-2 at /dev/null.
void detach_stdio()
{
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) { return; }
  for (int fd = 0; fd <= 2; ++fd) { ::dup2(null, fd); }
  if (null > 2) { ::close(null); }
}

// Fork into the background: a new session, no terminal. Returns in the daemon only.
Status daemonize(const std::string& pid_file)
{
  pid_t pid = ::fork();
  if (pid < 0) { return make_error(ErrorKind::io, std::string{"fork: "} + std::strerror(errno)); }
  if (pid > 0) { ::_exit(0); }
  ::setsid();
  pid = ::fork();
  if (pid < 0) { return make_error(ErrorKind::io, std::string{"fork: "} + std::strerror(errno)); }
  if (pid > 0) { ::_exit(0); }
  (void)::chdir("/");
  detach_stdio();
  if (!pid_file.empty()) { return write_file(pid_file, std::to_string(::getpid()) + "\n"); }
  return {};
}

Status save_config(const std::string& path, const DaemonConfig& cfg)
{
  return write_file(path, "# rpcapd configuration, every setting (written by rpcapd -s; read with rpcapd -f)\n"
                             + show_config_text(cfg));
}

}  // namespace

int main(int argc, char** argv)
{
  cli::rpcapd::Options opts;
  CLI::App app{"", k_prog};
  cli::rpcapd::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  DaemonOptions run;
  if (!opts.config_file.empty()) {
    for (const auto& name : cli::rpcapd::config_switches()) {
      if (app.count(name) > 0) { tool::warning(k_prog, name + " is ignored: -f gives the whole configuration"); }
    }
    auto cfg = load_config(opts.config_file);
    if (!cfg) { return tool::report(app, cfg.error()); }
    run.config = std::move(*cfg);
    std::error_code ec;
    run.config_file = std::filesystem::absolute(opts.config_file, ec).string();
  } else {
    auto cfg = config_from_flags(opts.daemon);
    if (!cfg) { return tool::report(app, cfg.error()); }
    run.config = std::move(*cfg);
  }
  if (!run.config.host_list_file.empty()) {
    if (auto hosts = load_host_list(run.config.host_list_file); !hosts) { return tool::report(app, hosts.error()); }
  }
  if (!opts.save_file.empty()) {
    if (auto st = save_config(opts.save_file, run.config); !st) { return tool::report(app, st.error()); }
  }
  // A key or certificate that cannot be used stops the daemon at once (exit 2), as libpcap's.
  if (auto tls = tls_context_for(run.config); !tls) { return tool::report(app, tls.error()); }
  run.ready_fd = opts.ready_fd;
  AuthSettings auth;
  auth.capture_group = run.config.capture_group;
  if (auto st = check_auth_settings(auth); !st) { return tool::report(app, st.error()); }
  // Each session's process logs in through PAM and becomes the user.
  run.make_authenticator = [auth](const DaemonConfig& cfg) {
    AuthSettings now = auth;
    now.capture_group = cfg.capture_group;
    return std::unique_ptr<Authenticator>{std::make_unique<PamAuthenticator>(now)};
  };

  if (opts.inetd) {
    const int control = ::dup(0);
    detach_stdio();
    return run_single(control, run, make_logger(true, opts.debug));
  }
  if (opts.daemonize) {
    if (auto st = daemonize(opts.pid_file); !st) { return tool::report(app, st.error()); }
  }
  return run_daemon(run, make_logger(opts.daemonize, opts.debug));
}
