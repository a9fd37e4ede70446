// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/signal_fd.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

namespace rpcap {

SignalFd::SignalFd(std::initializer_list<int> signals)
{
  sigemptyset(&m_set);
  for (int s : signals) { sigaddset(&m_set, s); }
  ::sigprocmask(SIG_BLOCK, &m_set, &m_old);
  m_fd.reset(::signalfd(-1, &m_set, SFD_CLOEXEC | SFD_NONBLOCK));
}

SignalFd::~SignalFd() { ::sigprocmask(SIG_SETMASK, &m_old, nullptr); }

int SignalFd::next()
{
  signalfd_siginfo si{};
  if (::read(m_fd.get(), &si, sizeof si) != static_cast<ssize_t>(sizeof si)) { return 0; }
  return static_cast<int>(si.ssi_signo);
}

void SignalFd::restore_in_child(std::initializer_list<int> still_blocked) const
{
  sigset_t mask = m_old;
  for (int s : still_blocked) { sigaddset(&mask, s); }
  ::sigprocmask(SIG_SETMASK, &mask, nullptr);
}

}  // namespace rpcap
