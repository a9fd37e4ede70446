// SPDX-License-Identifier: BSD-3-Clause
// The switches that configure rpcapd, defined once for rpcapd itself and for
// `rpcap-conf generate`, so both spell and document them the same way.
#pragma once

#include <CLI/CLI.hpp>

#include "rpcap/config/flags.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::tool {

// Add -b -p -4 -6 -l -n -a -v, an option for each number setting
// (settings.hpp: --max-sessions ... --capture-buffer), --capture-group,
// -S -K -X --client-ca to `app`.
void add_daemon_options(CLI::App& app, DaemonFlags& flags);

// Add number setting `s`'s option (its name, value name, range and
// default) to `app`, stored in `into`; `help` replaces the setting's help.
CLI::Option* add_number_option(CLI::App& app, const Setting& s, unsigned& into, std::string_view help = {});

}  // namespace rpcap::tool
