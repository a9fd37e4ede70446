// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture: capture from a remote rpcapd, a local interface or a file,
// and write a pcap stream: rpcap-capture rpcap://host/eth0 | tcpdump -r -
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <optional>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-capture/cli.hpp"
#include "rpcap/client/capture_run.hpp"

namespace {

using namespace rpcap;

}  // namespace

int main(int argc, char** argv)
{
  cli::capture::Options opts;
  CLI::App app{"", "rpcap-capture"};
  cli::capture::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  auto src = parse_source(opts.source, SourceUse::open);
  if (!src) { return tool::report(app, src.error()); }
  if (opts.client.fd >= 0) {
    src = tool::source_over_fd(*src);
    if (!src) { return tool::report(app, src.error()); }
  }
  const auto& flags = opts.capture;
  auto run = tool::capture_run_options(flags, *src);
  if (!run) { return tool::report(app, run.error()); }
  if (src->kind != SourceKind::remote && (flags.udp || run->sampling || !opts.client.user.empty())) {
    return tool::report(app, make_error(ErrorKind::usage, "--udp, --sampling and -u apply to rpcap:// sources only"));
  }
  auto out_fd = tool::open_output(flags.output);
  if (!out_fd) { return tool::report(app, out_fd.error()); }
  std::optional<ClientSession> session;
  if (src->kind == SourceKind::remote) {
    auto s = tool::open_session(opts.client, *src);
    if (!s) { return tool::report(app, s.error()); }
    session = std::move(*s);
  }

  const RunSignals signals = tool::install_capture_signals();

  const bool live_count = !flags.quiet && ::isatty(STDERR_FILENO) == 1;
  RunCallbacks cb;
  cb.on_report = [&](const CaptureTotals& t) { std::cerr << tool::capture_statistics(t, flags.udp) << std::flush; };
  if (live_count) {
    cb.on_progress = [](std::uint64_t n) { std::cerr << "\rGot " << n << std::flush; };
  }
  PcapWriter writer{*out_fd, flags.packet_buffered ? PcapWriter::Flush::per_packet : PcapWriter::Flush::buffered};
  CaptureTotals totals;
  auto end = session ? run_session_capture(*session, *run, writer, totals, signals, cb)
                     : run_capture(*run, writer, totals, signals, cb);
  if (live_count) { std::cerr << "\r"; }
  // Statistics for a capture that ran; a failure to start is only its error line.
  if (!flags.quiet && writer.begun()) { std::cerr << tool::capture_statistics(totals, flags.udp) << std::flush; }
  if (!end) { return tool::report(app, end.error()); }
  if (*end == RunEnd::reader_gone) {
    // The session was closed cleanly; a script still learns that the
    // capture did not end by itself, as tcpdump's SIGPIPE death tells it.
    tool::error(app.get_name(), "output: the reader went away (Broken pipe)");
    return tool::exit_failure;
  }
  return tool::exit_ok;
}
