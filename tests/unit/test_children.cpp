// SPDX-License-Identifier: BSD-3-Clause
// Children: the child processes of rpcapd and rpcap-listen, spawned,
// reaped with their status, and stopped with a grace period, then SIGKILL.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "rpcap/base/children.hpp"

using namespace rpcap;
using namespace std::chrono_literals;

namespace {

// Reap until `n` children ended (bounded): what they were.
std::vector<Children::Ended> reap_until(Children& c, std::size_t n)
{
  std::vector<Children::Ended> out;
  for (int i = 0; i < 1000 && out.size() < n; ++i) {
    for (auto& e : c.reap()) { out.push_back(std::move(e)); }
    if (out.size() < n) { std::this_thread::sleep_for(10ms); }
  }
  return out;
}

}  // namespace

TEST_CASE("children: a child's exit status comes back with its label", "[children]")
{
  Children c;
  const pid_t pid = c.spawn("192.0.2.7", [] { return 3; });
  REQUIRE(pid > 0);
  CHECK(c.contains(pid));
  const auto ended = reap_until(c, 1);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].pid == pid);
  CHECK(ended[0].label == "192.0.2.7");
  CHECK(describe_status(ended[0].status) == "exited with status 3");
  CHECK(c.empty());
}

TEST_CASE("children: signal reaches every child, and a killed one says by what", "[children]")
{
  Children c;
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.spawn("child " + std::to_string(i), [] {
      ::pause();
      return 0;
    }) > 0);
  }
  CHECK(c.size() == 3);
  c.signal(SIGUSR2);  // default action: terminate
  const auto ended = reap_until(c, 3);
  REQUIRE(ended.size() == 3);
  for (const auto& e : ended) { CHECK(describe_status(e.status) == "was killed by signal User defined signal 2"); }
}

TEST_CASE("children: stop ends them with SIGTERM, and SIGKILLs one that ignores it after the grace period",
          "[children]")
{
  Children c;
  REQUIRE(c.spawn("polite", [] {
    ::pause();
    return 0;
  }) > 0);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(c.spawn("stubborn", [&] {
    std::signal(SIGTERM, SIG_IGN);
    (void)!::write(ready[1], "x", 1);  // SIGTERM is ignored from now on
    for (;;) { ::pause(); }
    return 0;
  }) > 0);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  ::close(ready[1]);
  const auto start = std::chrono::steady_clock::now();
  const auto ended = c.stop(300ms);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(ended.size() == 2);
  CHECK(c.empty());
  for (const auto& e : ended) {
    INFO(e.label);
    CHECK(WIFSIGNALED(e.status));
    CHECK(WTERMSIG(e.status) == (e.label == "polite" ? SIGTERM : SIGKILL));
  }
  CHECK(took >= 300ms);
}
