// SPDX-License-Identifier: BSD-3-Clause
#include "support/reference.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "support/process.hpp"

namespace rpcap::test {

std::string reference_dir()
{
  const char* d = std::getenv("RPCAP_REF_DIR");
  const char* home = std::getenv("HOME");
  return d != nullptr && *d != '\0' ? d : std::string{home != nullptr ? home : "/root"} + "/.cache/rpcap-ref";
}

namespace {

// True if `path` is an executable; otherwise reports SKIPPED, or fails when
// RPCAP_REQUIRE_REFERENCE=1 (CI).
bool have_reference_program(const std::string& path)
{
  const bool present = ::access(path.c_str(), X_OK) == 0;
  const char* required = std::getenv("RPCAP_REQUIRE_REFERENCE");
  if (required != nullptr && std::string{required} == "1") {
    INFO(path << " is missing; run scripts/reference-build");
    REQUIRE(present);
    return true;
  }
  if (!present) { WARN("SKIPPED: no " << path << " (scripts/reference-build makes it)"); }
  return present;
}

}  // namespace

std::string reference_rpcapd() { return reference_dir() + "/inst/sbin/rpcapd"; }
bool have_reference_rpcapd() { return have_reference_program(reference_rpcapd()); }
std::string reference_tcpdump() { return reference_dir() + "/inst/sbin/tcpdump"; }
bool have_reference_tcpdump() { return have_reference_program(reference_tcpdump()); }

namespace {

// Tries at starting libpcap's rpcapd, and how long each may take to listen.
constexpr int k_start_attempts = 3;
constexpr int k_listen_timeout_ms = 10000;

}  // namespace

ReferenceDaemon::ReferenceDaemon(const std::vector<std::string>& args)
{
  char tmpl[] = "/tmp/rpcapd-ref-log-XXXXXX";
  const int log_fd = ::mkstemp(tmpl);
  REQUIRE(log_fd >= 0);
  ::close(log_fd);
  m_log_path = tmpl;
  std::string failures;
  for (int attempt = 1; attempt <= k_start_attempts; ++attempt) {
    m_port = closed_port();
    const std::string failure = start(args);
    if (failure.empty()) { return; }
    failures += "port " + std::to_string(m_port) + ": " + failure + "\n";
    kill_group();
  }
  std::remove(m_log_path.c_str());
  FAIL("libpcap's rpcapd did not listen in " << k_start_attempts << " tries:\n" << failures);
}

std::string ReferenceDaemon::start(const std::vector<std::string>& args)
{
  std::vector<std::string> argv{reference_rpcapd(), "-b", "127.0.0.1", "-p", std::to_string(m_port)};
  argv.insert(argv.end(), args.begin(), args.end());
  const Fd null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
  REQUIRE(null.valid());
  const Fd log{::open(m_log_path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC)};
  // A session of its own: it SIGKILLs its whole group when it exits.
  m_pid = start_child(argv, {{0, null.get()}, {1, null.get()}, {2, log ? log.get() : null.get()}},
                      ChildGroup::own_session);
  std::string failure;
  const bool decided = eventually(
      [&] {
        // Who listens is read before whether it is the daemon: a daemon that
        // begins to listen in between is then seen as the daemon, not as another process.
        const bool anyone = tcp_listening(m_port);
        if (listens_on(m_pid, m_port)) { return true; }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
          const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          failure = "it exited with status " + std::to_string(code) + "; its stderr:\n" + read_file(m_log_path);
          m_pid = -1;
          return true;
        }
        if (anyone) {
          failure = "another process listens on the port";
          return true;
        }
        return false;
      },
      k_listen_timeout_ms);
  if (!decided) {
    failure = "it did not listen within " + std::to_string(k_listen_timeout_ms) + " ms; its stderr:\n"
              + read_file(m_log_path);
  }
  return failure;
}

void ReferenceDaemon::kill_group()
{
  if (m_pid <= 0) { return; }
  ::kill(-m_pid, SIGKILL);
  while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {}
  m_pid = -1;
}

ReferenceDaemon::~ReferenceDaemon()
{
  if (m_pid > 0) {
    ::kill(-m_pid, SIGTERM);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {}
  }
  std::remove(m_log_path.c_str());
}

}  // namespace rpcap::test
