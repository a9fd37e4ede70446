// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture's command line: capture from any source into a pcap stream,
// with tcpdump's spelling of the options tcpdump has.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"

namespace rpcap::cli::capture {

struct Options {
  std::string source;          // SOURCE
  tool::CaptureFlags capture;  // FILTER -F -c -s -p -U -w --udp --sampling --include-self -q
  tool::ClientFlags client;    // -u --password-file --timeout -4 -6 --fd
};

void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::capture
