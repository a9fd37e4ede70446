// SPDX-License-Identifier: BSD-3-Clause
// Signals read from a descriptor (signalfd(2)) instead of caught by
// handlers, so that a poll loop sees them as it sees its sockets: the
// signals given stay blocked while the SignalFd lives, and each arrival
// is read with next().
#pragma once

#include <signal.h>

#include <initializer_list>

#include "rpcap/base/fd.hpp"

namespace rpcap {

class SignalFd {
public:
  explicit SignalFd(std::initializer_list<int> signals);
  // The signal mask from before.
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const noexcept { return m_fd.get(); }
  // The next pending signal, or 0.
  int next();
  // For a forked child: the signal mask from before, with `still_blocked`
  // kept blocked (for a SignalFd of the child's own, so that none of them
  // can strike before it exists).
  void restore_in_child(std::initializer_list<int> still_blocked = {}) const;

private:
  sigset_t m_set{};
  sigset_t m_old{};
  Fd m_fd;
};

}  // namespace rpcap
