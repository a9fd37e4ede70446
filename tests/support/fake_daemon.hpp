// SPDX-License-Identifier: BSD-3-Clause
// A fake daemon for the client tests: the test plays the daemon in the main
// thread (so that its checks are Catch2 assertions) on its end of a
// connection, a FakePeer, and runs the client call under test in a second
// thread with in_background() until it has its answer.
#pragma once

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <utility>
#include <variant>

#include "rpcap/client/session.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/wire/protocol.hpp"
#include "support/vectors.hpp"

namespace rpcap::test {

// How long a fake daemon waits for the client, and the client for it.
inline constexpr int k_timeout_ms = 3000;

// The client's options: `timeout_ms` for every exchange with the daemon.
inline ClientOptions options(int timeout_ms = k_timeout_ms)
{
  ClientOptions o;
  o.timeout_ms = timeout_ms;
  return o;
}

// Run `f` in a second thread: the client's side of an exchange.
template <typename F>
auto in_background(F f)
{
  return std::async(std::launch::async, std::move(f));
}

// Everything `fd` receives until EOF (fails the test if that takes longer than `timeout_ms`).
inline Bytes read_to_eof(int fd, int timeout_ms = k_timeout_ms)
{
  Bytes got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    REQUIRE(left > 0);
    auto ready = wait_readable(fd, static_cast<int>(left));
    REQUIRE(ready.has_value());
    if (!*ready) { continue; }
    std::uint8_t buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    REQUIRE(n >= 0);
    if (n == 0) { return got; }
    got.insert(got.end(), buf, buf + n);
  }
}

// The daemon's end of one connection.
class FakePeer {
public:
  explicit FakePeer(Fd fd) : m_fd(std::move(fd)) {}

  // The next whole message from the client, with its raw bytes.
  struct Received {
    Header header;
    Message message;
    Bytes bytes;
  };
  Received recv_msg(int timeout_ms = k_timeout_ms)
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto r = decode(m_in);
      REQUIRE(r.has_value());
      if (*r) {
        const auto size = static_cast<std::ptrdiff_t>((*r)->size);
        Received got{(*r)->header, std::move((*r)->message), Bytes(m_in.begin(), m_in.begin() + size)};
        m_in.erase(m_in.begin(), m_in.begin() + size);
        return got;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      REQUIRE(left.count() > 0);
      auto ready = wait_readable(m_fd.get(), static_cast<int>(left.count()));
      REQUIRE(ready.has_value());
      if (!*ready) { continue; }
      std::uint8_t buf[65536];
      const ssize_t n = ::recv(m_fd.get(), buf, sizeof buf, 0);
      REQUIRE(n > 0);
      m_in.insert(m_in.end(), buf, buf + n);
    }
  }
  // The next whole message from the client, which must be a T.
  template <typename T>
  T expect(int timeout_ms = k_timeout_ms)
  {
    auto got = recv_msg(timeout_ms);
    INFO("got " << msg_type_name(got.header.type));
    REQUIRE(std::holds_alternative<T>(got.message));
    return std::get<T>(got.message);
  }
  void send(const Bytes& b)
  {
    auto st = write_all(m_fd.get(), b.data(), b.size(), k_timeout_ms);
    REQUIRE(st.has_value());
  }
  void send(const Message& m, std::uint8_t ver = 0) { send(encode(m, ver)); }
  // True if the client closed the connection (after anything still unread).
  bool closed(int timeout_ms = k_timeout_ms)
  {
    for (;;) {
      auto ready = wait_readable(m_fd.get(), timeout_ms);
      if (!ready || !*ready) { return false; }
      std::uint8_t buf[4096];
      const ssize_t n = ::recv(m_fd.get(), buf, sizeof buf, 0);
      if (n <= 0) { return true; }
      m_in.insert(m_in.end(), buf, buf + n);
    }
  }
  // Everything the client sent until it closed the connection, after the messages taken.
  Bytes rest_until_eof()
  {
    Bytes rest = m_in;
    const Bytes more = read_to_eof(m_fd.get());
    rest.insert(rest.end(), more.begin(), more.end());
    m_in.clear();
    return rest;
  }
  // Bytes received and not yet taken as messages.
  const Bytes& pending() const { return m_in; }
  int fd() const { return m_fd.get(); }
  void close() { m_fd.reset(); }

private:
  Fd m_fd;
  Bytes m_in;
};

// Open "lo" on `session`, whose daemon `daemon` answers with the OPEN_REPLY
// libpcap's rpcapd sent.
inline void open_lo(ClientSession& session, FakePeer& daemon)
{
  auto opened = in_background([&] { return session.open("lo"); });
  CHECK(daemon.expect<OpenRequest>().device == "lo");
  daemon.send(load_vector("open_reply"));
  REQUIRE(opened.get().has_value());
}

}  // namespace rpcap::test
