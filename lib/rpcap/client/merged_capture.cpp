// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/merged_capture.hpp"

#include <pthread.h>
#include <sys/utsname.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <csignal>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "rpcap/client/merge.hpp"

namespace rpcap {
namespace {

using Clock = MergeWindow::Clock;

// A source hands its packets over in batches of about this size (or sooner,
// when it goes idle or its flush timer fires).
constexpr std::size_t k_batch_bytes = 256u << 10;

// What a source tells the merger besides its packets.
struct Event {
  enum class Kind { joined, no_more, began, statistics, lost, ended, filter };
  std::size_t source{0};
  Kind kind{Kind::began};
  StreamFormat format;          // began
  CaptureTotals totals;         // statistics, lost, ended
  std::optional<Error> error;   // lost, ended
  std::chrono::seconds retry_in{0};  // lost
  std::shared_ptr<MergedSource> joined;  // joined
  std::string filter;           // filter: the expression the source was asked to install (error: refused)

  static Event of(std::size_t source, Kind kind, CaptureTotals totals = {}, std::optional<Error> error = {})
  {
    Event e;
    e.source = source;
    e.kind = kind;
    e.totals = std::move(totals);
    e.error = std::move(error);
    return e;
  }
};

// What the source threads and the merger share, under one lock.
class Exchange {
public:
  explicit Exchange(const MergedCaptureOptions& opts)
      : m_window(opts.sources.size(), opts.window, opts.max_bytes), m_max_bytes(opts.max_bytes),
        m_flags(opts.sources.size())
  {
  }

  // One more source, numbered as the window numbers it (under the lock).
  std::size_t add_source()
  {
    m_flags.emplace_back();
    return m_window.add_source();
  }
  std::size_t sources() const { return m_flags.size(); }

  // A source's batch; waits while the window is full (the output is slow),
  // unless the run is stopping. Returns a batch to fill next.
  PacketBatch hand_over(std::size_t source, PacketBatch&& batch)
  {
    std::unique_lock lock{m_mutex};
    m_space.wait(lock, [&] { return m_window.held_bytes() <= m_max_bytes || stopping(); });
    m_window.push(source, std::move(batch), Clock::now());
    ++m_pushed;
    m_wake.notify_one();
    return m_window.spare();
  }

  void post(Event e)
  {
    std::lock_guard lock{m_mutex};
    m_events.push_back(std::move(e));
    m_wake.notify_one();
  }

  // Tell every source to end: stop() without the lock held, stop_locked()
  // with it. The flag is set under the lock, so that a source about to wait
  // for room cannot miss it.
  void stop()
  {
    std::lock_guard lock{m_mutex};
    stop_locked();
  }
  void stop_locked()
  {
    m_stop.store(1);
    m_space.notify_all();
  }
  bool stopping() const { return m_stop.load() != 0; }

  // Batches handed over so far (under the lock).
  std::uint64_t pushed() const { return m_pushed; }
  SignalFlag* stop_flag() { return &m_stop; }
  SignalFlag* report_flag(std::size_t source) { return &m_flags[source].report; }
  SignalFlag* reload_flag(std::size_t source) { return &m_flags[source].reload; }

  // SIGHUP: every source is to install `filter` (under the lock).
  void reload_locked(std::string filter)
  {
    m_filter = std::move(filter);
    for (auto& f : m_flags) { f.reload.store(1); }
  }
  // The filter the sources were last asked to install.
  std::string new_filter()
  {
    std::lock_guard lock{m_mutex};
    return m_filter;
  }

  std::mutex m_mutex;
  std::condition_variable m_wake;   // the merger: a batch or an event came
  std::condition_variable m_space;  // the sources: the window has room again
  MergeWindow m_window;
  std::vector<Event> m_events;

private:
  std::size_t m_max_bytes;
  std::uint64_t m_pushed{0};
  SignalFlag m_stop{0};
  struct Flags {
    SignalFlag report{0};  // SIGUSR1
    SignalFlag reload{0};  // SIGHUP
  };
  std::deque<Flags> m_flags;  // a deque: the addresses stay as it grows
  std::string m_filter;       // reload_locked()'s
};

// One source's output: its packets collect in a batch for the merger.
class Feed final : public PacketOutput {
public:
  Feed(Exchange& x, std::size_t source) : m_x(x), m_source(source) {}

  bool wants_description() const override { return true; }
  Status begin(const StreamFormat& format) override
  {
    m_unit_ns = format.resolution == TsResolution::nano ? 1 : 1000;
    m_began = true;
    Event e = Event::of(m_source, Event::Kind::began);
    e.format = format;
    m_x.post(std::move(e));
    return {};
  }
  // True once, after a begin(): the capture got going.
  bool take_began() { return std::exchange(m_began, false); }
  Status write(std::uint32_t ts_sec, std::uint32_t ts_frac, std::uint32_t len, ByteView data) override
  {
    m_batch.add(std::uint64_t{ts_sec} * 1000000000u + std::uint64_t{ts_frac} * m_unit_ns, len, data);
    ++m_packets;
    if (m_batch.data.size() >= k_batch_bytes) { return flush(); }
    return {};
  }
  Status flush() override
  {
    if (!m_batch.empty()) { m_batch = m_x.hand_over(m_source, std::move(m_batch)); }
    return {};
  }
  std::uint64_t packets() const override { return m_packets; }
  std::size_t buffered() const override { return m_batch.data.size(); }

private:
  Exchange& m_x;
  std::size_t m_source;
  std::uint64_t m_unit_ns{1000};
  PacketBatch m_batch;
  std::uint64_t m_packets{0};
  bool m_began{false};
};

// Wait `d` unless the run stops first; false if it stopped.
bool pause(Exchange& x, std::chrono::seconds d)
{
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
    if (x.stopping()) { return false; }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return !x.stopping();
}

void run_source(Exchange& x, std::size_t i, SignalFlag* report, CaptureRunOptions run,
                std::shared_ptr<ClientSession> session, bool reconnect)
{
  // The program's signals go to its main thread, which tells the sources.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  run.count = 0;
  Feed feed{x, i};
  RunCallbacks cb;
  cb.on_report = [&](const CaptureTotals& t) { x.post(Event::of(i, Event::Kind::statistics, t)); };
  cb.on_reload = [&x]() -> std::optional<std::string> { return x.new_filter(); };
  cb.on_filter = [&](const std::string& filter, const Status& installed) {
    Event e = Event::of(i, Event::Kind::filter, {}, installed ? std::nullopt : std::optional<Error>{installed.error()});
    e.filter = filter;
    x.post(std::move(e));
  };
  const RunSignals signals{x.stop_flag(), report, x.reload_flag(i)};
  std::chrono::seconds wait{1};
  for (;;) {
    CaptureTotals totals;
    auto end = session ? run_session_capture(*session, run, feed, totals, signals, cb)
                       : run_capture(run, feed, totals, signals, cb);
    (void)feed.flush();
    if (feed.take_began()) { wait = std::chrono::seconds{1}; }
    if (end || !reconnect || session || x.stopping()) {
      x.post(Event::of(i, Event::Kind::ended, totals, end ? std::nullopt : std::optional<Error>{end.error()}));
      return;
    }
    Event lost = Event::of(i, Event::Kind::lost, totals, std::move(end).error());
    lost.retry_in = wait;
    x.post(std::move(lost));
    if (!pause(x, wait)) {
      x.post(Event::of(i, Event::Kind::ended, totals));
      return;
    }
    wait = std::min(wait * 2, k_max_reconnect_wait);
  }
}

std::uint64_t wall_ns()
{
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// The merger's side: interfaces, statistics blocks and packets into the pcapng stream.
class Merger {
public:
  Merger(const MergedCaptureOptions& opts, PcapngWriter& out, MergedTotals& totals, const MergedCallbacks& cb)
      : m_opts(opts), m_out(out), m_totals(totals), m_cb(cb), m_more(static_cast<bool>(opts.more_sources))
  {
    m_totals.sources.clear();
    for (const auto& s : opts.sources) { add(s); }
  }

  // One more source: its report and state.
  void add(const MergedSource& s)
  {
    m_totals.sources.push_back(SourceReport{s.name, false, {}, {}, {}, false});
    m_state.push_back(State{});
    m_state.back().filter = s.run.filter;
  }
  // No source will join any more.
  void no_more() { m_more = false; }

  // Handle one event from a source.
  Status handle(const Event& e, MergeWindow& window)
  {
    SourceReport& r = m_totals.sources[e.source];
    State& s = m_state[e.source];
    switch (e.kind) {
    case Event::Kind::began: {
      PcapngInterface iface;
      iface.linktype = e.format.linktype;
      iface.snaplen = e.format.snaplen;
      iface.name = r.name;
      iface.description = e.format.description;
      iface.filter = s.filter;
      iface.resolution = e.format.resolution;
      window.resume(e.source);  // it holds the others back again (also one that never began before)
      if (s.id) {
        // Captured again after it was lost: the same interface unless it changed.
        const PcapngInterface& was = m_out.interfaces()[*s.id];
        s.gap = "the capture of this source was lost " + std::to_string((wall_ns() - s.lost_ns) / 1000000000u)
                + " s before this packet and resumed here: packets in between were not captured";
        if (m_cb.on_resumed) { m_cb.on_resumed(r); }
        if (was.linktype == iface.linktype && was.snaplen == iface.snaplen && was.resolution == iface.resolution) {
          return {};
        }
        // A new interface: what is still held of the old one goes out first, under its own.
        if (auto st = release(window, true); !st) { return st; }
      }
      if (!m_out.begun()) {
        // The stream begins with the first source that captures: a run in
        // which none does writes nothing (an existing file stays as it was).
        if (auto st = m_out.begin(m_opts.section); !st) { return st; }
      }
      auto id = m_out.add_interface(iface);
      if (!id) { return std::move(id).error(); }
      s.id = *id;
      s.resolution = e.format.resolution;
      if (!r.began) { s.start_ns = wall_ns(); }
      r.began = true;
      return {};
    }
    case Event::Kind::statistics:
      r.totals = e.totals;
      r.totals.written = s.written;
      if (m_cb.on_report) { m_cb.on_report(r); }
      return statistics(e.source, "");
    case Event::Kind::lost:
      // Not held back for while it is away; a statistics block records the loss.
      window.end(e.source);
      r.totals = e.totals;
      r.totals.written = s.written;
      r.error = e.error;
      r.retry_in = e.retry_in;
      s.lost_ns = wall_ns();
      r.others_go_on = others_go_on(e.source);
      if (m_cb.on_failed) { m_cb.on_failed(r); }
      return statistics(e.source, "lost: " + e.error->message);
    case Event::Kind::filter:
      if (!e.error) { s.filter = e.filter; }  // the interface of a later reconnect carries it
      if (m_cb.on_filter) { m_cb.on_filter(r, e.filter, e.error ? Status{*e.error} : Status{}); }
      return {};
    case Event::Kind::joined:
    case Event::Kind::no_more:
      return {};  // the run's loop takes these
    case Event::Kind::ended:
      // Its packets are all in the window already: they were handed over before this event.
      window.end(e.source);
      r.totals = e.totals;
      r.totals.written = s.written;
      if (e.error) { r.error = e.error; }
      r.retry_in = std::chrono::seconds{0};
      s.ended = true;
      r.others_go_on = others_go_on(e.source);
      if (e.error && m_cb.on_failed) { m_cb.on_failed(r); }
      return {};
    }
    return {};
  }

  // The statistics block of a source that began, if it has counters.
  Status statistics(std::size_t i, const std::string& comment)
  {
    const State& s = m_state[i];
    const SourceReport& r = m_totals.sources[i];
    if (!s.id) { return {}; }
    const std::uint64_t div = s.resolution == TsResolution::nano ? 1 : 1000;
    PcapngStatistics st;
    st.timestamp = wall_ns() / div;
    st.start = s.start_ns / div;
    if (!comment.empty()) { st.end = st.timestamp; }
    st.comment = comment;
    st.usrdeliv = s.written;
    if (r.totals.remote) {
      st.ifrecv = r.totals.remote->ifrecv;
      st.ifdrop = r.totals.remote->ifdrop;
      st.osdrop = r.totals.remote->krnldrop;
      st.filteraccept = r.totals.remote->svrcapt;
    } else if (r.totals.local) {
      st.ifrecv = r.totals.local->received;
      st.ifdrop = r.totals.local->if_dropped;
      st.osdrop = r.totals.local->dropped;
    }
    return m_out.write_statistics(*s.id, st);
  }

  // Release what the window says is due (up to the count).
  Status release(MergeWindow& window, bool everything)
  {
    std::optional<Error> failed;
    window.release(Clock::now(), everything, [&](std::size_t i, const PacketBatch::Record& r, ByteView data) {
      if (full()) { return false; }
      State& s = m_state[i];
      const std::uint64_t ts = s.resolution == TsResolution::nano ? r.ts_ns : r.ts_ns / 1000;
      if (m_opts.files != nullptr) {
        if (auto st = m_opts.files->rotate_if_due(m_out); !st) {
          failed = std::move(st).error();
          return false;
        }
      }
      // The gap's comment goes on the first packet captured after the loss.
      const bool after_gap = !s.gap.empty() && r.ts_ns >= s.lost_ns;
      if (auto st = m_out.write(*s.id, ts, r.len, data, after_gap ? std::string_view{s.gap} : std::string_view{}); !st) {
        failed = std::move(st).error();
        return false;
      }
      ++s.written;
      if (after_gap) { s.gap.clear(); }
      return true;
    });
    m_totals.written = m_out.packets();
    m_totals.late = window.late();
    if (failed) { return *failed; }
    return {};
  }

  bool full() const { return m_opts.count != 0 && m_out.packets() >= m_opts.count; }
  // True if a source other than `i` has not ended, or more may join.
  bool others_go_on(std::size_t i) const
  {
    if (m_more) { return true; }
    for (std::size_t j = 0; j < m_state.size(); ++j) {
      if (j != i && !m_state[j].ended) { return true; }
    }
    return false;
  }
  bool all_ended() const
  {
    if (m_more) { return false; }
    for (const auto& s : m_state) {
      if (!s.ended) { return false; }
    }
    return true;
  }

  // At the end: a final statistics block for every source that began.
  Status finish()
  {
    for (std::size_t i = 0; i < m_state.size(); ++i) {
      m_totals.sources[i].totals.written = m_state[i].written;
      if (auto st = statistics(i, "end of capture"); !st) { return st; }
    }
    m_totals.written = m_out.packets();
    return m_out.flush();
  }

private:
  struct State {
    std::optional<std::uint32_t> id;  // its interface, once it began
    TsResolution resolution{TsResolution::micro};
    std::uint64_t start_ns{0};
    std::uint64_t written{0};
    std::uint64_t lost_ns{0};
    std::string gap;  // the comment for its next packet, after it was lost
    std::string filter;
    bool ended{false};
  };
  const MergedCaptureOptions& m_opts;
  PcapngWriter& m_out;
  MergedTotals& m_totals;
  const MergedCallbacks& m_cb;
  std::vector<State> m_state;
  bool m_more;  // sources may still join
};

// The thread that takes in the sources that join (MergedCaptureOptions::more_sources).
void take_sources(Exchange& x, const MergedCaptureOptions& opts)
{
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  while (!x.stopping()) {
    auto s = opts.more_sources(*x.stop_flag());
    if (!s) { break; }
    Event e = Event::of(0, Event::Kind::joined);
    e.joined = std::make_shared<MergedSource>(std::move(*s));
    x.post(std::move(e));
  }
  x.post(Event::of(0, Event::Kind::no_more));
}

}  // namespace

PcapngSection host_section(const std::string& application)
{
  PcapngSection s;
  s.application = application;
  utsname u{};
  if (::uname(&u) == 0) {
    s.hardware = u.machine;
    s.os = std::string{u.sysname} + " " + u.release;
  }
  return s;
}

Result<RunEnd> run_merged_capture(const MergedCaptureOptions& opts, PcapngWriter& out, MergedTotals& totals,
                                  const RunSignals& signals, const MergedCallbacks& cb)
{
  Exchange x{opts};
  Merger merger{opts, out, totals, cb};
  std::vector<std::thread> threads;
  // However the run ends, the sources are told to stop and joined (a
  // thread that cannot be started leaves those started joinable here).
  struct Joiner {
    Exchange& x;
    std::vector<std::thread>& threads;
    ~Joiner()
    {
      x.stop();
      for (auto& t : threads) { t.join(); }
    }
  } joiner{x, threads};
  // Each thread gets its report flag from here: the deque of flags grows
  // under the lock as sources join.
  for (std::size_t i = 0; i < opts.sources.size(); ++i) {
    threads.emplace_back(run_source, std::ref(x), i, x.report_flag(i), opts.sources[i].run, opts.sources[i].session,
                         opts.reconnect);
  }
  if (opts.more_sources) { threads.emplace_back(take_sources, std::ref(x), std::cref(opts)); }

  const auto tick = std::chrono::milliseconds(opts.flush_ms);
  auto last_progress = Clock::now();
  std::uint64_t seen = 0;  // batches handed over when the merger last looked
  std::optional<Error> output_error;
  auto failed = [&](const Status& st) {
    if (!st && !output_error) { output_error = st.error(); }
    return output_error.has_value();
  };
  {
    std::unique_lock lock{x.m_mutex};
    while (!output_error) {
      auto until = Clock::now() + tick;
      // Once the count is reached nothing more is released: no deadline then.
      if (auto due = x.m_window.next_due(); due && *due < until && !merger.full()) { until = *due; }
      x.m_wake.wait_until(lock, until, [&] { return !x.m_events.empty() || x.pushed() != seen; });
      seen = x.pushed();
      const auto events = std::move(x.m_events);
      x.m_events.clear();
      // A source's interface first, then the packets it handed over after
      // saying so, then its statistics and its end (which may let the
      // others' packets go: it no longer holds them back).
      for (const auto& e : events) {
        if (e.kind == Event::Kind::joined) {
          // Numbered alike by the window, the exchange and the merger.
          const std::size_t i = x.add_source();
          merger.add(*e.joined);
          threads.emplace_back(run_source, std::ref(x), i, x.report_flag(i), e.joined->run, e.joined->session, false);
        } else if (e.kind == Event::Kind::no_more) {
          merger.no_more();
        } else if (e.kind == Event::Kind::began && failed(merger.handle(e, x.m_window))) {
          break;
        }
      }
      if (failed(merger.release(x.m_window, false))) { break; }
      for (const auto& e : events) {
        if (e.kind != Event::Kind::began && e.kind != Event::Kind::joined && e.kind != Event::Kind::no_more
            && failed(merger.handle(e, x.m_window))) {
          break;
        }
      }
      if (failed(merger.release(x.m_window, merger.all_ended()))) { break; }
      x.m_space.notify_all();
      if (merger.all_ended()) { break; }
      if (merger.full() || raised(signals.stop)) { x.stop_locked(); }
      if (raised(signals.reload)) {
        signals.reload->store(0);
        if (cb.on_reload) {
          if (auto filter = cb.on_reload(); filter) { x.reload_locked(std::move(*filter)); }
        }
      }
      if (raised(signals.report)) {
        signals.report->store(0);
        for (std::size_t i = 0; i < x.sources(); ++i) { x.report_flag(i)->store(1); }
      }
      if (out.buffered() > 0 && failed(out.flush())) { break; }
      if (cb.on_progress && Clock::now() - last_progress >= std::chrono::seconds(1)) {
        last_progress = Clock::now();
        cb.on_progress(out.packets());
      }
    }
  }
  if (output_error) {
    totals.written = out.packets();
    return output_failed(*output_error);
  }
  if (auto st = merger.finish(); !st) { return output_failed(st.error()); }
  return RunEnd::done;
}

}  // namespace rpcap
