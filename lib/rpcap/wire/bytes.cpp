// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/bytes.hpp"

namespace rpcap {
namespace {

int hex_value(char c) noexcept
{
  if (c >= '0' && c <= '9') { return c - '0'; }
  if (c >= 'a' && c <= 'f') { return c - 'a' + 10; }
  if (c >= 'A' && c <= 'F') { return c - 'A' + 10; }
  return -1;
}

}  // namespace

Bytes from_hex(std::string_view hex)
{
  Bytes out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') { continue; }
    int v = hex_value(c);
    if (v < 0) { return {}; }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) { return {}; }
  return out;
}

std::string to_hex(ByteView data)
{
  static constexpr char k_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 3);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i != 0) { out.push_back(' '); }
    out.push_back(k_digits[data[i] >> 4]);
    out.push_back(k_digits[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace rpcap
