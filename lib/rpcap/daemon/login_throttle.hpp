// SPDX-License-Identifier: BSD-3-Clause
// Slowing down password guessing, per source (an IPv4 address, an IPv6
// /64: source_of(), as Admission counts) and across connections. libpcap's rpcapd waits 1 s after a failed password in the
// connection that failed (B18), so a guesser just opens more connections.
//
// The daemon serves each connection in its own process, so the count lives
// in the listening process: LoginThrottle keeps, for each address that
// failed recently, how many times it failed, and gives the delay the next
// failure from that address is answered after (1 s, doubling up to a cap).
// Each session process gets its address's delay when it is forked and
// reports every failed and successful login back over its SessionLink
// (LoginReporter, on a duplicate of the link's descriptor); a ThrottledAuthenticator applies the delay and doubles
// it for each further failure on the same connection. Other addresses are
// not slowed down, and nobody is ever locked out: a right password is
// answered at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "rpcap/daemon/session.hpp"

namespace rpcap {

class LoginThrottle {
public:
  using Clock = std::chrono::steady_clock;
  struct Settings {
    std::chrono::milliseconds base{1000};   // the delay of a first failure
    std::chrono::seconds forget{600};       // an address that has not failed for this long starts again
    std::size_t max_entries{4096};          // addresses remembered; the stalest are dropped beyond
  };

  LoginThrottle() = default;
  explicit LoginThrottle(Settings s) : m_settings(s) {}

  // The delay before answering the next failed login from `host` at `now`:
  // base * 2^(recent failures), at most `max`.
  std::chrono::milliseconds delay_for(const std::string& host, Clock::time_point now,
                                      std::chrono::milliseconds max) const;
  // Count a failed login from `host` at `now`.
  void failed(const std::string& host, Clock::time_point now);
  // A login from `host` succeeded: its count starts again.
  void succeeded(const std::string& host);
  // Addresses remembered (at most Settings::max_entries).
  std::size_t size() const noexcept { return m_entries.size(); }

private:
  struct Entry {
    unsigned failures{0};
    Clock::time_point last{};
  };
  Settings m_settings;
  std::map<std::string, Entry> m_entries;
};

// The session process's end of the line to the listening process (a
// SessionLink, or any descriptor in tests): one fixed-size record per login
// outcome, written without blocking (a full buffer loses the record, never
// stalls a session).
class LoginReporter {
public:
  enum class Outcome : char { failed = 'F', succeeded = 'S' };
  // The outcome first: the record is one of the messages of a SessionLink
  // (session_link.hpp), which are told apart by their first byte.
  struct Record {
    char outcome;
    char pad[3];
    std::int32_t pid;
  };

  explicit LoginReporter(int fd) : m_fd(fd) {}
  void report(Outcome outcome) const;
  // Close the descriptor: after a login the session runs as the user and must
  // not be able to write records for other processes.
  void close();

private:
  int m_fd;
};

// Wraps the real authenticator: a failed login (ErrorKind::auth) is
// answered no sooner than `delay` after it began; each failure doubles the
// delay (up to `max`) and is reported; a success is reported and closes the
// reporter. A failure of another kind (the password was right, the
// identity change failed and the session ends) is neither delayed nor
// counted, and closes the reporter.
class ThrottledAuthenticator final : public Authenticator {
public:
  ThrottledAuthenticator(std::unique_ptr<Authenticator> inner, std::chrono::milliseconds delay,
                         std::chrono::milliseconds max, LoginReporter reporter)
      : m_inner(std::move(inner)), m_delay(delay), m_max(max), m_reporter(reporter)
  {
  }
  ~ThrottledAuthenticator() override { m_reporter.close(); }
  ThrottledAuthenticator(const ThrottledAuthenticator&) = delete;
  ThrottledAuthenticator& operator=(const ThrottledAuthenticator&) = delete;

  Status login(const std::string& user, const std::string& password, const SockAddress& peer) override;
  // Passed on; a failure is answered at once and not counted (a
  // certificate the CA signed is nobody's guess), and a success closes the
  // reporter without reporting: only a right password clears the address's
  // failures, or a guesser holding any certificate could clear them between
  // guesses at another user's password.
  Status login_certificate(const std::string& user, const SockAddress& peer) override;

private:
  std::unique_ptr<Authenticator> m_inner;
  std::chrono::milliseconds m_delay;
  std::chrono::milliseconds m_max;
  LoginReporter m_reporter;
};

}  // namespace rpcap
