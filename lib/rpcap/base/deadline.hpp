// SPDX-License-Identifier: BSD-3-Clause
// A time to wait until, for poll(): the library's one "milliseconds left"
// timer. Every bounded wait (connect, send, a handshake, a reply, a
// session's timeouts) is written with it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace rpcap {

class Deadline {
public:
  using Clock = std::chrono::steady_clock;

  // `timeout_ms` from now; negative: no deadline (wait for ever).
  explicit Deadline(int timeout_ms)
      : m_limited(timeout_ms >= 0), m_end(Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0)))
  {}
  // At `end`.
  static Deadline at(Clock::time_point end)
  {
    Deadline d{0};
    d.m_end = end;
    return d;
  }

  // Milliseconds left, for poll(): 0 once passed, -1 without a deadline;
  // with `cap` >= 0, at most `cap` (a deadline-less wait then waits `cap`).
  // Rounded up: a fraction of a millisecond left waits 1 ms, not poll(0) in a loop.
  int left_ms(int cap = -1) const
  {
    if (!m_limited) { return cap; }
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(m_end - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, cap >= 0 ? cap : 1 << 30));
  }
  bool passed() const { return m_limited && Clock::now() >= m_end; }
  bool limited() const { return m_limited; }

private:
  bool m_limited;
  Clock::time_point m_end;
};

}  // namespace rpcap
