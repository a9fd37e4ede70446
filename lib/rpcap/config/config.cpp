// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config/config.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include "rpcap/base/file.hpp"
#include "rpcap/config/settings.hpp"
#include "rpcap/base/text.hpp"

namespace rpcap {
namespace {

constexpr std::string_view k_host_list_separators = " ,;\r\n";  // libpcap RPCAP_HOSTLIST_SEP

// Character classes are ASCII-only on purpose: <cctype> depends on the locale
// and is undefined for negative chars.
bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }
bool is_control(char c)
{
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
// Printable ASCII without the characters that separate hosts or start comments.
bool is_host_char(char c)
{
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != ',' && c != ';' && c != '#';
}
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

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

// `s` quoted for a message: escapes make control and non-ASCII bytes visible
// (a log line must not be forged by a value), and long values are cut.
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

// A decimal number without sign; nullopt if `s` is not one or exceeds `max`.
std::optional<unsigned> parse_number(std::string_view s, unsigned max)
{
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), is_digit)) { return std::nullopt; }
  unsigned long long v = 0;
  for (char c : s) { v = v * 10 + static_cast<unsigned>(c - '0'); }
  if (v > max) { return std::nullopt; }
  return static_cast<unsigned>(v);
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

// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) { row[j] = j; }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean "Key"?)" for the closest key within distance 2 ignoring
// case, or "".
std::string suggestion(std::string_view name)
{
  constexpr std::size_t k_max_distance = 2;
  std::string wanted = lower(name);
  std::string_view best;
  std::size_t best_distance = k_max_distance + 1;
  for (const auto& setting : daemon_settings()) {
    const std::string_view key = setting.key;
    std::size_t longer = std::max(key.size(), wanted.size());
    std::size_t shorter = std::min(key.size(), wanted.size());
    if (longer - shorter > k_max_distance) { continue; }  // cannot be close; skip the O(n*m) work
    std::size_t d = edit_distance(wanted, lower(key));
    if (d < best_distance) {
      best = key;
      best_distance = d;
    }
  }
  if (best.empty()) { return ""; }
  return " (did you mean \"" + std::string(best) + "\"?)";
}

// Collects "path:line: message" errors and stops the parse after
// k_max_config_errors of them, so that a binary file cannot produce a flood.
class Diagnostics {
public:
  Diagnostics(std::string_view path, std::vector<Error>& out) : m_path(path), m_out(out) {}

  void add(std::size_t line, const std::string& message)
  {
    if (m_full) { return; }
    if (m_out.size() == k_max_config_errors) {
      m_out.push_back(make_error(ErrorKind::config, std::string(m_path) + ": too many errors, stopping after "
                                                        + std::to_string(k_max_config_errors)));
      m_full = true;
      return;
    }
    m_out.push_back(make_error(ErrorKind::config,
                               std::string(m_path) + ":" + std::to_string(line) + ": " + message));
  }
  bool full() const { return m_full; }

private:
  std::string_view m_path;
  std::vector<Error>& m_out;
  bool m_full{false};
};

// Split `text` into lines and apply the rules every line obeys; calls
// `fn(line_number, line)` for each acceptable line, without its CR LF. The last
// line needs no newline (libpcap ignores such a line; we do not lose it).
template <typename Fn>
void for_each_line(std::string_view text, Diagnostics& diag, Fn&& fn)
{
  std::size_t lineno = 0;
  std::size_t pos = 0;
  while (pos < text.size() && !diag.full()) {
    ++lineno;
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // libpcap reads lines with fgets into 2048 bytes: 2046 characters plus
    // '\n' and NUL. A CR counts, as it does there.
    if (line.size() > k_max_config_line) {
      diag.add(lineno, "line is longer than " + std::to_string(k_max_config_line) + " characters");
      continue;
    }
    std::size_t column_base = 1;
    if (lineno == 1 && line.starts_with("\xEF\xBB\xBF")) {
      diag.add(lineno, "the file starts with a UTF-8 byte order mark; save it without one");
      line.remove_prefix(3);
      column_base += 3;
    }
    if (!line.empty() && line.back() == '\r') { line.remove_suffix(1); }
    auto bad = std::find_if(line.begin(), line.end(), [](char c) { return is_control(c) && c != '\t'; });
    if (bad != line.end()) {
      auto column = static_cast<std::size_t>(bad - line.begin()) + column_base;
      diag.add(lineno, "control character " + hex_byte(*bad) + " at column " + std::to_string(column));
      continue;
    }
    fn(lineno, line);
  }
}

class ConfigParser {
public:
  ConfigParser(Diagnostics& diag, DaemonConfig& cfg) : m_diag(diag), m_cfg(cfg) {}

  void line(std::size_t lineno, std::string_view text)
  {
    std::size_t i = skip_blanks(text, 0);
    if (i == text.size() || text[i] == '#') { return; }
    if (!is_alpha(text[i])) {
      m_diag.add(lineno, "expected \"Name = value\", got " + quote(text.substr(i)));
      return;
    }
    std::size_t start = i;
    while (i < text.size() && is_name_char(text[i])) { ++i; }
    std::string_view name = text.substr(start, i - start);
    i = skip_blanks(text, i);
    if (i == text.size() || text[i] != '=') {
      m_diag.add(lineno, "expected \"=\" after " + quote(name) + ", got "
                             + (i == text.size() ? std::string("end of line") : quote(text.substr(i))));
      return;
    }
    const Setting* setting = find_setting(name);
    if (setting == nullptr) {
      m_diag.add(lineno, "unknown key " + quote(name) + suggestion(name));
      return;
    }
    const auto index = static_cast<std::size_t>(setting - daemon_settings().data());
    const bool repeatable = setting->kind == Setting::Kind::hosts || setting->kind == Setting::Kind::targets;
    if (m_first_line[index] != 0 && !repeatable) {
      m_diag.add(lineno, "duplicate key " + quote(name) + " (first given on line "
                             + std::to_string(m_first_line[index]) + ")");
      return;
    }
    if (m_first_line[index] == 0) { m_first_line[index] = lineno; }

    i = skip_blanks(text, i + 1);
    std::string_view value = text.substr(i);
    value = trim_trailing_blanks(value.substr(0, value.find('#')));
    if (value.empty()) {
      m_diag.add(lineno, std::string(name) + ": missing value");
      return;
    }
    if (auto problem = apply(*setting, value)) { m_diag.add(lineno, std::string(name) + ": " + *problem); }
  }

  // Checks that need the whole file.
  void finish()
  {
    if (m_cfg.active_only && m_cfg.active_clients.empty()) {
      m_diag.add(first_line(&DaemonConfig::active_only), "ActiveOnly: " + active_only_problem());
    }
    if (auto problem = tls_problem(m_cfg)) {
      m_diag.add(std::max({first_line(&DaemonConfig::tls), first_line(&DaemonConfig::tls_key),
                           first_line(&DaemonConfig::tls_cert), first_line(&DaemonConfig::tls_client_ca)}),
                 *problem);
    }
  }

  // What is wrong with the TLS settings taken together, as "Key: problem".
  static std::optional<std::string> tls_problem(const DaemonConfig& cfg)
  {
    if (cfg.tls && (cfg.tls_key.empty() || cfg.tls_cert.empty())) {
      return "Tls: YES needs TlsKey and TlsCert (the key and certificate files, PEM)";
    }
    if (!cfg.tls && !cfg.tls_client_ca.empty()) { return "TlsClientCa: client certificates need Tls = YES"; }
    return std::nullopt;
  }

  static std::string active_only_problem()
  {
    return "YES needs at least one ActiveClient, or the daemon would serve nobody";
  }

private:
  // Set `s` from `value` (non-empty, comment and outer blanks removed).
  // Returns the problem, without the key name, if the value is bad.
  std::optional<std::string> apply(const Setting& s, std::string_view value)
  {
    if (s.kind == Setting::Kind::targets) { return apply_active_client(value); }
    auto tokens = split_blanks(value);
    if (s.kind == Setting::Kind::hosts) { return apply_passive_client(value, tokens); }
    if (tokens.size() > 1) { return "unexpected " + quote(tokens[1]) + " after " + quote(tokens[0]); }
    const std::string_view v = tokens[0];
    std::optional<std::string> problem;
    switch (s.kind) {
    case Setting::Kind::yes_no: {
      auto yes = parse_yes_no(v);
      if (!yes) { return quote(v) + " is not YES or NO"; }
      m_cfg.*s.flag = *yes;
      return std::nullopt;
    }
    case Setting::Kind::family: {
      auto family = parse_family(v);
      if (!family) { return quote(v) + " is not any, ipv4 or ipv6"; }
      m_cfg.family = *family;
      return std::nullopt;
    }
    case Setting::Kind::number: return set_number(v, s.min, s.max, m_cfg.*s.number);
    case Setting::Kind::host: problem = host_problem(v); break;
    case Setting::Kind::port: problem = listen_port_problem(v); break;
    case Setting::Kind::path: problem = path_problem(v); break;
    case Setting::Kind::group: problem = group_problem(v); break;
    case Setting::Kind::hosts:
    case Setting::Kind::targets: break;  // handled above
    }
    if (!problem) { m_cfg.*s.text = v; }
    return problem;
  }

  // The line the key of the setting held in `member` was first given on (0: not given).
  template <typename T>
  std::size_t first_line(T DaemonConfig::*member) const
  {
    const auto all = daemon_settings();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) {
        if (all[i].flag == member) { return m_first_line[i]; }
      } else {
        if (all[i].text == member) { return m_first_line[i]; }
      }
    }
    return 0;
  }

  static std::optional<std::string> set_number(std::string_view v, unsigned min, unsigned max, unsigned& out)
  {
    auto n = parse_number(v, max);
    if (!n || *n < min) { return range_problem(v, min, max); }
    out = *n;
    return std::nullopt;
  }

  // One host per line. libpcap takes the first token and appends it to a
  // comma-separated list, so "host, 2002" (as its man page suggests) would
  // allow a host named "2002", and "host other" would silently drop "other".
  std::optional<std::string> apply_passive_client(std::string_view value,
                                                  const std::vector<std::string_view>& tokens)
  {
    std::string_view host = tokens[0];
    auto sep = host.find_first_of(",;");
    if (sep != std::string_view::npos) {
      std::string_view other = host.substr(sep + 1);
      if (other.empty() && tokens.size() > 1) { other = tokens[1]; }
      if (other.empty()) { other = host.substr(0, sep); }
      return quote(value) + " is not one host; PassiveClient takes one host and no port (libpcap would read "
             + quote(other) + " as another host name)";
    }
    if (tokens.size() > 1) {
      return "unexpected " + quote(tokens[1]) + " after " + quote(host)
             + "; PassiveClient takes one host per line (libpcap would ignore " + quote(tokens[1]) + ")";
    }
    if (auto problem = host_problem(host)) { return problem; }
    std::size_t added = host.size() + (m_cfg.passive_clients.empty() ? 0 : 1);
    if (m_host_list_chars + added > k_max_host_list_chars) { return host_list_too_long(); }
    m_host_list_chars += added;
    m_cfg.passive_clients.emplace_back(host);
    return std::nullopt;
  }

  // "host<sep>port": sep is ',' or ';' with optional blanks around it, or
  // blanks alone (libpcap: one of space , ; then blanks).
  std::optional<std::string> apply_active_client(std::string_view value)
  {
    constexpr std::string_view k_separators = " \t,;";
    std::size_t host_end = value.find_first_of(k_separators);
    std::string_view host = value.substr(0, host_end);
    if (host.empty()) { return "missing host before " + quote(value); }
    std::string example = " (write \"" + std::string(host) + ", " + std::string(k_default_active_port)
                          + "\" or \"" + std::string(host) + ", DEFAULT\")";
    if (host_end == std::string_view::npos) { return "no port after " + quote(host) + example; }
    std::size_t i = skip_blanks(value, host_end);
    if (i < value.size() && (value[i] == ',' || value[i] == ';')) { i = skip_blanks(value, i + 1); }
    if (i == value.size()) { return "no port after " + quote(host) + example; }
    std::size_t port_end = std::min(value.find_first_of(k_separators, i), value.size());
    std::string_view port = value.substr(i, port_end - i);
    if (port.empty()) { return "expected a port after " + quote(host) + ", got " + quote(value.substr(i)); }
    std::size_t rest = skip_blanks(value, port_end);
    if (rest < value.size()) {
      return "unexpected " + quote(value.substr(rest)) + " after " + quote(value.substr(0, port_end))
             + "; ActiveClient takes one host and one port per line";
    }
    if (auto problem = host_problem(host)) { return problem; }
    if (iequals(port, "DEFAULT")) { port = k_default_active_port; }
    if (auto problem = port_problem(port)) { return problem; }
    if (m_cfg.active_clients.size() >= k_max_active_clients) {
      return "more than " + std::to_string(k_max_active_clients) + " targets (libpcap's limit)";
    }
    m_cfg.active_clients.push_back(ActiveClient{std::string(host), std::string(port)});
    return std::nullopt;
  }

  Diagnostics& m_diag;
  DaemonConfig& m_cfg;
  std::vector<std::size_t> m_first_line = std::vector<std::size_t>(daemon_settings().size());  // 0 = not seen yet
  std::size_t m_host_list_chars{0};
};

// Read at most `limit` bytes of the file at `path`.
Error join_errors(const std::vector<Error>& errors)
{
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) { message += '\n'; }
    message += e.message;
  }
  return make_error(ErrorKind::config, std::move(message));
}

}  // namespace

ConfigParse parse_config(std::string_view text, std::string_view path)
{
  ConfigParse result;
  Diagnostics diag(path, result.errors);
  ConfigParser parser(diag, result.config);
  for_each_line(text, diag, [&](std::size_t lineno, std::string_view line) { parser.line(lineno, line); });
  parser.finish();
  return result;
}

Result<DaemonConfig> load_config(const std::string& path)
{
  auto text = read_file(path, k_max_config_bytes);
  if (!text) { return std::move(text).error(); }
  auto parsed = parse_config(*text, path);
  if (!parsed.errors.empty()) { return join_errors(parsed.errors); }
  return std::move(parsed.config);
}

std::vector<Error> check_config(const DaemonConfig& cfg)
{
  std::vector<Error> errors;
  auto add = [&](std::string_view key, const std::string& problem) {
    errors.push_back(make_error(ErrorKind::config, std::string(key) + ": " + problem));
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
        add(s.key, "more than " + std::to_string(k_max_active_clients) + " targets (libpcap's limit)");
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
    case Setting::Kind::group:
      if (!(cfg.*s.text).empty()) { problem = group_problem(cfg.*s.text); }
      break;
    }
    if (problem) { add(s.key, *problem); }
  }
  if (auto problem = ConfigParser::tls_problem(cfg)) { errors.push_back(make_error(ErrorKind::config, *problem)); }
  if (cfg.active_only && cfg.active_clients.empty()) { add("ActiveOnly", ConfigParser::active_only_problem()); }
  return errors;
}

Result<std::string> write_config(const DaemonConfig& cfg)
{
  if (auto errors = check_config(cfg); !errors.empty()) { return join_errors(errors); }
  // The first three groups reproduce libpcap 1.10's fileconf_save() byte for
  // byte (its header, comments, blank lines and ", " separator), so a file
  // with only those keys cannot be told apart from one `rpcapd -s` wrote.
  std::string out = "# Configuration file help.\n\n"
                    "# Hosts which are allowed to connect to this server (passive mode)\n"
                    "# Format: PassiveClient = <name or address>\n\n";
  for (const auto& host : cfg.passive_clients) { out += "PassiveClient = " + host + "\n"; }
  out += "\n\n"
         "# Hosts to which this server is trying to connect to (active mode)\n"
         "# Format: ActiveClient = <name or address>, <port | DEFAULT>\n\n";
  for (const auto& t : cfg.active_clients) { out += "ActiveClient = " + t.host + ", " + t.port + "\n"; }
  out += "\n\n"
         "# Permit NULL authentication: YES or NO\n\n";
  out += cfg.null_auth ? "NullAuthPermit = YES\n" : "NullAuthPermit = NO\n";

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

std::vector<std::string> split_host_list(std::string_view list)
{
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t end = std::min(list.find_first_of(k_host_list_separators, i), list.size());
    if (end > i) { out.emplace_back(list.substr(i, end - i)); }
    i = end + 1;
  }
  return out;
}

Result<std::vector<ActiveClient>> parse_active_list(std::string_view list)
{
  auto fail = [&](const std::string& problem) {
    return make_error(ErrorKind::usage, "active client list " + quote(list) + ": " + problem);
  };
  auto tokens = split_host_list(list);
  if (tokens.empty()) { return fail("no host"); }
  if ((tokens.size() + 1) / 2 > k_max_active_clients) {
    return fail("more than " + std::to_string(k_max_active_clients) + " targets (libpcap's limit)");
  }
  std::vector<ActiveClient> out;
  for (std::size_t i = 0; i < tokens.size(); i += 2) {
    ActiveClient target{tokens[i], std::string(k_default_active_port)};
    if (i + 1 < tokens.size() && !iequals(tokens[i + 1], "DEFAULT")) { target.port = tokens[i + 1]; }
    if (auto problem = host_problem(target.host)) { return fail(*problem); }
    if (auto problem = port_problem(target.port)) { return fail(*problem); }
    out.push_back(std::move(target));
  }
  return out;
}

HostListParse parse_host_list(std::string_view text, std::string_view path)
{
  HostListParse result;
  Diagnostics diag(path, result.errors);
  std::size_t chars = 0;
  for_each_line(text, diag, [&](std::size_t lineno, std::string_view line) {
    auto tokens = split_blanks(trim_trailing_blanks(line.substr(0, line.find('#'))));
    if (tokens.empty()) { return; }
    if (tokens.size() > 1) {
      diag.add(lineno, "unexpected " + quote(tokens[1]) + " after " + quote(tokens[0]) + "; give one host per line");
      return;
    }
    if (tokens[0].find_first_of(",;") != std::string_view::npos) {
      diag.add(lineno, quote(tokens[0]) + " is not one host; give one host per line");
      return;
    }
    if (auto problem = host_problem(tokens[0])) {
      diag.add(lineno, *problem);
      return;
    }
    std::size_t added = tokens[0].size() + (result.hosts.empty() ? 0 : 1);
    if (chars + added > k_max_host_list_chars) {
      diag.add(lineno, host_list_too_long());
      return;
    }
    chars += added;
    result.hosts.emplace_back(tokens[0]);
  });
  return result;
}

Result<std::vector<std::string>> load_host_list(const std::string& path)
{
  auto text = read_file(path, k_max_config_bytes);
  if (!text) { return std::move(text).error(); }
  auto parsed = parse_host_list(*text, path);
  if (!parsed.errors.empty()) { return join_errors(parsed.errors); }
  return std::move(parsed.hosts);
}

}  // namespace rpcap
