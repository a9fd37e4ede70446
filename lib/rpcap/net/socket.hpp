// SPDX-License-Identifier: BSD-3-Clause
// Sockets: socket addresses, name resolution,
// listening and connecting with deadlines, and host allow-list matching.
// Every call reports failure as an Error that names the operation, the
// address and the cause ("connect to 10.0.0.5:2002: Connection refused").
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/base/fd.hpp"

namespace rpcap {

// Which addresses a name may resolve to.
enum class AddressFamily { any, ipv4, ipv6 };

// The spelling of `family` in config files and options ("any", "ipv4", "ipv6").
const char* to_string(AddressFamily family);

inline constexpr unsigned k_default_keepalive = 30;     // seconds idle before the first probe
inline constexpr unsigned k_default_user_timeout = 60;  // seconds sent data may stay unacknowledged

// A socket address of any family (IPv4 or IPv6 in practice).
struct SockAddress {
  sockaddr_storage storage{};
  socklen_t length{0};

  int family() const noexcept { return storage.ss_family; }
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
  std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  // The numeric host ("127.0.0.1", "::1"; an IPv4-mapped IPv6 address as IPv4).
  std::string host() const;
  // "127.0.0.1:2002" or "[::1]:2002".
  std::string to_string() const;
  // True if both name the same host, ports aside; an IPv4-mapped IPv6
  // address equals its IPv4 address.
  bool same_host(const SockAddress& other) const noexcept;
};

// Resolve `host` (empty: the wildcard address when `passive`, else loopback)
// and `port` (number or service name) for TCP. IPv4 results come first.
Result<std::vector<SockAddress>> resolve(std::string_view host, std::string_view port, AddressFamily family,
                                         bool passive);

// Open listening TCP sockets on every address `host`:`port` resolves to
// (the wildcard of each family when `host` is empty), with SO_REUSEADDR and
// IPV6_V6ONLY, close-on-exec. Addresses that fail to bind are skipped; fails
// only if none could be bound, naming each cause.
Result<std::vector<Fd>> listen_tcp(std::string_view host, std::string_view port, AddressFamily family,
                                   int backlog = 64);


// The ports a data connection may use (--data-ports LO-HI, DataPorts), so
// that a firewall opens those only; empty: any port the kernel picks.
struct PortRange {
  std::uint16_t lo{0};
  std::uint16_t hi{0};
  bool empty() const noexcept { return lo == 0; }
  bool operator==(const PortRange&) const = default;
};

// "50000-50009" or a single port "50000" (ErrorKind::usage with the reason
// otherwise: not numbers, 0, LO above HI); "" is the empty range.
Result<PortRange> parse_port_range(std::string_view text);
// "50000-50009", "50000" for one port, "" for the empty range.
std::string to_string(PortRange range);

// Error text of a range every port of which is in use: it names the range,
// so that the peer of a refused capture learns what to widen.
std::string ports_busy(PortRange range);

// A TCP socket listening on the local address `local` on a port of
// `ports` (the first free one, with SO_REUSEADDR so that a port a past
// connection left in TIME_WAIT is free again), or on an ephemeral port when
// `ports` is empty. Fails with ErrorKind::busy when every port of the range
// is taken (ports_busy()'s text).
Result<Fd> listen_in_range(const SockAddress& local, PortRange ports, int backlog = 1);

// A UDP socket (non-blocking, close-on-exec) bound to `local`'s address on a
// port of `ports` (the first free one), or an ephemeral one when empty; the
// same ErrorKind::busy when every port is taken.
Result<Fd> bind_udp_in_range(const SockAddress& local, PortRange ports);

// Accept from listening socket `listen_fd` the first connection that comes
// from `peer`'s host within `timeout_ms` (negative: no limit); connections
// from other hosts are closed at once (libpcap's B16). The socket is
// returned in blocking mode. `what` names the connection in errors.
Result<Fd> accept_from(int listen_fd, const SockAddress& peer, int timeout_ms, std::string_view what);
// Connect to `host`:`port`, trying every address in turn, each attempt
// bounded by `timeout_ms`. The socket is returned in blocking mode.
Result<Fd> connect_tcp(std::string_view host, std::string_view port, AddressFamily family, int timeout_ms);

// Connect to `addr` within `timeout_ms`; `type` is SOCK_STREAM or SOCK_DGRAM.
Result<Fd> connect_address(const SockAddress& addr, int type, int timeout_ms);

// The peer and local addresses of connected socket `fd`.
Result<SockAddress> peer_address(int fd);
Result<SockAddress> local_address(int fd);

// How a TCP connection notices a peer that is gone without a word (a cut
// network, a host that crashed): keepalive probes while it is idle, and a
// bound on how long sent data may stay unacknowledged.
struct Keepalive {
  unsigned idle_s{k_default_keepalive};          // first probe after this idle time; 0 = no keepalive
  unsigned user_timeout_s{k_default_user_timeout};  // TCP_USER_TIMEOUT; 0 = the kernel's (about 15 minutes)
};

// Apply `k` to TCP socket `fd`: SO_KEEPALIVE with TCP_KEEPIDLE `idle_s`,
// TCP_KEEPINTVL a third of it (at least 1 s) and TCP_KEEPCNT 3, so an idle
// dead peer is dropped after about twice `idle_s`; and TCP_USER_TIMEOUT,
// which (when set) also decides when unanswered probes end the connection.
// Fails with ErrorKind::io naming the option that could not be set.
Status set_keepalive(int fd, const Keepalive& k);

// Hosts allowed to connect (the -l list): names and numeric addresses of
// either family, resolved when the list is built. Empty = everyone.
class HostAllowList {
public:
  HostAllowList() = default;
  // Resolve every entry of `hosts`; an entry that does not resolve is
  // reported in `errors` (and matches nobody) rather than failing the list.
  static HostAllowList resolve(const std::vector<std::string>& hosts, std::vector<Error>& errors);

  bool empty() const noexcept { return m_entries.empty(); }
  bool allows(const SockAddress& peer) const noexcept;

private:
  std::vector<SockAddress> m_addresses;
  std::vector<std::string> m_entries;
};

}  // namespace rpcap
