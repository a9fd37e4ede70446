// SPDX-License-Identifier: BSD-3-Clause
// Connections that never log in lock nobody out, and cost almost nothing
// (issue 15). Every test runs the daemon with its default limits: a silent
// connection is held by the listening process (no process of its own),
// connections not logged in are bounded per source and in all apart from
// logged-in sessions, a newcomer takes the place of its source's oldest
// silent connection, and a refused login is told why. Figures measured from
// /proc are printed on stdout.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "support/daemon.hpp"
#include "support/load.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// A client from `from` that logs in (NULL) and lists the interfaces; how long
// it took.
double served_in(std::uint16_t port, const std::string& from)
{
  const auto start = Clock::now();
  RawClient c{connect_from(from, port)};
  c.null_auth();
  c.send(FindAllIfRequest{});
  c.expect<FindAllIfReply>();
  return seconds_since(start);
}

// The daemon and every process below it.
std::vector<pid_t> family_of(pid_t root)
{
  std::vector<pid_t> out{root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (pid_t kid : children_of(out[i])) { out.push_back(kid); }
  }
  return out;
}

long family_rss_kib(pid_t root)
{
  long total = 0;
  for (pid_t p : family_of(root)) { total += rss_kib(p); }
  return total;
}

// True once the daemon's listening process holds `n` connections (the
// silent connections it was sent are in its poll set).
bool holds(const Daemon& d, std::size_t n)
{
  return eventually([&] { return connections_held(d.pid(), d.port()) == n; }, 10000);
}

// True if the daemon closed `fd` (a silent connection of ours): EOF or reset,
// without waiting.
bool closed_by_daemon(const Fd& fd)
{
  auto ready = wait_readable(fd.get(), 0);
  if (!ready || !*ready) { return false; }
  char byte = 0;
  return ::recv(fd.get(), &byte, 1, MSG_DONTWAIT) <= 0;
}

}  // namespace

TEST_CASE("rpcapd admission: 64 silent connections from four addresses lock "
          "out neither a fifth address nor 127.0.0.1",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n"})};
  std::vector<Fd> silent;
  for (int i = 0; i < 64; ++i) { silent.push_back(connect_from("127.0.0." + std::to_string(2 + i % 4), d.port())); }
  REQUIRE(holds(d, 64));
  CHECK(children_of(d.pid()).empty());  // held by the listening process, no process each

  const double fifth = served_in(d.port(), "127.0.0.9");
  const double local = served_in(d.port(), "127.0.0.1");
  std::printf("admission: with 64 silent connections from 127.0.0.2-5, "
              "127.0.0.9 served in %.3f s, 127.0.0.1 in %.3f s\n",
              fifth, local);
  CHECK(fifth < 1.0);
  CHECK(local < 1.0);
  // Nobody was evicted: four sources of 16 are within their shares.
  for (const auto& fd : silent) { CHECK_FALSE(closed_by_daemon(fd)); }
}

TEST_CASE("rpcapd admission: 100 silent connections from one address do not "
          "lock out a client from that address",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n"})};
  std::vector<Fd> silent;
  for (int i = 0; i < 100; ++i) { silent.push_back(connect_from("127.0.0.1", d.port())); }
  // The source's share (MaxUnauthenticatedPerSource, 32) is held; each
  // newcomer beyond it took the place of the oldest.
  REQUIRE(eventually(
      [&] {
        return std::count_if(silent.begin(), silent.end(), [](const Fd& fd) { return closed_by_daemon(fd); }) == 68;
      },
      10000));
  CHECK(holds(d, 32));
  // The newest are the ones kept.
  for (std::size_t i = silent.size() - 32; i < silent.size(); ++i) { CHECK_FALSE(closed_by_daemon(silent[i])); }

  const double took = served_in(d.port(), "127.0.0.1");
  std::printf("admission: with 100 silent connections from 127.0.0.1, a client "
              "from it served in %.3f s\n",
              took);
  CHECK(took < 1.0);
}

TEST_CASE("rpcapd admission: 1000 silent connections cost at most 2 processes "
          "and 16 MiB, and a client is served",
          "[e2e][admission]")
{
  NoAsanQuarantine flat;
  need_descriptors(2048);
  Daemon d{Daemon::ours({"-n"})};
  (void)served_in(d.port(), "127.0.0.1");  // warm up: the first fork, the logger
  REQUIRE(eventually([&] { return children_of(d.pid()).empty(); }, 10000));
  const std::size_t procs_before = family_of(d.pid()).size();
  const long rss_before = family_rss_kib(d.pid());
  const std::size_t fds_before = fd_count(d.pid());
  REQUIRE(connections_held(d.pid(), d.port()) == 0);
  // From 40 addresses, 25 each: within every share, so all 1000 are held.
  std::vector<Fd> silent;
  silent.reserve(1000);
  const auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) { silent.push_back(connect_from("127.0.1." + std::to_string(1 + i % 40), d.port())); }
  const double connecting = seconds_since(start);
  const bool all_held = holds(d, 1000);
  INFO("connecting took " << connecting << " s, then " << seconds_since(start) << " s in all; held "
                          << connections_held(d.pid(), d.port()) << "\n"
                          << d.log().substr(0, 3000));
  REQUIRE(all_held);
  const std::size_t procs_after = family_of(d.pid()).size();
  const long rss_after = family_rss_kib(d.pid());
  const double took = served_in(d.port(), "127.0.0.1");
  std::printf("admission: 1000 silent connections: processes %zu -> %zu, RSS "
              "of the daemon's processes %ld -> %ld KiB, "
              "descriptors %zu -> %zu; a client served in %.3f s\n",
              procs_before, procs_after, rss_before, rss_after, fds_before, fd_count(d.pid()), took);
  CHECK(procs_after <= procs_before + 2);
  CHECK(rss_after - rss_before <= 16 * 1024);
  CHECK(took < 1.0);
  for (const auto& fd : silent) { CHECK_FALSE(closed_by_daemon(fd)); }
}

TEST_CASE("rpcapd admission: a login with no room left gets an RPCAP error "
          "that says why, in every client",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n"})};
  // MaxSessions (64) logged-in sessions.
  std::vector<RawClient> sessions;
  sessions.reserve(64);
  for (int i = 0; i < 64; ++i) {
    sessions.emplace_back(connect_from("127.0.0." + std::to_string(2 + i % 8), d.port()));
    sessions.back().null_auth();
  }
  RawClient raw{connect_from("127.0.0.1", d.port())};
  raw.send(AuthRequest{});
  CHECK(raw.expect_error(ErrorCode::hostnoauth).text == "too many sessions (MaxSessions 64)");
  CHECK(raw.closed());

  // Our client says it in its own line of error.
  auto ls = run({program("rpcap-ls"), "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/"});
  INFO(ls.err);
  CHECK(ls.exit_code == 1);
  CHECK(ls.err.find("too many sessions (MaxSessions 64)") != std::string::npos);

  // libpcap's client (the reference tcpdump) prints the daemon's text too.
  if (have_reference_tcpdump()) {
    auto td = run(
        {reference_tcpdump(), "-n", "-c", "1", "-i", "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo"});
    INFO(td.out << td.err);
    CHECK(td.exit_code != 0);
    CHECK((td.out + td.err).find("too many sessions (MaxSessions 64)") != std::string::npos);
  }
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("login refused: too many sessions (MaxSessions 64)") != std::string::npos);
}

TEST_CASE("rpcapd admission: a source whose connections say nothing is "
          "penalised, and only that source",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n"})};
  // Eight connections from 127.0.0.6 say nothing within FirstMessageTimeout (10
  // s).
  std::vector<Fd> silent;
  for (int i = 0; i < 8; ++i) { silent.push_back(connect_from("127.0.0.6", d.port())); }
  REQUIRE(holds(d, 8));
  const auto start = Clock::now();
  REQUIRE(eventually(
      [&] { return std::all_of(silent.begin(), silent.end(), [](const Fd& fd) { return closed_by_daemon(fd); }); },
      20000));
  const double closed_after = seconds_since(start);
  CHECK(closed_after > 8.0);
  CHECK(closed_after < 15.0);  // at FirstMessageTimeout, not AuthTimeout (90 s)
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("127.0.0.6: penalised for connections that say nothing: its "
                 "share of connections not logged in is 1 "
                 "(MaxUnauthenticatedPerSource 32)")
        != std::string::npos);

  // Its share is one connection now: a second takes the place of the first...
  silent.clear();
  silent.push_back(connect_from("127.0.0.6", d.port()));
  silent.push_back(connect_from("127.0.0.6", d.port()));
  CHECK(eventually([&] { return closed_by_daemon(silent[0]); }, 5000));
  CHECK_FALSE(closed_by_daemon(silent[1]));
  // ...while another address keeps its whole share,
  std::vector<Fd> other;
  for (int i = 0; i < 8; ++i) { other.push_back(connect_from("127.0.0.7", d.port())); }
  REQUIRE(holds(d, 9));  // 127.0.0.6's one and 127.0.0.7's eight
  for (const auto& fd : other) { CHECK_FALSE(closed_by_daemon(fd)); }
  // and a client that speaks at once is served even from the penalised address.
  CHECK(served_in(d.port(), "127.0.0.6") < 1.0);
}

TEST_CASE("rpcapd admission: 32 libpcap clients capture at once from one "
          "address with the default limits",
          "[e2e][admission][interop]")
{
  if (!can_capture() || !have_reference_tcpdump()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  const std::string payload = "collector " + std::to_string(::getpid());
  std::vector<std::unique_ptr<Background>> captures;
  for (int i = 0; i < 32; ++i) {
    captures.push_back(std::make_unique<Background>(std::vector<std::string>{
        reference_tcpdump(), "-n", "-A", "-c", "3", "-i", "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo",
        "udp dst port " + std::to_string(port)}));
  }
  // Every capture runs once each tcpdump says it listens.
  const bool all_listening = eventually(
      [&] {
        return std::all_of(captures.begin(), captures.end(),
                           [](const auto& c) { return c->err().find("listening on") != std::string::npos; });
      },
      60000);
  INFO("daemon:\n" << d.log());
  REQUIRE(all_listening);
  CHECK(children_of(d.pid()).size() == 32);
  Traffic traffic{port, payload};
  for (auto& c : captures) {
    const auto r = c->wait(30000);
    INFO(r.err << "\ndaemon:\n" << d.log());
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("3 packets captured") != std::string::npos);
    CHECK(r.out.find(payload) != std::string::npos);
  }
}

TEST_CASE("rpcapd admission: a newcomer with no silent connection to take the "
          "place of is told why it is refused",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n", "--max-unauthenticated-per-source", "2"})};
  // Two connections from 127.0.0.1 that have spoken (part of a header):
  // their sessions are authenticating, so neither may be evicted.
  std::vector<RawClient> speaking;
  speaking.reserve(2);
  for (int i = 0; i < 2; ++i) {
    speaking.emplace_back(connect_from("127.0.0.1", d.port()));
    speaking.back().send_bytes(from_hex("00 08"));
  }
  REQUIRE(eventually([&] { return children_of(d.pid()).size() == 2; }, 10000));
  RawClient third{connect_from("127.0.0.1", d.port())};
  third.send(AuthRequest{});
  CHECK(third.expect_error(ErrorCode::hostnoauth).text
        == "too many connections from 127.0.0.1 (MaxUnauthenticatedPerSource 2)");
  CHECK(third.closed());
  // Another source is served meanwhile.
  CHECK(served_in(d.port(), "127.0.0.2") < 1.0);
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("refused: too many connections from 127.0.0.1 "
                 "(MaxUnauthenticatedPerSource 2)")
        != std::string::npos);
}

TEST_CASE("rpcapd admission: pipelined wrong logins end at the third failure, or once the client hangs up, and cost "
          "their source its share",
          "[e2e][admission]")
{
  Daemon d{Daemon::ours({"-n"})};
  Bytes pipeline;
  const Bytes wrong = encode(Message{AuthRequest{AuthRequest::Method::password, "rpcap-no-such-user", "guess"}});
  for (int i = 0; i < 200; ++i) { pipeline.insert(pipeline.end(), wrong.begin(), wrong.end()); }
  {
    // Sent, then gone: the session ends after the login it is in, not 200 failure delays later.
    RawClient gone{connect_from("127.0.0.7", d.port())};
    gone.send_bytes(pipeline);
  }
  REQUIRE(eventually([&] { return d.log().find("the client closed the connection before its requests were answered")
                                  != std::string::npos; },
                     20000));
  REQUIRE(eventually([&] { return children_of(d.pid()).empty(); }, 10000));
  // Still there: three answers, then the connection is closed (the failure
  // delays double from one second: 1 + 2 + 4 s, well inside AuthTimeout).
  const auto start = Clock::now();
  RawClient stays{connect_from("127.0.0.8", d.port())};
  stays.send_bytes(pipeline);
  for (int i = 0; i < 3; ++i) { CHECK(stays.expect_error(ErrorCode::auth_failed, 35000).text == "Authentication failed"); }
  CHECK(stays.closed(10000));
  std::printf("admission: 200 pipelined wrong logins answered 3 times and closed in %.1f s\n", seconds_since(start));
  const auto log = d.log();
  INFO(log);
  CHECK(log.find("closing: 3 failed logins") != std::string::npos);
  CHECK(log.find("127.0.0.8: penalised for failed logins") != std::string::npos);
  // Others are served meanwhile and after.
  CHECK(served_in(d.port(), "127.0.0.1") < 1.0);
}
