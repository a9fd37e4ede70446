// SPDX-License-Identifier: BSD-3-Clause
#include "rpcapd/cli.hpp"

#include <algorithm>

#include "common/daemon_options.hpp"
#include "common/tool.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::cli::rpcapd {

const std::vector<std::string>& config_switches()
{
  static const std::vector<std::string> k_names = [] {
    // The long name of each switch of the table: "-l,--hosts" gives
    // "--hosts"; AddressFamily's "-4,--ipv4|-6,--ipv6" gives both.
    std::vector<std::string> names;
    for (const auto& s : daemon_settings()) {
      std::string_view option = s.option;
      while (!option.empty()) {
        const std::string_view one = option.substr(0, option.find('|'));
        names.emplace_back(one.substr(one.rfind(',') + 1));
        option.remove_prefix(std::min(option.size(), one.size() + 1));
      }
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
  app.add_option("--pid-file", opts.pid_file, "with -d, write the daemon's process id to FILE (removed when it exits)")
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
      ->check(tool::whole_between(0, 1u << 20));
}

}  // namespace rpcap::cli::rpcapd
