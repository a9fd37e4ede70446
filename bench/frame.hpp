// SPDX-License-Identifier: BSD-3-Clause
// The benchmark's test frames, shared by rpcap-bench-gen (which sends them)
// and rpcap-bench-count (which finds them in a pcap stream).
//
// A frame is Ethernet + IPv4 + UDP, 02:52:50:42:00:01 -> 02:52:50:42:00:02,
// 198.18.0.1:40000 -> 198.18.0.2:9 (RFC 2544 benchmarking range, discard
// port): addresses that exist only on the bench's veth pair. Its UDP payload
// starts with a signature, so that the counter counts each frame of one run
// once and ignores everything else (probes, other runs, stray packets):
//
//   offset 42 (14 Ethernet + 20 IPv4 + 8 UDP)
//   +--------+--------+--------+--------+
//   | 'R' 'P' 'B' '1' | run id          |   all big-endian
//   +--------+--------+--------+--------+
//   | sequence number | flags           |   flags bit 0: readiness probe
//   +--------+--------+--------+--------+
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

namespace rpcap::bench {

inline constexpr std::size_t k_signature_offset = 42;
inline constexpr std::size_t k_signature_size = 16;
inline constexpr std::size_t k_min_frame = 64;    // Ethernet minimum with room for the signature
inline constexpr std::size_t k_max_frame = 1500;  // headers included, no FCS
inline constexpr std::array<std::uint8_t, 4> k_magic{'R', 'P', 'B', '1'};
inline constexpr std::uint32_t k_flag_probe = 1;

inline void put32(std::uint8_t* p, std::uint32_t v)
{
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

inline std::uint32_t get32(const std::uint8_t* p)
{
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}

// One frame: `size` bytes of `bytes`.
struct Frame {
  std::array<std::uint8_t, k_max_frame> bytes{};
  std::size_t size{0};

  std::span<const std::uint8_t> view() const { return std::span{bytes}.first(size); }
};

// Build a frame of `size` bytes (k_min_frame..k_max_frame) carrying run
// `run`, sequence number 0 and `flags`.
inline Frame make_frame(std::size_t size, std::uint32_t run, std::uint32_t flags)
{
  Frame f;
  f.size = std::clamp(size, k_min_frame, k_max_frame);
  auto& b = f.bytes;
  const std::array<std::uint8_t, 14> eth{0x02, 0x52, 0x50, 0x42, 0x00, 0x02,  // destination: not the capture side's
                                         0x02, 0x52, 0x50, 0x42, 0x00, 0x01,  // source
                                         0x08, 0x00};                         // IPv4
  std::copy(eth.begin(), eth.end(), b.begin());
  constexpr std::size_t ip = 14;
  const auto ip_len = static_cast<std::uint16_t>(f.size - ip);
  b[ip] = 0x45;  // version 4, 20-byte header
  b[ip + 2] = static_cast<std::uint8_t>(ip_len >> 8);
  b[ip + 3] = static_cast<std::uint8_t>(ip_len);
  b[ip + 6] = 0x40;  // don't fragment
  b[ip + 8] = 64;    // TTL
  b[ip + 9] = 17;    // UDP
  put32(&b[ip + 12], 0xc6120001);  // 198.18.0.1
  put32(&b[ip + 16], 0xc6120002);  // 198.18.0.2
  std::uint32_t sum = 0;
  for (std::size_t i = ip; i < ip + 20; i += 2) { sum += std::uint32_t{b[i]} << 8 | b[i + 1]; }
  while (sum > 0xffff) { sum = (sum & 0xffff) + (sum >> 16); }
  b[ip + 10] = static_cast<std::uint8_t>(~sum >> 8);
  b[ip + 11] = static_cast<std::uint8_t>(~sum);
  constexpr std::size_t udp = ip + 20;
  const auto udp_len = static_cast<std::uint16_t>(ip_len - 20);
  b[udp] = 40000 >> 8;
  b[udp + 1] = 40000 & 0xff;
  b[udp + 3] = 9;
  b[udp + 4] = static_cast<std::uint8_t>(udp_len >> 8);
  b[udp + 5] = static_cast<std::uint8_t>(udp_len);  // checksum 0: none (IPv4)
  std::copy(k_magic.begin(), k_magic.end(), b.begin() + k_signature_offset);
  put32(&b[k_signature_offset + 4], run);
  put32(&b[k_signature_offset + 12], flags);
  return f;
}

// Write sequence number `seq` into `frame`.
inline void set_sequence(Frame& frame, std::uint32_t seq)
{
  put32(&frame.bytes[k_signature_offset + 8], seq);
}

struct Signature {
  std::uint32_t seq{0};
  std::uint32_t flags{0};
};

// Find run `run`'s signature in captured bytes `data`: at its place in an
// Ethernet frame, else anywhere in the first 128 bytes (other link types).
// Returns nullopt if `data` carries none.
inline std::optional<Signature> find_signature(std::span<const std::uint8_t> data, std::uint32_t run)
{
  std::array<std::uint8_t, 8> want{};
  std::copy(k_magic.begin(), k_magic.end(), want.begin());
  put32(want.data() + 4, run);
  auto at = [&](std::size_t off) {
    return off + k_signature_size <= data.size() && std::memcmp(data.data() + off, want.data(), want.size()) == 0;
  };
  std::size_t off = k_signature_offset;
  if (!at(off)) {
    const auto head = data.first(std::min<std::size_t>(data.size(), 128));
    const auto it = std::search(head.begin(), head.end(), want.begin(), want.end());
    if (it == head.end()) { return std::nullopt; }
    off = static_cast<std::size_t>(it - head.begin());
    if (!at(off)) { return std::nullopt; }
  }
  return Signature{get32(data.data() + off + 8), get32(data.data() + off + 12)};
}

}  // namespace rpcap::bench
