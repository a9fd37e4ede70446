// SPDX-License-Identifier: BSD-3-Clause
// The line between a passive session's process and the listening process
// (an AF_UNIX SOCK_SEQPACKET pair made for each session, so every message
// is whole and the listener knows whose it is). The session reports what
// the listener counts (login failures for LoginThrottle, missed deadlines
// for the penalties of Admission) and asks for a logged-in slot after a
// successful login; the listener answers at once.
//
// Messages, one per packet, the first byte saying which:
//   session -> listener  'F' / 'S'  a LoginReporter::Record (failed / succeeded
//   password)
//                        'T'        a deadline was missed (first message or
//                        login) 'L'        the client authenticated: may the
//                        session go on?
//   listener -> session  'Y'        yes
//                        'N' reason no, and why ("too many sessions
//                        (MaxSessions 64)")
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "rpcap/base/error.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

// A connected pair for one session: {listener's end, session's end}, both
// close-on-exec; the listener's end is non-blocking.
Result<std::pair<Fd, Fd>> make_session_link();

// The session's end.
class SessionLink {
public:
  SessionLink() = default;
  explicit SessionLink(Fd fd) : m_fd(std::move(fd)) {}

  bool valid() const noexcept { return m_fd.valid(); }
  int fd() const noexcept { return m_fd.get(); }
  // Tell the listener a deadline was missed (it penalises the source).
  void missed_deadline() const;
  // Ask for a logged-in slot and wait up to `timeout_ms` for the answer.
  // Fails (ErrorKind::remote) with the listener's reason when refused, or
  // when the listener does not answer. No link: always admitted.
  Status admit(int timeout_ms = 10000) const;
  void close() { m_fd.reset(); }

private:
  Fd m_fd;
};

// One message the listener read from a session's end.
struct LinkMessage {
  enum class Kind { login_failed, login_succeeded, missed_deadline, wants_slot } kind;
};

// Read the next message from the listener's end `fd` (non-blocking).
// nullopt with `closed` set when the session closed its end (or the link
// failed); nullopt alone when nothing is waiting. Unknown messages are skipped.
std::optional<LinkMessage> read_link_message(int fd, bool& closed);

// The listener's answer to a wants_slot: admitted, or refused with `reason`.
void answer_slot(int fd, const std::optional<std::string>& refusal);

}  // namespace rpcap
