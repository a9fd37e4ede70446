// SPDX-License-Identifier: BSD-3-Clause
// The buffer under the capture file writers (pcap and pcapng): bytes
// collect in memory and go to a descriptor in large writes, when the buffer
// is full, when flush() is called, or after every record in per-packet mode.
// After a failed write every later flush fails too (a file with a hole is
// worse than a file that ends early).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/byte_queue.hpp"
#include "rpcap/wire/bytes.hpp"

namespace rpcap {

class StreamBuffer {
public:
  enum class Flush { buffered, per_packet };

  // Write to `fd` (not owned), flushing once `limit` bytes are buffered.
  // A pipe keeps the size it has: a deeper one (tried in issue 21) saves
  // context switches but costs the writer more CPU, its pages going cold.
  StreamBuffer(int fd, Flush mode, std::size_t limit);

  // Where the bytes are appended (never zero-filled: write what you ask
  // for); call record_done() after each record.
  ByteQueue& bytes() noexcept { return m_buf; }
  // Append `data` without copying it: it goes out from where it is, in the
  // same writev() as the bytes around it, so it must stay as it is until
  // flush() or release_borrowed().
  void append_borrowed(ByteView data)
  {
    m_borrowed.push_back(Borrowed{m_buf.size(), data});
    m_borrowed_bytes += data.size();
  }
  // The borrowed bytes are about to change: write everything out when that
  // makes a large write anyway, else copy them in (a few small packets are
  // cheaper to copy than to write on their own).
  Status release_borrowed();
  // A record was appended: flush if the mode or the fill level says so.
  Status record_done()
  {
    if (m_mode == Flush::per_packet || buffered() >= m_limit) { return flush(); }
    return {};
  }
  // Write out everything buffered.
  Status flush();
  // Flush, then go on writing to `fd` (file rotation).
  Status switch_to(int fd);
  // Empty the file (ftruncate) just before the first bytes go to it: an
  // existing file is kept as it was until the capture has something to write.
  void truncate_on_first_write() noexcept { m_truncate = true; }

  int fd() const noexcept { return m_fd; }
  std::size_t buffered() const noexcept { return m_buf.size() + m_borrowed_bytes; }
  // Bytes written to the current descriptor so far, buffered ones included.
  std::uint64_t file_bytes() const noexcept { return m_written + buffered(); }

private:
  // Borrowed bytes that go out after the first `at` bytes of m_buf.
  struct Borrowed {
    std::size_t at;
    ByteView data;
  };
  Status write_out();
  void forget();

  int m_fd;
  Flush m_mode;
  std::size_t m_limit;
  ByteQueue m_buf;
  std::vector<Borrowed> m_borrowed;
  std::size_t m_borrowed_bytes{0};
  std::vector<iovec> m_iov;  // flush()'s gather list, kept for its capacity
  std::uint64_t m_written{0};
  bool m_failed{false};
  bool m_truncate{false};
};

}  // namespace rpcap
