// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/json.hpp"

#include <cstdio>

namespace rpcap {
namespace {

// Length of the valid UTF-8 sequence at the start of `s`, or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s)
{
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) { return 1; }
  if ((b0 & 0xe0) == 0xc0) { n = 2; cp = b0 & 0x1fu; }
  else if ((b0 & 0xf0) == 0xe0) { n = 3; cp = b0 & 0x0fu; }
  else if ((b0 & 0xf8) == 0xf0) { n = 4; cp = b0 & 0x07u; }
  else { return 0; }
  if (s.size() < n) { return 0; }
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xc0) != 0x80) { return 0; }
    cp = (cp << 6) | (b & 0x3fu);
  }
  // reject overlong forms, surrogates and values beyond U+10FFFF
  static constexpr std::uint32_t k_min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < k_min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) { return 0; }
  return n;
}

}  // namespace

std::string json_quote(std::string_view s)
{
  std::string out = "\"";
  while (!s.empty()) {
    const char c = s[0];
    const std::size_t n = utf8_sequence_length(s);
    if (n == 0) {
      out += "\\ufffd";
      s.remove_prefix(1);
      continue;
    }
    if (n > 1) {
      out.append(s.substr(0, n));
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
    s.remove_prefix(n);
  }
  out += '"';
  return out;
}

void JsonWriter::separate()
{
  if (m_need_comma) { m_out += ','; }
  m_need_comma = true;
}

JsonWriter& JsonWriter::begin_object()
{
  separate();
  m_out += '{';
  m_need_comma = false;
  return *this;
}

JsonWriter& JsonWriter::end_object()
{
  m_out += '}';
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array()
{
  separate();
  m_out += '[';
  m_need_comma = false;
  return *this;
}

JsonWriter& JsonWriter::end_array()
{
  m_out += ']';
  m_need_comma = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k)
{
  separate();
  m_out += json_quote(k);
  m_out += ':';
  m_need_comma = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s)
{
  separate();
  m_out += json_quote(s);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t n)
{
  separate();
  m_out += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t n)
{
  separate();
  m_out += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(bool b)
{
  separate();
  m_out += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null()
{
  separate();
  m_out += "null";
  return *this;
}

}  // namespace rpcap
