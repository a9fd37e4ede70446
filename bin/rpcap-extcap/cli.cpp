// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-extcap/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::extcap {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("capture from a remote rpcapd in Wireshark and tshark: an extcap program (extcap(4)) with the "
                  "interfaces rpcap (a daemon in passive mode) and rpcap-active (daemons calling in)");
  app.set_version_flag("--version", tool::version_text(app.get_name()));

  auto* version = app.add_option("--extcap-version", opts.wireshark_version,
                                 "print the extcap version line (Wireshark passes its own version)")
                      ->type_name("VERSION")
                      ->expected(0, 1);
  auto* ifaces = app.add_flag("--extcap-interfaces", opts.interfaces, "list the interfaces this program provides");
  app.add_option("--extcap-interface", opts.interface, "the interface a query or capture is for: rpcap or rpcap-active")
      ->type_name("IFACE");
  auto* dlts = app.add_flag("--extcap-dlts", opts.dlts, "print the interface's link type");
  auto* config = app.add_flag("--extcap-config", opts.config, "print the arguments of the interface's dialog");
  app.add_option("--extcap-reload-option", opts.reload_option,
                 "with --extcap-config: print the values of argument OPTION (remote-interface: the daemon's interfaces)")
      ->type_name("OPTION")
      ->needs(config);
  auto* capture = app.add_flag("--capture", opts.capture, "capture into --fifo until stopped (SIGTERM, SIGINT)");
  app.add_option("--fifo", opts.fifo, "write the pcap stream to FILE (the pipe Wireshark reads)")->type_name("FILE");
  app.add_option("--extcap-capture-filter", opts.capture_filter,
                 "capture only the packets that match FILTER (pcap-filter(7)), compiled for the interface's link type");
  dlts->excludes(ifaces)->excludes(config)->excludes(capture);
  config->excludes(ifaces)->excludes(capture);
  capture->excludes(ifaces);

  app.add_option("--remote-host", opts.remote_host, "rpcap: the daemon's host name or address")->type_name("HOST");
  app.add_option("--remote-port", opts.remote_port, "rpcap: the daemon's TCP port")
      ->type_name("PORT")
      ->check(tool::whole_between(1, 65535))
      ->capture_default_str();
  app.add_option("--remote-interface", opts.remote_interface, "the daemon's interface to capture")->type_name("IFACE");
  app.add_option("--remote-interface-name", opts.remote_interface_name,
                 "rpcap: the daemon's interface to capture, typed by hand (instead of --remote-interface)")
      ->type_name("IFACE");
  app.add_option("--listen-port", opts.listen_port, "rpcap-active: wait for a daemon (rpcapd -a) on this TCP port")
      ->type_name("PORT")
      ->check(tool::whole_between(1, 65535))
      ->capture_default_str();
  app.add_option("--remote-username", opts.username, "log in as USER with --remote-password (empty: no authentication)")
      ->type_name("USER");
  app.add_option("--remote-password", opts.password, "the password of --remote-username")->type_name("PASSWORD");
  app.add_flag("--allow-plaintext-password", opts.allow_plaintext_password,
               "send the password in clear text when --tls is not given");
  app.add_flag("--tls", opts.tls, "speak TLS to the daemon (rpcaps://; rpcap-active: rpcapd -a -S)");
  app.add_option("--ca", opts.ca_file, "with --tls: trust the CA certificates in FILE (PEM) instead of the system's")
      ->type_name("FILE");
  app.add_option("--pin", opts.pin, "with --tls: trust exactly the certificate with this SHA-256 fingerprint")
      ->type_name("SHA256");
  app.add_flag("--udp", opts.udp, "rpcap: receive the packets over UDP instead of a TCP connection");
  app.add_option("--snaplen", opts.snaplen, "keep at most SNAPLEN bytes of each packet (0: all)")
      ->type_name("SNAPLEN")
      ->check(tool::whole_between(0, k_max_snaplen))
      ->capture_default_str();
  app.add_flag("--promiscuous", opts.promiscuous, "put the daemon's interface into promiscuous mode");
  app.add_option("--sampling", opts.sampling,
                 "keep one packet out of every N (every:N), or the first after each N ms (after-ms:N)")
      ->type_name("every:N|after-ms:N");
  app.add_option("--timeout", opts.timeout_s, "give up on a connection or a reply after SECONDS")
      ->type_name("SECONDS")
      ->check(tool::seconds_between(0.001, 86400))
      ->capture_default_str();

  // What was asked, once the options are known (Wireshark's own order of precedence).
  app.callback([&opts, version] {
    if (opts.interfaces) { opts.mode = Mode::interfaces; }
    else if (version->count() > 0) { opts.mode = Mode::version; }
    else if (opts.dlts) { opts.mode = Mode::dlts; }
    else if (opts.config) { opts.mode = opts.reload_option.empty() ? Mode::config : Mode::reload; }
    else if (opts.capture) { opts.mode = Mode::capture; }
    else if (!opts.capture_filter.empty()) { opts.mode = Mode::check_filter; }
    if ((opts.mode == Mode::dlts || opts.mode == Mode::config || opts.mode == Mode::reload ||
         opts.mode == Mode::capture) && opts.interface.empty()) {
      throw CLI::ValidationError("--extcap-interface", "is required with --extcap-dlts, --extcap-config and --capture");
    }
    // The typed name wins over the selection (the list may not have loaded).
    if (!opts.remote_interface_name.empty()) { opts.remote_interface = opts.remote_interface_name; }
    if (opts.mode == Mode::capture && opts.fifo.empty()) {
      throw CLI::ValidationError("--fifo", "is required with --capture");
    }
  });
}

}  // namespace rpcap::cli::extcap
