// SPDX-License-Identifier: BSD-3-Clause
// rpcapd's command line: the daemon switches of the WinPcap documentation
// and libpcap's rpcapd, plus readiness and process-control options.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "rpcap/config/flags.hpp"

namespace rpcap::cli::rpcapd {

struct Options {
  DaemonFlags daemon;
  bool daemonize{false};      // -d
  std::string pid_file;       // --pid-file
  bool inetd{false};          // -i
  bool debug{false};          // -D
  bool compress{false};       // -C: ignored, as libpcap (docs/protocol.md#tls-and-first-byte-detection)
  std::string save_file;      // -s
  std::string config_file;    // -f
  int ready_fd{-1};           // --ready-fd
};

// The names of the switches that -f overrides (so each can be warned about).
const std::vector<std::string>& config_switches();

void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::rpcapd
