// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-conf/cli.hpp"

#include "common/daemon_options.hpp"
#include "common/tool.hpp"

namespace rpcap::cli::conf {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("generate, check and show rpcapd configuration files, and make its TLS certificate");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.require_subcommand(1);

  auto* gen = app.add_subcommand("generate", "write a config file with the settings the switches give");
  tool::add_daemon_options(*gen, opts.daemon);
  gen->add_option("-o,--output", opts.output, "write to FILE instead of standard output")->type_name("FILE");
  gen->add_flag("--force", opts.keep_missing,
                "write the file even when the TLS key, certificate or CA file it names does not exist (yet): a "
                "warning instead of an error");

  auto* check = app.add_subcommand("check", "check config files; print each problem as FILE:LINE: MESSAGE");
  check->add_option("FILE", opts.files, "config file to check")->required()->check(CLI::ExistingFile);

  auto* show = app.add_subcommand("show", "print the effective settings of a config file, defaults included");
  show->add_option("FILE", opts.show_file, "config file to read")->required()->check(CLI::ExistingFile);
  show->add_flag("--json", opts.json, "print one JSON object for scripts");

  auto* tls = app.add_subcommand("tls-cert", "make a key and a self-signed certificate for rpcapd -S -K -X, and print "
                                             "the certificate's SHA-256 pin for the clients' --pin");
  tls->add_option("--key", opts.key_file, "write the private key (EC P-256, PEM, mode 0600) to FILE")
      ->type_name("FILE")
      ->required();
  tls->add_option("--cert", opts.cert_file, "write the certificate (PEM) to FILE")->type_name("FILE")->required();
  tls->add_option("--host", opts.hosts,
                  "a name or IP address clients reach the daemon by, put in the certificate; repeatable (default: "
                  "this host's name)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  tls->add_option("--days", opts.days, "days the certificate is valid")
      ->type_name("N")
      ->check(tool::whole_between(1, 36500))
      ->capture_default_str();
  tls->add_flag("--force", opts.force, "replace existing files");
}

}  // namespace rpcap::cli::conf
