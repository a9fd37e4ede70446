// SPDX-License-Identifier: BSD-3-Clause
// File descriptors: an owner that closes, and the bounded waits and writes
// every socket, pipe and file of the toolkit goes through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "rpcap/base/error.hpp"

namespace rpcap {

// An owned file descriptor, closed on destruction.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept
  {
    if (this != &other) { reset(other.release()); }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const noexcept { return m_fd; }
  bool valid() const noexcept { return m_fd >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  int release() noexcept
  {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

private:
  int m_fd{-1};
};

Status set_nonblocking(int fd, bool on);

// Write all of `size` bytes at `data` with `write_some` (returns the bytes it
// took, or -1 with errno set; EAGAIN and EINTR mean wait until `fd` is
// writable and try again), waiting at most `timeout_ms` in total (negative:
// no limit). Any other failure is reported as "send: " + `cause`(errno).
Status write_all_with(int fd, const void* data, std::size_t size, int timeout_ms,
                      const std::function<long(const std::uint8_t*, std::size_t)>& write_some,
                      const std::function<std::string(int)>& cause);

// Write all of `data` to blocking or non-blocking `fd`, waiting at most
// `timeout_ms` in total (negative: no limit). EINTR is retried.
Status write_all(int fd, const void* data, std::size_t size, int timeout_ms);

// Wait until `fd` is readable (or `timeout_ms` passes): true if readable.
Result<bool> wait_readable(int fd, int timeout_ms);

}  // namespace rpcap
