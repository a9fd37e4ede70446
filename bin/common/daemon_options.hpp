// SPDX-License-Identifier: BSD-3-Clause
// The switches that configure rpcapd, defined once for rpcapd itself and for
// `rpcap-conf generate`, so both spell and document them the same way.
#pragma once

#include <CLI/CLI.hpp>

#include "rpcap/daemon_flags.hpp"

namespace rpcap::tool {

// Add -b -p -4 -6 -l -n -a -v --max-sessions --auth-timeout --idle-timeout --capture-group
// --keepalive --user-timeout --data-timeout --max-login-delay -S -K -X --client-ca to `app`.
void add_daemon_options(CLI::App& app, DaemonFlags& flags);

}  // namespace rpcap::tool
