// SPDX-License-Identifier: BSD-3-Clause
#include "common/daemon_options.hpp"

namespace rpcap::tool {

namespace {

// The bounds a session lives within, beyond the three above (issue 8).
void add_limit_options(CLI::App& app, DaemonFlags& flags)
{
  app.add_option("--keepalive", flags.keepalive,
                 "probe a connection idle for SECONDS with TCP keepalive, then every third of that, 3 times "
                 "(0: no keepalive)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0u, k_max_keepalive))
      ->capture_default_str();
  app.add_option("--user-timeout", flags.user_timeout,
                 "drop a connection whose data or keepalive probes stay unacknowledged for SECONDS "
                 "(TCP_USER_TIMEOUT; 0: the kernel's, about 15 minutes)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0u, k_max_user_timeout))
      ->capture_default_str();
  app.add_option("--data-timeout", flags.data_timeout, "seconds a client has to make the data connection")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, k_max_data_timeout))
      ->capture_default_str();
  app.add_option("--max-login-delay", flags.max_login_delay,
                 "longest delay, in seconds, before a failed password login is answered; the delay starts at 1 s "
                 "and doubles with each failure from the same address")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, k_max_max_login_delay))
      ->capture_default_str();
  app.add_option("--capture-buffer", flags.capture_buffer_kib,
                 "kernel capture buffer of each capture, in KiB (as tcpdump -B)")
      ->type_name("KIB")
      ->check(CLI::Range(k_min_capture_buffer_kib, k_max_capture_buffer_kib))
      ->capture_default_str();
}

}  // namespace

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
  app.add_option("--max-sessions", flags.max_sessions, "most logged-in sessions served at once")
      ->type_name("N")
      ->check(CLI::Range(1u, k_max_max_sessions))
      ->capture_default_str();
  app.add_option("--max-sessions-per-host", flags.max_sessions_per_host,
                 "most logged-in sessions served at once for one source (an IPv4 address, an IPv6 /64)")
      ->type_name("N")
      ->check(CLI::Range(1u, k_max_max_sessions))
      ->capture_default_str();
  app.add_option("--max-unauthenticated", flags.max_unauthenticated,
                 "most connections not logged in yet, in all; at the cap a newcomer takes the place of the "
                 "oldest silent connection of the source holding the most")
      ->type_name("N")
      ->check(CLI::Range(1u, k_max_max_unauthenticated))
      ->capture_default_str();
  app.add_option("--max-unauthenticated-per-source", flags.max_unauthenticated_per_source,
                 "most connections not logged in yet from one source; at the cap a newcomer takes the place of "
                 "that source's oldest silent connection")
      ->type_name("N")
      ->check(CLI::Range(1u, k_max_max_unauthenticated))
      ->capture_default_str();
  app.add_option("--first-message-timeout", flags.first_message_timeout,
                 "seconds a new connection has to send its first whole message")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, k_max_first_message_timeout))
      ->capture_default_str();
  app.add_option("--auth-timeout", flags.auth_timeout, "seconds a client has to authenticate")
      ->type_name("SECONDS")
      ->check(CLI::Range(1u, k_max_auth_timeout))
      ->capture_default_str();
  app.add_option("--idle-timeout", flags.idle_timeout,
                 "seconds an authenticated client may stay idle without capturing (0: no limit)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0u, k_max_idle_timeout))
      ->capture_default_str();
  app.add_option("--capture-group", flags.capture_group,
                 "members of GROUP may capture after a password or certificate login (default: only root)")
      ->type_name("GROUP");
  add_limit_options(app, flags);
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
