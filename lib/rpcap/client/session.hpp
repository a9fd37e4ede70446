// SPDX-License-Identifier: BSD-3-Clause
// The client side of RPCAP: a session with a remote rpcapd, as rpcap-ls and
// rpcap-capture use it. One ClientSession owns the control connection and,
// while a capture runs, the data connection (TCP or UDP).
//
//   connect()  TCP connect, AUTH_REQ (NULL or password), AUTH_REPLY (0, 2 or
//              8+ bytes: version range and the daemon's byte order)
//   list_interfaces()            FINDALLIF_REQ / FINDALLIF_REPLY
//   open(), set_sampling()       OPEN_REQ, SETSAMPLING_REQ
//   start_capture()              STARTCAP_REQ; then the data connection
//   read_packets(), update_filter(), stats(), end_capture()
//   close() / the destructor     CLOSE, then both sockets are closed
//
// Unlike libpcap's client (docs/protocol.md#differences-from-libpcap) it always sends
// a correct plen and zeroed reserved fields (B1, B3), bounds caplen by
// plen - 20 (B14), bounds every wait by the session's timeout, bounds every
// buffer (a FINDALLIF reply by 16 MiB, other replies by 64 KiB, a PACKET by
// 20 + snaplen + a little), and accepts UDP datagrams only from the daemon's
// address (B16). Reading packets takes large buffered reads and hands each
// packet to a handler as a view into the buffer: no copy, no allocation.
//
// Errors name the daemon as the source string was written, what was being
// done and the cause: `rpcap://h:2002/: open "eth9": <the daemon's text>`.
// Kinds: `remote` for an ERROR reply, `auth` for a refused login, `io` for
// the network (`connect to 127.0.0.1:2002: Connection refused`), `malformed`
// or `unsupported_version` for what a daemon must not send, `usage` for a
// call the session cannot make (a password without TLS, a second capture).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rpcap/wire/bytes.hpp"
#include "rpcap/client/credentials.hpp"
#include "rpcap/base/error.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/net/tls.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap {

struct ClientOptions {
  std::optional<Credentials> credentials;  // none: NULL authentication
  int timeout_ms{10000};                   // bounds the connect and each reply
  AddressFamily family{AddressFamily::any};
  // On the control and TCP data connections, so that a capture from a
  // daemon whose network went away ends instead of waiting for ever.
  Keepalive keepalive;
  // How to verify the daemon over TLS (rpcaps://, or attach() with `tls`).
  TlsClientSettings tls_settings;
  // attach(): speak TLS over the connection (connect() follows the source's scheme).
  bool tls{false};
  // attach(): the name the daemon's certificate must hold (empty: its address).
  std::string tls_name;
  // Send a password even without TLS (else refused with ErrorKind::usage).
  bool allow_plaintext_password{false};
};

// What STARTCAP asks for (docs/protocol.md#startcap).
struct StartOptions {
  std::uint32_t snaplen{k_max_snaplen};  // clamp_snaplen()ed: 0 or above k_max_snaplen is k_max_snaplen
  bool promisc{false};
  // The daemon's capture buffer timeout: how long a lone packet may wait there.
  std::uint32_t read_timeout_ms{100};
  // A program compiled for the OPEN reply's link type; empty: accept every
  // packet (`ret #snaplen`, as libpcap sends when no filter was set).
  Filter filter;
  bool udp{false};  // data over UDP datagrams instead of a TCP connection
  // The data socket's receive buffer in bytes (SO_RCVBUF); 0: the kernel's
  // autotuning for TCP, 8 MiB for UDP.
  int receive_buffer{0};
  // UDP data, and TCP in active mode, where this side's socket waits for the
  // daemon: its port from these (empty: any). A passive TCP capture
  // connects to the daemon's port, which the daemon's DataPorts chooses.
  PortRange data_ports;
};

// Receives packets from ClientSession::read_packets().
class PacketHandler {
public:
  virtual ~PacketHandler() = default;
  // Called for each packet; `data` holds `hdr.caplen` bytes where the
  // session received them, and stays valid until release() is called (the
  // session calls it before it reuses its buffer, at the latest when
  // read_packets() returns), so that a handler may write them out from there.
  virtual void on_packet(const PacketHeader& hdr, ByteView data) = 0;
  // The bytes of the packets handed on so far are about to be reused: a
  // handler that kept references to them lets go of them now.
  virtual void release() {}
};

// A PacketHandler that calls `f(hdr, data)` for each packet and `r()` on release().
struct NoRelease {
  void operator()() const noexcept {}
};
template <typename F, typename R = NoRelease>
class PacketCallback final : public PacketHandler {
public:
  explicit PacketCallback(F f, R r = R{}) : m_f(std::move(f)), m_r(std::move(r)) {}
  void on_packet(const PacketHeader& hdr, ByteView data) override { m_f(hdr, data); }
  void release() override { m_r(); }

private:
  F m_f;
  R m_r;
};

class ClientSession {
public:
  // Largest FINDALLIF_REPLY payload accepted, and largest other reply.
  static constexpr std::uint32_t k_max_list_reply = 16u << 20;
  static constexpr std::uint32_t k_max_reply = 64u << 10;
  // Bytes a PACKET may exceed 20 + snaplen by before it is refused as garbage.
  static constexpr std::uint32_t k_packet_slack = 4096;
  // Size of each read from the data connection.
  static constexpr std::size_t k_read_size = 256u << 10;

  // Connect to the daemon of remote source `src` (port 2002 unless given),
  // trying each of its addresses, over TLS for rpcaps:// (the daemon's
  // certificate verified as `opts.tls_settings` say), and authenticate.
  // Fails with `usage` for a source that is not remote or a password
  // without TLS (unless `opts.allow_plaintext_password`), `io` if no address
  // answers or TLS fails, `auth` if the login is refused, `remote`
  // for another ERROR reply, `unsupported_version` if the daemon does not
  // speak version 0.
  static Result<ClientSession> connect(const Source& src, const ClientOptions& opts);
  // Run a session over `conn`, a connection a daemon made to us in active
  // mode (rpcap-listen accepted it), and authenticate as connect() does.
  // The session is named "rpcap://<daemon address>/", as libpcap names an
  // active daemon ("rpcaps://" with `opts.tls`: we are the TLS client and
  // the daemon's certificate is checked against its address). In active mode the daemon makes the TCP data connection
  // to a port we listen on (SERVEROPEN, docs/protocol.md#data-connection), and close() ends the session
  // by closing the connection without CLOSE, which would stop libpcap's
  // rpcapd from ever calling back (docs/protocol.md#active-mode).
  static Result<ClientSession> attach(Fd conn, const ClientOptions& opts);

  ClientSession(ClientSession&&) noexcept;
  ClientSession& operator=(ClientSession&&) noexcept;
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;
  // Closes the session as close() does.
  ~ClientSession();

  // The daemon's interfaces, in its order (FINDALLIF).
  Result<std::vector<Interface>> list_interfaces();
  // Only interface `name` ("rpcap://h/eth0" lists that one), or all when
  // `name` is empty; fails (ErrorKind::remote) when the daemon has none of
  // that name.
  Result<std::vector<Interface>> list_interfaces(const std::string& name);
  // Open `device` (its name on the daemon) for a capture; the reply holds its link type.
  Result<OpenReply> open(const std::string& device);
  // Ask for sampling (docs/protocol.md#setsampling; libpcap 1.10 daemons accept it and ignore
  // it). Before start_capture().
  Status set_sampling(SetSamplingRequest::Method method, std::uint32_t value);
  // Start capturing the opened device and set up the data connection: for
  // TCP, connect to the daemon's address at the port its reply names (in
  // active mode, accept its connection to a port named in the request); for
  // UDP, a socket on the control connection's local address whose port
  // goes in the request. Fails with `usage` if a capture is running.
  Result<StartCapReply> start_capture(const StartOptions& opts);
  // Replace the running capture's filter.
  Status update_filter(const Filter& filter);
  // The capture's counters as the daemon reports them.
  Result<StatsReply> stats();
  // Stop the capture (ENDCAP), discarding packets still in flight, and
  // close the data connection. The device stays open for another start.
  Status end_capture();
  // Send CLOSE (if the session is usable and not in active mode) and close both connections.
  // Idempotent; every later call fails.
  void close();

  // Hand the packets that arrive within `timeout_ms` (negative: no limit)
  // to `handler`, at most `max_packets` (0: no limit) of them (UDP data:
  // whole datagrams, which may hold several). Returns as
  // soon as one read brought whole packets; 0 when the time passed or a
  // signal interrupted the wait. Fails when the daemon closes the data
  // connection, sends an ERROR on the control connection (e.g. code 9, a
  // capture read error) or sends bytes that are not PACKET messages within
  // bounds. Messages of another type or version are skipped (docs/protocol.md#packet).
  Result<std::size_t> read_packets(PacketHandler& handler, int timeout_ms, std::size_t max_packets = 0);

  // True if read_packets() would find packets at once: a whole message is
  // buffered or the data connection is readable. A caller that buffers its
  // output flushes when this is false, so a lone packet is not held back.
  bool data_waiting() const;

  // Descriptors to poll(): readable when read_packets() has work. -1 if none.
  int control_fd() const noexcept;
  int data_fd() const noexcept;

  bool capturing() const noexcept;
  // The source as written, without its adapter: "rpcap://h:2002/".
  const std::string& daemon_name() const noexcept;
  // How the daemon's byte order relates to ours (docs/protocol.md#version-negotiation); unknown
  // for daemons older than libpcap 1.10.2, which means "assume the same".
  AuthReply::ByteOrder byte_order() const noexcept;
  // UDP data: PACKETs lost on the way, counted from gaps in their sequence numbers.
  std::uint64_t udp_lost() const noexcept;

  class Impl;

private:
  explicit ClientSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

// Whether `opts`'s credentials may be sent: names and passwords of at most
// 65535 bytes, and a password only over TLS (`tls`) or with
// allow_plaintext_password. The refusal (ErrorKind::usage) says to use
// `how_tls` instead, after "`where`: " when `where` is not empty.
Status check_credentials(const ClientOptions& opts, bool tls, std::string_view how_tls, std::string_view where = {});

// Every local capture device, through libpcap (for "rpcap://" listings).
Result<std::vector<Interface>> list_local_interfaces();

}  // namespace rpcap
