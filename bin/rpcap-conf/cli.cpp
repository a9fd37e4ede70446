// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-conf/cli.hpp"

#include "common/daemon_options.hpp"
#include "common/tool.hpp"

namespace rpcap::cli::conf {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("generate, check and show rpcapd configuration files");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.require_subcommand(1);

  auto* gen = app.add_subcommand("generate", "write a config file with the settings the switches give");
  tool::add_daemon_options(*gen, opts.daemon);
  gen->add_option("-o,--output", opts.output, "write to FILE instead of standard output")->type_name("FILE");

  auto* check = app.add_subcommand("check", "check config files; print each problem as FILE:LINE: MESSAGE");
  check->add_option("FILE", opts.files, "config file to check")->required()->check(CLI::ExistingFile);

  auto* show = app.add_subcommand("show", "print the effective settings of a config file, defaults included");
  show->add_option("FILE", opts.show_file, "config file to read")->required()->check(CLI::ExistingFile);
  show->add_flag("--json", opts.json, "print one JSON object for scripts");
}

}  // namespace rpcap::cli::conf
