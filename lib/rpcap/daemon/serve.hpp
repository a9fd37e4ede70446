// SPDX-License-Identifier: BSD-3-Clause
// Serving one control connection in this process, as the daemon's children
// do: a passive connection the listening process accepted (or inetd
// handed over), and active mode's worker, which connects out to a client
// again and again and serves each session in a child of its own. The
// listening process itself is supervisor.cpp's.
#pragma once

#include <chrono>
#include <string>

#include "rpcap/daemon/supervisor.hpp"
#include "rpcap/daemon/session_link.hpp"

namespace rpcap {

// What a passive session's process gets from the listening process: the
// delay its address has earned for failed password logins, and its end of
// the SessionLink (none in inetd mode), over which it reports logins and
// missed deadlines and asks for a logged-in slot.
struct SessionTies {
  std::chrono::milliseconds delay{1000};
  SessionLink link;
  std::chrono::steady_clock::time_point accepted{};  // the epoch: now
};

// Serve the accepted connection `fd` in this process, the daemon's side of
// docs/protocol.md#connection-flow: its first contact, the host list, the login and the session.
void serve_connection(Fd fd, const DaemonOptions& opts, const DaemonConfig& cfg, const TlsContext* tls,
                      const LogFn& log, SessionTies ties = {});

// "host:port" of an active-mode target, for messages and as its key.
std::string target_name(const ActiveClient& t);

// The process that keeps a connection to active-mode client `target`
// (runs until it is killed; SIGHUP re-reads the -f file before the next session).
[[noreturn]] void active_worker(const ActiveClient& target, const DaemonOptions& opts, const DaemonConfig& start_cfg,
                                const TlsContext* start_tls, const LogFn& log);

}  // namespace rpcap
