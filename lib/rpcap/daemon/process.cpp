// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/process.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
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

Status check_inetd_connection(int fd)
{
  const std::string use = "-i is for inetd and systemd (Accept=yes), which pass rpcapd one client's connection there";
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
    if (errno != ENOTSOCK) { return make_error(ErrorKind::usage, std::string{"standard input: "} + std::strerror(errno)); }
    return make_error(ErrorKind::usage, "standard input is not a socket: " + use);
  }
  if (type != SOCK_STREAM) { return make_error(ErrorKind::usage, "standard input is not a stream socket: " + use); }
  int listening = 0;
  len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening != 0) {
    return make_error(ErrorKind::usage, "standard input is a listening socket: " + use
                                            + "; without -i rpcapd serves listening sockets (Accept=no)");
  }
  return {};
}

namespace {

// What the daemon tells the process that started it (see Detached).
constexpr std::string_view k_ready_word = "ok\n";

// Say `word` on the line to the starting process (it reads to the end).
void say(int fd, std::string_view word) { (void)write_all(fd, word.data(), word.size(), 1000); }

[[noreturn]] void report_and_exit(int fd, const std::string& message)
{
  say(fd, message);
  ::_exit(1);
}

}  // namespace

void Detached::ready()
{
  say(m_fd.get(), k_ready_word);
  m_fd.reset();
}

void Detached::fail(const std::string& message)
{
  say(m_fd.get(), message);
  m_fd.reset();
}

Result<Detached> daemonize(const char* prog)
{
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) { return make_error(ErrorKind::io, std::string{"pipe: "} + std::strerror(errno)); }
  Fd from_daemon{ends[0]};
  Fd to_starter{ends[1]};
  const pid_t pid = ::fork();
  if (pid < 0) { return make_error(ErrorKind::io, std::string{"fork: "} + std::strerror(errno)); }
  if (pid > 0) {
    // The starting process: its exit status is the daemon's word.
    to_starter.reset();
    std::string said;
    char buf[512];
    for (;;) {
      const ssize_t n = ::read(from_daemon.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) { continue; }
      if (n <= 0) { break; }
      said.append(buf, static_cast<std::size_t>(n));
    }
    if (said == k_ready_word) { ::_exit(0); }
    std::cerr << message_line(prog, "error", said.empty() ? "the daemon ended before it was ready" : said)
              << std::flush;
    ::_exit(1);
  }
  from_daemon.reset();
  ::setsid();
  const pid_t second = ::fork();
  if (second < 0) { report_and_exit(to_starter.get(), std::string{"fork: "} + std::strerror(errno)); }
  if (second > 0) { ::_exit(0); }
  if (::chdir("/") != 0) { report_and_exit(to_starter.get(), std::string{"chdir /: "} + std::strerror(errno)); }
  detach_stdio();
  return Detached{std::move(to_starter)};
}

Result<PidFile> PidFile::create(const std::string& path)
{
  PidFile f;
  std::error_code ec;
  f.m_path = std::filesystem::absolute(path, ec).string();
  f.m_fd = Fd{::open(f.m_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)};
  if (!f.m_fd) { return make_error(ErrorKind::io, "pid file " + f.m_path + ": " + std::strerror(errno)); }
  // Held while the daemon runs (its processes share the lock): a second
  // daemon with the same pid file stops here instead of taking it over.
  if (::flock(f.m_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    return make_error(ErrorKind::io, "pid file " + f.m_path + ": "
                                         + (err == EWOULDBLOCK ? "another rpcapd holds it" : std::strerror(err)));
  }
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
  return {};
}

PidFile::~PidFile()
{
  if (m_writer != 0 && m_writer == ::getpid()) { (void)::unlink(m_path.c_str()); }
}

}  // namespace rpcap
