// SPDX-License-Identifier: BSD-3-Clause
// What rpcap-extcap does for each of Wireshark's calls: answer a query on
// standard output, or capture into the fifo until stopped.
#pragma once

#include <CLI/CLI.hpp>

#include "rpcap-extcap/cli.hpp"

namespace rpcap::cli::extcap {

// Answer the query `opts.mode` names on standard output. Returns the exit status.
int answer_query(const CLI::App& app, const Options& opts);

// Capture from the interface `opts.interface` into `opts.fifo` until
// SIGTERM or SIGINT, then print the statistics on standard error. Returns
// the exit status (an error is one line on standard error).
int capture(const CLI::App& app, const Options& opts);

}  // namespace rpcap::cli::extcap
