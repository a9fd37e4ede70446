// SPDX-License-Identifier: BSD-3-Clause
// Packets of several sources into one time order, live: each source hands
// over batches of its packets as they arrive, and a packet is released once
// no source can still deliver an earlier one, or once it has waited the
// merge window, whichever comes first.
//
// "No source can still deliver an earlier one": every other source that has
// not ended has already delivered a packet stamped at or after it (a
// source's own packets come in time order, as a capture gives them). A
// source that is idle or slow holds the others back for at most the window;
// a packet it delivers later than that is still released, never dropped,
// after packets stamped later than it, and counted as late. Memory is
// bounded too: past `max_bytes` held, the oldest packets go out at once.
//
// Pure logic, no threads and no clock of its own: the caller passes the time
// (client/merged_capture runs it over one thread per source).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "rpcap/wire/bytes.hpp"

namespace rpcap {

// One source's packets, handed over together: their bytes back to back and
// one record per packet. Reused: clear() keeps the memory.
struct PacketBatch {
  struct Record {
    std::uint64_t ts_ns;   // nanoseconds since the epoch
    std::uint32_t len;     // length on the wire
    std::uint32_t caplen;  // bytes captured
    std::size_t offset;    // where they start in `data`
  };
  Bytes data;
  std::vector<Record> records;

  void add(std::uint64_t ts_ns, std::uint32_t len, ByteView bytes)
  {
    records.push_back(Record{ts_ns, len, static_cast<std::uint32_t>(bytes.size()), data.size()});
    data.insert(data.end(), bytes.begin(), bytes.end());
  }
  ByteView bytes(const Record& r) const { return ByteView{data.data() + r.offset, r.caplen}; }
  bool empty() const noexcept { return records.empty(); }
  // What the batch holds, for the memory bound: bytes and records.
  std::size_t footprint() const noexcept { return data.size() + records.size() * sizeof(Record); }
  void clear() noexcept
  {
    data.clear();
    records.clear();
  }
};

class MergeWindow {
public:
  using Clock = std::chrono::steady_clock;
  // Called for each packet released, in order: its source, record and bytes.
  // Returning false stops the release (the output failed or is full).
  using Emit = std::function<bool(std::size_t source, const PacketBatch::Record&, ByteView)>;

  MergeWindow(std::size_t sources, std::chrono::milliseconds window, std::size_t max_bytes);

  // One more source (a daemon that called in); returns its number.
  std::size_t add_source();
  // Source `source` handed over `batch` at `now`.
  void push(std::size_t source, PacketBatch&& batch, Clock::time_point now);
  // Source `source` will hand over nothing more (ended, or failed), or
  // nothing until resume(): the others are not held back for it meanwhile.
  void end(std::size_t source);
  void resume(std::size_t source);
  // Release the packets due at `now` (all of them with `everything`) to
  // `emit`, in timestamp order. Returns how many were released.
  std::size_t release(Clock::time_point now, bool everything, const Emit& emit);
  // When the oldest packet held will be due however the others fare;
  // nullopt when none is held.
  std::optional<Clock::time_point> next_due() const;

  std::size_t held_bytes() const noexcept { return m_held_bytes; }
  // Packets released after one stamped later than them (from a source that
  // lagged more than the window).
  std::uint64_t late() const noexcept { return m_late; }
  // A batch whose packets were all released, for reuse (empty if none).
  PacketBatch spare();

private:
  struct Held {
    PacketBatch batch;
    std::size_t next{0};  // first record not yet released
    Clock::time_point arrived;
  };
  struct Source {
    std::deque<Held> queue;
    std::optional<std::uint64_t> newest;  // latest timestamp handed over
    bool ended{false};
  };
  // The source whose first held packet is stamped earliest; nullopt if none holds any.
  std::optional<std::size_t> earliest() const;
  bool due(std::size_t source, Clock::time_point now) const;
  void pop(std::size_t source);

  std::vector<Source> m_sources;
  std::chrono::milliseconds m_window;
  std::size_t m_max_bytes;
  std::size_t m_held_bytes{0};
  std::optional<std::uint64_t> m_last_released;
  std::uint64_t m_late{0};
  std::vector<PacketBatch> m_spares;
};

}  // namespace rpcap
