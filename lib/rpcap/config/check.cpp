// SPDX-License-Identifier: BSD-3-Clause
// check_config(): the rules of the parser, applied to a DaemonConfig made
// some other way (rpcapd's switches, rpcap-conf generate).
#include "rpcap/config/config.hpp"

#include "rpcap/config/settings.hpp"
#include "rpcap/config/values.hpp"

namespace rpcap {

using namespace conf;

std::vector<Error> check_config(const DaemonConfig& cfg, Spelling spelling)
{
  std::vector<Error> errors;
  auto add = [&](std::string_view key, const std::string& problem) {
    errors.push_back(make_error(ErrorKind::config, name_of(key, spelling) + ": " + problem));
  };
  for (const auto& s : daemon_settings()) {
    std::optional<std::string> problem;
    switch (s.kind) {
    case Setting::Kind::hosts:
      for (const auto& host : cfg.passive_clients) {
        if (auto p = host_problem(host)) { add(s.key, *p); }
      }
      if (joined_size(cfg.passive_clients) > k_max_host_list_chars) { add(s.key, host_list_too_long()); }
      break;
    case Setting::Kind::targets:
      for (const auto& target : cfg.active_clients) {
        if (auto p = host_problem(target.host)) { add(s.key, *p); }
        if (auto p = port_problem(target.port)) { add(s.key, *p); }
      }
      if (cfg.active_clients.size() > k_max_active_clients) {
        add(s.key, too_many_targets());
      }
      break;
    case Setting::Kind::yes_no: break;
    case Setting::Kind::family:
      if (cfg.family != AddressFamily::any && cfg.family != AddressFamily::ipv4 && cfg.family != AddressFamily::ipv6) {
        problem = "not any, ipv4 or ipv6";
      }
      break;
    case Setting::Kind::number:
      if (cfg.*s.number < s.min || cfg.*s.number > s.max) {
        problem = range_problem(std::to_string(cfg.*s.number), s.min, s.max);
      }
      break;
    case Setting::Kind::port: problem = listen_port_problem(cfg.*s.text); break;
    case Setting::Kind::host:
      if (!(cfg.*s.text).empty()) { problem = host_problem(cfg.*s.text); }
      break;
    case Setting::Kind::path:
      if (!(cfg.*s.text).empty()) { problem = path_problem(cfg.*s.text); }
      break;
    case Setting::Kind::port_range:
      if (!(cfg.*s.text).empty()) { problem = port_range_problem(cfg.*s.text); }
      break;
    case Setting::Kind::group:
      if (!(cfg.*s.text).empty()) { problem = group_problem(cfg.*s.text); }
      break;
    }
    if (problem) { add(s.key, *problem); }
  }
  if (auto problem = tls_problem(cfg, spelling)) { errors.push_back(make_error(ErrorKind::config, *problem)); }
  if (cfg.active_only && cfg.active_clients.empty()) {
    errors.push_back(make_error(ErrorKind::config, active_only_problem(spelling)));
  }
  return errors;
}

std::optional<std::string> listening_port_problem(std::string_view port) { return listen_port_problem(port); }

}  // namespace rpcap
