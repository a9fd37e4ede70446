// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf's command line: generate, check and show rpcapd config files.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "rpcap/config/flags.hpp"

namespace rpcap::cli::conf {

struct Options {
  DaemonFlags daemon;              // generate: the switches rpcapd takes
  std::string output;              // generate -o FILE; empty = stdout
  std::vector<std::string> files;  // check FILE...
  std::string show_file;           // show FILE
  bool json{false};                // show --json
  // tls-cert
  std::string key_file;            // --key FILE
  std::string cert_file;           // --cert FILE
  std::vector<std::string> hosts;  // --host NAME, repeatable; none: this host's name
  unsigned days{825};              // --days N
  bool force{false};               // tls-cert --force: overwrite
  bool keep_missing{false};        // generate --force: name files that do not exist yet
};

// Define rpcap-conf's subcommands and options on `app`, storing into `opts`.
void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::conf
