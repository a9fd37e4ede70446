// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/text.hpp"

#include <algorithm>

namespace rpcap {
namespace {

constexpr char k_hex[] = "0123456789abcdef";

void put_hex(std::string& out, unsigned char u)
{
  out += "\\x";
  out += k_hex[u >> 4];
  out += k_hex[u & 0x0f];
}

bool is_control(unsigned char u) { return u < 0x20 || u == 0x7f; }

}  // namespace

std::string escape_control(std::string_view s, std::size_t max)
{
  std::string out;
  out.reserve(std::min(s.size(), max));
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (is_control(u)) {
      put_hex(out, u);
    } else {
      out += c;
    }
  }
  if (s.size() > max) { out += "..."; }
  return out;
}

std::string quote_text(std::string_view s, std::size_t max)
{
  std::string out = "\"";
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (is_control(u) || u >= 0x80) {
      put_hex(out, u);
    } else {
      out += c;
    }
  }
  if (s.size() > max) { out += "..."; }
  return out + "\"";
}

bool iequals(std::string_view a, std::string_view b)
{
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string message_line(std::string_view prog, std::string_view level, std::string_view msg)
{
  std::string line;
  line.reserve(prog.size() + level.size() + msg.size() + 5);
  line.append(prog).append(": ").append(level).append(": ").append(msg).append("\n");
  return line;
}

std::optional<unsigned> parse_number(std::string_view s, unsigned max)
{
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned long long v = 0;
  for (char c : s) { v = v * 10 + static_cast<unsigned>(c - '0'); }
  if (v > max) { return std::nullopt; }
  return static_cast<unsigned>(v);
}

}  // namespace rpcap
