// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/stream_buffer.hpp"

#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace rpcap {

StreamBuffer::StreamBuffer(int fd, Flush mode, std::size_t limit) : m_fd(fd), m_mode(mode), m_limit(limit)
{
  m_buf.reset(limit + 65536);
}

namespace {

// Borrowed bytes at least this many are written out on release rather than copied.
constexpr std::size_t k_min_gathered_write = 64 * 1024;

}  // namespace

Status StreamBuffer::flush()
{
  if (m_failed) {
    forget();
    return make_error(ErrorKind::io, "output: an earlier write failed");
  }
  if (m_truncate && buffered() > 0) {
    m_truncate = false;
    if (::ftruncate(m_fd, 0) != 0) {
      m_failed = true;
      forget();
      return make_error(ErrorKind::io, std::string{"empty the output file: "} + std::strerror(errno));
    }
  }
  const std::size_t total = buffered();
  if (auto st = write_out(); !st) {
    m_failed = true;
    forget();
    return st;
  }
  m_written += total;
  forget();
  return {};
}

void StreamBuffer::forget()
{
  m_buf.clear();
  m_borrowed.clear();
  m_borrowed_bytes = 0;
}

// Everything buffered, owned and borrowed bytes in their order, in as few
// writes as the descriptor takes.
Status StreamBuffer::write_out()
{
  m_iov.clear();
  std::size_t from = 0;
  auto add = [this](const std::uint8_t* p, std::size_t n) {
    if (n > 0) { m_iov.push_back(iovec{const_cast<std::uint8_t*>(p), n}); }
  };
  for (const auto& b : m_borrowed) {
    add(m_buf.data() + from, b.at - from);
    add(b.data.data(), b.data.size());
    from = b.at;
  }
  add(m_buf.data() + from, m_buf.size() - from);
  std::size_t i = 0;
  while (i < m_iov.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(m_iov.size() - i, IOV_MAX));
    const ssize_t n = ::writev(m_fd, &m_iov[i], count);
    if (n < 0 && errno == EINTR) { continue; }
    if (n <= 0) { return make_error(ErrorKind::io, std::string{"write output: "} + std::strerror(n < 0 ? errno : EIO)); }
    // Past what was written; a part-written piece goes on from where it stopped.
    auto left = static_cast<std::size_t>(n);
    while (i < m_iov.size() && left >= m_iov[i].iov_len) { left -= m_iov[i++].iov_len; }
    if (left > 0) {
      m_iov[i].iov_base = static_cast<std::uint8_t*>(m_iov[i].iov_base) + left;
      m_iov[i].iov_len -= left;
    }
  }
  return {};
}

Status StreamBuffer::release_borrowed()
{
  if (m_borrowed.empty()) { return {}; }
  if (m_borrowed_bytes >= k_min_gathered_write) { return flush(); }
  // Copied in at their places, in place: the buffer grows by the borrowed
  // bytes, and from the back each owned run moves up to its final place and
  // the borrowed bytes fill the gap before it. Each byte is copied once.
  std::size_t owned_end = m_buf.size();
  std::size_t write_end = m_buf.size() + m_borrowed_bytes;
  m_buf.grow(m_borrowed_bytes);
  for (auto it = m_borrowed.rbegin(); it != m_borrowed.rend(); ++it) {
    const std::size_t run = owned_end - it->at;  // owned bytes after this borrowed piece
    std::memmove(m_buf.data() + write_end - run, m_buf.data() + it->at, run);
    write_end -= run;
    std::memcpy(m_buf.data() + write_end - it->data.size(), it->data.data(), it->data.size());
    write_end -= it->data.size();
    owned_end = it->at;
  }
  m_borrowed.clear();
  m_borrowed_bytes = 0;
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
