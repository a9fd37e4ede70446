// SPDX-License-Identifier: BSD-3-Clause
// The child processes of one parent (rpcapd's sessions and active-mode
// workers, rpcap-listen's captures and commands): spawn them, reap those
// that ended, signal them all, and stop them all: SIGTERM, a grace
// period, then SIGKILL. Each child carries a label for the parent's
// messages (the address it serves).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rpcap {

class Children {
public:
  using Clock = std::chrono::steady_clock;

  struct Ended {
    pid_t pid{-1};
    std::string label;  // "" for a child that was not ours (reaped all the same)
    int status{0};  // as waitpid() gives it
  };

  // Fork a child that runs `body` and exits with what it returns (the
  // child never returns from here). The child's pid, or -1 with errno set.
  pid_t spawn(std::string label, const std::function<int()>& body);

  // Reap every child that has ended, without waiting, and SIGKILL those
  // that outlived the grace period of terminate().
  std::vector<Ended> reap();

  // Send `sig` to every child.
  void signal(int sig) const;

  // SIGTERM every child now; reap() SIGKILLs those still there after `grace`.
  void terminate(std::chrono::milliseconds grace);

  // terminate(`grace`), then wait until every child has been reaped.
  std::vector<Ended> stop(std::chrono::milliseconds grace);

  bool empty() const noexcept { return m_children.empty(); }
  std::size_t size() const noexcept { return m_children.size(); }
  bool contains(pid_t pid) const { return m_children.count(pid) != 0; }

private:
  std::map<pid_t, std::string> m_children;
  std::optional<Clock::time_point> m_kill_at;
};

// "exited with status 1", "was killed by signal Killed": what a waitpid() status says.
std::string describe_status(int status);

}  // namespace rpcap
