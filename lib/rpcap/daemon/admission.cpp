// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/admission.hpp"

#include "rpcap/config/settings.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace rpcap {
namespace {

constexpr unsigned k_max_misses = 16;  // enough to bring any share down to one
constexpr std::size_t k_max_penalised_sources = 4096;  // sources remembered without a connection

}  // namespace

std::string source_of(const SockAddress& addr)
{
  if (addr.family() != AF_INET6) { return addr.host(); }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr.storage);
  if (IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) { return addr.host(); }
  in6_addr prefix{};
  std::memcpy(&prefix, &in6.sin6_addr,
              8);  // the /64; the interface identifier is the client's to choose
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &prefix, text, sizeof text);
  return std::string{text} + "/64";
}

unsigned Admission::misses_now(const Source& s, Clock::time_point now) const
{
  if (s.misses == 0) { return 0; }
  const auto forgive = std::max<Clock::duration>(m_limits.penalty_forgive, std::chrono::seconds(1));
  const auto forgiven = static_cast<unsigned>(std::max<Clock::rep>(0, (now - s.last_miss) / forgive));
  return forgiven >= s.misses ? 0 : s.misses - forgiven;
}

unsigned Admission::share(const std::string& source, Clock::time_point now) const
{
  const unsigned full = std::max(1u, m_limits.max_unauthenticated_per_source);
  auto it = m_sources.find(source);
  if (it == m_sources.end()) { return full; }
  const unsigned misses = misses_now(it->second, now);
  return misses >= 32 ? 1u : std::max(1u, full >> misses);
}

std::optional<Admission::State> Admission::state(Id id) const
{
  auto it = m_conns.find(id);
  if (it == m_conns.end()) { return std::nullopt; }
  return it->second.state;
}

void Admission::forget(Id id)
{
  auto it = m_conns.find(id);
  if (it == m_conns.end()) { return; }
  const std::string source = it->second.source;
  Source& s = m_sources[source];
  switch (it->second.state) {
  case State::silent:
    s.silent.erase(std::find(s.silent.begin(), s.silent.end(), id));
    [[fallthrough]];
  case State::speaking:
    --s.unauthenticated;
    --m_unauthenticated;
    break;
  case State::logged_in:
    --s.logged_in;
    --m_logged_in;
    break;
  }
  m_conns.erase(it);
  drop_source_if_unused(source);
}

void Admission::drop_source_if_unused(const std::string& source)
{
  auto it = m_sources.find(source);
  if (it != m_sources.end() && it->second.unauthenticated == 0 && it->second.logged_in == 0 && it->second.misses == 0) {
    m_sources.erase(it);
  }
}

bool Admission::evict_from(const std::string& source, Arrival& out, const std::function<bool(Id)>& still_silent)
{
  auto it = m_sources.find(source);
  while (it != m_sources.end() && !it->second.silent.empty()) {
    const Id oldest = it->second.silent.front();
    if (still_silent && !still_silent(oldest)) {
      spoke(oldest);
      out.spoke.push_back(oldest);
      continue;
    }
    forget(oldest);
    out.evicted.push_back(oldest);
    return true;
  }
  return false;
}

Admission::Arrival Admission::arrive(Id id, const std::string& source, Clock::time_point now,
                                     const std::function<bool(Id)>& still_silent)
{
  Arrival out;
  const unsigned mine = share(source, now);
  if (auto it = m_sources.find(source); it != m_sources.end() && it->second.unauthenticated >= mine) {
    if (!evict_from(source, out, still_silent)) {
      out.refusal = "too many connections from " + source + " (" + key_of(&DaemonConfig::max_unauthenticated_per_source) + " "
                    + std::to_string(m_limits.max_unauthenticated_per_source)
                    + (mine < m_limits.max_unauthenticated_per_source ? ", " + std::to_string(mine) + " after penalties"
                                                                      : std::string{})
                    + ")";
      return out;
    }
  }
  while (m_unauthenticated >= m_limits.max_unauthenticated) {
    // The source holding the most unauthenticated connections that has a
    // silent one gives it up (ties: the first in address order).
    const std::string* richest = nullptr;
    unsigned most = 0;
    for (const auto& [name, s] : m_sources) {
      if (!s.silent.empty() && s.unauthenticated > most) {
        richest = &name;
        most = s.unauthenticated;
      }
    }
    if (richest == nullptr) {
      out.refusal = "too many unauthenticated connections (" + key_of(&DaemonConfig::max_unauthenticated) + " "
                    + std::to_string(m_limits.max_unauthenticated) + ")";
      return out;
    }
    const std::string victim = *richest;  // evict_from may erase the entry
    (void)evict_from(victim, out, still_silent);
  }
  Source& s = m_sources[source];
  s.silent.push_back(id);
  ++s.unauthenticated;
  ++m_unauthenticated;
  m_conns[id] = Conn{source, State::silent, now};
  out.accepted = true;
  return out;
}

void Admission::spoke(Id id)
{
  auto it = m_conns.find(id);
  if (it == m_conns.end() || it->second.state != State::silent) { return; }
  it->second.state = State::speaking;
  auto& silent = m_sources[it->second.source].silent;
  silent.erase(std::find(silent.begin(), silent.end(), id));
}

std::optional<std::string> Admission::log_in(Id id)
{
  auto it = m_conns.find(id);
  if (it == m_conns.end()) { return "the connection is not known"; }
  if (it->second.state == State::logged_in) { return std::nullopt; }
  Source& s = m_sources[it->second.source];
  if (m_logged_in >= m_limits.max_sessions) {
    return "too many sessions (" + key_of(&DaemonConfig::max_sessions) + " " + std::to_string(m_limits.max_sessions) + ")";
  }
  if (s.logged_in >= m_limits.max_sessions_per_host) {
    return "too many sessions from " + it->second.source + " (" + key_of(&DaemonConfig::max_sessions_per_host) + " "
           + std::to_string(m_limits.max_sessions_per_host) + ")";
  }
  if (it->second.state == State::silent) { spoke(id); }
  --s.unauthenticated;
  --m_unauthenticated;
  ++s.logged_in;
  ++m_logged_in;
  it->second.state = State::logged_in;
  return std::nullopt;
}

void Admission::leave(Id id) { forget(id); }

unsigned Admission::penalise(const std::string& source, Clock::time_point now)
{
  if (m_sources.find(source) == m_sources.end() && m_sources.size() >= k_max_penalised_sources) {
    // Full: forget a source that holds no connection and was penalised longest
    // ago.
    auto stalest = m_sources.end();
    for (auto it = m_sources.begin(); it != m_sources.end(); ++it) {
      if (it->second.unauthenticated != 0 || it->second.logged_in != 0) { continue; }
      if (stalest == m_sources.end() || it->second.last_miss < stalest->second.last_miss) { stalest = it; }
    }
    if (stalest == m_sources.end()) { return share(source, now); }
    m_sources.erase(stalest);
  }
  Source& s = m_sources[source];
  s.misses = std::min(misses_now(s, now) + 1, k_max_misses);
  s.last_miss = now;
  return share(source, now);
}

std::vector<Admission::Id> Admission::silent_since(Clock::time_point cutoff) const
{
  std::vector<Id> out;
  for (const auto& [id, c] : m_conns) {
    if (c.state == State::silent && c.accepted <= cutoff) { out.push_back(id); }
  }
  std::sort(out.begin(), out.end(), [&](Id a, Id b) { return m_conns.at(a).accepted < m_conns.at(b).accepted; });
  return out;
}

std::optional<Admission::Clock::time_point> Admission::oldest_silent() const
{
  std::optional<Clock::time_point> oldest;
  for (const auto& [name, s] : m_sources) {
    if (s.silent.empty()) { continue; }
    const auto t = m_conns.at(s.silent.front()).accepted;
    if (!oldest || t < *oldest) { oldest = t; }
  }
  return oldest;
}

}  // namespace rpcap
