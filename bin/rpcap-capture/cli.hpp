// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture's command line: capture from any source into a pcap stream,
// with tcpdump's spelling of the options tcpdump has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/client_options.hpp"

namespace rpcap::cli::capture {

struct Options {
  std::string source;                // SOURCE
  std::vector<std::string> filter;   // FILTER words, joined with blanks
  std::string filter_file;           // -F
  std::uint64_t count{0};            // -c
  std::uint32_t snaplen{262144};     // -s
  bool no_promisc{false};            // -p
  bool packet_buffered{false};       // -U
  std::string output{"-"};           // -w
  bool udp{false};                   // --udp
  std::string sampling;              // --sampling every:N | after-ms:N
  bool include_self{false};          // --include-self
  tool::ClientFlags client;          // -u --password-file --timeout -4 -6
  bool quiet{false};                 // -q: no statistics at the end
};

void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::capture
