// SPDX-License-Identifier: BSD-3-Clause
// The reference peers (libpcap 1.10.3 with remote capture, built by
// scripts/reference-build) in tests, and libpcap's rpcapd as a daemon under test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rpcap::test {

// A port nothing listens on (bound, then closed).
std::uint16_t closed_port();

// Where libpcap 1.10.3's rpcapd is: $RPCAP_REF_DIR or ~/.cache/rpcap-ref, inst/sbin/rpcapd.
std::string reference_rpcapd();

// True if libpcap 1.10.3's rpcapd is built; otherwise reports SKIPPED,
// or fails when RPCAP_REQUIRE_REFERENCE=1 (CI).
bool have_reference_rpcapd();

// libpcap 1.10.3's rpcapd on 127.0.0.1 with `args`, in its own process
// group (it SIGKILLs its group when it exits). It cannot report readiness,
// so it gets a port that was free a moment ago, and is polled until it accepts.
class ReferenceDaemon {
public:
  explicit ReferenceDaemon(const std::vector<std::string>& args);
  ~ReferenceDaemon();
  ReferenceDaemon(const ReferenceDaemon&) = delete;
  ReferenceDaemon& operator=(const ReferenceDaemon&) = delete;
  std::uint16_t port() const { return m_port; }

private:
  std::uint16_t m_port;
  pid_t m_pid{-1};
};

}  // namespace rpcap::test
