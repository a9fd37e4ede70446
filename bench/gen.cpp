// SPDX-License-Identifier: BSD-3-Clause
// rpcap-bench-gen: send COUNT signed UDP frames (bench/frame.hpp) of SIZE
// bytes out of one interface, as fast as possible or paced to RATE frames/s.
// scripts/bench runs it on the generator side of its veth pair; it is built
// for the benchmark only and never installed.
//
// It writes through an AF_PACKET socket that bypasses the qdisc, with
// sendmmsg() batches (64 frames at full speed; at a paced rate about one
// batch per 100 us against an absolute schedule, so the average is exact).
// Only the sequence number changes between frames. At the end it prints one
// line: sent=N start_ns=T end_ns=T seconds=S pps=R cpu_s=C (CLOCK_MONOTONIC).
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/tool.hpp"
#include "frame.hpp"
#include "rpcap/net/socket.hpp"

namespace {

using namespace rpcap;

constexpr const char* k_prog = "rpcap-bench-gen";
constexpr std::size_t k_max_batch = 64;

struct Options {
  std::string iface;
  std::uint64_t count{1000000};
  std::size_t size{64};
  std::uint64_t rate{0};  // frames/s; 0: as fast as possible
  std::uint32_t run{1};
  bool probe{false};
  double time_limit{120};
};

std::uint64_t now_ns()
{
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000U + static_cast<std::uint64_t>(ts.tv_nsec);
}

void sleep_until(std::uint64_t t_ns)
{
  timespec ts{static_cast<time_t>(t_ns / 1000000000U), static_cast<long>(t_ns % 1000000000U)};
  // bounded: EINTR only comes from a signal, and the deadline stays the same
  for (int i = 0; i < 1000 && ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR; ++i) {}
}

double cpu_seconds()
{
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// Open a send-only packet socket bound to `iface`.
Result<Fd> open_socket(const std::string& iface)
{
  // protocol 0: the socket receives nothing, so it costs nothing per frame on the way in
  Fd fd{::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0)};
  if (!fd) { return make_error(ErrorKind::io, std::string{"socket(AF_PACKET): "} + std::strerror(errno)); }
  const unsigned index = ::if_nametoindex(iface.c_str());
  if (index == 0) { return make_error(ErrorKind::usage, "interface \"" + iface + "\": " + std::strerror(errno)); }
  int on = 1;
  // without the qdisc the frames go straight to the veth's xmit; not fatal if refused
  ::setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &on, sizeof on);
  int sndbuf = 4 << 20;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = static_cast<int>(index);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) {
    return make_error(ErrorKind::io, "bind to \"" + iface + "\": " + std::strerror(errno));
  }
  return fd;
}

struct Totals {
  std::uint64_t sent{0};
  std::uint64_t start_ns{0};
  std::uint64_t end_ns{0};
  bool timed_out{false};
};

// Send `opts.count` frames on `fd`. Fails on a send error other than a full
// queue; stops early, with `timed_out`, after `opts.time_limit` seconds.
Result<Totals> send_frames(const Fd& fd, const Options& opts)
{
  std::size_t batch = k_max_batch;
  if (opts.rate > 0) { batch = std::clamp<std::size_t>(static_cast<std::size_t>(opts.rate / 10000), 1, k_max_batch); }
  const std::uint32_t flags = opts.probe ? bench::k_flag_probe : 0;
  std::vector<bench::Frame> frames(batch, bench::make_frame(opts.size, opts.run, flags));
  std::vector<iovec> iov(batch);
  std::vector<mmsghdr> msgs(batch);
  for (std::size_t i = 0; i < batch; ++i) {
    iov[i] = iovec{frames[i].bytes.data(), frames[i].size};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  Totals t;
  t.start_ns = now_ns();
  const auto deadline = t.start_ns + static_cast<std::uint64_t>(opts.time_limit * 1e9);
  while (t.sent < opts.count) {
    if (opts.rate > 0) { sleep_until(t.start_ns + t.sent * 1000000000U / opts.rate); }
    const auto n = static_cast<unsigned>(std::min<std::uint64_t>(batch, opts.count - t.sent));
    for (unsigned i = 0; i < n; ++i) { bench::set_sequence(frames[i], static_cast<std::uint32_t>(t.sent + i)); }
    unsigned done = 0;
    while (done < n) {
      const int r = ::sendmmsg(fd.get(), msgs.data() + done, n - done, 0);
      if (r >= 0) {
        done += static_cast<unsigned>(r);
      } else if (errno != EINTR && errno != ENOBUFS && errno != EAGAIN) {
        return make_error(ErrorKind::io, std::string{"sendmmsg: "} + std::strerror(errno));
      } else if (now_ns() > deadline) {
        break;  // a queue that never drains must not hang the run
      }
    }
    t.sent += done;
    if (now_ns() > deadline) {
      t.timed_out = t.sent < opts.count;
      break;
    }
  }
  t.end_ns = now_ns();
  return t;
}

}  // namespace

int main(int argc, char** argv)
{
  Options opts;
  CLI::App app{"send signed UDP frames for scripts/bench", k_prog};
  app.set_version_flag("--version", tool::version_text(k_prog));
  app.add_option("-i,--interface", opts.iface, "send on IFACE")->required()->type_name("IFACE");
  app.add_option("-n,--count", opts.count, "frames to send")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("-s,--size", opts.size, "frame size in bytes, headers included, no FCS")
      ->check(CLI::Range(bench::k_min_frame, bench::k_max_frame));
  app.add_option("-r,--rate", opts.rate, "frames per second (0: as fast as possible)");
  app.add_option("--run", opts.run, "run id in every frame's signature");
  app.add_flag("--probe", opts.probe, "send readiness probes (flagged, never counted as data)");
  app.add_option("--time-limit", opts.time_limit, "stop after SECONDS")->check(CLI::Range(0.1, 3600.0));
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  auto fd = open_socket(opts.iface);
  if (!fd) { return tool::report(app, fd.error()); }
  auto t = send_frames(*fd, opts);
  if (!t) { return tool::report(app, t.error()); }
  const double secs = static_cast<double>(t->end_ns - t->start_ns) / 1e9;
  std::printf("sent=%llu start_ns=%llu end_ns=%llu seconds=%.6f pps=%.0f cpu_s=%.3f\n",
              static_cast<unsigned long long>(t->sent), static_cast<unsigned long long>(t->start_ns),
              static_cast<unsigned long long>(t->end_ns), secs, secs > 0 ? static_cast<double>(t->sent) / secs : 0.0,
              cpu_seconds());
  if (t->timed_out) {
    tool::error(k_prog, "time limit of " + std::to_string(opts.time_limit) + " s reached after " +
                            std::to_string(t->sent) + " frames");
    return tool::exit_failure;
  }
  return tool::exit_ok;
}
