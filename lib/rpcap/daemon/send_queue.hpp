// SPDX-License-Identifier: BSD-3-Clause
// The bytes a capture queues for its data connection: one block allocated
// per capture and never zero-filled, filled at the back (a PACKET message's
// header and data written straight into it) and sent from the front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace rpcap {

class SendQueue {
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
  std::size_t size() const noexcept { return m_size; }
  std::size_t capacity() const noexcept { return m_capacity; }

  // `n` more bytes at the back, for the caller to fill. Beyond the capacity
  // the block grows (one packet larger than the reserve: rare, and once).
  std::uint8_t* grow(std::size_t n)
  {
    if (m_size + n > m_capacity) {
      auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(m_size + n);
      if (m_size > 0) { std::memcpy(bigger.get(), m_bytes.get(), m_size); }
      m_bytes = std::move(bigger);
      m_capacity = m_size + n;
    }
    std::uint8_t* at = m_bytes.get() + m_size;
    m_size += n;
    return at;
  }

  // Drop the first `n` bytes (sent), moving the rest to the front.
  void erase_front(std::size_t n) noexcept
  {
    if (n < m_size) { std::memmove(m_bytes.get(), m_bytes.get() + n, m_size - n); }
    m_size = n < m_size ? m_size - n : 0;
  }

private:
  std::unique_ptr<std::uint8_t[]> m_bytes;
  std::size_t m_capacity{0};
  std::size_t m_size{0};
};

}  // namespace rpcap
