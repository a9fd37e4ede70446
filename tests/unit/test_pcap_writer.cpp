// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "rpcap/pcap_writer.hpp"

using namespace rpcap;

namespace {

struct PipePair {
  int fd[2]{-1, -1};
  PipePair() { REQUIRE(::pipe2(fd, O_CLOEXEC | O_NONBLOCK) == 0); }
  ~PipePair()
  {
    for (int f : fd) {
      if (f >= 0) { ::close(f); }
    }
  }
  Bytes drain() const
  {
    Bytes out;
    std::uint8_t buf[4096];
    for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) { out.insert(out.end(), buf, buf + n); }
    return out;
  }
};

std::uint32_t native_u32(const Bytes& b, std::size_t off)
{
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}

}  // namespace

TEST_CASE("pcap writer: the file header and a record in tcpdump's format", "[pcap]")
{
  PipePair p;
  PcapWriter w{p.fd[1]};
  REQUIRE(w.begin(1, 262144).has_value());
  const Bytes hdr = p.drain();
  REQUIRE(hdr.size() == 24);
  CHECK(native_u32(hdr, 0) == 0xa1b2c3d4);
  CHECK(native_u32(hdr, 16) == 262144);
  CHECK(native_u32(hdr, 20) == 1);
  const Bytes pkt{1, 2, 3};
  REQUIRE(w.write(10, 20, 60, pkt).has_value());
  CHECK(p.drain().empty());  // buffered until flush
  REQUIRE(w.flush().has_value());
  const Bytes rec = p.drain();
  REQUIRE(rec.size() == 16 + 3);
  CHECK(native_u32(rec, 0) == 10);
  CHECK(native_u32(rec, 4) == 20);
  CHECK(native_u32(rec, 8) == 3);
  CHECK(native_u32(rec, 12) == 60);
  CHECK(w.packets() == 1);
}

TEST_CASE("pcap writer: per-packet mode writes each record at once", "[pcap]")
{
  PipePair p;
  PcapWriter w{p.fd[1], PcapWriter::Flush::per_packet};
  REQUIRE(w.begin(1, 100).has_value());
  (void)p.drain();
  REQUIRE(w.write(1, 2, 1, Bytes{9}).has_value());
  CHECK(p.drain().size() == 17);
}

TEST_CASE("pcap writer: a closed reader is reported, not fatal", "[pcap]")
{
  PipePair p;
  ::close(p.fd[0]);
  p.fd[0] = -1;
  ::signal(SIGPIPE, SIG_IGN);
  PcapWriter w{p.fd[1]};
  auto st = w.begin(1, 100);
  REQUIRE_FALSE(st.has_value());
  CHECK(st.error().message == "write output: Broken pipe");
  const bool wrote = w.write(1, 2, 1, Bytes{9}).has_value() && w.flush().has_value();
  CHECK_FALSE(wrote);
}
