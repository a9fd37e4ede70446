// SPDX-License-Identifier: BSD-3-Clause
// The options every client program shares (rpcap-ls, rpcap-capture): who
// to log in as, where the password comes from, timeouts, address family;
// defined once so they are spelled, documented and completed alike.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "rpcap/client.hpp"

namespace rpcap::tool {

struct ClientFlags {
  std::string user;           // -u
  std::string password_file;  // --password-file
  double timeout_s{10};       // --timeout
  bool ipv4{false};           // -4
  bool ipv6{false};           // -6
};

// Add -u --password-file --timeout -4 -6 to `app`.
void add_client_options(CLI::App& app, ClientFlags& flags);

// The session options the flags give: the password from --password-file,
// else RPCAP_PASSWORD, else a prompt when standard input is a terminal.
Result<ClientOptions> client_options(const ClientFlags& flags);

}  // namespace rpcap::tool
