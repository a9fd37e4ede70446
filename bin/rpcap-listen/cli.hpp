// SPDX-License-Identifier: BSD-3-Clause
// rpcap-listen's command line: wait for daemons that connect in active mode
// (rpcapd -a) and use each one: wait for it, list it, capture from it, or
// hand its connection to a command.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"

namespace rpcap::cli::listen {

enum class Mode { wait, ls, capture, exec };

struct Options {
  // The listener (before or after the subcommand).
  std::string bind;                 // -b ADDRESS; empty: every address
  std::string port{"2003"};         // -p PORT
  std::vector<std::string> allow;   // -l HOSTS|FILE, repeatable
  bool ipv4{false};                 // -4
  bool ipv6{false};                 // -6
  double deadline_s{0};             // --deadline SECONDS; 0: none
  std::uint64_t daemons{0};         // --daemons N; 0: the mode's default
  bool tls{false};                  // --tls: be the TLS client on each daemon's connection

  Mode mode{Mode::wait};
  tool::ClientFlags client;         // -u --password-file --timeout, TLS checks (wait, ls, capture)
  std::vector<std::string> hosts;   // wait HOST...
  bool json{false};                 // ls --json
  std::string interface;            // capture IFACE
  tool::CaptureFlags capture;       // capture's options, as rpcap-capture's
  bool merge{false};                // capture --merge: every daemon into one pcapng stream
  std::vector<std::string> command; // exec COMMAND [ARG...]
};

// Define rpcap-listen's options and subcommands on `app`, storing into `opts`.
void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::listen
