// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/service_manager.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "rpcap/config/values.hpp"

namespace rpcap {
namespace {

std::string take_env(const char* name)
{
  const char* v = std::getenv(name);
  std::string out = v != nullptr ? v : "";
  ::unsetenv(name);
  return out;
}

int socket_option(int fd, int option)
{
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(fd, SOL_SOCKET, option, &value, &len) != 0) { return -1; }
  return value;
}

}  // namespace

Result<std::vector<Fd>> passed_listeners()
{
  const std::string pid = take_env("LISTEN_PID");
  const std::string count = take_env("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  std::vector<Fd> out;
  const auto for_pid = conf::parse_number(pid, std::numeric_limits<int>::max());
  if (count.empty() || !for_pid || static_cast<pid_t>(*for_pid) != ::getpid()) { return out; }
  const auto n = conf::parse_number(count, 1024);
  if (!n) { return make_error(ErrorKind::config, "LISTEN_FDS=\"" + count + "\" is not a count of descriptors"); }
  for (int fd = k_first_passed_fd; fd < k_first_passed_fd + static_cast<int>(*n); ++fd) { out.emplace_back(fd); }
  for (const auto& fd : out) {
    const std::string which = "descriptor " + std::to_string(fd.get()) + " passed by the service manager";
    const int domain = socket_option(fd.get(), SO_DOMAIN);
    if ((domain != AF_INET && domain != AF_INET6) || socket_option(fd.get(), SO_TYPE) != SOCK_STREAM
        || socket_option(fd.get(), SO_PROTOCOL) != IPPROTO_TCP || socket_option(fd.get(), SO_ACCEPTCONN) != 1) {
      return make_error(ErrorKind::config, which + " is not a listening TCP socket (use Accept=no and ListenStream=)");
    }
    const int flags = ::fcntl(fd.get(), F_GETFD);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFD, flags | FD_CLOEXEC) != 0) {
      return make_error(ErrorKind::io, which + ": " + std::strerror(errno));
    }
  }
  return out;
}

ServiceNotifier::ServiceNotifier() : m_address(take_env("NOTIFY_SOCKET")) {}

void ServiceNotifier::ready(std::string_view status) const
{
  send("READY=1\nSTATUS=" + std::string{status});
}

void ServiceNotifier::reloading() const
{
  send("RELOADING=1\nSTATUS=re-reading the configuration");
}

void ServiceNotifier::stopping() const
{
  send("STOPPING=1\nSTATUS=stopping");
}

void ServiceNotifier::send(const std::string& state) const
{
  if (m_address.empty()) { return; }
  sockaddr_un addr{};
  if (m_address.size() >= sizeof addr.sun_path || (m_address[0] != '/' && m_address[0] != '@')) { return; }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, m_address.data(), m_address.size());
  if (m_address[0] == '@') { addr.sun_path[0] = '\0'; }  // the abstract namespace
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + m_address.size());
  const Fd fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (!fd) { return; }
  // Best effort, as sd_notify(3): a manager that does not listen changes nothing here.
  (void)::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
}

}  // namespace rpcap
