// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/login_throttle.hpp"

#include <unistd.h>

#include <algorithm>
#include <thread>

namespace rpcap {

std::chrono::milliseconds LoginThrottle::delay_for(const std::string& host, Clock::time_point now,
                                                   std::chrono::milliseconds max) const
{
  auto delay = m_settings.base;
  auto it = m_entries.find(host);
  if (it != m_entries.end() && now - it->second.last < m_settings.forget) {
    for (unsigned i = 0; i < it->second.failures && delay < max; ++i) { delay *= 2; }
  }
  return std::min(delay, std::max(max, m_settings.base));
}

void LoginThrottle::failed(const std::string& host, Clock::time_point now)
{
  auto it = m_entries.find(host);
  if (it == m_entries.end()) {
    if (m_entries.size() >= m_settings.max_entries) {
      // Full: forget what is stale, else the address that failed longest ago.
      for (auto e = m_entries.begin(); e != m_entries.end();) {
        e = now - e->second.last >= m_settings.forget ? m_entries.erase(e) : std::next(e);
      }
      if (m_entries.size() >= m_settings.max_entries) {
        m_entries.erase(std::min_element(m_entries.begin(), m_entries.end(), [](const auto& a, const auto& b) {
          return a.second.last < b.second.last;
        }));
      }
    }
    it = m_entries.emplace(host, Entry{}).first;
  }
  Entry& e = it->second;
  if (now - e.last >= m_settings.forget) { e.failures = 0; }
  // The count only has to reach the cap's exponent; keep it from wrapping.
  e.failures = std::min(e.failures + 1, 64u);
  e.last = now;
}

void LoginThrottle::succeeded(const std::string& host) { m_entries.erase(host); }

void LoginReporter::report(Outcome outcome) const
{
  if (m_fd < 0) { return; }
  Record r{static_cast<char>(outcome), {}, static_cast<std::int32_t>(::getpid())};
  // Smaller than PIPE_BUF: written whole or not at all, never interleaved.
  (void)!::write(m_fd, &r, sizeof r);
}

void LoginReporter::close()
{
  if (m_fd >= 0) { ::close(m_fd); }
  m_fd = -1;
}

Status ThrottledAuthenticator::login(const std::string& user, const std::string& password, const SockAddress& peer)
{
  const auto start = std::chrono::steady_clock::now();
  auto st = m_inner->login(user, password, peer);
  if (st) {
    m_reporter.report(LoginReporter::Outcome::succeeded);
    m_reporter.close();
    return st;
  }
  if (st.error().kind != ErrorKind::auth) {
    m_reporter.close();
    return st;
  }
  // Count it before answering: the client's next connection must find it counted.
  m_reporter.report(LoginReporter::Outcome::failed);
  std::this_thread::sleep_until(start + m_delay);
  const auto waited =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  Error e = std::move(st).error();
  e.message += " (answered after " + std::to_string(waited / 1000) + "." + std::to_string(waited % 1000 / 100) + " s)";
  m_delay = std::min(m_delay * 2, std::max(m_max, m_delay));
  return e;
}

Status ThrottledAuthenticator::login_certificate(const std::string& user, const SockAddress& peer)
{
  auto st = m_inner->login_certificate(user, peer);
  if (st || st.error().kind != ErrorKind::auth) { m_reporter.close(); }
  return st;
}

}  // namespace rpcap
