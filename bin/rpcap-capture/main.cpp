// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture: capture from remote rpcapd daemons, local interfaces or
// files, and write a pcap stream: rpcap-capture rpcap://host/eth0 | tcpdump -r -
// or, from several sources merged in time order, a pcapng stream:
// rpcap-capture -i rpcap://a/eth0 -i rpcap://b/eth0 -w both.pcapng
#include <unistd.h>

#include <memory>
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

  auto names = cli::capture::source_list(opts);
  if (!names) { return tool::report(app, names.error()); }
  const auto& flags = opts.capture;
  std::vector<MergedSource> sources;
  bool any_remote = false;
  for (const auto& name : *names) {
    auto src = parse_source(name, SourceUse::open);
    if (!src) { return tool::report(app, src.error()); }
    if (opts.client.fd >= 0) {
      src = tool::source_over_fd(*src);
      if (!src) { return tool::report(app, src.error()); }
    }
    auto run = tool::capture_run_options(flags, *src);
    if (!run) { return tool::report(app, run.error()); }
    run->nano = opts.precision == "nano";
    any_remote = any_remote || src->kind == SourceKind::remote;
    sources.push_back(MergedSource{std::move(*run), name, nullptr});
  }
  if (!any_remote && (flags.udp || !flags.sampling.empty() || !opts.client.user.empty())) {
    return tool::report(app, make_error(ErrorKind::usage, "--udp, --sampling and -u apply to rpcap:// sources only"));
  }
  auto dest = tool::open_destination(flags, flags.output);
  if (!dest) { return tool::report(app, dest.error()); }
  const tool::CaptureOutput out{dest->fd, dest->files.get(), "", !flags.quiet && ::isatty(STDERR_FILENO) == 1};

  if (sources.size() > 1 || opts.pcapng || opts.reconnect) {
    auto merged = tool::merged_capture_options(opts.client, std::move(sources), flags);
    if (!merged) { return tool::report(app, merged.error()); }
    if (opts.client.fd >= 0) {
      auto s = tool::open_session(opts.client, merged->sources.front().run.source);
      if (!s) { return tool::report(app, s.error()); }
      merged->sources.front().session = std::make_shared<ClientSession>(std::move(*s));
    }
    merged->window = std::chrono::milliseconds(opts.merge_window_ms);
    merged->reconnect = opts.reconnect;
    merged->section = host_section(tool::version_text(app.get_name()));
    return tool::merged_capture_to_output(app, flags, *merged, out, tool::install_capture_signals());
  }
  const CaptureRunOptions& run = sources.front().run;
  std::optional<ClientSession> session;
  if (run.source.kind == SourceKind::remote) {
    auto s = tool::open_session(opts.client, run.source);
    if (!s) { return tool::report(app, s.error()); }
    session = std::move(*s);
  }
  return tool::capture_to_output(app, flags, run, session ? &*session : nullptr, out, tool::install_capture_signals());
}
