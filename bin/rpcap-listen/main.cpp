// SPDX-License-Identifier: BSD-3-Clause
// rpcap-listen: wait for daemons that connect in active mode (rpcapd -a),
// from behind the firewalls that keep us from connecting to them, and use
// each one from the shell:
//   rpcap-listen wait probe1 && rpcap-listen capture eth0 | tcpdump -r -
#include <unistd.h>

#include <csignal>

#include "common/capture_options.hpp"
#include "common/tool.hpp"
#include "rpcap-listen/cli.hpp"
#include "rpcap-listen/serve.hpp"
#include "rpcap/config/config.hpp"
#include "rpcap/net/listener.hpp"

using namespace rpcap;

int main(int argc, char** argv)
{
  cli::listen::Options opts;
  CLI::App app{"", "rpcap-listen"};
  cli::listen::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  auto allow = allow_list_of(opts.allow);
  if (!allow) { return tool::report(app, allow.error()); }
  const AddressFamily family = opts.ipv4 ? AddressFamily::ipv4 : opts.ipv6 ? AddressFamily::ipv6 : AddressFamily::any;
  auto listener = ActiveListener::open(opts.bind, opts.port, family, std::move(*allow));
  if (!listener) { return tool::report(app, listener.error()); }

  const RunSignals signals = tool::install_capture_signals();
  listen::Context ctx{app, opts, *listener, signals.stop, signals.report};
  ctx.waiting_notes = ::isatty(STDERR_FILENO) == 1;
  return listen::serve(ctx);
}
