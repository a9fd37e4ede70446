// SPDX-License-Identifier: BSD-3-Clause
// A pcap file as libpcap reads it back: what tests of our writers check
// against the reader everybody uses, swapping of foreign byte orders included.
#pragma once

#include <catch2/catch.hpp>

#include <pcap/pcap.h>

#include <filesystem>
#include <memory>

#include "rpcap/bytes.hpp"

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

}  // namespace rpcap::test
