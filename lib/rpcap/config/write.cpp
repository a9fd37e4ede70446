// SPDX-License-Identifier: BSD-3-Clause
// write_config(): a DaemonConfig as a config file.
#include "rpcap/config/config.hpp"

#include "rpcap/config/settings.hpp"
#include "rpcap/config/values.hpp"

namespace rpcap {

Result<std::string> write_config(const DaemonConfig& cfg)
{
  if (auto errors = check_config(cfg); !errors.empty()) { return conf::join_errors(errors); }
  // The first three groups reproduce libpcap 1.10's fileconf_save() byte for
  // byte (its header, comments, blank lines and ", " separator), so a file
  // with only those keys cannot be told apart from one `rpcapd -s` wrote.
  const std::string passive = key_of(Setting::Kind::hosts);
  const std::string active = key_of(Setting::Kind::targets);
  const std::string null_auth = key_of(&DaemonConfig::null_auth);
  std::string out = "# Configuration file help.\n\n"
                    "# Hosts which are allowed to connect to this server (passive mode)\n"
                    "# Format: " + passive + " = <name or address>\n\n";
  for (const auto& host : cfg.passive_clients) { out += passive + " = " + host + "\n"; }
  out += "\n\n"
         "# Hosts to which this server is trying to connect to (active mode)\n"
         "# Format: " + active + " = <name or address>, <port | DEFAULT>\n\n";
  for (const auto& t : cfg.active_clients) { out += active + " = " + t.host + ", " + t.port + "\n"; }
  out += "\n\n"
         "# Permit NULL authentication: YES or NO\n\n";
  out += null_auth + (cfg.null_auth ? " = YES\n" : " = NO\n");

  // Extended keys only when not default, so a plain config stays exactly
  // libpcap's file.
  std::string extended;
  for (const auto& s : daemon_settings()) {
    if (s.libpcap || is_default(s, cfg)) { continue; }
    extended.append(s.key).append(" = ").append(value_text(s, cfg)).append("\n");
  }
  if (!extended.empty()) {
    out += "\n\n"
           "# Settings libpcap's rpcapd does not know (it reports them and ignores them)\n\n";
    out += extended;
  }
  return out;
}

}  // namespace rpcap
