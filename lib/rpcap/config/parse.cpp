// SPDX-License-Identifier: BSD-3-Clause
// The config file parser: parse_config() and load_config().
#include "rpcap/config/config.hpp"

#include <algorithm>
#include <type_traits>

#include "rpcap/base/file.hpp"
#include "rpcap/base/text.hpp"
#include "rpcap/config/settings.hpp"
#include "rpcap/config/values.hpp"

namespace rpcap {
namespace {

using namespace conf;

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
      m_diag.add(first_line(&DaemonConfig::active_only), active_only_problem());
    }
    if (auto problem = tls_problem(m_cfg)) {
      m_diag.add(std::max({first_line(&DaemonConfig::tls), first_line(&DaemonConfig::tls_key),
                           first_line(&DaemonConfig::tls_cert), first_line(&DaemonConfig::tls_client_ca)}),
                 *problem);
    }
  }

  const std::vector<std::size_t>& key_lines() const { return m_first_line; }

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
    case Setting::Kind::port_range: problem = port_range_problem(v); break;
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
      return quote(value) + " is not one host; " + key_of(Setting::Kind::hosts) + " takes one host and no port (libpcap would read "
             + quote(other) + " as another host name)";
    }
    if (tokens.size() > 1) {
      return "unexpected " + quote(tokens[1]) + " after " + quote(host)
             + "; " + key_of(Setting::Kind::hosts) + " takes one host per line (libpcap would ignore " + quote(tokens[1]) + ")";
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
             + "; " + key_of(Setting::Kind::targets) + " takes one host and one port per line";
    }
    if (auto problem = host_problem(host)) { return problem; }
    if (iequals(port, "DEFAULT")) { port = k_default_active_port; }
    if (auto problem = port_problem(port)) { return problem; }
    if (m_cfg.active_clients.size() >= k_max_active_clients) {
      return too_many_targets();
    }
    m_cfg.active_clients.push_back(ActiveClient{std::string(host), std::string(port)});
    return std::nullopt;
  }

  Diagnostics& m_diag;
  DaemonConfig& m_cfg;
  std::vector<std::size_t> m_first_line = std::vector<std::size_t>(daemon_settings().size());  // 0 = not seen yet
  std::size_t m_host_list_chars{0};
};

}  // namespace

ConfigParse parse_config(std::string_view text, std::string_view path)
{
  ConfigParse result;
  Diagnostics diag(path, result.errors);
  ConfigParser parser(diag, result.config);
  for_each_line(text, diag, [&](std::size_t lineno, std::string_view line) { parser.line(lineno, line); });
  parser.finish();
  result.key_lines = parser.key_lines();
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

}  // namespace rpcap
