// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture: capture from a remote rpcapd, a local interface or a file,
// and write a pcap stream: rpcap-capture rpcap://host/eth0 | tcpdump -r -
#include <unistd.h>

#include <optional>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-capture/cli.hpp"
#include "rpcap/client/capture_run.hpp"

using namespace rpcap;

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

  const tool::CaptureOutput out{*out_fd, "", !flags.quiet && ::isatty(STDERR_FILENO) == 1};
  return tool::capture_to_output(app, flags, *run, session ? &*session : nullptr, out, tool::install_capture_signals());
}
