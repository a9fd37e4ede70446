// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf's subcommands; each returns the exit status.
#pragma once

#include <CLI/CLI.hpp>

#include "rpcap-conf/cli.hpp"

namespace rpcap::conf {

using Options = cli::conf::Options;

// generate: the config file the switches describe, on standard output or in -o's file.
int generate(const CLI::App& app, const Options& opts);
// check: every problem of each file on standard error; 1 if there is any.
int check(const CLI::App& app, const Options& opts);
// show: a file's every setting, as text or JSON.
int show(const CLI::App& app, const Options& opts);
// tls-cert: a key and a certificate for rpcapd -S, and the pin on standard output.
int tls_cert(const CLI::App& app, const Options& opts);

}  // namespace rpcap::conf
