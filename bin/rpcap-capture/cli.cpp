// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-capture/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::capture {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("capture packets from a remote rpcapd, a local interface or a file, and write a pcap stream");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "where to capture: rpcap://HOST[:PORT]/IFACE, a local interface (IFACE or rpcap://IFACE), "
                 "or file://PATH; with --fd, the daemon's interface IFACE")
      ->type_name("SOURCE")
      ->required();
  tool::add_capture_options(app, opts.capture,
                            "write to FILE (\"-\": standard output, refused when it is a terminal)");
  tool::add_client_options(app, opts.client);
}

}  // namespace rpcap::cli::capture
