// SPDX-License-Identifier: BSD-3-Clause
#include "support/load.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rpcap::test {

NoAsanQuarantine::NoAsanQuarantine()
{
#if defined(__SANITIZE_ADDRESS__)
  const char* now = std::getenv("ASAN_OPTIONS");
  if (now != nullptr) { m_saved = now; }
  const std::string options = m_saved.value_or("") + (m_saved ? ":" : "") + "quarantine_size_mb=0";
  REQUIRE(::setenv("ASAN_OPTIONS", options.c_str(), 1) == 0);
#endif
}

NoAsanQuarantine::~NoAsanQuarantine()
{
#if defined(__SANITIZE_ADDRESS__)
  if (m_saved) {
    ::setenv("ASAN_OPTIONS", m_saved->c_str(), 1);
  } else {
    ::unsetenv("ASAN_OPTIONS");
  }
#endif
}

Fd connect_from(const std::string& from, std::uint16_t port)
{
  Fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  REQUIRE(fd.valid());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  REQUIRE(::inet_pton(AF_INET, from.c_str(), &a.sin_addr) == 1);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  return fd;
}

namespace {

long status_kib(pid_t pid, std::string_view field)
{
  std::ifstream f{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with(field)) { return std::stol(line.substr(field.size())); }
  }
  return 0;
}

}  // namespace

long rss_kib(pid_t pid) { return status_kib(pid, "VmRSS:"); }

long peak_rss_kib(pid_t pid) { return status_kib(pid, "VmHWM:"); }

std::size_t fd_count(pid_t pid)
{
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

void need_descriptors(std::size_t n)
{
  rlimit rl{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < n) {
    INFO("the hard descriptor limit " << rl.rlim_max << " is below " << n);
    REQUIRE((rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= n));
    rl.rlim_cur = n;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &rl) == 0);
  }
}

}  // namespace rpcap::test
