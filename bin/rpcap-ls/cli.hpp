// SPDX-License-Identifier: BSD-3-Clause
// rpcap-ls's command line: list the capture interfaces of a remote rpcapd
// (or of this host) as source strings that rpcap-capture takes.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "common/client_options.hpp"

namespace rpcap::cli::ls {

enum class Format { names, long_listing, json };

struct Options {
  std::string source;         // SOURCE: rpcap://host[:port]/ or rpcap://
  bool long_listing{false};   // -l
  bool json{false};           // --json
  tool::ClientFlags client;   // -u --password-file --timeout -4 -6 --fd

  Format format() const { return json ? Format::json : long_listing ? Format::long_listing : Format::names; }
};

// Define rpcap-ls's options on `app`, storing into `opts`.
void define_cli(CLI::App& app, Options& opts);

}  // namespace rpcap::cli::ls
