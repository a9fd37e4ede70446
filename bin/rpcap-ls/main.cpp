// SPDX-License-Identifier: BSD-3-Clause
// rpcap-ls: list the capture interfaces of a remote rpcapd, or of this host.
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-ls/cli.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/wire/interface_view.hpp"

using namespace rpcap;

namespace {

// The interfaces `src` names: this host's, or the daemon's after logging in.
Result<std::vector<Interface>> interfaces_of(Source& src, const cli::ls::Options& opts)
{
  if (src.kind == SourceKind::local) { return list_local_interfaces(); }
  if (src.kind == SourceKind::file) {
    return make_error(ErrorKind::usage, "source \"" + format_source(src) + "\": listing savefiles is not supported");
  }
  auto session = tool::open_session(opts.client, src);
  if (!session) { return std::move(session).error(); }
  if (src.host.empty()) {
    // Over --fd without a label: name the interfaces after the daemon's address.
    if (auto named = parse_source(session->daemon_name(), SourceUse::list); named) { src.host = named->host; }
  }
  return session->list_interfaces(src.name);
}

}  // namespace

int main(int argc, char** argv)
{
  cli::ls::Options opts;
  CLI::App app{"", "rpcap-ls"};
  cli::ls::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }
  // With --fd, a bare name is one of the daemon's interfaces, as for rpcap-capture.
  const bool bare_name = opts.client.fd >= 0 && opts.source.find("://") == std::string::npos;
  auto src = opts.source.empty() ? Result<Source>{Source{}}
                                 : parse_source(opts.source, bare_name ? SourceUse::open : SourceUse::list);
  if (!src) { return tool::report(app, src.error()); }
  if (opts.client.fd >= 0) {
    src = tool::source_over_fd(*src);
    if (!src) { return tool::report(app, src.error()); }
  }
  auto list = interfaces_of(*src, opts);
  if (!list) { return tool::report(app, list.error()); }

  const auto listed = listed_interfaces(*src, std::move(*list));
  switch (opts.format()) {
  case cli::ls::Format::names: return tool::output(interfaces_names(listed));
  case cli::ls::Format::long_listing: return tool::output(interfaces_long(listed));
  case cli::ls::Format::json: return tool::output(interfaces_json(listed));
  }
  return tool::exit_failure;
}
