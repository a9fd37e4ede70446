// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include "rpcap/wire/pcap_writer.hpp"
#include "support/pcap_file.hpp"

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

TEST_CASE("pcap writer: a stream in the other byte order is read back right, host-order pseudo-headers corrected",
          "[pcap]")
{
  // What a daemon of the other byte order sends for a USB capture: the
  // 48-byte Linux USB header in its order (here: the reverse of ours).
  auto other = [](auto v) {
    std::uint8_t b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    std::reverse(b, b + sizeof v);
    return Bytes(b, b + sizeof v);
  };
  Bytes usb = other(std::uint64_t{0x0102030405060708});  // id
  usb.insert(usb.end(), {'S', 2, 0x81, 5});               // event, transfer type, endpoint, device
  const Bytes bus = other(std::uint16_t{3});
  usb.insert(usb.end(), bus.begin(), bus.end());
  usb.insert(usb.end(), {0, 0});                          // setup and data flags
  for (const Bytes& f : {other(std::int64_t{1700000000}), other(std::int32_t{250}), other(std::int32_t{-115}),
                         other(std::uint32_t{64}), other(std::uint32_t{0})}) {
    usb.insert(usb.end(), f.begin(), f.end());
  }
  usb.resize(48, 0);  // the setup bytes

  const auto path = std::filesystem::temp_directory_path() / ("rpcap-swapped-" + std::to_string(::getpid()) + ".pcap");
  {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    PcapWriter w{fd};
    REQUIRE(w.begin(189 /* LINKTYPE_USB_LINUX */, 65535, PcapWriter::Order::swapped).has_value());
    REQUIRE(w.write(1700000000, 250, 48, usb).has_value());
    REQUIRE(w.flush().has_value());
    ::close(fd);
  }
  const auto r = rpcap::test::read_first_record(path);
  CHECK(r.swapped);
  CHECK(r.linktype == 189);
  CHECK(r.snaplen == 65535);
  CHECK(r.header.ts.tv_sec == 1700000000);
  CHECK(r.header.ts.tv_usec == 250);
  CHECK(r.header.len == 48);
  REQUIRE(r.data.size() == 48);
  const std::uint8_t* data = r.data.data();
  std::uint64_t id = 0;
  std::uint16_t bus_id = 0;
  std::int32_t status = 0;
  std::memcpy(&id, data, 8);
  std::memcpy(&bus_id, data + 12, 2);
  std::memcpy(&status, data + 28, 4);
  CHECK(id == 0x0102030405060708);
  CHECK(bus_id == 3);
  CHECK(status == -115);
}

TEST_CASE("pcap writer: borrowed packets go out from the caller's buffer, in order, until released", "[pcap]")
{
  char name[] = "/tmp/rpcap-borrowed-XXXXXX";
  const int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  const std::string path = name;
  // A buffer larger than IOV_MAX pieces: one flush takes several writev() calls.
  PcapWriter w{fd, PcapWriter::Flush::buffered, 4u << 20};
  REQUIRE(w.begin(1, 262144).has_value());
  std::vector<Bytes> expected;
  // A small packet is copied, a large one borrowed; a release below the
  // gathered-write size copies the borrowed one in, so the caller may reuse it.
  Bytes big(1000, 0xaa);
  REQUIRE(w.write_borrowed(1, 0, 3, Bytes{1, 2, 3}).has_value());
  expected.push_back(Bytes{1, 2, 3});
  REQUIRE(w.write_borrowed(2, 0, 1000, big).has_value());
  expected.push_back(big);
  REQUIRE(w.write(3, 0, 2, Bytes{4, 5}).has_value());
  expected.push_back(Bytes{4, 5});
  REQUIRE(w.release().has_value());
  std::fill(big.begin(), big.end(), 0x55);
  // 1500 borrowed packets (900 KB): the release writes them out in one flush.
  std::vector<Bytes> many;
  for (int i = 0; i < 1500; ++i) { many.emplace_back(600 + i % 7, static_cast<std::uint8_t>(i % 251)); }
  for (const auto& p : many) {
    REQUIRE(w.write_borrowed(4, 0, static_cast<std::uint32_t>(p.size()), p).has_value());
    expected.push_back(p);
  }
  CHECK(w.buffered() > 1500 * 600);  // 3000 pieces: more than one writev() takes
  REQUIRE(w.release().has_value());
  CHECK(w.buffered() == 0);
  for (auto& p : many) { std::fill(p.begin(), p.end(), 0); }
  REQUIRE(w.flush().has_value());
  CHECK(w.packets() == expected.size());
  ::close(fd);
  const auto records = test::record_data(path);
  std::filesystem::remove(path);
  REQUIRE(records.size() == expected.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i);
    CHECK(Bytes(records[i].begin(), records[i].end()) == expected[i]);
  }
}

namespace {

volatile std::sig_atomic_t g_alarms = 0;  // the test's timer ticks; only the test below uses it
extern "C" void count_alarm(int) { g_alarms = g_alarms + 1; }

}  // namespace

TEST_CASE("pcap writer: writes cut short by a signal go on where they stopped, borrowed pieces included", "[pcap]")
{
  // A blocking pipe of one page and a reader taking 100 bytes at a time:
  // each writev() blocks many times, and a timer's signal (no SA_RESTART)
  // ends it after part of a piece; the rest must follow in order.
  int fd[2];
  REQUIRE(::pipe2(fd, O_CLOEXEC) == 0);
  REQUIRE(::fcntl(fd[1], F_SETPIPE_SZ, 4096) >= 4096);
  PcapWriter w{fd[1], PcapWriter::Flush::buffered, 4u << 20};
  std::vector<Bytes> packets;
  for (int i = 0; i < 400; ++i) {
    Bytes p(700 + static_cast<std::size_t>(i % 13) * 97);
    for (std::size_t j = 0; j < p.size(); ++j) { p[j] = static_cast<std::uint8_t>((static_cast<std::size_t>(i) * 7 + j) % 251); }
    packets.push_back(std::move(p));
  }

  // The reader runs with the signal blocked, so the timer interrupts the writer.
  sigset_t alarm_only;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  sigset_t old_mask;
  REQUIRE(::pthread_sigmask(SIG_BLOCK, &alarm_only, &old_mask) == 0);
  Bytes got;
  std::thread reader{[&] {
    std::uint8_t buf[100];
    for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) != 0;) {
      if (n > 0) { got.insert(got.end(), buf, buf + n); }
    }
  }};
  REQUIRE(::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr) == 0);

  struct sigaction on_alarm {};
  on_alarm.sa_handler = count_alarm;
  struct sigaction old_action {};
  REQUIRE(::sigaction(SIGALRM, &on_alarm, &old_action) == 0);
  REQUIRE(w.begin(1, 262144).has_value());
  for (const auto& p : packets) { REQUIRE(w.write_borrowed(1, 2, static_cast<std::uint32_t>(p.size()), p).has_value()); }
  g_alarms = 0;
  itimerval every{{0, 50}, {0, 50}};
  REQUIRE(::setitimer(ITIMER_REAL, &every, nullptr) == 0);
  const Status flushed = w.flush();  // ~600 KB through the one-page pipe
  itimerval off{};
  ::setitimer(ITIMER_REAL, &off, nullptr);
  ::sigaction(SIGALRM, &old_action, nullptr);
  const int alarms = g_alarms;
  ::close(fd[1]);
  reader.join();
  ::close(fd[0]);

  REQUIRE(flushed.has_value());
  INFO(alarms << " signals during the writes");
  CHECK(alarms > 0);
  // The stream read back: the file header, then each record's header and bytes.
  REQUIRE(got.size() >= 24);
  std::size_t at = 24;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    INFO("record " << i);
    REQUIRE(got.size() - at >= 16);
    const std::uint32_t caplen = native_u32(got, at + 8);
    REQUIRE(caplen == packets[i].size());
    REQUIRE(got.size() - at - 16 >= caplen);
    CHECK(Bytes(got.begin() + static_cast<std::ptrdiff_t>(at + 16),
                got.begin() + static_cast<std::ptrdiff_t>(at + 16 + caplen)) == packets[i]);
    at += 16 + caplen;
  }
  CHECK(at == got.size());
}
