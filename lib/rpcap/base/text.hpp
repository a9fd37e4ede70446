// SPDX-License-Identifier: BSD-3-Clause
// Text from peers, files and users made safe for one line of a message or
// a listing: a value must never carry control bytes to a terminal or forge
// a log line. And the one case-insensitive comparison of keywords.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rpcap {

// `s` with control bytes (below 0x20, and 0x7f) as \xNN; other bytes,
// UTF-8 included, kept. Longer than `max` bytes: cut there, then "...".
std::string escape_control(std::string_view s, std::size_t max = std::string_view::npos);

// `s` in double quotes for a log or error line: '"' and '\' escaped with a
// backslash, control and non-ASCII bytes as \xNN, and cut after `max`
// bytes with "...".
std::string quote_text(std::string_view s, std::size_t max);

// True if `a` and `b` are equal ignoring ASCII case (keywords, schemes: not
// the locale's idea of case).
bool iequals(std::string_view a, std::string_view b);

// A decimal number without sign (at most 10 digits); nullopt if `s` is not
// one or exceeds `max`. The one number parser of settings, ports and the
// service manager's variables.
std::optional<unsigned> parse_number(std::string_view s, unsigned max);

// A message line as every program prints it on standard error:
// "PROG: LEVEL: MESSAGE\n" ("rpcapd: warning: ...").
std::string message_line(std::string_view prog, std::string_view level, std::string_view msg);

}  // namespace rpcap
