// SPDX-License-Identifier: BSD-3-Clause
// Which connections the listening process keeps, serves and turns away
// (Admission), and the line between it and a session (SessionLink).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <thread>

#include "rpcap/daemon/admission.hpp"
#include "rpcap/daemon/login_throttle.hpp"
#include "rpcap/daemon/session_link.hpp"

using namespace rpcap;
using namespace std::chrono_literals;

namespace {

using Clock = Admission::Clock;
using Id = Admission::Id;

const auto t0 = Clock::time_point{} + 1000h;

AdmissionLimits small_limits()
{
  AdmissionLimits l;
  l.max_sessions = 4;
  l.max_sessions_per_host = 2;
  l.max_unauthenticated = 6;
  l.max_unauthenticated_per_source = 3;
  return l;
}

auto always_silent()
{
  return [](Id) { return true; };
}

SockAddress address(const char* text, std::uint16_t port = 40000)
{
  SockAddress a;
  if (std::strchr(text, ':') != nullptr) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(a.storage);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    REQUIRE(::inet_pton(AF_INET6, text, &in6.sin6_addr) == 1);
    a.length = sizeof in6;
  } else {
    auto& in4 = reinterpret_cast<sockaddr_in&>(a.storage);
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port);
    REQUIRE(::inet_pton(AF_INET, text, &in4.sin_addr) == 1);
    a.length = sizeof in4;
  }
  return a;
}

}  // namespace

TEST_CASE("admission: a source is an IPv4 address or an IPv6 /64", "[admission]")
{
  CHECK(source_of(address("192.0.2.7")) == "192.0.2.7");
  CHECK(source_of(address("::ffff:192.0.2.7")) == "192.0.2.7");
  CHECK(source_of(address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")) == "2001:db8:1:2::/64");
  CHECK(source_of(address("2001:db8:1:2::1")) == source_of(address("2001:db8:1:2:ffff::9")));
  CHECK(source_of(address("2001:db8:1:3::1")) != source_of(address("2001:db8:1:2::1")));
}

TEST_CASE("admission: a newcomer from a source at its share takes the place of "
          "that source's oldest silent connection",
          "[admission]")
{
  Admission a{small_limits()};
  for (Id id = 1; id <= 3; ++id) {
    REQUIRE(a.arrive(id, "10.0.0.1", t0 + std::chrono::seconds(id), always_silent()).accepted);
  }
  auto r = a.arrive(4, "10.0.0.1", t0 + 10s, always_silent());
  CHECK(r.accepted);
  CHECK(r.evicted == std::vector<Id>{1});
  CHECK_FALSE(a.state(1).has_value());
  CHECK(a.state(4) == Admission::State::silent);
  CHECK(a.unauthenticated() == 3);
  // Another source is not touched.
  auto other = a.arrive(5, "10.0.0.2", t0 + 11s, always_silent());
  CHECK(other.accepted);
  CHECK(other.evicted.empty());
}

TEST_CASE("admission: a connection found speaking is served instead of evicted", "[admission]")
{
  Admission a{small_limits()};
  for (Id id = 1; id <= 3; ++id) {
    REQUIRE(a.arrive(id, "10.0.0.1", t0 + std::chrono::seconds(id), always_silent()).accepted);
  }
  auto r = a.arrive(4, "10.0.0.1", t0 + 10s, [](Id id) { return id != 1; });
  CHECK(r.accepted);
  CHECK(r.spoke == std::vector<Id>{1});
  CHECK(r.evicted == std::vector<Id>{2});
  CHECK(a.state(1) == Admission::State::speaking);
}

TEST_CASE("admission: a source whose connections all speak is refused with the "
          "reason",
          "[admission]")
{
  Admission a{small_limits()};
  for (Id id = 1; id <= 3; ++id) {
    REQUIRE(a.arrive(id, "10.0.0.1", t0, always_silent()).accepted);
    a.spoke(id);
  }
  auto r = a.arrive(4, "10.0.0.1", t0, always_silent());
  CHECK_FALSE(r.accepted);
  CHECK(r.refusal == "too many connections from 10.0.0.1 (MaxUnauthenticatedPerSource 3)");
  CHECK(a.unauthenticated() == 3);
}

TEST_CASE("admission: at the total, the source holding the most gives up its "
          "oldest silent connection",
          "[admission]")
{
  Admission a{small_limits()};
  // 10.0.0.1 holds 3, 10.0.0.2 holds 2, 10.0.0.3 holds 1: 6, the total.
  Id id = 1;
  for (const char* src : {"10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.3"}) {
    REQUIRE(a.arrive(id, src, t0 + std::chrono::seconds(id), always_silent()).accepted);
    ++id;
  }
  auto r = a.arrive(7, "10.0.0.9", t0 + 20s, always_silent());
  CHECK(r.accepted);
  CHECK(r.evicted == std::vector<Id>{1});  // 10.0.0.1's oldest
  CHECK(a.unauthenticated() == 6);
  // A flood from one source never starves the others: each newcomer from
  // elsewhere is accepted, at the flood's expense.
  for (Id next = 8; next < 40; ++next) {
    CHECK(a.arrive(next, "10.0.1." + std::to_string(next), t0 + 30s, always_silent()).accepted);
  }
}

TEST_CASE("admission: logged-in sessions are bounded on their own, per source "
          "and in all, with the reason",
          "[admission]")
{
  Admission a{small_limits()};
  // Logged-in sessions do not count against the unauthenticated shares.
  Id id = 1;
  auto log_in = [&](const std::string& src) {
    REQUIRE(a.arrive(id, src, t0, always_silent()).accepted);
    a.spoke(id);
    return a.log_in(id++);
  };
  CHECK_FALSE(log_in("10.0.0.1").has_value());
  CHECK_FALSE(log_in("10.0.0.1").has_value());
  CHECK(log_in("10.0.0.1") == "too many sessions from 10.0.0.1 (MaxSessionsPerHost 2)");
  a.leave(3);  // the refused session ends
  CHECK(a.unauthenticated() == 0);
  CHECK(a.logged_in() == 2);
  CHECK_FALSE(log_in("10.0.0.2").has_value());
  CHECK_FALSE(log_in("10.0.0.3").has_value());
  CHECK(log_in("10.0.0.4") == "too many sessions (MaxSessions 4)");
  // Still room for connections that have not logged in.
  for (int i = 0; i < 3; ++i) { CHECK(a.arrive(id++, "10.0.0.1", t0, always_silent()).accepted); }
  a.leave(1);
  CHECK(a.logged_in() == 3);
}

TEST_CASE("admission: missed deadlines shrink a source's share, down to one, "
          "and are forgiven with time",
          "[admission]")
{
  AdmissionLimits l = small_limits();
  l.max_unauthenticated_per_source = 32;
  l.penalty_forgive = 60s;
  Admission a{l};
  CHECK(a.share("10.0.0.1", t0) == 32);
  CHECK(a.penalise("10.0.0.1", t0) == 16);
  CHECK(a.penalise("10.0.0.1", t0) == 8);
  for (int i = 0; i < 10; ++i) { (void)a.penalise("10.0.0.1", t0); }
  CHECK(a.share("10.0.0.1", t0) == 1);
  CHECK(a.share("10.0.0.2", t0) == 32);  // other sources are never affected
  // One miss forgiven per minute after the last.
  CHECK(a.share("10.0.0.1", t0 + 11min) == 16);
  CHECK(a.share("10.0.0.1", t0 + 12min) == 32);
  // A penalised source at its share still replaces its own silent connections.
  REQUIRE(a.arrive(1, "10.0.0.1", t0, always_silent()).accepted);
  auto r = a.arrive(2, "10.0.0.1", t0 + 1s, always_silent());
  CHECK(r.accepted);
  CHECK(r.evicted == std::vector<Id>{1});
}

TEST_CASE("admission: silent connections are listed oldest first for their deadline", "[admission]")
{
  Admission a{small_limits()};
  REQUIRE(a.arrive(1, "10.0.0.1", t0 + 5s, always_silent()).accepted);
  REQUIRE(a.arrive(2, "10.0.0.2", t0 + 1s, always_silent()).accepted);
  REQUIRE(a.arrive(3, "10.0.0.3", t0 + 3s, always_silent()).accepted);
  a.spoke(3);
  CHECK(a.oldest_silent() == t0 + 1s);
  CHECK(a.silent_since(t0 + 10s) == std::vector<Id>{2, 1});
  CHECK(a.silent_since(t0 + 2s) == std::vector<Id>{2});
  a.leave(2);
  a.leave(2);  // twice: ignored
  CHECK(a.oldest_silent() == t0 + 5s);
  a.leave(1);
  a.leave(3);
  CHECK_FALSE(a.oldest_silent().has_value());
  CHECK(a.unauthenticated() == 0);
  CHECK(a.sources() == 0);  // nothing is kept for sources without connections or penalties
}

TEST_CASE("admission: the table stays consistent under any sequence of events", "[admission]")
{
  Admission a{small_limits()};
  std::uint32_t seed = 12345;
  auto pick = [&](std::uint32_t n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % n;
  };
  std::map<Id, Admission::State> live;
  // One of the live connections, at random (end() if there is none).
  auto any_live = [&] {
    return live.empty() ? live.end()
                        : std::next(live.begin(), static_cast<long>(pick(static_cast<std::uint32_t>(live.size()))));
  };
  Id next = 1;
  for (int step = 0; step < 20000; ++step) {
    const auto now = t0 + std::chrono::milliseconds(step * 10);
    const std::string src = "10.0.0." + std::to_string(pick(5));
    switch (pick(5)) {
    case 0: {
      auto r = a.arrive(next, src, now, [&](Id) { return pick(4) != 0; });
      for (Id e : r.evicted) {
        REQUIRE(live.at(e) == Admission::State::silent);
        live.erase(e);
      }
      for (Id s : r.spoke) { live.at(s) = Admission::State::speaking; }
      if (r.accepted) { live[next] = Admission::State::silent; }
      ++next;
      break;
    }
    case 1:
      if (auto it = any_live(); it != live.end()) {
        a.spoke(it->first);
        if (it->second == Admission::State::silent) { it->second = Admission::State::speaking; }
      }
      break;
    case 2:
      if (auto it = any_live(); it != live.end() && !a.log_in(it->first)) { it->second = Admission::State::logged_in; }
      break;
    case 3:
      if (auto it = any_live(); it != live.end()) {
        a.leave(it->first);
        live.erase(it);
      }
      break;
    default:
      (void)a.penalise(src, now);
      break;
    }
    std::size_t unauth = 0;
    std::size_t in = 0;
    for (const auto& [id, st] : live) {
      REQUIRE(a.state(id) == st);
      (st == Admission::State::logged_in ? in : unauth) += 1;
    }
    REQUIRE(a.unauthenticated() == unauth);
    REQUIRE(a.logged_in() == in);
    REQUIRE(unauth <= small_limits().max_unauthenticated);
    REQUIRE(in <= small_limits().max_sessions);
  }
}

TEST_CASE("session link: reports, a slot asked and granted or refused with the "
          "reason",
          "[admission]")
{
  auto pair = make_session_link();
  REQUIRE(pair.has_value());
  Fd listener = std::move(pair->first);
  SessionLink session{std::move(pair->second)};
  bool closed = false;
  CHECK_FALSE(read_link_message(listener.get(), closed).has_value());
  CHECK_FALSE(closed);

  LoginReporter{session.fd()}.report(LoginReporter::Outcome::failed);
  session.missed_deadline();
  auto m = read_link_message(listener.get(), closed);
  REQUIRE(m.has_value());
  CHECK(m->kind == LinkMessage::Kind::login_failed);
  m = read_link_message(listener.get(), closed);
  REQUIRE(m.has_value());
  CHECK(m->kind == LinkMessage::Kind::missed_deadline);

  for (const std::optional<std::string>& answer :
       {std::optional<std::string>{}, std::optional<std::string>{"too many sessions (MaxSessions 64)"}}) {
    std::thread listener_side{[&] {
      bool gone = false;
      for (int i = 0; i < 1000; ++i) {
        if (auto got = read_link_message(listener.get(), gone); got) {
          CHECK(got->kind == LinkMessage::Kind::wants_slot);
          answer_slot(listener.get(), answer);
          return;
        }
        std::this_thread::sleep_for(5ms);
      }
    }};
    auto st = session.admit();
    listener_side.join();
    if (answer) {
      REQUIRE_FALSE(st.has_value());
      CHECK(st.error().message == *answer);
    } else {
      CHECK(st.has_value());
    }
  }

  session.close();
  CHECK_FALSE(read_link_message(listener.get(), closed).has_value());
  CHECK(closed);
}

TEST_CASE("session link: a listener that does not answer or is gone fails the "
          "slot request",
          "[admission]")
{
  auto pair = make_session_link();
  REQUIRE(pair.has_value());
  SessionLink session{std::move(pair->second)};
  auto silent = session.admit(100);
  REQUIRE_FALSE(silent.has_value());
  CHECK(silent.error().message == "the daemon's listening process did not answer");
  pair->first.reset();
  auto gone = session.admit(100);
  REQUIRE_FALSE(gone.has_value());
  CHECK(gone.error().message == "the daemon's listening process is gone");
  CHECK(SessionLink{}.admit().has_value());  // no link (inetd mode): always admitted
}
