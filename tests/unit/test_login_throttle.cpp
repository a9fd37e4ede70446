// SPDX-License-Identifier: BSD-3-Clause
// Password guessing is slowed down per source address, across connections:
// the listening process's count (LoginThrottle) and the session's side
// (ThrottledAuthenticator, LoginReporter).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "rpcap/daemon/login_throttle.hpp"

using namespace rpcap;
using namespace std::chrono_literals;

namespace {

using Clock = LoginThrottle::Clock;

class FakeAuth final : public Authenticator {
public:
  Status login(const std::string& user, const std::string& password, const SockAddress&) override
  {
    ++calls;
    if (user == "alice" && password == "right") { return {}; }
    return make_error(ErrorKind::auth, "password login of \"" + user + "\" failed");
  }
  Status login_certificate(const std::string& user, const SockAddress&) override
  {
    ++calls;
    if (user == "alice") { return {}; }
    return make_error(ErrorKind::auth, "certificate login of \"" + user + "\" failed");
  }
  int calls{0};
};

}  // namespace

TEST_CASE("login throttle: the delay doubles with each failure from an address, up to the cap", "[throttle]")
{
  LoginThrottle t;
  const auto now = Clock::now();
  CHECK(t.delay_for("192.0.2.1", now, 30s) == 1s);
  std::vector<std::chrono::milliseconds> seen;
  for (int i = 0; i < 7; ++i) {
    t.failed("192.0.2.1", now);
    seen.push_back(t.delay_for("192.0.2.1", now, 30s));
  }
  CHECK(seen == std::vector<std::chrono::milliseconds>{2s, 4s, 8s, 16s, 30s, 30s, 30s});
  // another address is not slowed down
  CHECK(t.delay_for("192.0.2.2", now, 30s) == 1s);
  // a smaller cap applies at once (SIGHUP may lower MaxLoginDelay)
  CHECK(t.delay_for("192.0.2.1", now, 5s) == 5s);
}

TEST_CASE("login throttle: a success or ten quiet minutes start the count again", "[throttle]")
{
  LoginThrottle t;
  const auto now = Clock::now();
  t.failed("a", now);
  t.failed("a", now);
  CHECK(t.delay_for("a", now, 30s) == 4s);
  CHECK(t.delay_for("a", now + 599s, 30s) == 4s);
  CHECK(t.delay_for("a", now + 600s, 30s) == 1s);
  t.failed("a", now + 600s);
  CHECK(t.delay_for("a", now + 600s, 30s) == 2s);  // the old failures are gone
  t.succeeded("a");
  CHECK(t.delay_for("a", now + 600s, 30s) == 1s);
  CHECK(t.size() == 0);
}

TEST_CASE("login throttle: memory is bounded: the stalest addresses go first", "[throttle]")
{
  LoginThrottle t{LoginThrottle::Settings{1000ms, 600s, 100}};
  const auto start = Clock::now();
  t.failed("first", start);
  t.failed("first", start);
  for (int i = 0; i < 10000; ++i) { t.failed("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), start + 1s); }
  CHECK(t.size() == 100);
  CHECK(t.delay_for("first", start + 1s, 30s) == 1s);  // forgotten
  // the newest failures are remembered
  CHECK(t.delay_for("10.0.39.15", start + 1s, 30s) == 2s);
}

TEST_CASE("login throttle: a session answers a failure after its delay, doubles it, and reports", "[throttle]")
{
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
  auto fake = std::make_unique<FakeAuth>();
  auto* inner = fake.get();
  ThrottledAuthenticator auth{std::move(fake), 100ms, 250ms, LoginReporter{p[1]}};
  SockAddress peer;
  auto timed = [&](const char* user, const char* password) {
    const auto start = Clock::now();
    auto st = auth.login(user, password, peer);
    return std::make_pair(st.has_value(), Clock::now() - start);
  };
  auto [ok1, t1] = timed("mallory", "guess1");
  CHECK_FALSE(ok1);
  CHECK(t1 >= 100ms);
  auto [ok2, t2] = timed("mallory", "guess2");
  CHECK_FALSE(ok2);
  CHECK(t2 >= 200ms);
  auto [ok3, t3] = timed("mallory", "guess3");
  CHECK_FALSE(ok3);
  CHECK(t3 >= 250ms);  // the cap
  CHECK(t3 < 400ms);
  auto [ok4, t4] = timed("alice", "right");
  CHECK(ok4);
  CHECK(t4 < 50ms);  // a right password is never held back
  CHECK(inner->calls == 4);

  LoginReporter::Record r[8];
  const ssize_t n = ::read(p[0], r, sizeof r);
  REQUIRE(n == static_cast<ssize_t>(4 * sizeof r[0]));
  CHECK(r[0].pid == ::getpid());
  CHECK(std::string{r[0].outcome, r[1].outcome, r[2].outcome, r[3].outcome} == "FFFS");
  // after a success the session cannot write any more records
  CHECK(::read(p[0], r, sizeof r) == 0);  // the write end is closed
  ::close(p[0]);
}

TEST_CASE("login throttle: the failure message says how long the answer took and holds no password", "[throttle]")
{
  ThrottledAuthenticator auth{std::make_unique<FakeAuth>(), 10ms, 10ms, LoginReporter{-1}};
  auto st = auth.login("mallory", "hunter2", SockAddress{});
  REQUIRE_FALSE(st);
  CHECK(st.error().message.rfind("password login of \"mallory\" failed (answered after 0.", 0) == 0);
  CHECK(st.error().message.find("hunter2") == std::string::npos);
}

TEST_CASE("login throttle: a certificate login is never counted, and its success does not clear the address's failures",
          "[throttle]")
{
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
  auto fake = std::make_unique<FakeAuth>();
  auto* inner = fake.get();
  // A delay no test would wait for: a certificate failure must not apply it.
  ThrottledAuthenticator auth{std::move(fake), 1h, 1h, LoginReporter{p[1]}};
  auto refused = auth.login_certificate("nobody", SockAddress{});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "certificate login of \"nobody\" failed");
  LoginReporter::Record r[8];
  CHECK(::read(p[0], r, sizeof r) == -1);  // nothing reported, the pipe still open
  CHECK(errno == EAGAIN);
  CHECK(auth.login_certificate("alice", SockAddress{}));
  CHECK(inner->calls == 2);
  // No success record (a guesser holding any certificate would clear its
  // password failures with it), and the write end is closed all the same.
  CHECK(::read(p[0], r, sizeof r) == 0);
  ::close(p[0]);
}

TEST_CASE("login throttle: a login that ends the session is neither delayed nor counted", "[throttle]")
{
  class BrokenSwitch final : public Authenticator {
  public:
    Status login(const std::string&, const std::string&, const SockAddress&) override
    {
      return make_error(ErrorKind::io, "password login of \"alice\" failed: become user \"alice\": setuid(1000): EAGAIN");
    }
    Status login_certificate(const std::string&, const SockAddress&) override
    {
      return make_error(ErrorKind::io, "certificate login of \"alice\" failed: become user \"alice\": cap_set_proc");
    }
  };
  for (const bool certificate : {false, true}) {
    CAPTURE(certificate);
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
    ThrottledAuthenticator auth{std::make_unique<BrokenSwitch>(), 1h, 1h, LoginReporter{p[1]}};
    auto st = certificate ? auth.login_certificate("alice", SockAddress{}) : auth.login("alice", "right", SockAddress{});
    REQUIRE_FALSE(st);
    CHECK(st.error().kind == ErrorKind::io);  // the session closes on it
    LoginReporter::Record r[8];
    CHECK(::read(p[0], r, sizeof r) == 0);  // nothing reported, the write end closed
    ::close(p[0]);
  }
}
