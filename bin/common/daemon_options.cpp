// SPDX-License-Identifier: BSD-3-Clause
#include "common/daemon_options.hpp"

#include "rpcap/config/settings.hpp"

namespace rpcap::tool {

CLI::Option* add_number_option(CLI::App& app, const Setting& s, unsigned& into, std::string_view help)
{
  return app.add_option(std::string{s.option}, into, std::string{help.empty() ? s.help : help})
      ->type_name(std::string{s.value_name})
      ->check(CLI::Range(s.min, s.max))
      ->capture_default_str();
}

void add_daemon_options(CLI::App& app, DaemonFlags& flags)
{
  app.add_option("-b,--bind", flags.bind_address,
                 "address to listen on, a name or number (default: every local IPv4 and IPv6 address)")
      ->type_name("ADDRESS");
  app.add_option("-p,--port", flags.port, "port to listen on, a number or service name")
      ->type_name("PORT")
      ->capture_default_str();
  auto* v4 = app.add_flag("-4,--ipv4", flags.ipv4_only, "use IPv4 only");
  auto* v6 = app.add_flag("-6,--ipv6", flags.ipv6_only, "use IPv6 only");
  v4->excludes(v6);
  app.add_option("-l,--hosts", flags.host_lists,
                 "hosts allowed to connect: a file with one host per line, or (if no such file exists) a "
                 "list separated by commas, semicolons or blanks; repeatable (default: every host)")
      ->type_name("LIST|FILE")
      ->allow_extra_args(false);
  app.add_flag("-n,--null-auth", flags.null_auth, "permit NULL authentication (no password)");
  app.add_option("-a,--active", flags.active_lists,
                 "connect out to HOST,PORT in active mode (PORT may be DEFAULT, 2003); repeatable")
      ->type_name("HOST,PORT")
      ->allow_extra_args(false);
  app.add_flag("-v,--active-only", flags.active_only, "do not listen for passive connections (active mode only)");
  // The number settings in the table's order, --capture-group where its key stands.
  for (const auto& s : daemon_settings()) {
    if (s.kind == Setting::Kind::number) { add_number_option(app, s, flags.numbers.*s.number); }
    if (s.kind == Setting::Kind::group) {
      app.add_option("--capture-group", flags.capture_group,
                     "members of GROUP may capture after a password or certificate login (default: only root)")
          ->type_name("GROUP");
    }
  }
  auto* tls = app.add_flag("-S,--tls", flags.tls,
                           "require TLS on every connection, control and data (clients use rpcaps://); needs -K and -X");
  app.add_option("-K,--tls-key", flags.tls_key, "the TLS private key, PEM (rpcap-conf tls-cert makes one)")
      ->type_name("FILE");
  app.add_option("-X,--tls-cert", flags.tls_cert, "the TLS certificate, PEM, followed by its chain if any")
      ->type_name("FILE");
  app.add_option("--client-ca", flags.tls_client_ca,
                 "ask clients for a certificate; one signed by the CA in FILE logs in without a password, as the "
                 "user its CN names")
      ->type_name("FILE")
      ->needs(tls);
}

}  // namespace rpcap::tool
