// SPDX-License-Identifier: BSD-3-Clause
// A pcap file as libpcap reads it back: what tests of our writers check
// against the reader everybody uses, swapping of foreign byte orders included.
#pragma once

#include <catch2/catch.hpp>

#include <pcap/pcap.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "rpcap/wire/bytes.hpp"

namespace rpcap::test {

struct PcapFirstRecord {
  bool swapped{false};  // the file's byte order is not this host's
  int linktype{0};
  int snaplen{0};
  pcap_pkthdr header{};
  Bytes data;           // as libpcap hands it over (pseudo-headers corrected)
};

// Open `path` with pcap_open_offline() and read its first record, then
// remove the file; fails the current test if either step fails.
inline PcapFirstRecord read_first_record(const std::filesystem::path& path)
{
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, void (*)(pcap_t*)> in{pcap_open_offline(path.c_str(), err), pcap_close};
  std::filesystem::remove(path);
  INFO(err);
  REQUIRE(in);
  PcapFirstRecord r;
  r.swapped = pcap_is_swapped(in.get()) == 1;
  r.linktype = pcap_datalink(in.get());
  r.snaplen = pcap_snapshot(in.get());
  pcap_pkthdr* h = nullptr;
  const u_char* bytes = nullptr;
  REQUIRE(pcap_next_ex(in.get(), &h, &bytes) == 1);
  r.header = *h;
  r.data.assign(bytes, bytes + h->caplen);
  return r;
}

// The captured bytes of each whole record in the pcap file (of this
// host's byte order) at `path` so far (a capture may be writing it: a
// record cut short at the end is not there).
inline std::vector<std::string> record_data(const std::string& path)
{
  std::ifstream f{path, std::ios::binary};
  const std::string s{std::istreambuf_iterator<char>{f}, std::istreambuf_iterator<char>{}};
  std::vector<std::string> out;
  for (std::size_t off = 24; off + 16 <= s.size();) {
    std::uint32_t caplen = 0;
    std::memcpy(&caplen, s.data() + off + 8, 4);
    if (s.size() - off - 16 < caplen) { break; }
    out.push_back(s.substr(off + 16, caplen));
    off += 16 + caplen;
  }
  return out;
}

// Whole records in the pcap file at `path` so far.
inline std::size_t records_in(const std::string& path) { return record_data(path).size(); }

}  // namespace rpcap::test
