// SPDX-License-Identifier: BSD-3-Clause
// The pcapng writer against bytes laid out by hand from the pcapng
// specification (docs/pcapng.md), little-endian as this host writes them.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <bit>

#include "rpcap/wire/pcapng_writer.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using rpcap::test::parse_annotated_hex;

namespace {

struct Pipe {
  int fd[2]{-1, -1};
  Pipe() { REQUIRE(::pipe2(fd, O_CLOEXEC | O_NONBLOCK) == 0); }
  ~Pipe()
  {
    for (int f : fd) { ::close(f); }
  }
  Bytes drain() const
  {
    Bytes out;
    std::uint8_t buf[4096];
    for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) { out.insert(out.end(), buf, buf + n); }
    return out;
  }
};

const char* const k_shb = R"(
  0a0d0d0a 54000000            # SHB, 84 bytes
  4d3c2b1a 0100 0000           # byte-order magic, version 1.0
  ffffffff ffffffff            # section length unknown
  0200 0600 7838365f3634 0000  # shb_hardware "x86_64"
  0300 0900 4c696e757820362e31 000000              # shb_os "Linux 6.1"
  0400 1100 72706361702d6361707475726520312e30 000000  # shb_userappl
  0000 0000                    # opt_endofopt
  54000000)";

const char* const k_idb = R"(
  01000000 48000000            # IDB, 72 bytes
  0100 0000 ffff0000           # EN10MB, reserved, snaplen 65535
  0200 0e00 72706361703a2f2f682f65746830 0000  # if_name "rpcap://h/eth0"
  0300 0800 45746865726e6574   # if_description "Ethernet"
  0900 0100 06 000000          # if_tsresol 10^-6
  0b00 0400 00 746370          # if_filter: libpcap string "tcp"
  0000 0000
  48000000)";

const char* const k_epb = R"(
  06000000 28000000            # EPB, 40 bytes
  00000000                     # interface 0
  240a0600 40222018            # timestamp 1700000000123456, upper half first
  05000000 3c000000            # captured 5, on the wire 60
  6162636465 000000            # the bytes, padded to 4
  28000000)";

const char* const k_epb_comment = R"(
  06000000 30000000
  00000000 240a0600 40222018 04000000 04000000
  7778797a                     # 4 bytes: no padding
  0100 0300 676170 00          # opt_comment "gap"
  0000 0000
  30000000)";

const char* const k_isb = R"(
  05000000 4c000000            # ISB, 76 bytes
  00000000 240a0600 40222018   # interface 0, at 1700000000123456
  0200 0800 240a0600 40222018  # isb_starttime
  0400 0800 6400000000000000   # isb_ifrecv 100
  0700 0800 0300000000000000   # isb_osdrop 3
  0800 0800 6100000000000000   # isb_usrdeliv 97
  0000 0000
  4c000000)";

constexpr std::uint64_t k_ts = 1700000000123456;

// The golden bytes are little-endian: on another host the layout tests skip.
bool little_endian_host()
{
  if constexpr (std::endian::native == std::endian::little) { return true; }
  WARN("SKIPPED: the golden bytes are little-endian");
  return false;
}

PcapngSection section() { return {"x86_64", "Linux 6.1", "rpcap-capture 1.0"}; }

PcapngInterface interface()
{
  PcapngInterface i;
  i.linktype = 1;
  i.snaplen = 65535;
  i.name = "rpcap://h/eth0";
  i.description = "Ethernet";
  i.filter = "tcp";
  return i;
}

}  // namespace

TEST_CASE("pcapng writer: section, interface, packet and statistics blocks as the specification lays them out",
          "[pcapng]")
{
  if (!little_endian_host()) { return; }
  Pipe p;
  PcapngWriter w{p.fd[1]};
  REQUIRE(w.begin(section()).has_value());
  CHECK(p.drain() == parse_annotated_hex(k_shb));  // flushed at once: a reader can start
  auto id = w.add_interface(interface());
  REQUIRE(id.has_value());
  CHECK(*id == 0);
  const Bytes five{'a', 'b', 'c', 'd', 'e'};
  REQUIRE(w.write(0, k_ts, 60, five).has_value());
  const Bytes four{'w', 'x', 'y', 'z'};
  REQUIRE(w.write(0, k_ts, 4, four, "gap").has_value());
  PcapngStatistics s;
  s.timestamp = k_ts;
  s.start = k_ts;
  s.ifrecv = 100;
  s.osdrop = 3;
  s.usrdeliv = 97;
  REQUIRE(w.write_statistics(0, s).has_value());
  CHECK(p.drain().empty());  // buffered until flush
  REQUIRE(w.flush().has_value());
  Bytes want = parse_annotated_hex(k_idb);
  for (const char* block : {k_epb, k_epb_comment, k_isb}) {
    const Bytes b = parse_annotated_hex(block);
    want.insert(want.end(), b.begin(), b.end());
  }
  CHECK(p.drain() == want);
  CHECK(w.packets() == 2);
}

TEST_CASE("pcapng writer: interfaces are numbered in order and a nanosecond one says so", "[pcapng]")
{
  if (!little_endian_host()) { return; }
  Pipe p;
  PcapngWriter w{p.fd[1]};
  REQUIRE(w.begin({}).has_value());
  const Bytes shb = p.drain();
  CHECK(shb.size() == 28);  // no options at all: no end-of-options either
  PcapngInterface nano;
  nano.linktype = 113;
  nano.resolution = TsResolution::nano;
  CHECK(*w.add_interface(interface()) == 0);
  CHECK(*w.add_interface(nano) == 1);
  REQUIRE(w.flush().has_value());
  const Bytes idbs = p.drain();
  const Bytes first = parse_annotated_hex(k_idb);
  REQUIRE(idbs.size() == first.size() + 32);
  const Bytes second(idbs.begin() + static_cast<std::ptrdiff_t>(first.size()), idbs.end());
  CHECK(second == parse_annotated_hex("01000000 20000000 7100 0000 00000000 0900 0100 09 000000 0000 0000 20000000"));
}

TEST_CASE("pcapng writer: a restart begins a file that stands alone, with every interface described again",
          "[pcapng]")
{
  if (!little_endian_host()) { return; }
  Pipe first;
  Pipe second;
  PcapngWriter w{first.fd[1]};
  REQUIRE(w.begin(section()).has_value());
  REQUIRE(w.add_interface(interface()).has_value());
  REQUIRE(w.write(0, k_ts, 60, Bytes{'a', 'b', 'c', 'd', 'e'}).has_value());
  REQUIRE(w.restart(second.fd[1]).has_value());
  Bytes want = parse_annotated_hex(k_shb);
  for (const char* block : {k_idb, k_epb}) {
    const Bytes b = parse_annotated_hex(block);
    want.insert(want.end(), b.begin(), b.end());
  }
  CHECK(first.drain() == want);  // everything before the restart went to the first file
  Bytes again = parse_annotated_hex(k_shb);
  const Bytes idb = parse_annotated_hex(k_idb);
  again.insert(again.end(), idb.begin(), idb.end());
  CHECK(second.drain() == again);
  REQUIRE(w.write(0, k_ts, 60, Bytes{'a', 'b', 'c', 'd', 'e'}).has_value());
  REQUIRE(w.flush().has_value());
  CHECK(second.drain() == parse_annotated_hex(k_epb));
}
