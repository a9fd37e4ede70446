// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/children.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

namespace rpcap {
namespace {

// How often stop() looks for children that ended.
constexpr auto k_stop_tick = std::chrono::milliseconds(20);

}  // namespace

pid_t Children::spawn(std::string label, const std::function<int()>& body)
{
  const pid_t pid = ::fork();
  if (pid == 0) { ::_exit(body()); }
  if (pid > 0) { m_children.emplace(pid, std::move(label)); }
  return pid;
}

std::vector<Children::Ended> Children::reap()
{
  std::vector<Ended> ended;
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) { break; }
    auto it = m_children.find(pid);
    Ended e{pid, {}, status};
    if (it != m_children.end()) {
      e.label = std::move(it->second);
      m_children.erase(it);
    }
    ended.push_back(std::move(e));
  }
  if (m_kill_at && Clock::now() >= *m_kill_at) {
    signal(SIGKILL);
    m_kill_at.reset();
  }
  if (m_children.empty()) { m_kill_at.reset(); }
  return ended;
}

void Children::signal(int sig) const
{
  for (const auto& [pid, label] : m_children) { ::kill(pid, sig); }
}

void Children::terminate(std::chrono::milliseconds grace)
{
  signal(SIGTERM);
  m_kill_at = Clock::now() + grace;
}

std::vector<Children::Ended> Children::stop(std::chrono::milliseconds grace)
{
  terminate(grace);
  std::vector<Ended> ended;
  for (;;) {
    for (auto& e : reap()) { ended.push_back(std::move(e)); }
    if (m_children.empty()) { return ended; }
    std::this_thread::sleep_for(k_stop_tick);
  }
}

std::string describe_status(int status)
{
  if (WIFEXITED(status)) { return "exited with status " + std::to_string(WEXITSTATUS(status)); }
  if (WIFSIGNALED(status)) { return std::string{"was killed by signal "} + ::strsignal(WTERMSIG(status)); }
  return "ended";
}

}  // namespace rpcap
