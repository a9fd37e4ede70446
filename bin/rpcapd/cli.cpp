// SPDX-License-Identifier: BSD-3-Clause
#include "rpcapd/cli.hpp"

#include "common/daemon_options.hpp"
#include "common/tool.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::cli::rpcapd {

const std::vector<std::string>& config_switches()
{
  static const std::vector<std::string> k_names = [] {
    std::vector<std::string> names{"--bind",   "--port",        "--ipv4",          "--ipv6",
                                   "--hosts",  "--null-auth",   "--active",        "--active-only",
                                   "--tls",    "--tls-key",     "--tls-cert",      "--client-ca",
                                   "--capture-group"};
    for (const auto& s : daemon_settings()) {
      if (!s.option.empty()) { names.emplace_back(s.option); }
    }
    return names;
  }();
  return k_names;
}

void define_cli(CLI::App& app, Options& opts)
{
  app.description("remote packet capture daemon (RPCAP)");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  tool::add_daemon_options(app, opts.daemon);
  auto* daemonize = app.add_flag("-d,--daemon", opts.daemonize, "run in the background, logging to syslog");
  app.add_option("--pid-file", opts.pid_file, "with -d, write the daemon's process id to FILE")
      ->type_name("FILE")
      ->needs(daemonize);
  auto* inetd = app.add_flag("-i,--inetd",
                             opts.inetd, "serve the one connection on standard input (inetd, systemd socket activation)");
  inetd->excludes(daemonize);
  app.add_flag("-D,--debug", opts.debug, "also log debug messages");
  app.add_flag("-C", opts.compress, "accepted for libpcap rpcapd's command line; no effect (it has none there either)");
  app.add_option("-s,--save", opts.save_file, "write the effective configuration to FILE, then go on")
      ->type_name("FILE");
  app.add_option("-f,--config", opts.config_file,
                 "read the whole configuration from FILE (other switches are ignored); SIGHUP re-reads it")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_option("--ready-fd", opts.ready_fd,
                 "once listening, write the bound port and a newline to descriptor N and close it (for -p 0)")
      ->type_name("N")
      ->check(CLI::Range(0, 1 << 20));
}

}  // namespace rpcap::cli::rpcapd
