// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/process.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "rpcap/base/file.hpp"
#include "rpcap/base/text.hpp"

namespace rpcap {

LogFn make_logger(const char* prog, LogTo to, bool debug)
{
  if (to == LogTo::syslog) {
    ::openlog(prog, LOG_PID, LOG_DAEMON);
    return [debug](LogLevel level, const std::string& msg) {
      if (level == LogLevel::debug && !debug) { return; }
      const int prio = level == LogLevel::debug ? LOG_DEBUG
                       : level == LogLevel::info ? LOG_INFO
                       : level == LogLevel::warning ? LOG_WARNING
                                                    : LOG_ERR;
      ::syslog(prio, "%s", msg.c_str());
    };
  }
  return [prog, debug](LogLevel level, const std::string& msg) {
    switch (level) {
    case LogLevel::debug:
      if (debug) { std::cerr << message_line(prog, "info", "debug: " + msg) << std::flush; }
      break;
    case LogLevel::info: std::cerr << message_line(prog, "info", msg) << std::flush; break;
    case LogLevel::warning: std::cerr << message_line(prog, "warning", msg) << std::flush; break;
    case LogLevel::error: std::cerr << message_line(prog, "error", msg) << std::flush; break;
    }
  };
}

void detach_stdio()
{
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) { return; }
  for (int fd = 0; fd <= 2; ++fd) { ::dup2(null, fd); }
  if (null > 2) { ::close(null); }
}

Status daemonize(const std::string& pid_file)
{
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) { return make_error(ErrorKind::io, std::string{"fork: "} + std::strerror(errno)); }
    if (pid > 0) { ::_exit(0); }
    if (i == 0) { ::setsid(); }
  }
  (void)::chdir("/");
  detach_stdio();
  if (!pid_file.empty()) { return write_file(pid_file, std::to_string(::getpid()) + "\n"); }
  return {};
}

}  // namespace rpcap
