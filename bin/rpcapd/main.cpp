// SPDX-License-Identifier: BSD-3-Clause
// rpcapd: the remote packet capture daemon.
#include <unistd.h>

#include <optional>

#include "common/tool.hpp"
#include "rpcap/config/view.hpp"
#include "rpcap/daemon/process.hpp"
#include "rpcap/daemon/supervisor.hpp"
#include "rpcapd/cli.hpp"

using namespace rpcap;

namespace {

constexpr const char* k_prog = "rpcapd";

// The configuration: the -f file, whole, or the switches.
Result<DaemonConfig> configuration(const CLI::App& app, const cli::rpcapd::Options& opts)
{
  if (opts.config_file.empty()) { return config_from_flags(opts.daemon); }
  for (const auto& name : cli::rpcapd::config_switches()) {
    if (app.count(name) > 0) { tool::warning(k_prog, name + " is ignored: -f gives the whole configuration"); }
  }
  return load_config(opts.config_file);
}

// rpcapd -s FILE: the configuration in force, every setting (written
// aside, then renamed over FILE). Called once nothing else can stop the
// daemon from starting, so that a run that fails leaves FILE as it was.
Status save_if_asked(const cli::rpcapd::Options& opts, const DaemonOptions& run)
{
  return opts.save_file.empty() ? Status{} : save_config(opts.save_file, run.config);
}

}  // namespace

int main(int argc, char** argv)
{
  cli::rpcapd::Options opts;
  CLI::App app{"", k_prog};
  cli::rpcapd::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  // Checked first: a mistaken -i is the one thing to say, and nothing else is opened.
  if (opts.inetd) {
    if (auto st = check_inetd_connection(STDIN_FILENO); !st) { return tool::report(app, st.error()); }
  }
  auto cfg = configuration(app, opts);
  if (!cfg) { return tool::report(app, cfg.error()); }
  auto run = prepare_daemon(std::move(*cfg), opts.config_file, opts.ready_fd);
  if (!run) { return tool::report(app, run.error()); }
  if (opts.inetd) {
    if (auto st = save_if_asked(opts, *run); !st) { return tool::report(app, st.error()); }
    const int control = ::dup(0);
    detach_stdio();
    return run_single(control, *run, make_logger(k_prog, LogTo::syslog, opts.debug));
  }
  // Everything that can fail is opened while standard error still reaches
  // whoever started the daemon: its sockets, then (-d) its pid file, then
  // -s's file, last, so that a run that fails leaves it as it was.
  auto sockets = open_daemon_sockets(run->config);
  if (!sockets) { return tool::report(app, sockets.error()); }
  std::optional<PidFile> pid_file;
  if (opts.daemonize && !opts.pid_file.empty()) {
    auto created = PidFile::create(opts.pid_file);
    if (!created) { return tool::report(app, created.error()); }
    pid_file.emplace(std::move(*created));
  }
  if (auto st = save_if_asked(opts, *run); !st) { return tool::report(app, st.error()); }
  std::optional<Detached> detached;
  if (opts.daemonize) {
    auto forked = daemonize(k_prog);
    if (!forked) { return tool::report(app, forked.error()); }
    detached.emplace(std::move(*forked));
  }
  const LogFn log = make_logger(k_prog, opts.daemonize ? LogTo::syslog : LogTo::standard_error, opts.debug);
  if (pid_file) {
    if (auto st = pid_file->write(); !st) {
      log(LogLevel::error, st.error().message);
      if (detached) { detached->fail(st.error().message); }
      return 1;
    }
  }
  // Listening, and the pid file written: whoever ran rpcapd -d may go on.
  if (detached) { detached->ready(); }
  return run_daemon(std::move(*sockets), *run, log);
}
