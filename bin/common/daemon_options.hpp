// SPDX-License-Identifier: BSD-3-Clause
// The switches that configure rpcapd, defined once for rpcapd itself and for
// `rpcap-conf generate`, so both spell and document them the same way.
#pragma once

#include <CLI/CLI.hpp>

#include "rpcap/config/flags.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::tool {

// Add the switch of every daemon setting that has one (settings.cpp: its
// name, value name, help, and range for numbers), in the table's order.
void add_daemon_options(CLI::App& app, DaemonFlags& flags);

// Add number setting `s`'s option (its name, value name, range and
// default) to `app`, stored in `into`; `help` replaces the setting's help.
CLI::Option* add_number_option(CLI::App& app, const Setting& s, unsigned& into, std::string_view help = {});

}  // namespace rpcap::tool
