// SPDX-License-Identifier: BSD-3-Clause
// Several captures at once into one pcapng stream, merged in time order:
// rpcap-capture -i A -i B. Each source runs as run_capture() runs it alone
// (its own session, credentials, filter), in a thread of its own so that no
// source can stall another; its packets go through a MergeWindow into the
// stream, where each source is one interface (IDB) named as the user gave
// it, described as its daemon or libpcap describes it, with statistics
// blocks (ISB) on request and at its end.
//
// A source that cannot be opened, or dies mid-capture, is reported (its
// error in the totals, at once through a callback) and the others go on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rpcap/client/capture_run.hpp"
#include "rpcap/wire/pcapng_writer.hpp"

namespace rpcap {

// How long a packet may wait for the other sources by default: longer than
// a daemon holds a lone packet (StartOptions::read_timeout_ms) plus our own
// flush timer, with room for a loaded network.
constexpr std::chrono::milliseconds k_default_merge_window{500};
// The most packet data the window holds for all sources together before it
// lets the oldest go early; sources wait when it is full.
constexpr std::size_t k_merge_memory = 64u << 20;
// The longest wait before a lost source is opened again (--reconnect).
constexpr std::chrono::seconds k_max_reconnect_wait{30};

struct MergedSource {
  CaptureRunOptions run;  // its source, filter, credentials...; run.count is ignored
  std::string name;       // as the user wrote it: the interface's if_name and the messages' label
  // A session already open (a daemon that called in, --fd) to capture
  // `run.source.name` over; none: run_capture() opens the source itself.
  std::shared_ptr<ClientSession> session;
};

struct MergedCaptureOptions {
  std::vector<MergedSource> sources;
  std::uint64_t count{0};  // stop after this many packets of all sources together; 0: no limit
  std::chrono::milliseconds window{k_default_merge_window};
  std::size_t max_bytes{k_merge_memory};
  int flush_ms{100};       // longest a released packet waits in the output buffer
  PcapngSection section;
  // A source that fails (or cannot be opened) is opened again after 1 s, 2 s,
  // 4 s... (at most k_max_reconnect_wait) until the capture ends; the gap is
  // recorded in the stream. Not for a source over a given session.
  bool reconnect{false};
  OutputFiles* files{nullptr};
  // Sources that join while the capture runs (daemons that call in): called
  // over and over in a thread of its own, it returns the next source, or
  // nullopt when no more will come. It should return within a fraction of a
  // second once `stop` is set.
  std::function<std::optional<MergedSource>(const SignalFlag& stop)> more_sources;  // rotating files the output goes to (a new one when due), if any
};

// What one source did.
struct SourceReport {
  std::string name;
  bool began{false};            // it got as far as capturing (it has an interface in the stream)
  CaptureTotals totals;         // written: packets of it in the stream
  std::optional<Error> error;   // why it could not start or stopped early (the last time)
  std::chrono::seconds retry_in{0};  // reconnect: when it is tried again (0: it is not)
  bool others_go_on{false};     // when it failed: another source still captured or opened, or more may join
};

struct MergedTotals {
  std::vector<SourceReport> sources;
  std::uint64_t written{0};     // packets in the stream
  std::uint64_t late{0};        // written after a later-stamped packet (a source lagged past the window)
};

struct MergedCallbacks {
  std::function<void(const SourceReport&)> on_report;  // SIGUSR1: each source's statistics as they come
  std::function<void(const SourceReport&)> on_failed;  // a source failed (its error set); the others go on
  std::function<void(const SourceReport&)> on_resumed; // a lost source captures again (reconnect)
  std::function<void(std::uint64_t written)> on_progress;  // about once a second
  // SIGHUP: the filter every source is to install (nullopt: none; the
  // callback said why), then each source's outcome, as RunCallbacks'.
  std::function<std::optional<std::string>()> on_reload;
  std::function<void(const SourceReport&, const std::string& filter, const Status& installed)> on_filter;
};

// Capture every source into `out` (begun when the first source captures:
// a run in which none does writes nothing), and those that join, until
// the count, a stop signal, every source's end (files, failures; with
// more_sources, once it has no more), or the reader going away.
// Fails only when the output fails; each source's fate is in `totals`.
Result<RunEnd> run_merged_capture(const MergedCaptureOptions& opts, PcapngWriter& out, MergedTotals& totals,
                                  const RunSignals& signals, const MergedCallbacks& callbacks);

// A section header for this host: its machine and operating system (uname)
// and `application` ("rpcap-capture 1.2.0").
PcapngSection host_section(const std::string& application);

}  // namespace rpcap
