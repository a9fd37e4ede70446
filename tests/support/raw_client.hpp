// SPDX-License-Identifier: BSD-3-Clause
// A protocol-level client for daemon tests: sends messages made with
// librpcap's encoder, reads whole messages back, and says when the daemon
// closed the connection. It speaks over a Channel, so TLS may be under it.
#pragma once

#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <optional>

#include "rpcap/net/capture.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/net/tls.hpp"
#include "support/daemon.hpp"

namespace rpcap::test {

class RawClient {
public:
  explicit RawClient(std::uint16_t port) : m_ch(connect_local(port)) {}
  explicit RawClient(Fd fd) : m_ch(std::move(fd)) {}
  explicit RawClient(Channel ch) : m_ch(std::move(ch)) {}

  void send(const Message& m, std::uint8_t ver = 0) { send_bytes(encode(m, ver)); }
  void send_bytes(const Bytes& b)
  {
    auto st = m_ch.write_all(b.data(), b.size(), 5000);
    REQUIRE(st.has_value());
  }
  // The next message, or nullopt if the daemon closed the connection.
  std::optional<Decoded> recv(int timeout_ms = 5000)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto r = decode(m_in, 64u << 20);
      REQUIRE(r.has_value());
      if (*r) {
        Decoded d = std::move(**r);
        m_in.erase(m_in.begin(), m_in.begin() + static_cast<std::ptrdiff_t>(d.size));
        return d;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      REQUIRE(left.count() > 0);
      auto ready = wait_readable(m_ch, static_cast<int>(left.count()));
      REQUIRE(ready.has_value());
      if (!*ready) { continue; }
      std::uint8_t buf[65536];
      const long n = m_ch.read_some(buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) { continue; }
      if (n <= 0) { return std::nullopt; }
      m_in.insert(m_in.end(), buf, buf + n);
    }
  }
  template <typename T>
  T expect(int timeout_ms = 5000)
  {
    auto d = recv(timeout_ms);
    REQUIRE(d.has_value());
    INFO("got " << msg_type_name(d->header.type)
                << (std::holds_alternative<ErrorMsg>(d->message) ? ": " + std::get<ErrorMsg>(d->message).text : ""));
    REQUIRE(std::holds_alternative<T>(d->message));
    return std::get<T>(d->message);
  }
  ErrorMsg expect_error(ErrorCode code, int timeout_ms = 5000)
  {
    auto e = expect<ErrorMsg>(timeout_ms);
    CHECK(e.code == code);
    return e;
  }
  bool closed(int timeout_ms = 5000) { return !recv(timeout_ms).has_value(); }
  // True if no byte arrives for `ms` milliseconds (and nothing is buffered).
  bool quiet_for(int ms)
  {
    if (!m_in.empty()) { return false; }
    auto ready = wait_readable(m_ch, ms);
    REQUIRE(ready.has_value());
    return !*ready;
  }
  void null_auth()
  {
    send(AuthRequest{});
    expect<AuthReply>();
  }
  int fd() const { return m_ch.fd(); }

private:
  Channel m_ch;
  Bytes m_in;
};

inline StartCapRequest startcap_for(const std::string& expr, std::uint32_t snaplen = 65535)
{
  auto f = compile_filter(expr, 1, static_cast<int>(snaplen));
  REQUIRE(f.has_value());
  StartCapRequest sc;
  sc.snaplen = snaplen;
  sc.read_timeout = 100;
  sc.filter = *f;
  return sc;
}

// Read PACKETs from `data` until `want` arrived (fails after `timeout_ms`).
inline std::vector<Packet> read_packets(RawClient& data, std::size_t want, int timeout_ms = 10000)
{
  std::vector<Packet> out;
  while (out.size() < want) {
    auto d = data.recv(timeout_ms);
    REQUIRE(d.has_value());
    REQUIRE(std::holds_alternative<Packet>(d->message));
    out.push_back(std::get<Packet>(d->message));
  }
  return out;
}

// Open lo (authenticated already); lo captures Ethernet frames on Linux.
inline void open_lo(RawClient& c)
{
  c.send(OpenRequest{"lo"});
  CHECK(c.expect<OpenReply>().linktype == 1);
}

// Open lo and start a TCP capture of `expr` (authenticated already); returns the data connection.
inline RawClient start_lo_capture(RawClient& c, const std::string& expr)
{
  open_lo(c);
  c.send(startcap_for(expr));
  auto reply = c.expect<StartCapReply>();
  REQUIRE(reply.portdata != 0);
  CHECK(reply.bufsize > 0);
  return RawClient{reply.portdata};
}

}  // namespace rpcap::test
