// SPDX-License-Identifier: BSD-3-Clause
// rpcap-ls: list the capture interfaces of a remote rpcapd, or of this host.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-ls/cli.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/wire/interface_view.hpp"

namespace {

using namespace rpcap;

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
  auto list = session->list_interfaces();
  if (!list) { return list; }
  // "rpcap://h/eth0" lists that one interface.
  if (!src.name.empty()) {
    std::erase_if(*list, [&](const Interface& i) { return i.name != src.name; });
    if (list->empty()) {
      return make_error(ErrorKind::remote, session->daemon_name() + ": no interface \"" + src.name + "\"");
    }
  }
  return list;
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

  std::vector<ListedInterface> listed;
  for (auto& ifc : *list) {
    listed.push_back(ListedInterface{format_source(remote_interface_source(*src, ifc.name)), std::move(ifc)});
  }
  switch (opts.format()) {
  case cli::ls::Format::names: std::cout << interfaces_names(listed); break;
  case cli::ls::Format::long_listing: std::cout << interfaces_long(listed); break;
  case cli::ls::Format::json: std::cout << interfaces_json(listed); break;
  }
  std::cout.flush();
  return std::cout ? tool::exit_ok : tool::exit_failure;
}
