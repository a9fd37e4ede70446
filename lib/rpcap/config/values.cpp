// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config/values.hpp"

#include <algorithm>

#include "rpcap/base/text.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::conf {
namespace {

// Printable ASCII without the characters that separate hosts or start comments.
bool is_host_char(char c)
{
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != ',' && c != ';' && c != '#';
}
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }


}  // namespace

std::string lower(std::string_view s)
{
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), to_lower);
  return out;
}

std::size_t skip_blanks(std::string_view s, std::size_t i)
{
  while (i < s.size() && is_blank(s[i])) { ++i; }
  return i;
}

std::string_view trim_trailing_blanks(std::string_view s)
{
  while (!s.empty() && is_blank(s.back())) { s.remove_suffix(1); }
  return s;
}

std::vector<std::string_view> split_blanks(std::string_view s)
{
  std::vector<std::string_view> out;
  std::size_t i = skip_blanks(s, 0);
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && !is_blank(s[j])) { ++j; }
    out.push_back(s.substr(i, j - i));
    i = skip_blanks(s, j);
  }
  return out;
}

std::string quote(std::string_view s) { return quote_text(s, 64); }

std::string hex_byte(char c)
{
  constexpr std::string_view k_hex = "0123456789abcdef";
  auto u = static_cast<unsigned char>(c);
  return std::string("0x") + k_hex[u >> 4] + k_hex[u & 0xf];
}

// ---- value checks: each returns the problem (without the key) or nullopt ----

std::optional<std::string> host_problem(std::string_view host)
{
  if (host.empty()) { return "missing host name or address"; }
  if (host.size() > k_max_host_chars) {
    return quote(host) + " is longer than " + std::to_string(k_max_host_chars) + " characters";
  }
  if (!std::all_of(host.begin(), host.end(), is_host_char)) {
    return quote(host) + " is not a host name or address";
  }
  return std::nullopt;
}

// A port: 1-65535, or a service name (letters, digits, '-', '_'; not all
// digits, not starting with '-'). DEFAULT is not one: only ActiveClient and -a
// know it, and they turn it into 2003 before checking.
bool is_port(std::string_view p)
{
  if (p.empty()) { return false; }
  if (std::all_of(p.begin(), p.end(), is_digit)) {
    auto v = parse_number(p, 65535);
    return p.size() <= 5 && v && *v >= 1;
  }
  return p.size() <= 63 && p.front() != '-' && !iequals(p, "DEFAULT")
         && std::all_of(p.begin(), p.end(), is_name_char);
}

std::optional<std::string> port_problem(std::string_view port)
{
  if (is_port(port)) { return std::nullopt; }
  return quote(port) + " is not a port number (1-65535) or service name";
}

// The listening port may also be 0: any free port, which the daemon reports
// through --ready-fd (for scripts and tests).
std::optional<std::string> listen_port_problem(std::string_view port)
{
  if (port == "0" || is_port(port)) { return std::nullopt; }
  return quote(port) + " is not a port number (0-65535) or service name";
}

// A group name as useradd(8) takes them: letters, digits, '.', '-', '_',
// not starting with '-', at most 32 characters.
std::optional<std::string> group_problem(std::string_view name)
{
  const bool ok = !name.empty() && name.size() <= 32 && name.front() != '-'
                  && std::all_of(name.begin(), name.end(), [](char c) { return is_name_char(c) || c == '.'; });
  if (ok) { return std::nullopt; }
  return quote(name) + " is not a group name";
}

std::optional<std::string> path_problem(std::string_view path)
{
  if (path.size() > k_max_path_chars) {
    return "path is longer than " + std::to_string(k_max_path_chars) + " characters";
  }
  auto bad = [](char c) { return is_blank(c) || is_control(c) || c == '#'; };
  if (path.empty() || std::any_of(path.begin(), path.end(), bad)) {
    return quote(path) + " is not a path a config file can hold (no blanks, \"#\" or control characters)";
  }
  return std::nullopt;
}

std::optional<bool> parse_yes_no(std::string_view s)
{
  if (iequals(s, "YES")) { return true; }
  if (iequals(s, "NO")) { return false; }
  return std::nullopt;
}

std::optional<AddressFamily> parse_family(std::string_view s)
{
  if (iequals(s, "any")) { return AddressFamily::any; }
  if (iequals(s, "ipv4")) { return AddressFamily::ipv4; }
  if (iequals(s, "ipv6")) { return AddressFamily::ipv6; }
  return std::nullopt;
}

std::string range_problem(std::string_view value, unsigned min, unsigned max)
{
  return quote(value) + " is not a number from " + std::to_string(min) + " to " + std::to_string(max);
}

// Length of the hosts joined with commas, as libpcap stores its allow list.
std::size_t joined_size(const std::vector<std::string>& hosts)
{
  std::size_t n = hosts.empty() ? 0 : hosts.size() - 1;
  for (const auto& h : hosts) { n += h.size(); }
  return n;
}

std::string host_list_too_long()
{
  return "the host list is longer than " + std::to_string(k_max_host_list_chars)
         + " characters (libpcap's limit)";
}

std::string too_many_targets()
{
  return "more than " + std::to_string(k_max_active_clients) + " targets (libpcap's limit)";
}

// What is wrong with the TLS settings taken together, as "Key: problem".
std::optional<std::string> tls_problem(const DaemonConfig& cfg, Spelling spelling)
{
  const bool keys = spelling == Spelling::keys;
  const std::string tls = name_of(key_of(&DaemonConfig::tls), spelling);
  if (cfg.tls && (cfg.tls_key.empty() || cfg.tls_cert.empty())) {
    return tls + (keys ? ": YES needs " : " needs ") + name_of(key_of(&DaemonConfig::tls_key), spelling) + " and "
           + name_of(key_of(&DaemonConfig::tls_cert), spelling) + " (the key and certificate files, PEM)";
  }
  if (!cfg.tls && !cfg.tls_client_ca.empty()) {
    return name_of(key_of(&DaemonConfig::tls_client_ca), spelling) + ": client certificates need " + tls
           + (keys ? " = YES" : "");
  }
  return std::nullopt;
}

std::optional<std::string> port_range_problem(std::string_view range)
{
  auto r = parse_port_range(range);
  if (!r) { return r.error().message; }
  return std::nullopt;
}

std::string active_only_problem(Spelling spelling)
{
  const std::string what = ", or the daemon would serve nobody";
  if (spelling == Spelling::keys) {
    return key_of(&DaemonConfig::active_only) + ": YES needs at least one " + key_of(Setting::Kind::targets) + what;
  }
  return name_of(key_of(&DaemonConfig::active_only), spelling) + " (active only) needs at least one "
         + name_of(key_of(Setting::Kind::targets), spelling) + " HOST,PORT" + what;
}

Error join_errors(const std::vector<Error>& errors)
{
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) { message += '\n'; }
    message += e.message;
  }
  return make_error(ErrorKind::config, std::move(message));
}

}  // namespace rpcap::conf
