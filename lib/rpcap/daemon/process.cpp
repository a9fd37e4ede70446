// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/process.hpp"

#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
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

Status daemonize()
{
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = ::fork();
    if (pid < 0) { return make_error(ErrorKind::io, std::string{"fork: "} + std::strerror(errno)); }
    if (pid > 0) { ::_exit(0); }
    if (i == 0) { ::setsid(); }
  }
  if (::chdir("/") != 0) { return make_error(ErrorKind::io, std::string{"chdir /: "} + std::strerror(errno)); }
  detach_stdio();
  return {};
}

Result<PidFile> PidFile::create(const std::string& path)
{
  PidFile f;
  std::error_code ec;
  f.m_path = std::filesystem::absolute(path, ec).string();
  f.m_fd = Fd{::open(f.m_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)};
  if (!f.m_fd) { return make_error(ErrorKind::io, "pid file " + f.m_path + ": " + std::strerror(errno)); }
  return f;
}

Status PidFile::write()
{
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(m_fd.get(), 0) != 0) { return make_error(ErrorKind::io, "pid file " + m_path + ": " + std::strerror(errno)); }
  if (auto st = write_all(m_fd.get(), text.data(), text.size(), 1000); !st) {
    return make_error(ErrorKind::io, "pid file " + m_path + ": " + st.error().message);
  }
  m_writer = ::getpid();
  m_fd.reset();
  return {};
}

PidFile::~PidFile()
{
  if (m_writer != 0 && m_writer == ::getpid()) { (void)::unlink(m_path.c_str()); }
}

}  // namespace rpcap
