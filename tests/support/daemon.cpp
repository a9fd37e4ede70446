// SPDX-License-Identifier: BSD-3-Clause
#include "support/daemon.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/process.hpp"

namespace rpcap::test {

std::vector<std::string> Daemon::ours(std::vector<std::string> args)
{
  std::vector<std::string> argv{program("rpcapd"), "-b", "127.0.0.1", "-p", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

Daemon::Daemon(std::vector<std::string> argv)
{
  argv.push_back("--ready-fd");
  argv.push_back("3");
  int ready[2];
  REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
  char tmpl[] = "/tmp/rpcapd-test-log-XXXXXX";
  const int log_fd = ::mkstemp(tmpl);
  REQUIRE(log_fd >= 0);
  m_log_path = tmpl;

  std::vector<char*> args;
  for (auto& a : argv) { args.push_back(a.data()); }
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  m_pid = ::fork();
  REQUIRE(m_pid >= 0);
  if (m_pid == 0) {
    // Its own process group (the reference rpcapd SIGKILLs its whole group
    // when it exits), and gone when the test process dies.
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) { ::_exit(127); }
    ::dup2(ready[1], 3);
    ::dup2(log_fd, 2);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(ready[1]);
  ::close(log_fd);
  std::string text;
  auto r = wait_readable(ready[0], 10000);
  if (r && *r) {
    char buf[32];
    const ssize_t n = ::read(ready[0], buf, sizeof buf);
    if (n > 0) { text.assign(buf, static_cast<std::size_t>(n)); }
  }
  ::close(ready[0]);
  INFO("daemon stderr:\n" << log());
  REQUIRE_FALSE(text.empty());
  m_port = static_cast<std::uint16_t>(std::stoi(text));
}

Daemon::~Daemon()
{
  stop(SIGTERM);
  if (m_exit == -1) { stop(SIGKILL); }
  std::remove(m_log_path.c_str());
}

int Daemon::stop(int sig, int timeout_ms)
{
  if (m_pid <= 0) { return m_exit; }
  ::kill(m_pid, sig);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      m_pid = -1;
      return m_exit;
    }
    if (std::chrono::steady_clock::now() >= deadline) { return -1; }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string Daemon::log() const { return read_file(m_log_path); }

void send_udp(std::uint16_t port, const std::string& payload, int count)
{
  Fd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  REQUIRE(fd.valid());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < count; ++i) {
    ::sendto(fd.get(), payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
}

Fd connect_local(std::uint16_t port)
{
  auto fd = connect_tcp("127.0.0.1", std::to_string(port), AddressFamily::ipv4, 5000);
  INFO((fd ? std::string{} : fd.error().message));
  REQUIRE(fd.has_value());
  return std::move(*fd);
}

bool tcp_listening(std::uint16_t port)
{
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream f{table};
    std::string line;
    std::getline(f, line);  // the column names
    while (std::getline(f, line)) {
      // "  0: 0100007F:1F90 00000000:0000 0A ...": local address:port (hex), remote, state (0A = LISTEN)
      std::istringstream fields{line};
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") { continue; }
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) { return true; }
    }
  }
  return false;
}

bool wait_tcp_listening(std::uint16_t port, bool listening, int timeout_ms)
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (tcp_listening(port) != listening) {
    if (std::chrono::steady_clock::now() >= deadline) { return false; }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool can_capture()
{
  if (::geteuid() == 0) { return true; }
  WARN("SKIPPED: live capture needs root (CAP_NET_RAW)");
  return false;
}

std::uint16_t traffic_port() { return static_cast<std::uint16_t>(40000 + ::getpid() % 20000); }

Traffic::Traffic(std::uint16_t port, std::string payload, int interval_ms)
    : m_thread([this, port, payload, interval_ms] {
        const int rounds = 30000 / std::max(1, interval_ms);
        for (int i = 0; i < rounds && !m_stop; ++i) {
          send_udp(port, payload, 1);
          std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
        }
      })
{
}

Traffic::~Traffic()
{
  m_stop = true;
  m_thread.join();
}

}  // namespace rpcap::test
