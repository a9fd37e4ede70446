// SPDX-License-Identifier: BSD-3-Clause
// The reference peers (libpcap with remote capture and its tcpdump, built by
// scripts/reference-build from the release's source packages: 1.10.3 and
// 4.99.3 on Debian 12) in tests, and libpcap's rpcapd as a daemon under test.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/daemon.hpp"  // closed_port(), which the tests with these peers use

namespace rpcap::test {

// How long libpcap 1.10.3's rpcapd in active mode (-a) waits before it calls
// again after a call that failed, refused or not answered: RPCAP_ACTIVE_WAIT
// in its rpcapd/rpcapd.c. After a session it calls back at once. A listener
// that should see a call retried must wait longer than this.
inline constexpr int k_reference_active_retry_s = 30;

// The reference build's directory: $RPCAP_REF_DIR or ~/.cache/rpcap-ref.
std::string reference_dir();

// Where libpcap's rpcapd is: inst/sbin/rpcapd in reference_dir().
std::string reference_rpcapd();

// True if libpcap's rpcapd is built; otherwise reports SKIPPED,
// or fails when RPCAP_REQUIRE_REFERENCE=1 (CI).
bool have_reference_rpcapd();

// The reference tcpdump, inst/sbin/tcpdump in reference_dir() (linked to the
// reference libpcap, so it takes rpcap:// sources), and whether it is built
// (as have_reference_rpcapd()).
std::string reference_tcpdump();
bool have_reference_tcpdump();

// libpcap 1.10.3's rpcapd on 127.0.0.1 with `args`, in its own process
// group (it SIGKILLs its group when it exits). It takes its port on the
// command line and cannot report readiness, so it gets a closed_port() (held
// by this process, which it can bind as it sets SO_REUSEADDR) and /proc is
// watched until that very process listens on it. Should it exit instead, or
// another process listen there, it is started again on a new port, a few
// times at most. Its stderr is kept and shown when it never listened.
class ReferenceDaemon {
public:
  explicit ReferenceDaemon(const std::vector<std::string>& args);
  ~ReferenceDaemon();
  ReferenceDaemon(const ReferenceDaemon&) = delete;
  ReferenceDaemon& operator=(const ReferenceDaemon&) = delete;
  std::uint16_t port() const { return m_port; }
  pid_t pid() const { return m_pid; }

private:
  // Start it on m_port; "" once it listens there, otherwise what went wrong.
  std::string start(const std::vector<std::string>& args);
  // SIGKILL its group and reap it.
  void kill_group();

  std::uint16_t m_port{0};
  pid_t m_pid{-1};
  std::string m_log_path;
};

}  // namespace rpcap::test
