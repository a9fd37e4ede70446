// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-ls/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::ls {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("list the capture interfaces of a remote rpcapd, or of this host");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "what to list: rpcap://HOST[:PORT]/ for the interfaces of the daemon on HOST; nothing or rpcap:// "
                 "for this host's; with --fd, nothing (all of the daemon's) or one interface of the daemon")
      ->type_name("SOURCE");
  auto* long_listing =
      app.add_flag("-l,--long", opts.long_listing, "also print each interface's description, flags and addresses");
  app.add_flag("--json", opts.json, "print one JSON array of interface objects, for scripts")->excludes(long_listing);
  tool::add_client_options(app, opts.client);
}

}  // namespace rpcap::cli::ls
