// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-listen/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::listen {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("wait for rpcapd daemons that connect in active mode (rpcapd -a), and list, capture from or "
                  "hand over each one");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("-b,--bind", opts.bind, "listen on ADDRESS only (default: every address)")->type_name("ADDRESS");
  app.add_option("-p,--port", opts.port, "listen on PORT, a number or service name (0: any free port)")
      ->type_name("PORT")
      ->check(tool::listening_port())
      ->capture_default_str();
  app.add_option("-l,--allow", opts.allow,
                 "accept daemons from these hosts only: a list (host1,host2) or a file with one host per line; "
                 "others get an error and are closed (repeatable)")
      ->type_name("HOSTS|FILE");
  auto* v4 = app.add_flag("-4,--ipv4", opts.ipv4, "listen on IPv4 addresses only");
  app.add_flag("-6,--ipv6", opts.ipv6, "listen on IPv6 addresses only")->excludes(v4);
  app.add_option("--deadline", opts.deadline_s,
                 "stop waiting for daemons after SECONDS; fail if fewer called in than expected")
      ->type_name("SECONDS")
      ->check(tool::seconds_between(0.001, 31536000));
  app.add_option("--daemons", opts.daemons,
                 "serve N daemons, then stop listening (default: wait 1 or its HOSTs, capture 1 without %h "
                 "in -w, otherwise no limit)")
      ->type_name("N")
      ->check(tool::whole_between(1));
  app.add_flag("--tls", opts.tls,
               "the daemons use TLS (rpcapd -S): be the TLS client on each connection and verify the daemon's "
               "certificate against its address (--ca, --pin, --insecure)");

  auto* wait = app.add_subcommand("wait", "wait until a daemon (or each HOST) calls in and logs in; print its "
                                          "address, one line per daemon");
  wait->add_option("HOST", opts.hosts, "wait for these daemons (default: any one)")->type_name("HOST");
  tool::add_client_options(*wait, opts.client, tool::login_options | tool::tls_options);
  wait->callback([&opts] { opts.mode = Mode::wait; });

  auto* ls = app.add_subcommand("ls", "list the interfaces of each daemon that calls in, one line per daemon: "
                                      "its address, then its interfaces' names");
  ls->add_flag("--json", opts.json, "print one JSON object per daemon and line, for scripts");
  tool::add_client_options(*ls, opts.client, tool::login_options | tool::tls_options);
  ls->callback([&opts] { opts.mode = Mode::ls; });

  auto* capture = app.add_subcommand("capture", "capture from interface IFACE of the daemon that calls in and "
                                                "write a pcap stream, as rpcap-capture does");
  capture->add_option("IFACE", opts.interface, "the daemon's interface to capture from")
      ->type_name("IFACE")
      ->required();
  tool::add_capture_options(*capture, opts.capture,
                            "write to FILE (\"-\": standard output, refused when it is a terminal); %h in FILE "
                            "is replaced by the daemon's address, and then every daemon that calls in is "
                            "captured into its own file");
  capture->add_flag("--merge", opts.merge,
                    "capture every daemon that calls in (up to --daemons N) into one pcapng stream, merged in "
                    "time order, each daemon's interface named rpcap://ADDRESS/IFACE");
  tool::add_client_options(*capture, opts.client, tool::login_options | tool::tls_options);
  capture->callback([&opts] { opts.mode = Mode::capture; });

  auto* exec = app.add_subcommand("exec", "run COMMAND for each daemon that calls in, with the connection as "
                                          "descriptor 3 (for rpcap-ls --fd 3, rpcap-capture --fd 3) and the "
                                          "daemon's address in RPCAP_DAEMON");
  exec->add_option("COMMAND", opts.command, "the command and its arguments")
      ->type_name("COMMAND")
      ->required();
  exec->prefix_command();
  exec->excludes(app.get_option("--tls"));
  exec->callback([&opts] { opts.mode = Mode::exec; });
}

}  // namespace rpcap::cli::listen
