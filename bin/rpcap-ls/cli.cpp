// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-ls/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::ls {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("list the capture interfaces of a remote rpcapd, or of this host");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "what to list: rpcap://HOST[:PORT]/ for the interfaces of the daemon on HOST, rpcap:// for this host's")
      ->type_name("SOURCE")
      ->required();
  auto* long_listing =
      app.add_flag("-l,--long", opts.long_listing, "also print each interface's description, flags and addresses");
  app.add_flag("--json", opts.json, "print one JSON array of interface objects, for scripts")->excludes(long_listing);
  auto* user = app.add_option("-u,--user", opts.user, "log in as USER with a password (default: no authentication)")
                   ->type_name("USER");
  app.add_option("--password-file", opts.password_file, "read the password from the first line of FILE")
      ->type_name("FILE")
      ->needs(user);
  app.add_option("--timeout", opts.timeout_s, "give up on a connection or a reply after SECONDS")
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double v = 0;
            if (CLI::detail::lexical_cast(text, v) && v >= 0.001 && v <= 86400) { return {}; }
            return "value \"" + text + "\" is not a number of seconds from 0.001 to 86400";
          },
          "0.001-86400"))
      ->capture_default_str();
  auto* v4 = app.add_flag("-4,--ipv4", opts.ipv4, "connect over IPv4 only");
  app.add_flag("-6,--ipv6", opts.ipv6, "connect over IPv6 only")->excludes(v4);
}

}  // namespace rpcap::cli::ls
