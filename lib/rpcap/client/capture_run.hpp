// SPDX-License-Identifier: BSD-3-Clause
// One capture from any source into a pcap stream: what rpcap-capture does.
// A remote source goes through a ClientSession (the filter is compiled here
// for the remote link type and sent, so only matching packets cross the
// network; the session's own RPCAP traffic is excluded, as libpcap does);
// a local device is captured with libpcap directly; a file:// source is
// read and written out again. Output is flushed on a short timer so a
// reading pipe stays live.
#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "rpcap/net/capture.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/wire/pcap_writer.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap {

struct CaptureRunOptions {
  Source source;
  std::string filter;          // a pcap-filter(7) expression; empty: everything
  std::uint32_t snaplen{k_max_snaplen};
  bool promisc{true};
  std::uint64_t count{0};      // stop after this many packets; 0: no limit
  bool udp{false};             // remote: UDP data channel
  std::optional<SetSamplingRequest> sampling;
  bool exclude_self{true};     // remote: filter out this session's own connections
  int flush_ms{100};           // longest a packet waits in the output buffer
  ClientOptions client;
};

// What a capture saw, for the statistics printed at the end (and on SIGUSR1).
struct CaptureTotals {
  std::uint64_t written{0};                 // packets written to the output
  std::optional<StatsReply> remote;         // the daemon's counters
  std::optional<CaptureStats> local;        // libpcap's counters of a local capture
  std::uint64_t udp_lost{0};                // UDP data: PACKETs lost on the way
};

// Signals the caller's handlers record; the run checks them between reads.
struct RunSignals {
  volatile std::sig_atomic_t* stop{nullptr};         // SIGINT, SIGTERM: end cleanly
  volatile std::sig_atomic_t* report{nullptr};       // SIGUSR1: call on_report, then clear it
};

struct RunCallbacks {
  std::function<void(const CaptureTotals&)> on_report;    // statistics asked for
  std::function<void(std::uint64_t written)> on_progress; // about once a second
};

// How a capture ended.
enum class RunEnd {
  done,         // the count was reached, the file ended, or a stop signal
  reader_gone,  // the output's reader went away (EPIPE): a normal end for pipes
};

// Capture as `opts` says into `out` until the count, the end of a file, a
// stop signal, or the reader going away. Fails when the source cannot be
// opened or dies mid-capture; every packet received before is written out
// and flushed first, and `totals` then holds what was seen.
Result<RunEnd> run_capture(const CaptureRunOptions& opts, PcapWriter& out, CaptureTotals& totals,
                           const RunSignals& signals, const RunCallbacks& callbacks);

// The same over an established session (connected or attached, see
// ClientSession): capture its daemon's device `opts.source.name`. The
// session is closed at the end of a clean run.
Result<RunEnd> run_session_capture(ClientSession& session, const CaptureRunOptions& opts, PcapWriter& out,
                                   CaptureTotals& totals, const RunSignals& signals, const RunCallbacks& callbacks);

// The filter that excludes a session's own connections: the control
// connection (both ends) and the data connection's local port, as libpcap's
// NOCAPTURE_RPCAP builds it, joined to `user` with "and". Empty if the
// addresses cannot be read.
std::string exclude_self_filter(int control_fd, int data_fd, const std::string& user);

}  // namespace rpcap
