// SPDX-License-Identifier: BSD-3-Clause
// rpcap-extcap's command line: Wireshark's extcap interface (extcap(4)),
// whose option names are Wireshark's, and the arguments of the `rpcap` and
// `rpcap-active` interfaces, whose names are the preferences'
// (extcap.rpcap.remotehost is --remote-host).
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "rpcap/client/extcap.hpp"
#include "rpcap/wire/protocol.hpp"

namespace rpcap::cli::extcap {

enum class Mode { none, version, interfaces, dlts, config, reload, check_filter, capture };

struct Options {
  // Wireshark's queries and the capture.
  std::string wireshark_version;    // --extcap-version[=WIRESHARK_VERSION]: the version Wireshark gave, if any
  bool interfaces{false};           // --extcap-interfaces
  std::string interface;            // --extcap-interface
  bool dlts{false};                 // --extcap-dlts
  bool config{false};               // --extcap-config
  std::string reload_option;        // --extcap-reload-option
  bool capture{false};              // --capture
  std::string fifo;                 // --fifo
  std::string capture_filter;       // --extcap-capture-filter

  // The interfaces' arguments.
  std::string remote_host;                                   // --remote-host
  unsigned remote_port{rpcap::extcap::k_default_port};       // --remote-port
  std::string remote_interface;                              // --remote-interface (the selector)
  std::string remote_interface_name;                         // --remote-interface-name (typed; wins)
  unsigned listen_port{rpcap::extcap::k_default_listen_port};  // --listen-port (rpcap-active)
  std::string username;                                      // --remote-username; empty: no authentication
  std::string password;                                      // --remote-password
  bool allow_plaintext_password{false};                      // --allow-plaintext-password
  bool tls{false};                                           // --tls
  std::string ca_file;                                       // --ca
  std::string pin;                                           // --pin
  bool udp{false};                                           // --udp
  std::uint32_t snaplen{k_max_snaplen};                      // --snaplen
  bool promiscuous{false};                                   // --promiscuous
  std::string sampling;                                      // --sampling
  double timeout_s{10};                                      // --timeout

  Mode mode{Mode::none};  // what was asked, set once parsing succeeded
};

// Define rpcap-extcap's options on `app`, storing into `opts`.
void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::extcap
