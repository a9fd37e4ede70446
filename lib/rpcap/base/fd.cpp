// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/fd.hpp"

#include "rpcap/base/deadline.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rpcap {
namespace {

Error io_error(const std::string& what, int err)
{
  return make_error(ErrorKind::io, what + ": " + std::strerror(err));
}

}  // namespace

void Fd::reset(int fd) noexcept
{
  if (m_fd >= 0) { ::close(m_fd); }
  m_fd = fd;
}

Status set_nonblocking(int fd, bool on)
{
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) { return io_error("fcntl", errno); }
  const int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) != 0) { return io_error("fcntl", errno); }
  return {};
}

Status write_all_with(int fd, const void* data, std::size_t size, int timeout_ms,
                      const std::function<long(const std::uint8_t*, std::size_t)>& write_some,
                      const std::function<std::string(int)>& cause)
{
  const auto* p = static_cast<const std::uint8_t*>(data);
  const Deadline deadline{timeout_ms};
  while (size > 0) {
    const long n = write_some(p, size);
    if (n > 0) {
      p += n;
      size -= static_cast<std::size_t>(n);
      continue;
    }
    const int err = n < 0 ? errno : EPIPE;
    if (err == EINTR) { continue; }
    if (err != EAGAIN && err != EWOULDBLOCK) { return make_error(ErrorKind::io, "send: " + cause(err)); }
    const int left = deadline.left_ms();
    if (left == 0) { return make_error(ErrorKind::io, "send: timed out"); }
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, left) < 0 && errno != EINTR) { return io_error("poll", errno); }
  }
  return {};
}

Status write_all(int fd, const void* data, std::size_t size, int timeout_ms)
{
  bool socket = true;
  const auto write_some = [&](const std::uint8_t* p, std::size_t n) -> long {
    // send() avoids SIGPIPE on sockets; pipes and files take write().
    if (socket) {
      const ssize_t sent = ::send(fd, p, n, MSG_NOSIGNAL);
      if (sent >= 0 || errno != ENOTSOCK) { return sent; }
      socket = false;
    }
    return ::write(fd, p, n);
  };
  return write_all_with(fd, data, size, timeout_ms, write_some, [](int err) { return std::string{std::strerror(err)}; });
}

Result<bool> wait_readable(int fd, int timeout_ms)
{
  pollfd p{fd, POLLIN, 0};
  const Deadline deadline{timeout_ms};
  for (;;) {
    const int rc = ::poll(&p, 1, deadline.left_ms());
    if (rc >= 0) { return rc > 0; }
    if (errno != EINTR) { return io_error("poll", errno); }
  }
}

}  // namespace rpcap
