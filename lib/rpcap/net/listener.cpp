// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/listener.hpp"

#include "rpcap/base/deadline.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstring>

#include "rpcap/wire/protocol.hpp"

namespace rpcap {
namespace {

// How long a refused daemon's ERROR may take to send.
constexpr int k_refusal_timeout_ms = 1000;

}  // namespace

Bytes refusal_message(const SockAddress& peer)
{
  return encode(ErrorMsg{ErrorCode::remoteaccept, "Host " + peer.host() + " is not allowed to connect"}, 0);
}

Result<ActiveListener> ActiveListener::open(std::string_view host, std::string_view port, AddressFamily family,
                                            HostAllowList allow)
{
  auto fds = listen_tcp(host, port, family);
  if (!fds) { return std::move(fds).error(); }
  std::string where;
  for (const auto& fd : *fds) {
    if (auto st = set_nonblocking(fd.get(), true); !st) { return std::move(st).error(); }
    if (auto a = local_address(fd.get()); a) { where += (where.empty() ? "" : ", ") + a->to_string(); }
  }
  return ActiveListener{std::move(*fds), std::move(allow), std::move(where)};
}

Result<std::optional<IncomingDaemon>> ActiveListener::next(int timeout_ms,
                                                           const std::function<void(const SockAddress&)>& on_refused)
{
  const Deadline deadline{timeout_ms};
  for (;;) {
    if (m_fds.empty()) { return make_error(ErrorKind::usage, "the listener is closed"); }
    std::vector<pollfd> p;
    for (const auto& fd : m_fds) { p.push_back(pollfd{fd.get(), POLLIN, 0}); }
    const int rc = ::poll(p.data(), p.size(), deadline.left_ms());
    if (rc < 0 && errno == EINTR) { return std::optional<IncomingDaemon>{}; }
    if (rc < 0) { return make_error(ErrorKind::io, std::string{"poll: "} + std::strerror(errno)); }
    if (rc == 0) { return std::optional<IncomingDaemon>{}; }
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i].revents == 0) { continue; }
      IncomingDaemon d;
      d.peer.length = sizeof d.peer.storage;
      d.conn = Fd{::accept4(m_fds[i].get(), d.peer.get(), &d.peer.length, SOCK_CLOEXEC)};
      if (!d.conn) {
        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) { continue; }
        // Out of descriptors and the like: the daemon will call again.
        return make_error(ErrorKind::io, "accept on " + m_where + ": " + std::strerror(errno));
      }
      if (m_allow.empty() || m_allow.allows(d.peer)) { return std::optional<IncomingDaemon>{std::move(d)}; }
      const Bytes refusal = refusal_message(d.peer);
      (void)write_all(d.conn.get(), refusal.data(), refusal.size(), k_refusal_timeout_ms);
      if (on_refused) { on_refused(d.peer); }
    }
  }
}

}  // namespace rpcap
