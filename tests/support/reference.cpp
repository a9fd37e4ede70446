// SPDX-License-Identifier: BSD-3-Clause
#include "support/reference.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "rpcap/net.hpp"

namespace rpcap::test {

// A port nothing listens on (bound, then closed).
std::uint16_t closed_port()
{
  Fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  REQUIRE(fd.valid());
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  auto local = local_address(fd.get());
  REQUIRE(local.has_value());
  return local->port();
}

std::string reference_rpcapd()
{
  const char* d = std::getenv("RPCAP_REF_DIR");
  const char* home = std::getenv("HOME");
  const std::string dir = d != nullptr && *d != '\0' ? d : std::string{home != nullptr ? home : "/root"} + "/.cache/rpcap-ref";
  return dir + "/inst/sbin/rpcapd";
}

// True if libpcap 1.10.3's rpcapd is built; otherwise reports SKIPPED,
// or fails when RPCAP_REQUIRE_REFERENCE=1 (CI).
bool have_reference_rpcapd()
{
  const bool present = ::access(reference_rpcapd().c_str(), X_OK) == 0;
  const char* required = std::getenv("RPCAP_REQUIRE_REFERENCE");
  if (required != nullptr && std::string{required} == "1") {
    INFO(reference_rpcapd() << " is missing; run scripts/reference-build");
    REQUIRE(present);
    return true;
  }
  if (!present) { WARN("SKIPPED: no reference rpcapd at " << reference_rpcapd() << " (scripts/reference-build makes one)"); }
  return present;
}

ReferenceDaemon::ReferenceDaemon(const std::vector<std::string>& args) : m_port(closed_port())
{
  std::vector<std::string> argv{reference_rpcapd(), "-b", "127.0.0.1", "-p", std::to_string(m_port)};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) { cargv.push_back(a.data()); }
  cargv.push_back(nullptr);
  const pid_t parent = ::getpid();
  m_pid = ::fork();
  REQUIRE(m_pid >= 0);
  if (m_pid == 0) {
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) { ::_exit(127); }
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto fd = connect_tcp("127.0.0.1", std::to_string(m_port), AddressFamily::ipv4, 1000);
    if (fd) { break; }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    int status = 0;
    REQUIRE(::waitpid(m_pid, &status, WNOHANG) == 0);  // it has not died
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

ReferenceDaemon::~ReferenceDaemon()
{
  ::kill(-m_pid, SIGTERM);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
}

}  // namespace rpcap::test
