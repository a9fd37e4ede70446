// SPDX-License-Identifier: BSD-3-Clause
// Which connections the listening process keeps, serves and turns away.
//
// A connection goes through three states: silent (accepted, nothing
// received yet: held in the listening process's poll set, no process of
// its own), speaking (it sent its first bytes: a session process is
// authenticating it) and logged in. The first two are "unauthenticated"
// and bounded on their own, so that connections which never log in cannot
// take the slots of sessions (sshd's MaxStartups and PerSourcePenalties
// are the model):
//   - at most `max_unauthenticated` in all and a share of
//     `max_unauthenticated_per_source` per source (an IPv4 address, an IPv6
//     /64). A newcomer from a source at its share takes the place of that
//     source's oldest silent connection; when the total is reached, of the
//     oldest silent connection of the source that holds the most. A client
//     that speaks at once is therefore served even from a flooding source,
//     and a flood from some sources never starves the others. Only when
//     there is no silent connection to evict is the newcomer refused.
//   - a source whose connections miss their deadlines (nothing or not a
//     whole first message within FirstMessageTimeout, no login within
//     AuthTimeout) is penalised: each miss halves its share, down to one
//     connection, and one miss is forgiven per `penalty_forgive` after the
//     last. Other sources are never affected.
// Logged-in sessions are bounded by `max_sessions` in all and
// `max_sessions_per_host` per source; a login over either gets a refusal
// with the reason (the session process sends it as an RPCAP error).
//
// Pure bookkeeping (no sockets, no clock of its own), so that it can be
// tested exhaustively; the listening process (supervisor.cpp) acts on its answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rpcap/config/config.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

// The source `addr` counts against: its numeric IPv4 address ("192.0.2.7",
// an IPv4-mapped IPv6 address too), or its IPv6 /64 ("2001:db8:1:2::/64").
std::string source_of(const SockAddress& addr);

struct AdmissionLimits {
  unsigned max_sessions{k_default_max_sessions};  // logged in, in all (MaxSessions)
  unsigned max_sessions_per_host{k_default_max_sessions_per_host};  // logged in, per source (MaxSessionsPerHost)
  unsigned max_unauthenticated{k_default_max_unauthenticated};  // silent or speaking, in all (MaxUnauthenticated)
  unsigned max_unauthenticated_per_source{
      k_default_max_unauthenticated_per_source};  // silent or speaking, per source (MaxUnauthenticatedPerSource)
  std::chrono::seconds penalty_forgive{60};  // one missed deadline forgiven per this much time
};

class Admission {
public:
  using Clock = std::chrono::steady_clock;
  using Id = std::uint64_t;
  enum class State { silent, speaking, logged_in };

  // What arrive() decided.
  struct Arrival {
    bool accepted{false};
    std::vector<Id> evicted;  // silent connections to close now (they have left the table)
    std::vector<Id> spoke;  // candidates found speaking (now State::speaking): serve them
    std::string refusal;  // !accepted: why, for the client and the log
  };

  explicit Admission(AdmissionLimits limits) : m_limits(limits) {}

  // A connection `id` from `source` was accepted at `now`. `still_silent(id)`
  // is asked of each eviction candidate before it is evicted (it may have
  // spoken since the last poll); one that has spoken is served instead.
  Arrival arrive(Id id, const std::string& source, Clock::time_point now, const std::function<bool(Id)>& still_silent);
  // Silent connection `id` sent its first bytes.
  void spoke(Id id);
  // The session `id` authenticated: nullopt if it may go on (it is now
  // logged in), else the reason it is refused.
  std::optional<std::string> log_in(Id id);
  // The connection ended or was closed; unknown ids are ignored.
  void leave(Id id);
  // A connection from `source` missed a deadline at `now`: its share
  // shrinks. Returns the share it has now.
  unsigned penalise(const std::string& source, Clock::time_point now);
  // The silent connections accepted at or before `cutoff`, oldest first.
  std::vector<Id> silent_since(Clock::time_point cutoff) const;
  // When the oldest silent connection was accepted, if there is one.
  std::optional<Clock::time_point> oldest_silent() const;

  // The share of unauthenticated connections `source` has at `now`.
  unsigned share(const std::string& source, Clock::time_point now) const;
  std::optional<State> state(Id id) const;
  std::size_t unauthenticated() const noexcept { return m_unauthenticated; }
  std::size_t logged_in() const noexcept { return m_logged_in; }
  std::size_t sources() const noexcept { return m_sources.size(); }
  const AdmissionLimits& limits() const noexcept { return m_limits; }
  // Change the limits (SIGHUP): connections over a lowered cap stay.
  void set_limits(AdmissionLimits limits) { m_limits = limits; }

private:
  struct Conn {
    std::string source;
    State state{State::silent};
    Clock::time_point accepted;
  };
  struct Source {
    std::deque<Id> silent;  // oldest first
    unsigned unauthenticated{0};  // silent + speaking
    unsigned logged_in{0};
    unsigned misses{0};  // penalty points, as of `last_miss`
    Clock::time_point last_miss{};
  };
  unsigned misses_now(const Source& s, Clock::time_point now) const;
  // Remove `id` from the table and from its source's counts.
  void forget(Id id);
  // Evict the oldest silent connection of `source` that is still silent;
  // those found speaking go to `out.spoke`. False if there was none.
  bool evict_from(const std::string& source, Arrival& out, const std::function<bool(Id)>& still_silent);
  void drop_source_if_unused(const std::string& source);

  AdmissionLimits m_limits;
  std::map<Id, Conn> m_conns;
  std::map<std::string, Source> m_sources;
  std::size_t m_unauthenticated{0};
  std::size_t m_logged_in{0};
};

}  // namespace rpcap
