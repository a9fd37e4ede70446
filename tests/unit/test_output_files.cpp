// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "rpcap/client/output_files.hpp"
#include "rpcap/wire/pcap_writer.hpp"

using namespace rpcap;

namespace {

// A fresh directory under /tmp, removed with its contents at the end of the test.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir()
  {
    char tmpl[] = "/tmp/rpcap-files-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  // The names of the files in it, sorted.
  std::vector<std::string> names() const
  {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path)) { out.push_back(e.path().filename()); }
    std::sort(out.begin(), out.end());
    return out;
  }
};

}  // namespace

TEST_CASE("output files: names as tcpdump's -C, -W and -G make them", "[files]")
{
  RotationOptions size;
  size.path = "cap.pcap";
  size.max_bytes = 1000000;
  CHECK(rotation_name(size, 0, 0) == "cap.pcap");
  CHECK(rotation_name(size, 0, 1) == "cap.pcap1");
  CHECK(rotation_name(size, 0, 12) == "cap.pcap12");

  RotationOptions ring = size;
  ring.max_files = 3;
  CHECK(rotation_name(ring, 0, 0) == "cap.pcap0");
  CHECK(rotation_name(ring, 0, 2) == "cap.pcap2");
  CHECK(rotation_name(ring, 0, 3) == "cap.pcap0");  // round again
  ring.max_files = 12;
  CHECK(rotation_name(ring, 0, 0) == "cap.pcap00");
  CHECK(rotation_name(ring, 0, 11) == "cap.pcap11");
  CHECK(rotation_name(ring, 0, 12) == "cap.pcap00");

  RotationOptions time;
  time.path = "cap-%s.pcapng";
  time.period = std::chrono::seconds(60);
  CHECK(rotation_name(time, 1700000000, 0) == "cap-1700000000.pcapng");
  CHECK(rotation_name(time, 1700000060, 1) == "cap-1700000060.pcapng");
  time.max_files = 5;  // a ring by time removes old files; the names stay the times
  CHECK(rotation_name(time, 1700000120, 2) == "cap-1700000120.pcapng");
}

TEST_CASE("output files: a new file is due past the size or the period, and the ring keeps the newest",
          "[files]")
{
  const ScratchDir scratch;
  const std::filesystem::path& dir = scratch.path;
  RotationOptions o;
  o.path = (dir / "cap-%s").string();
  o.max_bytes = 100;
  o.period = std::chrono::seconds(10);
  o.max_files = 2;
  auto files = OutputFiles::open(o, 1000);
  REQUIRE(files.has_value());
  OutputFiles& f = **files;
  CHECK(f.path() == (dir / "cap-10000").string());
  CHECK(!f.due(100, 1009));  // neither more than 100 bytes nor 10 s
  CHECK(f.due(101, 1000));
  CHECK(f.due(0, 1010));
  for (std::time_t t : {1010, 1020, 1030}) {
    REQUIRE(f.next(t).has_value());
    f.retire();
  }
  f.close();
  const auto left = scratch.names();
  // -G's names with the ring's numbers after them (-C -W); only the two newest kept.
  CHECK(left == std::vector<std::string>{"cap-10200", "cap-10301"});
}

TEST_CASE("output files: a file that comes round under the same name is begun anew, whole, and never removed",
          "[files]")
{
  const ScratchDir scratch;
  const std::filesystem::path& dir = scratch.path;
  RotationOptions o;
  o.path = (dir / "one").string();
  o.max_bytes = 100;  // a ring of one file: FILE0 again and again
  o.max_files = 1;
  auto files = OutputFiles::open(o, 1000);
  REQUIRE(files.has_value());
  PcapWriter w{(*files)->fd()};
  REQUIRE(w.begin(1, 65535).has_value());
  const Bytes packet(60, 0xab);
  for (int i = 0; i < 5; ++i) {
    REQUIRE((*files)->rotate_if_due(w).has_value());
    REQUIRE(w.write(1, 2, 60, packet).has_value());
  }
  REQUIRE(w.flush().has_value());
  (*files)->close();
  CHECK(scratch.names() == std::vector<std::string>{"one0"});
  // The last round: the header and the records after it, no hole of zeros
  // where an earlier round's tail was.
  const auto size = std::filesystem::file_size(dir / "one0");
  CHECK(size == 24 + 16 + 60);

  // -G with a name that repeats (cap-%H after a day): the current file stays.
  const ScratchDir scratch2;
  const std::filesystem::path& dir2 = scratch2.path;
  RotationOptions g;
  g.path = (dir2 / "cap").string();  // no time field: the same name each period
  g.period = std::chrono::seconds(10);
  g.max_files = 1;
  auto gf = OutputFiles::open(g, 1000);
  REQUIRE(gf.has_value());
  for (std::time_t t : {1010, 1020}) {
    REQUIRE((*gf)->next(t).has_value());
    (*gf)->retire();
    CHECK(std::filesystem::exists(dir2 / "cap"));
  }
  (*gf)->close();
}
