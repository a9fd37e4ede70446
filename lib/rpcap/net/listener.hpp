// SPDX-License-Identifier: BSD-3-Clause
// The listening side of active mode (docs/protocol.md#active-mode), for rpcap-listen: daemons that
// cannot accept connections (rpcapd -a) connect to us, and we then act as
// an ordinary client over that connection (ClientSession::attach).
//
// Unlike libpcap's pcap_remoteact_accept (B26) this listens on every
// address of either family, keeps listening for any number of daemons,
// bounds each wait, and checks an allow list of daemon hosts: a daemon not
// on it gets ERROR 11 (REMOTEACCEPT), as libpcap sends it, and is closed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/wire/bytes.hpp"
#include "rpcap/base/error.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

// A daemon that called in: the connection and where it came from.
struct IncomingDaemon {
  Fd conn;
  SockAddress peer;
};

class ActiveListener {
public:
  // Listen on `host`:`port` (host empty: every address of `family`).
  // `allow` empty: every daemon is accepted.
  static Result<ActiveListener> open(std::string_view host, std::string_view port, AddressFamily family,
                                     HostAllowList allow);

  // The next daemon from an allowed host, within `timeout_ms` (negative: no
  // limit). nullopt when the time passed or a signal interrupted the wait,
  // so the caller can look at its flags. A daemon that is not allowed is
  // sent ERROR 11 and closed, and `on_refused` is told of it.
  Result<std::optional<IncomingDaemon>> next(int timeout_ms,
                                             const std::function<void(const SockAddress&)>& on_refused = {});

  // Stop listening: daemons calling in from now on are refused by the
  // kernel (and retry later), not left waiting in the backlog.
  void close() noexcept { m_fds.clear(); }

  // The addresses listened on, "0.0.0.0:2003, [::]:2003", for messages.
  const std::string& where() const noexcept { return m_where; }

private:
  ActiveListener(std::vector<Fd> fds, HostAllowList allow, std::string where)
    : m_fds(std::move(fds)), m_allow(std::move(allow)), m_where(std::move(where))
  {
  }
  std::vector<Fd> m_fds;
  HostAllowList m_allow;
  std::string m_where;
};

// The bytes of the ERROR 11 (REMOTEACCEPT) sent to a daemon that is refused.
Bytes refusal_message(const SockAddress& peer);

}  // namespace rpcap
