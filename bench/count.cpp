// SPDX-License-Identifier: BSD-3-Clause
// rpcap-bench-count: count one run's frames (bench/frame.hpp) in a pcap
// stream on standard input, for scripts/bench; built for the benchmark only.
//
// It reads classic pcap (microsecond or nanosecond magic, either byte order,
// any link type) or pcapng (a merged capture of several sources, in this
// host's byte order) to end of file, and counts each sequence number below
// COUNT once per interface (--sources N: interfaces 0..N-1 of a pcapng
// stream), so duplicates and foreign packets never inflate the result;
// probes are counted apart. Arrival times come from its own clock
// (CLOCK_MONOTONIC), not from the capture timestamps: the delivered rate is
// what reached the end of the pipeline, not what the kernel saw.
//
// At end of file it prints one line: delivered dups probes other records
// first_ns last_ns t99_ns pps cpu_s error. `pps` counts from the first read
// that brought data frames to the read that brought 99 % of them, because a
// tool's last partial buffer can come a flush timeout later (tcpdump's ring
// block: 1 s), which says nothing about its throughput. With `--status FILE`
// it keeps "DELIVERED PROBES" in FILE (PROBES: those seen through every
// interface, the fewest of any), rewritten at most every 50 ms, so the
// harness can see readiness and progress.
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/tool.hpp"
#include "frame.hpp"
#include "rpcap/net/socket.hpp"

namespace {

using namespace rpcap;

constexpr const char* k_prog = "rpcap-bench-count";
constexpr std::size_t k_file_header = 24;
constexpr std::size_t k_record_header = 16;
constexpr std::uint32_t k_max_record = 262144;  // the largest snapshot length libpcap uses
constexpr std::size_t k_milestones = 1000;      // arrival times are kept for every 0.1 % of COUNT
constexpr std::uint32_t k_pcapng_shb = 0x0A0D0D0A;
constexpr std::uint32_t k_pcapng_epb = 6;
constexpr std::uint32_t k_pcapng_bom = 0x1A2B3C4D;

struct Options {
  std::uint64_t count{1000000};
  std::uint32_t sources{1};
  std::uint32_t run{1};
  std::string status;
};

std::uint64_t now_ns()
{
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000U + static_cast<std::uint64_t>(ts.tv_nsec);
}

double cpu_seconds()
{
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Counts distinct data frames and remembers when the count crossed each
// milestone (every COUNT/1000 frames).
class Counter {
public:
  // COUNT frames from each of `sources` interfaces.
  Counter(std::uint64_t count, std::uint32_t sources, std::uint32_t run)
      : m_frames(count), m_sources(sources), m_count(count * sources), m_run(run), m_seen(m_count, false),
        m_reached(k_milestones + 1), m_probes_by(sources, 0)
  {
  }

  // Probes seen through every interface: the capture is ready once this is above 0.
  std::uint64_t ready_probes() const { return *std::min_element(m_probes_by.begin(), m_probes_by.end()); }

  void packet(std::span<const std::uint8_t> data, std::uint32_t iface = 0)
  {
    ++records;
    const auto sig = bench::find_signature(data, m_run);
    if (sig && (sig->flags & bench::k_flag_probe) != 0) {
      ++probes;
      if (iface < m_sources) { ++m_probes_by[iface]; }
      return;
    }
    if (!sig || sig->seq >= m_frames || iface >= m_sources) {
      ++other;
      return;
    }
    const std::uint64_t key = std::uint64_t{iface} * m_frames + sig->seq;
    if (m_seen[key]) {
      ++dups;
      return;
    }
    m_seen[key] = true;
    ++delivered;
  }

  // Note the time `t` after a read whose records were all passed to packet().
  void read_done(std::uint64_t t)
  {
    if (delivered == m_last_delivered) { return; }
    m_last_delivered = delivered;
    if (first_ns == 0) {
      first_ns = t;
      m_first_delivered = delivered;
    }
    last_ns = t;
    for (; m_next <= k_milestones && delivered * k_milestones >= m_next * m_count; ++m_next) {
      m_reached[m_next] = {t, delivered};
    }
  }

  // The time 99 % of what was delivered had arrived (to 0.1 % of COUNT),
  // and the rate from the first read to then; 0 when there is too little.
  std::pair<std::uint64_t, double> rate() const
  {
    const std::uint64_t n99 = (delivered * 99 + 99) / 100;
    const std::uint64_t k = n99 * k_milestones / m_count;  // the last milestone at or below n99: reached
    const Arrival a = k > 0 ? m_reached[k] : Arrival{last_ns, delivered};
    if (a.t_ns <= first_ns || a.delivered <= m_first_delivered) {
      if (last_ns <= first_ns) { return {last_ns, 0.0}; }
      return {last_ns, static_cast<double>(delivered - m_first_delivered) * 1e9 / static_cast<double>(last_ns - first_ns)};
    }
    return {a.t_ns, static_cast<double>(a.delivered - m_first_delivered) * 1e9 / static_cast<double>(a.t_ns - first_ns)};
  }

  std::uint64_t delivered{0}, dups{0}, probes{0}, other{0}, records{0};
  std::uint64_t first_ns{0}, last_ns{0};

private:
  struct Arrival {
    std::uint64_t t_ns{0};
    std::uint64_t delivered{0};
  };
  std::uint64_t m_frames;   // per interface
  std::uint32_t m_sources;
  std::uint64_t m_count;    // of all interfaces
  std::uint32_t m_run;
  std::vector<bool> m_seen;
  std::vector<Arrival> m_reached;
  std::uint64_t m_next{1};
  std::uint64_t m_last_delivered{0};
  std::uint64_t m_first_delivered{0};
  std::vector<std::uint64_t> m_probes_by;  // per interface
};

// The layout of a stream, from its first bytes.
struct Format {
  bool swapped{false};
  bool nanosecond{false};
  bool pcapng{false};
};

// A 32-bit field in this host's byte order (pcapng as our writer makes it).
std::uint32_t native32(const std::uint8_t* p)
{
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

Result<Format> parse_file_header(std::span<const std::uint8_t> h)
{
  const std::uint32_t magic = bench::get32(h.data());
  if (magic == k_pcapng_shb) {  // the same bytes in either order
    if (native32(h.data() + 8) != k_pcapng_bom) {
      return make_error(ErrorKind::malformed, "a pcapng stream in the other byte order");
    }
    return Format{false, false, true};
  }
  switch (magic) {
  case 0xa1b2c3d4: return Format{false, false, false};
  case 0xa1b23c4d: return Format{false, true, false};
  case 0xd4c3b2a1: return Format{true, false, false};
  case 0x4d3cb2a1: return Format{true, true, false};
  default: break;
  }
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08" PRIx32, magic);
  return make_error(ErrorKind::malformed, std::string{"not a classic pcap stream (magic "} + hex + ")");
}

std::uint32_t get32(const std::uint8_t* p, const Format& f)
{
  const std::uint32_t v = bench::get32(p);
  return f.swapped ? __builtin_bswap32(v) : v;
}

// Keeps "DELIVERED PROBES\n" in a file for the harness, rewritten in place.
class StatusFile {
public:
  explicit StatusFile(const std::string& path)
  {
    if (!path.empty()) { m_fd = Fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)}; }
  }
  bool valid(const std::string& path) const { return path.empty() || m_fd.valid(); }

  // Write the counts if they changed, and at most every 50 ms unless `now`
  // (the first probe, the end).
  void update(const Counter& c, bool now)
  {
    const std::uint64_t probes = c.ready_probes();
    if (!m_fd || (c.delivered == m_delivered && probes == m_probes)) { return; }
    const std::uint64_t t = now_ns();
    if (!now && t - m_written_ns < 50000000U && !(m_probes == 0 && probes > 0)) { return; }
    char line[64];
    const int n = std::snprintf(line, sizeof line, "%20" PRIu64 " %20" PRIu64 "\n", c.delivered, probes);
    if (n > 0 && ::pwrite(m_fd.get(), line, static_cast<std::size_t>(n), 0) == n) {
      m_delivered = c.delivered;
      m_probes = probes;
      m_written_ns = t;
    }
  }

private:
  Fd m_fd;
  std::uint64_t m_delivered{~std::uint64_t{0}}, m_probes{~std::uint64_t{0}}, m_written_ns{0};
};

// Read the stream on descriptor 0 to its end into `counter`. Fails on a read
// error, a stream that is not pcap, an impossible record length or a
// truncated last record.
Status count_stream(Counter& counter, StatusFile& status)
{
  std::vector<std::uint8_t> buf(1U << 20);
  std::size_t have = 0;
  std::optional<Format> format;
  // bounded by the stream, which ends when the harness stops the capture
  for (;;) {
    // a quiet input still gets its last counts into the status file
    pollfd in{0, POLLIN, 0};
    if (::poll(&in, 1, 50) == 0) {
      status.update(counter, true);
      continue;
    }
    const ssize_t n = ::read(0, buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) { continue; }
    if (n < 0) { return make_error(ErrorKind::io, std::string{"read standard input: "} + std::strerror(errno)); }
    have += static_cast<std::size_t>(n);
    std::size_t pos = 0;
    if (!format && have >= k_file_header) {
      auto f = parse_file_header(std::span{buf}.first(k_file_header));
      if (!f) { return f.error(); }
      format = *f;
      pos = format->pcapng ? 0 : k_file_header;
    }
    // pcapng: whole blocks; the packets are in Enhanced Packet Blocks.
    while (format && format->pcapng && have - pos >= 12) {
      const std::uint32_t type = native32(buf.data() + pos);
      const std::uint32_t len = native32(buf.data() + pos + 4);
      if (len < 12 || len % 4 != 0 || len > k_max_record + 64 + 4096) {
        return make_error(ErrorKind::malformed, "a pcapng block of " + std::to_string(len) + " bytes");
      }
      if (have - pos < len) { break; }
      if (type == k_pcapng_epb) {
        const std::uint32_t caplen = native32(buf.data() + pos + 20);
        if (caplen + 32 > len) { return make_error(ErrorKind::malformed, "a packet block shorter than its packet"); }
        counter.packet(std::span{buf}.subspan(pos + 28, caplen), native32(buf.data() + pos + 8));
      }
      pos += len;
    }
    while (format && !format->pcapng && have - pos >= k_record_header) {
      const std::uint32_t caplen = get32(buf.data() + pos + 8, *format);
      if (caplen > k_max_record) {
        return make_error(ErrorKind::malformed, "record " + std::to_string(counter.records + 1) +
                                                    ": captured length " + std::to_string(caplen) +
                                                    " is larger than " + std::to_string(k_max_record));
      }
      if (have - pos < k_record_header + caplen) { break; }
      counter.packet(std::span{buf}.subspan(pos + k_record_header, caplen));
      pos += k_record_header + caplen;
    }
    std::memmove(buf.data(), buf.data() + pos, have - pos);
    have -= pos;
    counter.read_done(now_ns());
    status.update(counter, n == 0);
    if (n == 0) { break; }
  }
  if (have > 0) {
    return make_error(ErrorKind::truncated, "the stream ends inside " +
                                                std::string{format ? "a record" : "the file header"} + " (" +
                                                std::to_string(have) + " bytes left)");
  }
  return {};
}

}  // namespace

int main(int argc, char** argv)
{
  Options opts;
  CLI::App app{"count one run's frames of scripts/bench in a pcap stream on standard input", k_prog};
  app.set_version_flag("--version", tool::version_text(k_prog));
  app.add_option("-n,--count", opts.count, "frames the run sends (sequence numbers 0..COUNT-1)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--run", opts.run, "run id to look for");
  app.add_option("--sources", opts.sources, "a pcapng stream of N interfaces, each with every frame")
      ->check(CLI::Range(1u, 64u));
  app.add_option("--status", opts.status, "keep \"DELIVERED PROBES\" in FILE while reading")->type_name("FILE");
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  Counter counter{opts.count, opts.sources, opts.run};
  StatusFile status{opts.status};
  if (!status.valid(opts.status)) {
    tool::error(k_prog, "open \"" + opts.status + "\": " + std::strerror(errno));
    return tool::exit_failure;
  }
  const auto done = count_stream(counter, status);
  status.update(counter, true);
  const auto [t99, pps] = counter.rate();
  std::printf("delivered=%" PRIu64 " dups=%" PRIu64 " probes=%" PRIu64 " other=%" PRIu64 " records=%" PRIu64
              " first_ns=%" PRIu64 " last_ns=%" PRIu64 " t99_ns=%" PRIu64 " pps=%.0f cpu_s=%.3f error=%s\n",
              counter.delivered, counter.dups, counter.probes, counter.other, counter.records, counter.first_ns,
              counter.last_ns, t99, pps, cpu_seconds(), done ? "none" : to_string(done.error().kind));
  std::fflush(stdout);
  if (!done) { return tool::report(app, done.error()); }
  return tool::exit_ok;
}
