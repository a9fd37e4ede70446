// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf: generate, check and show rpcapd config files, and make TLS keys.
#include "common/tool.hpp"
#include "rpcap-conf/cli.hpp"
#include "rpcap-conf/commands.hpp"

using namespace rpcap;

int main(int argc, char** argv)
{
  conf::Options opts;
  CLI::App app{"", "rpcap-conf"};
  cli::conf::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }
  if (app.got_subcommand("generate")) { return conf::generate(app, opts); }
  if (app.got_subcommand("check")) { return conf::check(app, opts); }
  if (app.got_subcommand("tls-cert")) { return conf::tls_cert(app, opts); }
  return conf::show(app, opts);
}
