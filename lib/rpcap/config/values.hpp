// SPDX-License-Identifier: BSD-3-Clause
// What the config file parser, check_config() and the host lists share:
// ASCII character classes, the checks of each kind of value (each returns
// the problem, without the key, or nullopt), the line rules every file
// obeys, and the collection of "path:line: message" errors. Internal to
// lib/rpcap/config.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/text.hpp"
#include "rpcap/config/config.hpp"

namespace rpcap::conf {

// Character classes are ASCII-only on purpose: <cctype> depends on the locale
// and is undefined for negative chars.
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_name_char(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '_'; }
inline bool is_control(char c)
{
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

std::string lower(std::string_view s);
std::size_t skip_blanks(std::string_view s, std::size_t i);
std::string_view trim_trailing_blanks(std::string_view s);
std::vector<std::string_view> split_blanks(std::string_view s);
// `s` quoted for a message: escapes make control and non-ASCII bytes visible
// (a log line must not be forged by a value), and long values are cut.
std::string quote(std::string_view s);
std::string hex_byte(char c);

std::optional<std::string> host_problem(std::string_view host);
// A decimal number without sign (base/text.hpp), as conf:: names it.
using rpcap::parse_number;
std::optional<std::string> port_problem(std::string_view port);
// The listening port may also be 0: any free port, which the daemon reports
// through --ready-fd (for scripts and tests).
std::optional<std::string> listen_port_problem(std::string_view port);
std::optional<std::string> group_problem(std::string_view name);
std::optional<std::string> port_range_problem(std::string_view range);
std::optional<std::string> path_problem(std::string_view path);
std::optional<bool> parse_yes_no(std::string_view s);
std::optional<AddressFamily> parse_family(std::string_view s);
std::string range_problem(std::string_view value, unsigned min, unsigned max);
// Length of the hosts joined with commas, as libpcap stores its allow list.
std::size_t joined_size(const std::vector<std::string>& hosts);
std::string host_list_too_long();
std::string too_many_targets();
// What is wrong with the TLS settings taken together, as "Key: problem"
// (or "-S ...": the switches' words).
std::optional<std::string> tls_problem(const DaemonConfig& cfg, Spelling spelling = Spelling::keys);
// ActiveOnly = YES without a target, as "ActiveOnly: problem" (or "-v ...").
std::string active_only_problem(Spelling spelling = Spelling::keys);

// Every error of `errors` in one, their messages joined by '\n'.
Error join_errors(const std::vector<Error>& errors);

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

}  // namespace rpcap::conf
