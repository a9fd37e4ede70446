// SPDX-License-Identifier: BSD-3-Clause
// rpcapd under a service manager (systemd): the listening sockets it may
// hand over (socket activation, sd_listen_fds(3)'s LISTEN_PID/LISTEN_FDS
// protocol) and the state notifications it waits for (Type=notify,
// sd_notify(3)'s NOTIFY_SOCKET protocol). Both are a few lines of a stable,
// documented protocol, so they are spoken here rather than by linking
// libsystemd: the daemon stays free of a library it would use two calls of,
// and works the same under any manager that speaks them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/base/fd.hpp"

namespace rpcap {

// The first descriptor a service manager passes (SD_LISTEN_FDS_START).
constexpr int k_first_passed_fd = 3;

// The listening sockets passed to this process: none when LISTEN_PID is not
// this process or LISTEN_FDS is unset; otherwise LISTEN_FDS descriptors from
// k_first_passed_fd on, each checked to be a listening TCP socket and made
// close-on-exec. The variables are removed from the environment either way,
// so that no child takes them for its own. Fails (ErrorKind::config) naming
// a descriptor that is not a listening TCP socket, or a malformed count.
Result<std::vector<Fd>> passed_listeners();

// Notifications to the service manager at NOTIFY_SOCKET (an AF_UNIX
// datagram socket, '@' for the abstract namespace); does nothing when the
// variable is unset. The variable is taken out of the environment, so that
// only this process (NotifyAccess=main) speaks.
class ServiceNotifier {
public:
  ServiceNotifier();
  // The daemon listens: "READY=1" and a status line.
  void ready(std::string_view status) const;
  // It re-reads its configuration ("RELOADING=1"); ready() when done.
  void reloading() const;
  // It stops ("STOPPING=1").
  void stopping() const;
  // Whether a service manager listens.
  bool active() const { return !m_address.empty(); }

private:
  void send(const std::string& state) const;
  std::string m_address;
};

}  // namespace rpcap
