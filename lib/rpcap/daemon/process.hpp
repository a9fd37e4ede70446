// SPDX-License-Identifier: BSD-3-Clause
// rpcapd as a Unix daemon: where its messages go (standard error or
// syslog), standard descriptors detached, and the double fork into the
// background with a pid file.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "rpcap/base/error.hpp"
#include "rpcap/base/fd.hpp"
#include "rpcap/daemon/session.hpp"

namespace rpcap {

enum class LogTo { standard_error, syslog };

// A logger for program `prog` (which must outlive it): lines on standard
// error as every program prints them, or syslog(3) entries of facility
// LOG_DAEMON with the pid. Debug messages only with `debug`.
LogFn make_logger(const char* prog, LogTo to, bool debug);

// Point descriptors 0-2 at /dev/null.
void detach_stdio();

// Check that descriptor `fd` is what inetd (nowait) and systemd
// (Accept=yes) hand rpcapd -i: one connected stream socket. Fails
// (ErrorKind::usage, naming it "standard input") on anything else: a
// terminal, /dev/null, a file, a datagram or a listening socket.
Status check_inetd_connection(int fd);

// The daemon's pid file (--pid-file). create() opens and locks it before
// the daemon detaches, so that a path it cannot write, or one another
// daemon holds, stops it with the reason on standard error, and makes the
// path absolute, as the daemon leaves its working directory; write() puts
// this process's pid in it once detached.
// The process that wrote it removes it when the object goes (at exit);
// forked children, which leave by _exit(), never do.
class PidFile {
public:
  static Result<PidFile> create(const std::string& path);
  Status write();
  ~PidFile();
  PidFile(PidFile&& other) noexcept
      : m_path(std::move(other.m_path)), m_fd(std::move(other.m_fd)), m_writer(std::exchange(other.m_writer, 0))
  {
  }
  PidFile& operator=(PidFile&&) = delete;
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

private:
  PidFile() = default;
  std::string m_path;
  Fd m_fd;
  pid_t m_writer{0};
};

// The daemon's line back to the process that started it (rpcapd -d): that
// process waits, and exits 0 once the daemon says it is ready, or prints
// what the daemon says failed on its standard error and exits 1 (also
// when the daemon ends before it says anything), so that a script or an
// init system can trust the exit status and find the pid file written.
class Detached {
public:
  explicit Detached(Fd fd) : m_fd(std::move(fd)) {}
  void ready();
  void fail(const std::string& message);

private:
  Fd m_fd;
};

// Fork into the background: a new session, no terminal, the working
// directory "/". Returns in the daemon only; the starting process (named
// `prog` in its messages) stays until Detached says how it went. Fails
// (ErrorKind::io) with the cause, before forking.
Result<Detached> daemonize(const char* prog);

}  // namespace rpcap
