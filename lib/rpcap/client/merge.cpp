// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/merge.hpp"

namespace rpcap {
namespace {

// Spare batches kept for reuse: enough for every source to have one in hand.
constexpr std::size_t k_max_spares = 16;

}  // namespace

MergeWindow::MergeWindow(std::size_t sources, std::chrono::milliseconds window, std::size_t max_bytes)
    : m_sources(sources), m_window(window), m_max_bytes(max_bytes)
{
}

std::size_t MergeWindow::add_source()
{
  m_sources.emplace_back();
  return m_sources.size() - 1;
}

void MergeWindow::push(std::size_t source, PacketBatch&& batch, Clock::time_point now)
{
  if (batch.empty()) { return; }
  Source& s = m_sources.at(source);
  for (const auto& r : batch.records) {
    if (!s.newest || r.ts_ns > *s.newest) { s.newest = r.ts_ns; }
  }
  m_held_bytes += batch.footprint();
  s.queue.push_back(Held{std::move(batch), 0, now});
}

void MergeWindow::end(std::size_t source) { m_sources.at(source).ended = true; }

void MergeWindow::resume(std::size_t source) { m_sources.at(source).ended = false; }

std::optional<std::size_t> MergeWindow::earliest() const
{
  std::optional<std::size_t> best;
  std::uint64_t best_ts = 0;
  for (std::size_t i = 0; i < m_sources.size(); ++i) {
    const auto& q = m_sources[i].queue;
    if (q.empty()) { continue; }
    const std::uint64_t ts = q.front().batch.records[q.front().next].ts_ns;
    if (!best || ts < best_ts) {
      best = i;
      best_ts = ts;
    }
  }
  return best;
}

bool MergeWindow::due(std::size_t source, Clock::time_point now) const
{
  const Held& h = m_sources[source].queue.front();
  if (now - h.arrived >= m_window || m_held_bytes > m_max_bytes) { return true; }
  const std::uint64_t ts = h.batch.records[h.next].ts_ns;
  for (std::size_t i = 0; i < m_sources.size(); ++i) {
    const Source& s = m_sources[i];
    if (i == source || s.ended) { continue; }
    if (!s.newest || *s.newest < ts) { return false; }  // it may still send an earlier packet
  }
  return true;
}

void MergeWindow::pop(std::size_t source)
{
  auto& q = m_sources[source].queue;
  Held& h = q.front();
  if (++h.next < h.batch.records.size()) { return; }
  m_held_bytes -= h.batch.footprint();
  if (m_spares.size() < k_max_spares) {
    h.batch.clear();
    m_spares.push_back(std::move(h.batch));
  }
  q.pop_front();
}

std::size_t MergeWindow::release(Clock::time_point now, bool everything, const Emit& emit)
{
  std::size_t n = 0;
  for (;;) {
    const auto src = earliest();
    if (!src || (!everything && !due(*src, now))) { break; }
    const Held& h = m_sources[*src].queue.front();
    const PacketBatch::Record& r = h.batch.records[h.next];
    if (!emit(*src, r, h.batch.bytes(r))) { break; }
    if (m_last_released && r.ts_ns < *m_last_released) {
      ++m_late;
    } else {
      m_last_released = r.ts_ns;
    }
    ++n;
    pop(*src);
  }
  return n;
}

std::optional<MergeWindow::Clock::time_point> MergeWindow::next_due() const
{
  std::optional<Clock::time_point> first;
  for (const auto& s : m_sources) {
    if (!s.queue.empty() && (!first || s.queue.front().arrived < *first)) { first = s.queue.front().arrived; }
  }
  if (!first) { return std::nullopt; }
  return *first + m_window;
}

PacketBatch MergeWindow::spare()
{
  if (m_spares.empty()) { return {}; }
  PacketBatch b = std::move(m_spares.back());
  m_spares.pop_back();
  return b;
}

}  // namespace rpcap
