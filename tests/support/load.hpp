// SPDX-License-Identifier: BSD-3-Clause
// For tests that load a daemon with many connections and measure what it
// costs: connections from other loopback addresses, and a process's
// resident memory and descriptors read from /proc.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "rpcap/net/socket.hpp"

namespace rpcap::test {

#if defined(__SANITIZE_ADDRESS__)
// ASan shadows memory and keeps what is freed in quarantine (256 MiB by
// default).
inline constexpr long k_asan_slack_kib = 320 * 1024;
#else
inline constexpr long k_asan_slack_kib = 0;
#endif

// While it lives, the programs tests start run without ASan's quarantine of
// freed memory, so their RSS grows only by what they keep, as in a release
// build, and a memory bound holds for both builds. (Nothing without ASan.)
class NoAsanQuarantine {
public:
  NoAsanQuarantine();
  ~NoAsanQuarantine();
  NoAsanQuarantine(const NoAsanQuarantine&) = delete;
  NoAsanQuarantine& operator=(const NoAsanQuarantine&) = delete;

private:
  std::optional<std::string> m_saved;
};

// A TCP connection to 127.0.0.1:`port` from the local address `from`
// (another 127.x address, so that a test can be many clients).
Fd connect_from(const std::string& from, std::uint16_t port);

// Resident memory of `pid` in KiB (VmRSS), 0 if it is gone.
long rss_kib(pid_t pid);
// Its peak resident memory so far (VmHWM), in KiB; 0 if it is gone.
long peak_rss_kib(pid_t pid);

// Descriptors `pid` holds open.
std::size_t fd_count(pid_t pid);

// Raise this process's soft descriptor limit to at least `n` (fails the
// test if the hard limit is lower).
void need_descriptors(std::size_t n);

}  // namespace rpcap::test
