// SPDX-License-Identifier: BSD-3-Clause
// What a client does with daemons that call in (rpcapd -a) besides the
// session itself: the file a capture from each one goes to (rpcap-listen
// -w with %h), and a command run with the connection (rpcap-listen exec),
// which finds it on a descriptor and the daemon's address in its
// environment, in ours and in ucspi-tcp's names.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rpcap/net/listener.hpp"

namespace rpcap {

// The descriptor a command run with a connection finds it on.
inline constexpr int k_command_fd = 3;

// The file for daemon `host` by `pattern`: %h is its address, %% a percent
// sign; a daemon that calls in for the `call`th time (call > 1) gets
// "FILE.N" with N = call - 1, so that no capture overwrites its last.
std::string output_for(const std::string& pattern, const std::string& host, unsigned call = 1);

// Whether `pattern` names a file per daemon (holds %h).
bool per_daemon_output(const std::string& pattern);

// The environment a command run with daemon `d`'s connection gets:
// RPCAP_FD, RPCAP_DAEMON, RPCAP_DAEMON_PORT, and ucspi-tcp's PROTO,
// TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALPORT.
std::vector<std::pair<std::string, std::string>> command_environment(const IncomingDaemon& d);

// Run `argv` (looked up in PATH) with daemon `d`'s connection on
// k_command_fd and command_environment(d) set. Returns only on failure,
// with the exit status a shell gives (127: not found, 126: not runnable)
// and the message to print.
std::pair<int, std::string> exec_with_connection(const std::vector<std::string>& argv, IncomingDaemon& d);

}  // namespace rpcap
