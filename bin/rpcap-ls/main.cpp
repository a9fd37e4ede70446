// SPDX-License-Identifier: BSD-3-Clause
// rpcap-ls: list the capture interfaces of a remote rpcapd, or of this host.
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap-ls/cli.hpp"
#include "rpcap/wire/interface_view.hpp"

using namespace rpcap;

int main(int argc, char** argv)
{
  cli::ls::Options opts;
  CLI::App app{"", "rpcap-ls"};
  cli::ls::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }
  auto src = tool::listing_source(opts.source, opts.client);
  if (!src) { return tool::report(app, src.error()); }
  auto list = tool::list_interfaces(opts.client, *src);
  if (!list) { return tool::report(app, list.error()); }
  const auto& listed = *list;
  switch (opts.format()) {
  case cli::ls::Format::names: return tool::output(app, interfaces_names(listed));
  case cli::ls::Format::long_listing: return tool::output(app, interfaces_long(listed));
  case cli::ls::Format::json: return tool::output(app, interfaces_json(listed));
  }
  return tool::exit_failure;
}
