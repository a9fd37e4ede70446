// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture: capture from remote rpcapd daemons, local interfaces or
// files, and write a pcap stream: rpcap-capture rpcap://host/eth0 | tcpdump -r -
// or, from several sources merged in time order, a pcapng stream:
// rpcap-capture -i rpcap://a/eth0 -i rpcap://b/eth0 -w both.pcapng
#include <functional>
#include <memory>
#include <optional>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-capture/cli.hpp"
#include "rpcap/client/capture_run.hpp"
#include "rpcap/wire/interface_view.hpp"

using namespace rpcap;

int main(int argc, char** argv)
{
  cli::capture::Options opts;
  CLI::App app{"", "rpcap-capture"};
  cli::capture::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  if (opts.list_interfaces || !opts.list_remote.empty()) {
    auto src = cli::capture::listing_source(opts);
    if (!src) { return tool::report(app, src.error()); }
    auto list = tool::list_interfaces(opts.client, *src);
    if (!list) { return tool::report(app, list.error()); }
    return tool::output(app, interfaces_numbered(*list));
  }
  auto planned = cli::capture::plan_sources(opts);
  if (!planned) { return tool::report(app, planned.error()); }
  const auto& flags = opts.capture;
  // A filter no source could compile is one usage error, before any opens:
  // several sources would each fail with it and say the others go on.
  if (auto st = tool::check_filter(flags); !st) { return tool::report(app, st.error()); }
  std::vector<MergedSource> sources;
  bool any_remote = false;
  bool any_tls = false;
  for (const auto& p : *planned) {
    auto run = tool::capture_run_options(flags, p.source);
    if (!run) { return tool::report(app, run.error()); }
    run->nano = opts.precision == "nano";
    any_remote = any_remote || p.source.kind == SourceKind::remote;
    any_tls = any_tls || p.source.tls;
    sources.push_back(MergedSource{std::move(*run), p.name, nullptr});
  }
  if (auto st = tool::check_tls_options(opts.client, any_tls); !st) { return tool::report(app, st.error()); }
  if (!any_remote && (flags.udp || !flags.sampling.empty() || !flags.data_ports.empty() || !opts.client.user.empty())) {
    return tool::report(app, make_error(ErrorKind::usage,
                                        "--udp, --sampling, --data-ports and -u apply to rpcap:// sources only"));
  }
  const bool classic = sources.size() == 1 && !opts.pcapng && !opts.reconnect;
  std::optional<Account> relinquish;
  if (!opts.relinquish_user.empty()) {
    // Several sources open theirs in threads while the capture runs (and
    // --reconnect opens them again): no single moment to give up root.
    if (!classic) {
      return tool::report(app, make_error(ErrorKind::usage, "-Z takes one source and classic pcap: not several "
                                                            "sources, --sources, --pcapng or --reconnect"));
    }
    auto account = tool::relinquish_account(opts.relinquish_user);
    if (!account) { return tool::report(app, account.error()); }
    relinquish = std::move(*account);
  }
  auto dest = tool::open_destination(flags, flags.output);
  if (!dest) { return tool::report(app, dest.error()); }
  std::string names;
  for (const auto& p : *planned) { names += (names.empty() ? "" : ", ") + p.name; }
  const auto out = tool::capture_output(flags, *dest, names);

  if (classic) {
    // One source: the classic pcap stream tcpdump -r - reads.
    const auto& p = planned->front();
    std::optional<ClientSession> session;
    if (p.source.kind == SourceKind::remote) {
      auto s = tool::open_session(p.client, p.source);
      if (!s) { return tool::report(app, s.error()); }
      session = std::move(*s);
    }
    std::function<Status()> on_open;
    if (relinquish) { on_open = [&] { return tool::relinquish_privileges(*relinquish, out.to); }; }
    return tool::capture_to_output(app, flags, sources.front().run, session ? &*session : nullptr, out,
                                   tool::install_capture_signals(!flags.filter_file.empty()), std::move(on_open));
  }
  // Each remote source logs in with its --sources line's options, or with
  // the command line's (the password asked for once).
  std::optional<ClientOptions> shared;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& p = (*planned)[i];
    if (p.source.kind != SourceKind::remote || opts.client.fd >= 0) { continue; }
    if (p.own_login) {
      auto own = tool::client_options(p.client, p.source.tls);
      if (!own) { return tool::report(app, own.error()); }
      sources[i].run.client = std::move(*own);
      continue;
    }
    if (!shared) {
      auto c = tool::client_options(opts.client, any_tls);
      if (!c) { return tool::report(app, c.error()); }
      shared = std::move(*c);
    }
    sources[i].run.client = *shared;
  }
  if (opts.client.fd >= 0) {
    auto s = tool::open_session(planned->front().client, planned->front().source);
    if (!s) { return tool::report(app, s.error()); }
    sources.front().session = std::make_shared<ClientSession>(std::move(*s));
  }
  auto merged = tool::merged_capture_options(std::move(sources), flags);
  merged.window = std::chrono::milliseconds(opts.merge_window_ms);
  merged.reconnect = opts.reconnect;
  merged.section = host_section(tool::version_text(app.get_name()));
  return tool::merged_capture_to_output(app, flags, merged, out, tool::install_capture_signals(!flags.filter_file.empty()));
}
