// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config/settings.hpp"

#include <algorithm>
#include <array>
#include <filesystem>

namespace rpcap {
namespace {

using K = Setting::Kind;
using C = DaemonConfig;

// A number with its option: the range, the value's name, the help.
constexpr Setting number(std::string_view key, std::string_view json, unsigned C::*member, unsigned min, unsigned max,
                         std::string_view option, std::string_view value_name, std::string_view help)
{
  return Setting{.key = key,
                 .json = json,
                 .kind = K::number,
                 .min = min,
                 .max = max,
                 .option = option,
                 .value_name = value_name,
                 .help = help,
                 .number = member};
}

const std::array k_settings{
    Setting{.key = "PassiveClient",
            .json = "passive_clients",
            .kind = K::hosts,
            .libpcap = true,
            .unset = "none listed, every host may connect",
            .option = "-l,--hosts",
            .value_name = "LIST|FILE",
            .help = "hosts allowed to connect: a file with one host per line, or (if no such file exists) a "
                    "list separated by commas, semicolons or blanks; repeatable (default: every host)"},
    Setting{.key = "ActiveClient",
            .json = "active_clients",
            .kind = K::targets,
            .libpcap = true,
            .unset = "none, no active connections",
            .option = "-a,--active",
            .value_name = "HOST,PORT",
            .help = "connect out to HOST,PORT in active mode (PORT may be DEFAULT, 2003); repeatable"},
    Setting{.key = "NullAuthPermit",
            .json = "null_auth",
            .kind = K::yes_no,
            .libpcap = true,
            .option = "-n,--null-auth",
            .help = "permit NULL authentication (no password)",
            .flag = &C::null_auth},
    Setting{.key = "ListenAddress",
            .json = "listen_address",
            .kind = K::host,
            .unset = "every local address",
            .option = "-b,--bind",
            .value_name = "ADDRESS",
            .help = "address to listen on, a name or number (default: every local address of the address family)",
            .text = &C::listen_address},
    Setting{.key = "ListenPort",
            .json = "port",
            .kind = K::port,
            .option = "-p,--port",
            .value_name = "PORT",
            .help = "port to listen on, a number or service name",
            .text = &C::port},
    // Two switches: -4 (IPv4 only) and -6 (IPv6 only).
    Setting{.key = "AddressFamily",
            .json = "address_family",
            .kind = K::family,
            .option = "-4,--ipv4|-6,--ipv6",
            .help = "use IPv4 only|use IPv6 only"},
    Setting{.key = "ActiveOnly",
            .json = "active_only",
            .kind = K::yes_no,
            .option = "-v,--active-only",
            .help = "do not listen for passive connections (active mode only)",
            .flag = &C::active_only},
    // No switch of its own: -l with the name of an existing file.
    Setting{
        .key = "HostListFile", .json = "host_list_file", .kind = K::path, .unset = "none", .text = &C::host_list_file},
    number("MaxSessions", "max_sessions", &C::max_sessions, 1, 10000, "--max-sessions", "N",
           "most logged-in sessions served at once"),
    number("MaxSessionsPerHost", "max_sessions_per_host", &C::max_sessions_per_host, 1, 10000,
           "--max-sessions-per-host", "N",
           "most logged-in sessions served at once for one source (an IPv4 address, an IPv6 /64)"),
    number("MaxUnauthenticated", "max_unauthenticated", &C::max_unauthenticated, 1, 65536, "--max-unauthenticated", "N",
           "most connections not logged in yet, in all; at the cap a newcomer takes the place of the oldest silent "
           "connection of the source holding the most"),
    number("MaxUnauthenticatedPerSource", "max_unauthenticated_per_source", &C::max_unauthenticated_per_source, 1,
           65536, "--max-unauthenticated-per-source", "N",
           "most connections not logged in yet from one source; at the cap a newcomer takes the place of that "
           "source's oldest silent connection"),
    number("FirstMessageTimeout", "first_message_timeout", &C::first_message_timeout, 1, 3600,
           "--first-message-timeout", "SECONDS", "seconds a new connection has to send its first whole message"),
    number("AuthTimeout", "auth_timeout", &C::auth_timeout, 1, 3600, "--auth-timeout", "SECONDS",
           "seconds a client has to authenticate"),
    number("IdleTimeout", "idle_timeout", &C::idle_timeout, 0, 86400, "--idle-timeout", "SECONDS",
           "seconds an authenticated client may stay idle without capturing (0: no limit)"),
    Setting{.key = "CaptureGroup",
            .json = "capture_group",
            .kind = K::group,
            .unset = "none, only root may capture after a login",
            .option = "--capture-group",
            .value_name = "GROUP",
            .help = "members of GROUP may capture after a password or certificate login (default: only root)",
            .text = &C::capture_group},
    number("Keepalive", "keepalive", &C::keepalive, 0, 86400, "--keepalive", "SECONDS",
           "probe a connection idle for SECONDS with TCP keepalive, then every third of that, 3 times "
           "(0: no keepalive)"),
    number("UserTimeout", "user_timeout", &C::user_timeout, 0, 86400, "--user-timeout", "SECONDS",
           "drop a connection whose data or keepalive probes stay unacknowledged for SECONDS "
           "(TCP_USER_TIMEOUT; 0: the kernel's, about 15 minutes)"),
    number("DataTimeout", "data_timeout", &C::data_timeout, 1, 3600, "--data-timeout", "SECONDS",
           "seconds a client has to make the data connection"),
    number("MaxLoginDelay", "max_login_delay", &C::max_login_delay, 1, 3600, "--max-login-delay", "SECONDS",
           "longest delay, in seconds, before a failed password login is answered; the delay starts at 1 s "
           "and doubles with each failure from the same address"),
    number("CaptureBuffer", "capture_buffer", &C::capture_buffer_kib, 256, 1024 * 1024, "--capture-buffer", "KIB",
           "kernel capture buffer of each capture, in KiB (as tcpdump -B)"),
    Setting{.key = "DataPorts",
            .json = "data_ports",
            .kind = K::port_range,
            .unset = "none, any port the kernel picks",
            .option = "--data-ports",
            .value_name = "LO-HI",
            .help = "listen for the data connection of a passive TCP capture on a port from LO to HI, so that a "
                    "firewall opens those only (concurrent captures take different ports)",
            .text = &C::data_ports},
    Setting{.key = "Tls",
            .json = "tls",
            .kind = K::yes_no,
            .option = "-S,--tls",
            .help = "require TLS on every connection, control and data (clients use rpcaps://); needs -K and -X",
            .flag = &C::tls},
    Setting{.key = "TlsKey",
            .json = "tls_key",
            .kind = K::path,
            .unset = "none",
            .option = "-K,--tls-key",
            .value_name = "FILE",
            .help = "the TLS private key, PEM (rpcap-conf tls-cert makes one)",
            .text = &C::tls_key},
    Setting{.key = "TlsCert",
            .json = "tls_cert",
            .kind = K::path,
            .unset = "none",
            .option = "-X,--tls-cert",
            .value_name = "FILE",
            .help = "the TLS certificate, PEM, followed by its chain if any",
            .text = &C::tls_cert},
    Setting{.key = "TlsClientCa",
            .json = "tls_client_ca",
            .kind = K::path,
            .unset = "none, client certificates are not asked for",
            .option = "--client-ca",
            .value_name = "FILE",
            .help = "ask clients for a certificate; one signed by the CA in FILE logs in without a password, as the "
                    "user its CN names",
            .text = &C::tls_client_ca},
};

}  // namespace

std::span<const Setting> daemon_settings() { return k_settings; }

const Setting& setting_of(unsigned DaemonConfig::*member)
{
  return *std::find_if(k_settings.begin(), k_settings.end(), [&](const Setting& s) { return s.number == member; });
}

namespace {

template <typename Pred>
std::string key_where(Pred pred)
{
  auto it = std::find_if(k_settings.begin(), k_settings.end(), pred);
  return it == k_settings.end() ? std::string{} : std::string{it->key};
}

}  // namespace

std::string key_of(bool DaemonConfig::*member)
{
  return key_where([&](const Setting& s) { return s.flag == member; });
}
std::string key_of(std::string DaemonConfig::*member)
{
  return key_where([&](const Setting& s) { return s.text == member; });
}
std::string key_of(unsigned DaemonConfig::*member) { return std::string{setting_of(member).key}; }
std::string key_of(Setting::Kind kind)
{
  return key_where([&](const Setting& s) { return s.kind == kind; });
}

std::string name_of(const Setting& s, Spelling spelling)
{
  if (spelling == Spelling::keys || s.option.empty()) { return std::string{s.key}; }
  return std::string{s.option.substr(0, s.option.find_first_of(",|"))};
}

std::string name_of(std::string_view key, Spelling spelling)
{
  const Setting* s = find_setting(key);
  return s != nullptr ? name_of(*s, spelling) : std::string{key};
}

std::string value_text(const Setting& s, const DaemonConfig& cfg)
{
  switch (s.kind) {
  case K::yes_no:
    return cfg.*s.flag ? "YES" : "NO";
  case K::family:
    return to_string(cfg.family);
  case K::number:
    return std::to_string(cfg.*s.number);
  case K::host:
  case K::port:
  case K::path:
  case K::group:
  case K::port_range:
    return cfg.*s.text;
  case K::hosts:
  case K::targets:
    break;
  }
  return {};
}

bool is_default(const Setting& s, const DaemonConfig& cfg)
{
  static const DaemonConfig defaults;
  switch (s.kind) {
  case K::hosts:
    return cfg.passive_clients == defaults.passive_clients;
  case K::targets:
    return cfg.active_clients == defaults.active_clients;
  default:
    return value_text(s, cfg) == value_text(s, defaults);
  }
}

const Setting* find_setting(std::string_view key)
{
  auto it = std::find_if(k_settings.begin(), k_settings.end(), [&](const Setting& s) { return s.key == key; });
  return it == k_settings.end() ? nullptr : &*it;
}

DaemonConfig with_absolute_paths(DaemonConfig cfg, const std::string& base)
{
  for (const auto& s : daemon_settings()) {
    if (s.kind != Setting::Kind::path) { continue; }
    std::string& path = cfg.*s.text;
    if (!path.empty() && path.front() != '/') { path = (std::filesystem::path{base} / path).lexically_normal().string(); }
  }
  return cfg;
}

}  // namespace rpcap
