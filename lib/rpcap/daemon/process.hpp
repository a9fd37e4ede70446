// SPDX-License-Identifier: BSD-3-Clause
// rpcapd as a Unix daemon: where its messages go (standard error or
// syslog), standard descriptors detached, and the double fork into the
// background with a pid file.
#pragma once

#include <string>
#include <string_view>

#include "rpcap/base/error.hpp"
#include "rpcap/daemon/session.hpp"

namespace rpcap {

enum class LogTo { standard_error, syslog };

// A logger for program `prog` (which must outlive it): lines on standard
// error as every program prints them, or syslog(3) entries of facility
// LOG_DAEMON with the pid. Debug messages only with `debug`.
LogFn make_logger(const char* prog, LogTo to, bool debug);

// Point descriptors 0-2 at /dev/null.
void detach_stdio();

// Fork into the background: a new session, no terminal, the working
// directory "/", and the pid written to `pid_file` (when not empty).
// Returns in the daemon only; fails (ErrorKind::io) with the cause.
Status daemonize(const std::string& pid_file);

}  // namespace rpcap
