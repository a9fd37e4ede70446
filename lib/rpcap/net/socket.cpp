// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/socket.hpp"

#include "rpcap/base/deadline.hpp"
#include "rpcap/base/text.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <chrono>
#include <cstring>
#include <functional>

namespace rpcap {
namespace {

Error io_error(const std::string& what, int err)
{
  return make_error(ErrorKind::io, what + ": " + std::strerror(err));
}

std::string endpoint(std::string_view host, std::string_view port)
{
  std::string h{host};
  if (h.find(':') != std::string::npos) { h = "[" + h + "]"; }
  return h + ":" + std::string{port};
}

bool is_v4_mapped(const SockAddress& a)
{
  if (a.family() != AF_INET6) { return false; }
  const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr);
}

// The IPv4 form of an IPv4 or IPv4-mapped address; unchanged otherwise.
SockAddress unmapped(const SockAddress& a)
{
  if (!is_v4_mapped(a)) { return a; }
  const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.storage);
  SockAddress out;
  auto* s4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  s4->sin_family = AF_INET;
  s4->sin_port = s6->sin6_port;
  std::memcpy(&s4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
  out.length = sizeof(sockaddr_in);
  return out;
}

}  // namespace

const char* to_string(AddressFamily family)
{
  switch (family) {
  case AddressFamily::any: return "any";
  case AddressFamily::ipv4: return "ipv4";
  case AddressFamily::ipv6: return "ipv6";
  }
  return "any";
}

std::uint16_t SockAddress::port() const noexcept
{
  if (family() == AF_INET) { return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port); }
  if (family() == AF_INET6) { return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port); }
  return 0;
}

void SockAddress::set_port(std::uint16_t p) noexcept
{
  if (family() == AF_INET) { reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(p); }
  if (family() == AF_INET6) { reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(p); }
}

std::string SockAddress::host() const
{
  const SockAddress a = unmapped(*this);
  char buf[NI_MAXHOST] = {};
  if (::getnameinfo(a.get(), a.length, buf, sizeof buf, nullptr, 0, NI_NUMERICHOST) != 0) { return "?"; }
  return buf;
}

std::string SockAddress::to_string() const
{
  return endpoint(host(), std::to_string(port()));
}

bool SockAddress::same_host(const SockAddress& other) const noexcept
{
  const SockAddress a = unmapped(*this);
  const SockAddress b = unmapped(other);
  if (a.family() != b.family()) { return false; }
  if (a.family() == AF_INET) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr,
                       &reinterpret_cast<const sockaddr_in*>(&b.storage)->sin_addr, 4)
           == 0;
  }
  if (a.family() == AF_INET6) {
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(&b.storage)->sin6_addr, 16)
           == 0;
  }
  return false;
}

Result<std::vector<SockAddress>> resolve(std::string_view host, std::string_view port, AddressFamily family,
                                         bool passive)
{
  addrinfo hints{};
  hints.ai_family = family == AddressFamily::ipv4 ? AF_INET : family == AddressFamily::ipv6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  const std::string h{host};
  const std::string p{port};
  // getaddrinfo() takes a number above 65535 modulo 65536: "99999" would be port 34463.
  if (!p.empty() && p.find_first_not_of("0123456789") == std::string::npos && !parse_number(p, 65535)) {
    return make_error(ErrorKind::usage, "resolve " + endpoint(h.empty() ? "*" : h, p) + ": port out of range (0-65535)");
  }
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(h.empty() ? nullptr : h.c_str(), p.c_str(), &hints, &res);
  if (rc != 0) {
    return make_error(ErrorKind::io, "resolve " + endpoint(h.empty() ? "*" : h, p) + ": " + ::gai_strerror(rc));
  }
  std::vector<SockAddress> out;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) { continue; }
    SockAddress a;
    std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
    a.length = ai->ai_addrlen;
    out.push_back(a);
  }
  ::freeaddrinfo(res);
  std::stable_partition(out.begin(), out.end(), [](const SockAddress& a) { return a.family() == AF_INET; });
  return out;
}

namespace {

// A socket for `local`'s family. An IPv6 one serves IPv6 only, unless its
// address is IPv4-mapped (what a dual-stack listener reports for an IPv4
// peer), which only the IPv4 side can bind.
Result<Fd> socket_for(const SockAddress& local, int type, std::string_view what)
{
  Fd fd{::socket(local.family(), type | SOCK_CLOEXEC, 0)};
  if (!fd) { return io_error(std::string{what}, errno); }
  if (local.family() == AF_INET6) {
    const int v6only = is_v4_mapped(local) ? 0 : 1;
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  return fd;
}

}  // namespace

Result<std::vector<Fd>> listen_tcp(std::string_view host, std::string_view port, AddressFamily family, int backlog)
{
  auto addrs = resolve(host, port, family, true);
  if (!addrs) { return std::move(addrs).error(); }
  std::vector<Fd> out;
  std::string failures;
  for (const auto& a : *addrs) {
    const std::string what = "listen on " + a.to_string();
    auto made = socket_for(a, SOCK_STREAM, what);
    if (!made) {
      failures += (failures.empty() ? "" : "; ") + made.error().message;
      continue;
    }
    Fd fd = std::move(*made);
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd.get(), a.get(), a.length) != 0 || ::listen(fd.get(), backlog) != 0) {
      failures += (failures.empty() ? "" : "; ") + io_error(what, errno).message;
      continue;
    }
    out.push_back(std::move(fd));
  }
  if (out.empty()) {
    return make_error(ErrorKind::io, failures.empty() ? "listen on " + endpoint(host, port) + ": no address" : failures);
  }
  return out;
}

Result<PortRange> parse_port_range(std::string_view text)
{
  if (text.empty()) { return PortRange{}; }
  const auto dash = text.find('-');
  auto number = [](std::string_view s) -> std::optional<std::uint16_t> {
    const auto v = parse_number(s, 65535);
    if (!v || *v == 0) { return std::nullopt; }
    return static_cast<std::uint16_t>(*v);
  };
  const auto lo = number(text.substr(0, dash));
  const auto hi = dash == std::string_view::npos ? lo : number(text.substr(dash + 1));
  const std::string quoted = "\"" + std::string{text} + "\"";
  if (!lo || !hi) {
    return make_error(ErrorKind::usage, quoted + " is not a port range LO-HI (ports 1-65535) or one port");
  }
  if (*lo > *hi) { return make_error(ErrorKind::usage, quoted + ": the first port is above the last"); }
  return PortRange{*lo, *hi};
}

std::string to_string(PortRange range)
{
  if (range.empty()) { return {}; }
  if (range.lo == range.hi) { return std::to_string(range.lo); }
  return std::to_string(range.lo) + "-" + std::to_string(range.hi);
}

std::string ports_busy(PortRange range)
{
  return "every data port (" + to_string(range) + ") is in use by other captures";
}

namespace {

// `attempt(port)` for each port of `ports` in turn until one is not busy;
// port 0 (the kernel's choice) when `ports` is empty.
Result<Fd> first_free(PortRange ports, const std::function<Result<Fd>(std::uint16_t)>& attempt)
{
  if (ports.empty()) { return attempt(0); }
  for (unsigned p = ports.lo; p <= ports.hi; ++p) {
    auto fd = attempt(static_cast<std::uint16_t>(p));
    if (fd || fd.error().kind != ErrorKind::busy) { return fd; }
  }
  return make_error(ErrorKind::busy, ports_busy(ports));
}

Error bind_failure(std::string_view what, const SockAddress& a, int err)
{
  // A port of a range in use: try the next. Port 0 in use means no ephemeral port is left.
  if (err == EADDRINUSE && a.port() != 0) { return make_error(ErrorKind::busy, a.to_string() + " is in use"); }
  return io_error(std::string{what} + " on " + a.to_string(), err);
}

}  // namespace

Result<Fd> listen_in_range(const SockAddress& local, PortRange ports, int backlog)
{
  static constexpr std::string_view what = "listen for the data connection";
  // A socket of its own for each port: one that failed to listen is not bound again.
  return first_free(ports, [&](std::uint16_t port) -> Result<Fd> {
    auto fd = socket_for(local, SOCK_STREAM, what);
    if (!fd) { return fd; }
    const int one = 1;
    ::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    SockAddress a = local;
    a.set_port(port);
    // Two sockets with SO_REUSEADDR may both bind a port; only one may listen on it.
    if (::bind(fd->get(), a.get(), a.length) != 0 || ::listen(fd->get(), backlog) != 0) {
      return bind_failure(what, a, errno);
    }
    return fd;
  });
}

Result<Fd> bind_udp_in_range(const SockAddress& local, PortRange ports)
{
  static constexpr std::string_view what = "bind UDP socket";
  // No SO_REUSEADDR: two UDP sockets could share a port with it.
  return first_free(ports, [&](std::uint16_t port) -> Result<Fd> {
    auto fd = socket_for(local, SOCK_DGRAM | SOCK_NONBLOCK, what);
    if (!fd) { return fd; }
    SockAddress a = local;
    a.set_port(port);
    if (::bind(fd->get(), a.get(), a.length) != 0) { return bind_failure(what, a, errno); }
    return fd;
  });
}

Result<Fd> connect_address(const SockAddress& addr, int type, int timeout_ms)
{
  const std::string what = "connect to " + addr.to_string();
  Fd fd{::socket(addr.family(), type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (!fd) { return io_error(what, errno); }
  if (::connect(fd.get(), addr.get(), addr.length) != 0) {
    if (errno != EINPROGRESS) { return io_error(what, errno); }
    pollfd p{fd.get(), POLLOUT, 0};
    int rc = 0;
    const Deadline deadline{timeout_ms};
    do {
      rc = ::poll(&p, 1, deadline.left_ms());
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) { return make_error(ErrorKind::io, what + ": timed out after " + std::to_string(timeout_ms) + " ms"); }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) { return io_error(what, err); }
  }
  if (auto st = set_nonblocking(fd.get(), false); !st) { return std::move(st).error(); }
  return fd;
}

Result<Fd> connect_tcp(std::string_view host, std::string_view port, AddressFamily family, int timeout_ms)
{
  auto addrs = resolve(host, port, family, false);
  if (!addrs) { return std::move(addrs).error(); }
  Error last = make_error(ErrorKind::io, "connect to " + endpoint(host, port) + ": no address");
  for (const auto& a : *addrs) {
    auto fd = connect_address(a, SOCK_STREAM, timeout_ms);
    if (fd) { return fd; }
    last = std::move(fd).error();
  }
  return last;
}

Result<SockAddress> peer_address(int fd)
{
  SockAddress a;
  a.length = sizeof a.storage;
  if (::getpeername(fd, a.get(), &a.length) != 0) { return io_error("getpeername", errno); }
  return a;
}

Result<SockAddress> local_address(int fd)
{
  SockAddress a;
  a.length = sizeof a.storage;
  if (::getsockname(fd, a.get(), &a.length) != 0) { return io_error("getsockname", errno); }
  return a;
}

Result<Fd> accept_from(int listen_fd, const SockAddress& peer, int timeout_ms, std::string_view what)
{
  const Deadline deadline{timeout_ms};
  for (;;) {
    pollfd p{listen_fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, deadline.left_ms());
    if (rc < 0 && errno == EINTR) { continue; }
    if (rc < 0) { return io_error("poll", errno); }
    if (rc == 0) {
      return make_error(ErrorKind::io, "no " + std::string{what} + " from " + peer.host() + " within "
                                           + std::to_string(timeout_ms) + " ms");
    }
    SockAddress from;
    from.length = sizeof from.storage;
    Fd fd{::accept4(listen_fd, from.get(), &from.length, SOCK_CLOEXEC)};
    if (!fd) {
      if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) { continue; }
      return io_error("accept the " + std::string{what}, errno);
    }
    if (from.same_host(peer)) { return fd; }
  }
}

Status set_keepalive(int fd, const Keepalive& k)
{
  auto set = [fd](int level, int name, unsigned value, const char* what) -> Status {
    const int v = static_cast<int>(std::min(value, 1u << 30));
    if (::setsockopt(fd, level, name, &v, sizeof v) != 0) { return io_error(std::string{"set "} + what, errno); }
    return {};
  };
  if (k.idle_s == 0) {
    if (auto st = set(SOL_SOCKET, SO_KEEPALIVE, 0, "SO_KEEPALIVE"); !st) { return st; }
  } else {
    // TCP_KEEPIDLE and TCP_KEEPINTVL take at most 32767 s on Linux.
    const unsigned idle = std::min(k.idle_s, 32767u);
    if (auto st = set(IPPROTO_TCP, TCP_KEEPIDLE, idle, "TCP_KEEPIDLE"); !st) { return st; }
    if (auto st = set(IPPROTO_TCP, TCP_KEEPINTVL, std::max(1u, idle / 3), "TCP_KEEPINTVL"); !st) { return st; }
    if (auto st = set(IPPROTO_TCP, TCP_KEEPCNT, 3, "TCP_KEEPCNT"); !st) { return st; }
    if (auto st = set(SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE"); !st) { return st; }
  }
  // Milliseconds; 0 restores the kernel's behaviour.
  return set(IPPROTO_TCP, TCP_USER_TIMEOUT, std::min(k.user_timeout_s, 86400u) * 1000, "TCP_USER_TIMEOUT");
}

HostAllowList HostAllowList::resolve(const std::vector<std::string>& hosts, std::vector<Error>& errors)
{
  HostAllowList list;
  list.m_entries = hosts;
  for (const auto& h : hosts) {
    auto addrs = rpcap::resolve(h, "0", AddressFamily::any, false);
    if (!addrs) {
      errors.push_back(make_error(ErrorKind::config, "allowed host \"" + h + "\" does not resolve: "
                                                         + addrs.error().message));
      continue;
    }
    list.m_addresses.insert(list.m_addresses.end(), addrs->begin(), addrs->end());
  }
  return list;
}

bool HostAllowList::allows(const SockAddress& peer) const noexcept
{
  if (m_entries.empty()) { return true; }
  return std::any_of(m_addresses.begin(), m_addresses.end(),
                     [&](const SockAddress& a) { return a.same_host(peer); });
}

}  // namespace rpcap
