// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/session_link.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "rpcap/base/deadline.hpp"
#include "rpcap/daemon/login_throttle.hpp"

namespace rpcap {
namespace {

constexpr std::size_t k_max_reason = 512;

}  // namespace

Result<std::pair<Fd, Fd>> make_session_link()
{
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return make_error(ErrorKind::io, std::string{"socketpair for a session: "} + std::strerror(errno));
  }
  Fd listener{sv[0]};
  Fd session{sv[1]};
  if (auto st = set_nonblocking(listener.get(), true); !st) { return std::move(st).error(); }
  return std::make_pair(std::move(listener), std::move(session));
}

void SessionLink::missed_deadline() const
{
  if (!m_fd) { return; }
  const char t = 'T';
  (void)!::send(m_fd.get(), &t, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

Status SessionLink::admit(int timeout_ms) const
{
  if (!m_fd) { return {}; }
  const char l = 'L';
  if (::send(m_fd.get(), &l, 1, MSG_NOSIGNAL) != 1) {
    return make_error(ErrorKind::remote, "the daemon's listening process is gone");
  }
  const Deadline deadline{timeout_ms};
  char answer[k_max_reason + 1];
  for (;;) {
    const int left = deadline.left_ms();
    if (left == 0) { return make_error(ErrorKind::remote, "the daemon's listening process did not answer"); }
    pollfd p{m_fd.get(), POLLIN, 0};
    const int rc = ::poll(&p, 1, left);
    if (rc < 0 && errno == EINTR) { continue; }
    if (rc <= 0) { continue; }
    const ssize_t n = ::recv(m_fd.get(), answer, sizeof answer, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) { continue; }
    if (n <= 0) { return make_error(ErrorKind::remote, "the daemon's listening process is gone"); }
    if (answer[0] == 'Y') { return {}; }
    if (answer[0] == 'N') {
      return make_error(ErrorKind::remote, std::string(answer + 1, static_cast<std::size_t>(n) - 1));
    }
  }
}

std::optional<LinkMessage> read_link_message(int fd, bool& closed)
{
  closed = false;
  for (;;) {
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) { continue; }
    if (n < 0 && errno == EAGAIN) { return std::nullopt; }
    if (n <= 0) {
      closed = true;
      return std::nullopt;
    }
    switch (buf[0]) {
    case static_cast<char>(LoginReporter::Outcome::failed):
      return LinkMessage{LinkMessage::Kind::login_failed};
    case static_cast<char>(LoginReporter::Outcome::succeeded):
      return LinkMessage{LinkMessage::Kind::login_succeeded};
    case 'T':
      return LinkMessage{LinkMessage::Kind::missed_deadline};
    case 'L':
      return LinkMessage{LinkMessage::Kind::wants_slot};
    default:
      break;  // not ours: skip it
    }
  }
}

void answer_slot(int fd, const std::optional<std::string>& refusal)
{
  std::string msg = refusal ? "N" + refusal->substr(0, k_max_reason) : std::string{"Y"};
  (void)!::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace rpcap
