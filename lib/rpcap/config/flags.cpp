// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config/flags.hpp"

#include <filesystem>

#include "rpcap/config/settings.hpp"

namespace rpcap {

Result<DaemonConfig> config_from_flags(const DaemonFlags& flags)
{
  std::vector<std::string> problems;
  DaemonConfig cfg;
  cfg.listen_address = flags.bind_address;
  cfg.port = flags.port;
  cfg.null_auth = flags.null_auth;
  cfg.active_only = flags.active_only;
  cfg.capture_group = flags.capture_group;
  cfg.data_ports = flags.data_ports;
  for (const auto& s : daemon_settings()) {
    if (s.kind == Setting::Kind::number) { cfg.*s.number = flags.numbers.*s.number; }
  }
  cfg.tls = flags.tls;
  cfg.tls_key = flags.tls_key;
  cfg.tls_cert = flags.tls_cert;
  cfg.tls_client_ca = flags.tls_client_ca;
  if (flags.ipv4_only && flags.ipv6_only) {
    problems.emplace_back("-4 and -6 exclude each other");
  } else if (flags.ipv4_only) {
    cfg.family = AddressFamily::ipv4;
  } else if (flags.ipv6_only) {
    cfg.family = AddressFamily::ipv6;
  }
  for (const auto& list : flags.active_lists) {
    auto targets = parse_active_list(list);
    if (!targets) {
      problems.push_back(targets.error().message);
      continue;
    }
    cfg.active_clients.insert(cfg.active_clients.end(), targets->begin(), targets->end());
  }
  for (const auto& list : flags.host_lists) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(list, ec)) {
      if (!cfg.host_list_file.empty()) {
        problems.push_back("-l \"" + list + "\": only one host-list file may be given (already \""
                           + cfg.host_list_file + "\")");
        continue;
      }
      cfg.host_list_file = list;
      continue;
    }
    auto hosts = split_host_list(list);
    if (hosts.empty()) {
      problems.push_back("-l \"" + list + "\" names no host");
      continue;
    }
    cfg.passive_clients.insert(cfg.passive_clients.end(), hosts.begin(), hosts.end());
  }
  if (problems.empty()) {
    for (const auto& e : check_config(cfg, Spelling::switches)) { problems.push_back(e.message); }
  }
  if (!problems.empty()) {
    std::string msg;
    for (const auto& p : problems) { msg += (msg.empty() ? "" : "; ") + p; }
    return make_error(ErrorKind::usage, msg);
  }
  return cfg;
}

}  // namespace rpcap
