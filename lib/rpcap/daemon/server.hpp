// SPDX-License-Identifier: BSD-3-Clause
// The daemon's side of one RPCAP control connection, as a pure state
// machine: bytes from the client go in, reply bytes come out, and every
// side effect (authentication, devices, the capture and its data
// connection) goes through SessionEnv. No sockets and no devices here, so
// the protocol logic can be tested and fuzzed with a fake environment.
//
// It answers as libpcap 1.10's rpcapd does (docs/protocol.md#messages and
// docs/protocol.md#daemon-session), except where rpcapd is broken
// (docs/protocol.md#differences-from-libpcap), and then it does what the
// protocol intends:
//   B1  a STARTCAP 8 bytes short of its filter is read whole
//   B5  UPDATEFILTER's payload is consumed even when no capture runs
//   B6  an unknown message type after authentication gets a text
//   B9  a second STARTCAP during a capture is refused, not leaked
//   B28 a refused OPEN forgets the device; URL-like names are never opened
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/protocol.hpp"

namespace rpcap {

// Everything a STARTCAP asks for, checked and normalised.
struct StartCapture {
  std::string device;         // from the last successful OPEN
  std::uint32_t snaplen{0};   // 1..k_max_snaplen
  std::uint32_t read_timeout{0};
  std::uint16_t flags{0};     // startcap_flags
  std::uint16_t client_port{0};  // portdata: the client's data port (DGRAM or SERVEROPEN)
  Filter filter;
  SetSamplingRequest sampling;
};

enum class LogLevel { debug, info, warning, error };

// The session's view of the world.
class SessionEnv {
public:
  virtual ~SessionEnv() = default;
  // Check a password login. On failure the environment applies any delay;
  // the session answers with one generic text whatever the cause. A
  // failure of another kind than ErrorKind::auth means this process can no
  // longer serve a session (an identity change failed, perhaps half-way):
  // the session answers and closes.
  virtual Status authenticate(const std::string& user, const std::string& password) = 0;
  // Log in as the user the client's verified certificate names, for a NULL
  // authentication request; if that fails NULL authentication fails too,
  // as authenticate() does. nullopt: no certificate names anyone, so NULL
  // authentication is up to SessionSettings::null_auth.
  virtual std::optional<Status> certificate_login() { return std::nullopt; }
  // After a successful login: may this session go on? A failure's message
  // is the reason, sent to the client in the ERROR before the close ("too
  // many sessions (MaxSessions 64)").
  virtual Status admit() { return {}; }
  virtual Result<std::vector<Interface>> list_interfaces() = 0;
  virtual Result<int> probe_linktype(const std::string& device) = 0;
  // Open the capture and set up the data connection (docs/protocol.md#data-connection); return the reply.
  virtual Result<StartCapReply> start_capture(const StartCapture& req) = 0;
  virtual Status update_filter(const Filter& filter) = 0;
  virtual Status set_sampling(const SetSamplingRequest& sampling) = 0;
  // Statistics of the running capture, or those saved when the last one ended.
  virtual Result<StatsReply> stats() = 0;
  virtual void end_capture() = 0;
  virtual bool capturing() const = 0;
  virtual void log(LogLevel level, const std::string& message) = 0;
};

struct SessionSettings {
  bool null_auth{false};
  // Largest request payload accepted; a larger one gets an ERROR and the
  // connection is closed (the largest real request is a password AUTH_REQ).
  std::uint32_t max_request{256 * 1024};
};

class ServerSession {
public:
  enum class Next { go_on, close };

  ServerSession(SessionEnv& env, SessionSettings settings) : m_env(env), m_settings(settings) {}

  // Take `data` received on the control connection and handle the whole
  // messages in it; replies are appended to `out` (write them before acting
  // on Next::close). Partial messages are kept for the next call. It stops
  // early, with more() set, after each message before the login (each login
  // may wait out a failure delay: the caller checks its deadlines and sees
  // whether the client is still there in between) and once `out` holds
  // k_reply_backlog bytes (a pipeline of FINDALLIF must not hold megabytes
  // of replies): call it again, with no new data, until more() is false,
  // before reading more.
  Next feed(ByteView data, Bytes& out);
  // Requests received and not handled yet (feed() stopped early).
  bool more() const noexcept { return m_more; }

  // Replies held before feed() returns for them to be sent.
  static constexpr std::size_t k_reply_backlog = 256 * 1024;
  // Failed password logins on one connection before it is closed (sshd's
  // MaxAuthTries is 6; RPCAP clients try once per connection).
  static constexpr unsigned k_max_login_failures = 3;

  bool authenticated() const noexcept { return m_authenticated; }
  // A whole message has come in (the first-message deadline is met).
  bool heard() const noexcept { return m_heard; }
  // The device of the last successful OPEN ("" if none).
  const std::string& device() const noexcept { return m_device; }
  // Bytes held back waiting for the rest of a message.
  std::size_t pending() const noexcept { return m_in.size(); }

private:
  Next handle(const Header& h, ByteView payload, Bytes& out);
  Next handle_pre_auth(const Header& h, ByteView payload, Bytes& out);
  Next handle_authenticated(const Header& h, ByteView payload, Bytes& out);
  Next on_auth(const Header& h, ByteView payload, Bytes& out);
  void on_findallif(const Header& h, Bytes& out);
  void on_open(const Header& h, ByteView payload, Bytes& out);
  void on_startcap(const Header& h, ByteView payload, Bytes& out);
  void on_updatefilter(const Header& h, ByteView payload, Bytes& out);
  void on_setsampling(const Header& h, ByteView payload, Bytes& out);
  void on_stats(const Header& h, Bytes& out);
  void on_endcap(const Header& h, Bytes& out);
  void reply_error(const Header& h, ErrorCode code, std::string_view text, Bytes& out);

  SessionEnv& m_env;
  SessionSettings m_settings;
  Bytes m_in;
  bool m_authenticated{false};
  bool m_heard{false};
  bool m_more{false};
  unsigned m_login_failures{0};
  std::string m_device;
  SetSamplingRequest m_sampling;
};

}  // namespace rpcap
