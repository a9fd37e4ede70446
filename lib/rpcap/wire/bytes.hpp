// SPDX-License-Identifier: BSD-3-Clause
// Big-endian, bounds-checked byte reading and writing for the wire protocol.
//
// ByteReader never reads outside its span: a read past the end returns zero
// (or an empty span), and marks the reader failed; the caller checks ok()
// once after a group of reads. Callers still check lengths first where a
// count decides how much to allocate.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rpcap {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Big-endian 16- and 32-bit values at `p`, unchecked: for codecs that
// checked the length once (the per-packet ones); one load or store each.
inline std::uint32_t load_be32(const std::uint8_t* p) noexcept
{
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) { v = __builtin_bswap32(v); }
  return v;
}
inline std::uint16_t load_be16(const std::uint8_t* p) noexcept
{
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) { v = __builtin_bswap16(v); }
  return v;
}
inline void store_be16(std::uint8_t* p, std::uint16_t v) noexcept
{
  if constexpr (std::endian::native == std::endian::little) { v = __builtin_bswap16(v); }
  std::memcpy(p, &v, sizeof v);
}
inline void store_be32(std::uint8_t* p, std::uint32_t v) noexcept
{
  if constexpr (std::endian::native == std::endian::little) { v = __builtin_bswap32(v); }
  std::memcpy(p, &v, sizeof v);
}

class ByteReader {
public:
  explicit ByteReader(ByteView data) noexcept : m_data(data) {}

  std::uint8_t u8() noexcept
  {
    if (!need(1)) { return 0; }
    return m_data[m_pos++];
  }
  std::uint16_t u16() noexcept
  {
    if (!need(2)) { return 0; }
    const std::uint16_t v = load_be16(m_data.data() + m_pos);
    m_pos += 2;
    return v;
  }
  std::uint32_t u32() noexcept
  {
    if (!need(4)) { return 0; }
    const std::uint32_t v = load_be32(m_data.data() + m_pos);
    m_pos += 4;
    return v;
  }
  std::int32_t i32() noexcept { return static_cast<std::int32_t>(u32()); }

  // The next `n` bytes, or an empty span (and failure) if fewer remain.
  ByteView bytes(std::size_t n) noexcept
  {
    if (!need(n)) { return {}; }
    auto v = m_data.subspan(m_pos, n);
    m_pos += n;
    return v;
  }
  std::string string(std::size_t n)
  {
    auto v = bytes(n);
    return {reinterpret_cast<const char*>(v.data()), v.size()};
  }
  void skip(std::size_t n) noexcept { (void)bytes(n); }

  std::size_t remaining() const noexcept { return m_data.size() - m_pos; }
  std::size_t position() const noexcept { return m_pos; }
  bool ok() const noexcept { return m_ok; }

private:
  bool need(std::size_t n) noexcept
  {
    if (!m_ok || n > m_data.size() - m_pos) {
      m_ok = false;
      return false;
    }
    return true;
  }

  ByteView m_data;
  std::size_t m_pos{0};
  bool m_ok{true};
};

class ByteWriter {
public:
  explicit ByteWriter(Bytes& out) noexcept : m_out(out) {}

  void u8(std::uint8_t v) { m_out.push_back(v); }
  void u16(std::uint16_t v)
  {
    m_out.push_back(static_cast<std::uint8_t>(v >> 8));
    m_out.push_back(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v)
  {
    m_out.push_back(static_cast<std::uint8_t>(v >> 24));
    m_out.push_back(static_cast<std::uint8_t>(v >> 16));
    m_out.push_back(static_cast<std::uint8_t>(v >> 8));
    m_out.push_back(static_cast<std::uint8_t>(v));
  }
  void i32(std::int32_t v) { u32(static_cast<std::uint32_t>(v)); }
  void bytes(ByteView v) { m_out.insert(m_out.end(), v.begin(), v.end()); }
  void string(std::string_view s) { m_out.insert(m_out.end(), s.begin(), s.end()); }
  void zeros(std::size_t n) { m_out.insert(m_out.end(), n, std::uint8_t{0}); }

  // Overwrite the u32 at `offset` (a length field written before its payload).
  void patch_u32(std::size_t offset, std::uint32_t v) { store_be32(m_out.data() + offset, v); }
  std::size_t size() const noexcept { return m_out.size(); }

private:
  Bytes& m_out;
};

// Parse hex digits, ignoring whitespace: for test vectors and fuzz seeds.
// Returns an empty vector if `hex` holds a non-hex character or an odd count.
Bytes from_hex(std::string_view hex);
// Lower-case hex with a space between bytes: for diagnostics.
std::string to_hex(ByteView data);

}  // namespace rpcap
