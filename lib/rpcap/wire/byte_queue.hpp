// SPDX-License-Identifier: BSD-3-Clause
// Bytes on their way out through a descriptor: one block, allocated when
// the queue is set up and never zero-filled, filled at the back (a record's
// header and data written straight into it) and emptied from the front.
// The daemon queues its PACKET messages in one for the data connection,
// the capture file writers their records (StreamBuffer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace rpcap {

class ByteQueue {
public:
  // Empty, with room for `capacity` bytes (allocated now, once).
  void reset(std::size_t capacity)
  {
    if (capacity != m_capacity) {
      m_bytes = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
      m_capacity = capacity;
    }
    m_size = 0;
  }
  void clear() noexcept { m_size = 0; }

  std::uint8_t* data() noexcept { return m_bytes.get(); }
  const std::uint8_t* data() const noexcept { return m_bytes.get(); }
  std::size_t size() const noexcept { return m_size; }
  std::size_t capacity() const noexcept { return m_capacity; }

  // `n` more bytes at the back, for the caller to fill. Beyond the capacity
  // the block grows to just what is needed (a record larger than the
  // reserve: rare, and the memory a session holds stays bounded).
  std::uint8_t* grow(std::size_t n)
  {
    if (m_size + n > m_capacity) { enlarge(m_size + n); }
    std::uint8_t* at = m_bytes.get() + m_size;
    m_size += n;
    return at;
  }
  // Copy `n` bytes from `p` to the back.
  void append(const void* p, std::size_t n)
  {
    if (n > 0) { std::memcpy(grow(n), p, n); }
  }
  // `n` zero bytes at the back (padding).
  void append_zeros(std::size_t n)
  {
    if (n > 0) { std::memset(grow(n), 0, n); }
  }

  // Drop the first `n` bytes (sent), moving the rest to the front.
  void erase_front(std::size_t n) noexcept
  {
    if (n < m_size) { std::memmove(m_bytes.get(), m_bytes.get() + n, m_size - n); }
    m_size = n < m_size ? m_size - n : 0;
  }

private:
  void enlarge(std::size_t capacity)
  {
    auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(capacity);
    if (m_size > 0) { std::memcpy(bigger.get(), m_bytes.get(), m_size); }
    m_bytes = std::move(bigger);
    m_capacity = capacity;
  }

  std::unique_ptr<std::uint8_t[]> m_bytes;
  std::size_t m_capacity{0};
  std::size_t m_size{0};
};

}  // namespace rpcap
