// SPDX-License-Identifier: BSD-3-Clause
#include "common/client_options.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdlib>

namespace rpcap::tool {

void add_client_options(CLI::App& app, ClientFlags& flags)
{
  auto* user = app.add_option("-u,--user", flags.user, "log in as USER with a password (default: no authentication)")
                   ->type_name("USER");
  app.add_option("--password-file", flags.password_file, "read the password from the first line of FILE")
      ->type_name("FILE")
      ->needs(user);
  app.add_option("--timeout", flags.timeout_s, "give up on a connection or a reply after SECONDS")
      ->type_name("SECONDS")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            double v = 0;
            if (CLI::detail::lexical_cast(text, v) && v >= 0.001 && v <= 86400) { return {}; }
            return "value \"" + text + "\" is not a number of seconds from 0.001 to 86400";
          },
          "0.001-86400"))
      ->capture_default_str();
  auto* v4 = app.add_flag("-4,--ipv4", flags.ipv4, "connect over IPv4 only");
  app.add_flag("-6,--ipv6", flags.ipv6, "connect over IPv6 only")->excludes(v4);
}

Result<ClientOptions> client_options(const ClientFlags& flags)
{
  const char* env = std::getenv("RPCAP_PASSWORD");
  auto creds = credentials_for(flags.user, PasswordSources{flags.password_file,
                                                           env != nullptr ? std::optional<std::string>{env} : std::nullopt,
                                                           ::isatty(STDIN_FILENO) == 1});
  if (!creds) { return std::move(creds).error(); }
  ClientOptions opts;
  opts.credentials = std::move(*creds);
  opts.timeout_ms = static_cast<int>(std::lround(flags.timeout_s * 1000));
  opts.family = flags.ipv4 ? AddressFamily::ipv4 : flags.ipv6 ? AddressFamily::ipv6 : AddressFamily::any;
  return opts;
}

}  // namespace rpcap::tool
