// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture: capture from a remote rpcapd, a local interface or a file,
// and write a pcap stream: rpcap-capture rpcap://host/eth0 | tcpdump -r -
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-capture/cli.hpp"
#include "rpcap/capture_run.hpp"

namespace {

using namespace rpcap;

volatile std::sig_atomic_t g_stop = 0;    // SIGINT, SIGTERM
volatile std::sig_atomic_t g_report = 0;  // SIGUSR1

extern "C" void on_stop(int) { g_stop = 1; }
extern "C" void on_report(int) { g_report = 1; }

// Without SA_RESTART, so that a wait in progress returns at once.
void handle(int sig, void (*fn)(int))
{
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

Result<std::optional<SetSamplingRequest>> parse_sampling(const std::string& text)
{
  if (text.empty()) { return std::optional<SetSamplingRequest>{}; }
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string number = colon == std::string::npos ? "" : text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long n = std::strtoul(number.c_str(), &end, 10);
  const bool numeric = !number.empty() && *end == '\0' && number[0] != '-' && n >= 1 && n <= 0xffffffffUL;
  if ((kind == "every" || kind == "after-ms") && numeric) {
    return std::optional<SetSamplingRequest>{SetSamplingRequest{
        kind == "every" ? SetSamplingRequest::Method::every_nth : SetSamplingRequest::Method::first_after_ms,
        static_cast<std::uint32_t>(n)}};
  }
  return make_error(ErrorKind::usage, "--sampling \"" + text + "\": expected every:N or after-ms:N with N >= 1");
}

Result<std::string> filter_text(const cli::capture::Options& opts)
{
  if (!opts.filter_file.empty()) {
    std::ifstream f{opts.filter_file};
    std::stringstream s;
    s << f.rdbuf();
    if (!f) { return make_error(ErrorKind::usage, "read filter file \"" + opts.filter_file + "\" failed"); }
    std::string text;
    for (char c : s.str()) { text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c; }
    return text;
  }
  std::string text;
  for (const auto& w : opts.filter) { text += (text.empty() ? "" : " ") + w; }
  return text;
}

std::string statistics(const CaptureTotals& t, bool udp)
{
  std::string s = std::to_string(t.written) + " packets captured\n";
  if (t.remote) {
    // tcpdump's wording, so that scripts reading tcpdump's statistics read these too
    s += std::to_string(t.remote->ifrecv) + " packets received by filter\n";
    s += std::to_string(t.remote->krnldrop) + " packets dropped by kernel\n";
    s += std::to_string(t.remote->ifdrop) + " packets dropped by interface\n";
    s += std::to_string(t.remote->svrcapt) + " packets sent by the daemon\n";
  }
  if (t.local) {
    s += std::to_string(t.local->received) + " packets received by filter\n";
    s += std::to_string(t.local->dropped) + " packets dropped by kernel\n";
    s += std::to_string(t.local->if_dropped) + " packets dropped by interface\n";
  }
  if (udp) { s += std::to_string(t.udp_lost) + " packets lost on the UDP data channel\n"; }
  return s;
}

}  // namespace

int main(int argc, char** argv)
{
  cli::capture::Options opts;
  CLI::App app{"", "rpcap-capture"};
  cli::capture::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  auto src = parse_source(opts.source, SourceUse::open);
  if (!src) { return tool::report(app, src.error()); }
  auto filter = filter_text(opts);
  if (!filter) { return tool::report(app, filter.error()); }
  auto sampling = parse_sampling(opts.sampling);
  if (!sampling) { return tool::report(app, sampling.error()); }
  if (src->kind != SourceKind::remote && (opts.udp || sampling->has_value() || !opts.client.user.empty())) {
    return tool::report(app, make_error(ErrorKind::usage, "--udp, --sampling and -u apply to rpcap:// sources only"));
  }

  int out_fd = STDOUT_FILENO;
  if (opts.output == "-") {
    if (::isatty(STDOUT_FILENO) == 1) {
      return tool::report(app, make_error(ErrorKind::usage, "refusing to write pcap data to a terminal; "
                                                            "redirect standard output or use -w FILE"));
    }
  } else {
    out_fd = ::open(opts.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) {
      return tool::report(app, make_error(ErrorKind::io, "open \"" + opts.output + "\": " + std::strerror(errno)));
    }
  }

  CaptureRunOptions run;
  run.source = *src;
  run.filter = *filter;
  run.snaplen = opts.snaplen == 0 ? 262144 : opts.snaplen;
  run.promisc = !opts.no_promisc;
  run.count = opts.count;
  run.udp = opts.udp;
  run.sampling = *sampling;
  run.exclude_self = !opts.include_self;
  if (src->kind == SourceKind::remote) {
    auto client = tool::client_options(opts.client);
    if (!client) { return tool::report(app, client.error()); }
    run.client = std::move(*client);
  }

  handle(SIGINT, on_stop);
  handle(SIGTERM, on_stop);
  handle(SIGUSR1, on_report);
  std::signal(SIGPIPE, SIG_IGN);

  const bool live_count = !opts.quiet && ::isatty(STDERR_FILENO) == 1;
  RunCallbacks cb;
  cb.on_report = [&](const CaptureTotals& t) { std::cerr << statistics(t, opts.udp) << std::flush; };
  if (live_count) {
    cb.on_progress = [](std::uint64_t n) { std::cerr << "\rGot " << n << std::flush; };
  }
  PcapWriter writer{out_fd, opts.packet_buffered ? PcapWriter::Flush::per_packet : PcapWriter::Flush::buffered};
  CaptureTotals totals;
  auto end = run_capture(run, writer, totals, RunSignals{&g_stop, &g_report}, cb);
  if (live_count) { std::cerr << "\r"; }
  // Statistics for a capture that ran; a failure to start is only its error line.
  if (!opts.quiet && writer.begun()) { std::cerr << statistics(totals, opts.udp) << std::flush; }
  if (!end) { return tool::report(app, end.error()); }
  return tool::exit_ok;
}
