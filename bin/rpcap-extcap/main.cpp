// SPDX-License-Identifier: BSD-3-Clause
// rpcap-extcap: Wireshark's and tshark's way to capture from a remote
// rpcapd (extcap(4)). Wireshark runs it to learn its interfaces and their
// dialogs, then with --capture --fifo PIPE to capture.
#include "common/tool.hpp"
#include "rpcap-extcap/cli.hpp"
#include "rpcap-extcap/run.hpp"

using namespace rpcap;

int main(int argc, char** argv)
{
  cli::extcap::Options opts;
  CLI::App app{"", "rpcap-extcap"};
  cli::extcap::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  if (opts.mode == cli::extcap::Mode::none) {
    tool::error(app.get_name(), "nothing to do: give --extcap-interfaces, --extcap-config or --capture (see --help)");
    return tool::exit_usage;
  }
  if (opts.mode == cli::extcap::Mode::capture) { return cli::extcap::capture(app, opts); }
  return cli::extcap::answer_query(app, opts);
}
