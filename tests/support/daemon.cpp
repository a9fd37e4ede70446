// SPDX-License-Identifier: BSD-3-Clause
#include "support/daemon.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
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
  const Fd null{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  REQUIRE(null.valid());
  // Its own process group: the reference rpcapd SIGKILLs its whole group when it exits.
  m_pid = start_child(argv, {{3, ready[1]}, {2, log_fd}, {0, null.get()}});
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

namespace {

// The inodes of the TCP sockets on local port `port` in `state` ("0A":
// LISTEN, "01": ESTABLISHED) in the tables `dir`/tcp and `dir`/tcp6 (dir:
// /proc/net, or /proc/PID/net).
std::vector<std::string> tcp_inodes(const std::string& dir, std::uint16_t port, std::string_view state)
{
  std::vector<std::string> out;
  for (const char* table : {"/tcp", "/tcp6"}) {
    std::ifstream f{dir + table};
    std::string line;
    std::getline(f, line);  // the column names
    while (std::getline(f, line)) {
      // "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12345 ...":
      // local address:port (hex), remote, state, queues, timer, retransmits, uid, timeout, inode
      std::istringstream fields{line};
      std::string slot, local, remote, st, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || st != state) { continue; }
      if (std::stoul(local.substr(colon + 1), nullptr, 16) == port) { out.push_back(inode); }
    }
  }
  return out;
}

// How many of `pid`'s sockets are TCP sockets on local port `port` in `state`.
std::size_t sockets_of(pid_t pid, std::uint16_t port, std::string_view state)
{
  const auto mine = socket_inodes_of(pid);
  const auto inodes = tcp_inodes("/proc/" + std::to_string(pid) + "/net", port, state);
  return static_cast<std::size_t>(
      std::count_if(inodes.begin(), inodes.end(), [&](const std::string& i) { return mine.count(i) != 0; }));
}

}  // namespace

std::set<std::string> socket_inodes_of(pid_t pid)
{
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code link_ec;
    const std::string target = std::filesystem::read_symlink(it->path(), link_ec).string();
    if (!link_ec && target.starts_with("socket:[")) { out.insert(target.substr(8, target.size() - 9)); }
  }
  return out;
}

bool tcp_listening(std::uint16_t port) { return !tcp_inodes("/proc/net", port, "0A").empty(); }

bool listens_on(pid_t pid, std::uint16_t port) { return sockets_of(pid, port, "0A") != 0; }

KillAtEnd::~KillAtEnd()
{
  if (pid > 0 && !has_exited(pid)) { ::kill(pid, SIGKILL); }
}

pid_t detached_daemon(const std::string& pid_file, std::uint16_t port)
{
  // The detached process writes the file: wait for its whole line.
  REQUIRE(eventually([&] { return read_file(pid_file).ends_with("\n"); }, 10000));
  const pid_t pid = static_cast<pid_t>(std::stol(read_file(pid_file)));
  REQUIRE(eventually([&] { return listens_on(pid, port) || has_exited(pid); }, 10000));
  REQUIRE_FALSE(has_exited(pid));
  return pid;
}

std::size_t connections_held(pid_t pid, std::uint16_t port) { return sockets_of(pid, port, "01"); }

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

UdpPort::UdpPort()
{
  m_fd.reset(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  REQUIRE(m_fd.valid());
  // A filter that accepts nothing, set before the port is bound: not one
  // datagram is ever queued, however much a test sends.
  sock_filter drop_all{BPF_RET | BPF_K, 0, 0, 0};
  const sock_fprog program{1, &drop_all};
  REQUIRE(::setsockopt(m_fd.get(), SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_ANY);  // every address: nobody may bind the port on 127.0.0.2 either
  REQUIRE(::bind(m_fd.get(), reinterpret_cast<sockaddr*>(&any), sizeof any) == 0);
  auto local = local_address(m_fd.get());
  REQUIRE(local.has_value());
  m_port = local->port();
}

std::uint16_t traffic_port()
{
  static const UdpPort held;
  return held.port();
}

std::string traffic_filter(std::uint16_t port) { return "udp dst port " + std::to_string(port); }

namespace {

// A TCP socket of `family` with SO_REUSEADDR bound to every address and
// `port` (0: one of the kernel's choosing); invalid if the bind failed.
Fd bind_reusable(int family, std::uint16_t port)
{
  Fd fd{::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (!fd) { return fd; }
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = -1;
  if (family == AF_INET6) {
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);  // the IPv4 port is held apart
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(port);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(port);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    const int err = errno;  // for the caller, past close()
    fd.reset();
    errno = err;
  }
  return fd;
}

}  // namespace

std::uint16_t closed_port()
{
  static std::vector<Fd> held;  // closed when the process exits
  // The IPv4 port is the kernel's choice; the same IPv6 port may be taken
  // (then try another), or IPv6 may be missing (then IPv4 alone is held).
  for (int attempt = 0; attempt < 100; ++attempt) {
    Fd v4 = bind_reusable(AF_INET, 0);
    REQUIRE(v4.valid());
    auto local = local_address(v4.get());
    REQUIRE(local.has_value());
    const std::uint16_t port = local->port();
    Fd v6 = bind_reusable(AF_INET6, port);
    if (!v6 && errno == EADDRINUSE) { continue; }
    held.push_back(std::move(v4));
    if (v6) { held.push_back(std::move(v6)); }
    return port;
  }
  FAIL("no TCP port free on both IPv4 and IPv6 in 100 tries");
  return 0;
}

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

std::string after_listening(const std::string& err)
{
  const std::string head = "rpcap-listen: info: listening on ";
  if (err.rfind(head, 0) != 0) { return err; }
  return err.substr(err.find('\n') + 1);
}

}  // namespace rpcap::test
