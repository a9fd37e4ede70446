// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/stream_buffer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace rpcap {

StreamBuffer::StreamBuffer(int fd, Flush mode, std::size_t limit) : m_fd(fd), m_mode(mode), m_limit(limit)
{
  m_buf.reserve(limit + 65536);
}

Status StreamBuffer::flush()
{
  if (m_failed) { return make_error(ErrorKind::io, "output: an earlier write failed"); }
  if (m_truncate && !m_buf.empty()) {
    m_truncate = false;
    if (::ftruncate(m_fd, 0) != 0) {
      m_failed = true;
      return make_error(ErrorKind::io, std::string{"empty the output file: "} + std::strerror(errno));
    }
  }
  std::size_t done = 0;
  while (done < m_buf.size()) {
    const ssize_t n = ::write(m_fd, m_buf.data() + done, m_buf.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) { continue; }
    m_failed = true;
    const int err = n < 0 ? errno : EIO;
    m_buf.clear();
    return make_error(ErrorKind::io, std::string{"write output: "} + std::strerror(err));
  }
  m_written += m_buf.size();
  m_buf.clear();
  return {};
}

Status StreamBuffer::switch_to(int fd)
{
  if (auto st = flush(); !st) { return st; }
  m_fd = fd;
  m_written = 0;
  return {};
}

}  // namespace rpcap
