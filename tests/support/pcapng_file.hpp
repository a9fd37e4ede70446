// SPDX-License-Identifier: BSD-3-Clause
// A pcapng file read block by block, as a check of our writer that does not
// share its code: the interfaces, packets and statistics a test looks at.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rpcap::test {

struct PcapngIdb {
  int linktype{0};
  std::uint32_t snaplen{0};
  std::string name;
  std::string description;
  std::string filter;
  int tsresol{6};
};

struct PcapngEpb {
  std::uint32_t iface{0};
  std::uint64_t ts_ns{0};  // the timestamp in nanoseconds, from the interface's if_tsresol
  std::string data;
  std::string comment;
};

struct PcapngIsb {
  std::uint32_t iface{0};
  std::map<int, std::uint64_t> counters;  // option code (isb_ifrecv = 4, ...) -> value
};

struct PcapngContents {
  std::map<int, std::string> section;  // option code -> text (shb_userappl = 4, ...)
  std::vector<PcapngIdb> interfaces;
  std::vector<PcapngEpb> packets;
  std::vector<PcapngIsb> statistics;
  std::size_t sections{0};
};

// The whole blocks of `bytes` (a file being written may end in a partial
// one); fails the current test on anything malformed.
inline PcapngContents parse_pcapng(const std::string& s)
{
  auto u16 = [&](std::size_t off) {
    std::uint16_t v;
    std::memcpy(&v, s.data() + off, 2);
    return v;
  };
  auto u32 = [&](std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, s.data() + off, 4);
    return v;
  };
  PcapngContents c;
  std::size_t off = 0;
  while (off + 12 <= s.size()) {
    const std::uint32_t type = u32(off);
    const std::uint32_t len = u32(off + 4);
    REQUIRE(len % 4 == 0);
    REQUIRE(len >= 12);
    if (s.size() - off < len) { break; }
    REQUIRE(u32(off + len - 4) == len);
    // Options from `at` to the end of the block body.
    auto options = [&](std::size_t at) {
      std::vector<std::pair<int, std::string>> out;
      const std::size_t end = off + len - 4;
      while (at + 4 <= end) {
        const int code = u16(at);
        const std::size_t n = u16(at + 2);
        if (code == 0) { break; }
        REQUIRE(at + 4 + n <= end);
        out.emplace_back(code, s.substr(at + 4, n));
        at += 4 + n + (4 - n % 4) % 4;
      }
      return out;
    };
    if (type == 0x0A0D0D0A) {
      REQUIRE(u32(off + 8) == 0x1A2B3C4D);  // this host's byte order
      ++c.sections;
      c.interfaces.clear();  // a new section numbers its interfaces anew
      for (const auto& [code, v] : options(off + 24)) { c.section[code] = v; }
    } else if (type == 1) {
      PcapngIdb i;
      i.linktype = u16(off + 8);
      i.snaplen = u32(off + 12);
      for (const auto& [code, v] : options(off + 16)) {
        if (code == 2) { i.name = v; }
        if (code == 3) { i.description = v; }
        if (code == 9) { i.tsresol = static_cast<std::uint8_t>(v.at(0)); }
        if (code == 11) { i.filter = v.substr(1); }
      }
      c.interfaces.push_back(i);
    } else if (type == 6) {
      PcapngEpb p;
      p.iface = u32(off + 8);
      REQUIRE(p.iface < c.interfaces.size());
      const std::uint64_t ts = (std::uint64_t{u32(off + 12)} << 32) | u32(off + 16);
      p.ts_ns = c.interfaces[p.iface].tsresol == 9 ? ts : ts * 1000;
      const std::uint32_t caplen = u32(off + 20);
      p.data = s.substr(off + 28, caplen);
      for (const auto& [code, v] : options(off + 28 + caplen + (4 - caplen % 4) % 4)) {
        if (code == 1) { p.comment = v; }
      }
      c.packets.push_back(p);
    } else if (type == 5) {
      PcapngIsb st;
      st.iface = u32(off + 8);
      REQUIRE(st.iface < c.interfaces.size());
      for (const auto& [code, v] : options(off + 20)) {
        if (code >= 4 && v.size() == 8) {
          std::uint64_t n;
          std::memcpy(&n, v.data(), 8);
          st.counters[code] = n;
        }
      }
      c.statistics.push_back(st);
    }
    off += len;
  }
  return c;
}

inline PcapngContents read_pcapng(const std::string& path)
{
  std::ifstream f{path, std::ios::binary};
  return parse_pcapng(std::string{std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}});
}

// Packets of interface `name` in `c`.
inline std::size_t packets_of(const PcapngContents& c, const std::string& name)
{
  std::size_t n = 0;
  for (const auto& p : c.packets) {
    if (c.interfaces[p.iface].name == name) { ++n; }
  }
  return n;
}

}  // namespace rpcap::test
