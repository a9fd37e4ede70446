// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/session.hpp"

#include "rpcap/base/deadline.hpp"

#include "rpcap/base/text.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <variant>

#include "rpcap/net/capture.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {
namespace {

using Clock = std::chrono::steady_clock;

// Longest piece of daemon text (an ERROR message) put into our messages.
constexpr std::size_t k_max_quoted_text = 1024;
// Bytes read from the control connection at a time.
constexpr std::size_t k_control_read = 64u << 10;
// Most datagrams taken in one read_packets() call, so it returns now and then.
constexpr int k_max_datagrams = 1024;
// The UDP data socket's receive buffer: there is no flow control, and no
// autotuning as for TCP, so it has to absorb bursts (the kernel may cap it).
constexpr int k_udp_rcvbuf = 8 << 20;
// How long CLOSE may take to send when the session ends.
constexpr int k_close_timeout_ms = 1000;

// Daemon text fit for one line of a message: control bytes as \xNN, cut short.
std::string sanitize(std::string_view s) { return escape_control(s, k_max_quoted_text); }

std::string describe_ms(int ms)
{
  if (ms % 1000 == 0) { return std::to_string(ms / 1000) + " s"; }
  return std::to_string(ms) + " ms";
}

std::string type_label(MsgType type)
{
  auto name = msg_type_name(type);
  if (!name.empty()) { return std::string{name}; }
  return "message type " + std::to_string(static_cast<unsigned>(type));
}

// The filter STARTCAP sends when the caller has none: accept every packet
// (`ret #snaplen`, what libpcap compiles from the empty expression, docs/protocol.md#filter-block).
Filter accept_all(std::uint32_t snaplen)
{
  Filter f;
  f.insns.push_back(BpfInsn{0x0006, 0, 0, snaplen});
  return f;
}

// `f` as we send it: the accept-all program when empty, reserved field zeroed (B3).
Filter wire_filter(const Filter& f, std::uint32_t snaplen)
{
  Filter out = f.insns.empty() ? accept_all(snaplen) : f;
  out.reserved = 0;
  return out;
}

bool is_auth_failure(ErrorCode code)
{
  return code == ErrorCode::auth_failed || code == ErrorCode::auth_type_notsup || code == ErrorCode::auth;
}

std::string io_cause(const char* call, int err) { return std::string{call} + ": " + std::strerror(err); }

// The cause of a failed read on `ch`: OpenSSL's reason for a TLS error.
std::string read_cause(const Channel& ch, const char* call, int err)
{
  if (err == EPROTO && !ch.error_text().empty()) { return std::string{call} + ": " + ch.error_text(); }
  return io_cause(call, err);
}

// What a capture's data connection needs to speak TLS like the control connection.
struct TlsSetup {
  TlsContext ctx;
  TlsClientSettings settings;
  std::string host;  // checked against the daemon's certificate
};

}  // namespace

// ---------------------------------------------------------------------------

class ClientSession::Impl {
public:
  Impl(const Source& src, int timeout_ms, Channel control, bool active, std::optional<TlsSetup> tls)
    : m_timeout_ms(timeout_ms), m_active(active), m_control(std::move(control)), m_tls(std::move(tls))
  {
    Source listing = src;
    listing.name.clear();
    m_where = format_source(listing);
  }
  ~Impl() { close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Status authenticate(const std::optional<Credentials>& creds);
  Result<std::vector<Interface>> list_interfaces();
  Result<OpenReply> open(const std::string& device);
  Status set_sampling(SetSamplingRequest::Method method, std::uint32_t value);
  Result<StartCapReply> start_capture(const StartOptions& opts);
  Status update_filter(const Filter& filter);
  Result<StatsReply> stats();
  Status end_capture();
  void close();
  Result<std::size_t> read_packets(PacketHandler& handler, int timeout_ms, std::size_t max_packets);

  void use_keepalive(const Keepalive& k) { m_keepalive = k; }
  int control_fd() const noexcept { return m_control.fd(); }
  int data_fd() const noexcept { return m_data.fd(); }
  bool data_waiting() const
  {
    if (!m_capturing || !m_data) { return false; }
    if (m_pending_error) { return true; }
    if (!m_udp && m_end > m_begin) {
      auto frame = next_frame(ByteView{m_buf.data() + m_begin, m_end - m_begin}, m_max_plen);
      if (!frame || *frame) { return true; }
    }
    if (m_data.pending() > 0) { return true; }
    pollfd p{m_data.fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  bool capturing() const noexcept { return m_capturing; }
  const std::string& where() const noexcept { return m_where; }
  AuthReply::ByteOrder byte_order() const noexcept { return m_byte_order; }
  std::uint64_t udp_lost() const noexcept { return m_udp_lost; }

private:
  enum class Drain { no, yes };

  Error fail(ErrorKind kind, std::string_view doing, const std::string& cause) const
  {
    // A daemon's message that already says what was done ("open \"eth9\": ...") is not prefixed again.
    const std::string what = std::string{doing} + ": ";
    return make_error(kind, m_where + ": " + (cause.starts_with(what) ? cause : what + cause));
  }
  // True unless the first bytes of a reply cannot start an RPCAP message: a
  // version byte that is a small number (protocol versions count from 0;
  // text and TLS records start higher), then an ERROR or a reply type
  // (a type this client does not know is reported as RPCAP's mistake).
  static bool looks_like_rpcap(const Bytes& got)
  {
    constexpr std::uint8_t k_highest_plausible_version = 0x0f;
    if (got.empty()) { return true; }
    if (got[0] > k_highest_plausible_version) { return false; }
    constexpr std::uint8_t k_reply_bit = 0x80;  // a reply's type is its request's with this bit set
    return got.size() < 2 || got[1] == static_cast<std::uint8_t>(MsgType::error) || (got[1] & k_reply_bit) != 0;
  }
  // The peer answered as something else than an RPCAP server: what it
  // sent says what it is (an SSH or HTTP banner, a TLS alert).
  Error not_rpcap()
  {
    std::string peer = "the peer";
    if (auto p = peer_address(m_control.fd()); p) { peer = p->to_string(); }
    const ByteView got{m_ctrl_in.data(), m_ctrl_in.size()};
    std::string what;
    if (got.size() >= 2 && (got[0] == 0x15 || got[0] == 0x16) && got[1] == 0x03) {
      what = "it answered in TLS: use rpcaps://";
    } else {
      const std::string text(reinterpret_cast<const char*>(got.data()), got.size());
      what = "it sent " + quote_text(text.substr(0, text.find_first_of("\r\n")), 40);
    }
    drop_connections();
    return make_error(ErrorKind::malformed, peer + " is not an RPCAP server (" + what + ")");
  }
  // An error after which the control connection cannot be trusted: it is closed.
  Error broken(ErrorKind kind, std::string_view doing, const std::string& cause)
  {
    drop_connections();
    return fail(kind, doing, cause);
  }
  void drop_connections()
  {
    stop_data();
    m_control.reset();
    m_ctrl_in.clear();
  }
  void stop_data()
  {
    m_data.reset();
    m_capturing = false;
    m_buf = Bytes{};
    m_begin = m_end = 0;
    m_pending_error.reset();
  }

  Error error_reply(const Frame& f, std::string_view doing) const;
  Result<Message> request(const Message& req, std::string_view doing, std::uint32_t max_plen,
                          Drain drain = Drain::no);
  Result<Message> read_reply(MsgType want, std::string_view doing, std::uint32_t max_plen, Drain drain);
  Result<Message> interpret(const Frame& f, MsgType want, std::string_view doing) const;
  Status check_control();
  Result<std::size_t> read_stream(PacketHandler& handler, std::size_t max_packets);
  Result<std::size_t> read_datagrams(PacketHandler& handler, std::size_t max_packets);

  // The data connection before the STARTCAP request: the socket made (UDP)
  // or listening (active TCP), and what the request says of it.
  struct DataSetup {
    Fd socket;
    std::uint16_t flags{0};
    std::uint16_t portdata{0};
  };
  Result<DataSetup> udp_data_socket(PortRange ports, std::string_view doing);
  Result<DataSetup> active_data_listener(PortRange ports, std::string_view doing);
  Result<Fd> accept_active_data(const Fd& listening, const SockAddress& daemon, std::string_view doing);
  Result<Fd> connect_passive_data(const SockAddress& daemon, const StartCapReply& reply, std::string_view doing);
  Result<Channel> tcp_data_channel(Fd data, std::string_view doing);
  Result<std::size_t> parse_buffered(PacketHandler& handler, std::size_t max_packets);
  Result<bool> deliver(const Frame& f, PacketHandler& handler);
  // Hand one PACKET on, counting UDP loss from its sequence number.
  void hand_on(const PacketHeader& ph, ByteView data, PacketHandler& handler);

  std::string m_where;  // "rpcap://host:port/"
  int m_timeout_ms;
  Keepalive m_keepalive;  // for the data connection
  bool m_active;  // the daemon connected to us (docs/protocol.md#active-mode)
  Channel m_control;
  std::optional<TlsSetup> m_tls;  // rpcaps://: the data connection gets TLS too
  Bytes m_ctrl_in;  // control bytes received and not yet consumed
  bool m_authenticated{false};
  std::uint8_t m_version{k_protocol_version};
  AuthReply::ByteOrder m_byte_order{AuthReply::ByteOrder::unknown};

  // The running capture.
  bool m_capturing{false};
  bool m_udp{false};
  Channel m_data;
  SockAddress m_daemon;  // the control connection's peer: the only sender of UDP data
  std::uint32_t m_snaplen{k_max_snaplen};
  std::uint32_t m_max_plen{0};
  Bytes m_buf;  // data bytes in [m_begin, m_end)
  std::size_t m_begin{0};
  std::size_t m_end{0};
  std::uint32_t m_next_npkt{1};
  std::uint64_t m_udp_lost{0};
  std::optional<Error> m_pending_error;  // UDP: found after packets that were returned
};

Error ClientSession::Impl::error_reply(const Frame& f, std::string_view doing) const
{
  const auto code = static_cast<ErrorCode>(f.header.value);
  std::string text = sanitize(std::string_view{reinterpret_cast<const char*>(f.payload.data()), f.payload.size()});
  if (text.empty()) { text = "the daemon sent ERROR code " + std::to_string(f.header.value) + " without a text"; }
  if (!m_authenticated && is_auth_failure(code)) {
    return make_error(ErrorKind::auth, m_where + ": authentication failed: " + text, f.header.value);
  }
  Error e = fail(ErrorKind::remote, doing, text);
  e.rpcap_code = f.header.value;
  return e;
}

Result<Message> ClientSession::Impl::interpret(const Frame& f, MsgType want, std::string_view doing) const
{
  // An ERROR is shown whatever its version: it is what the daemon has to say.
  if (f.header.type == MsgType::error) { return error_reply(f, doing); }
  if (f.header.ver != m_version) {
    return fail(ErrorKind::unsupported_version, doing,
                "the daemon answered with protocol version " + std::to_string(f.header.ver) + ", not "
                    + std::to_string(m_version));
  }
  if (f.header.type != want) {
    return fail(ErrorKind::malformed, doing,
                "the daemon answered with " + type_label(f.header.type) + " instead of " + type_label(want));
  }
  auto msg = decode_payload(f.header, f.payload);
  if (!msg) { return fail(ErrorKind::malformed, doing, msg.error().message); }
  return msg;
}

Result<Message> ClientSession::Impl::request(const Message& req, std::string_view doing, std::uint32_t max_plen,
                                             Drain drain)
{
  if (!m_control) { return fail(ErrorKind::usage, doing, "the session is closed"); }
  const Bytes out = encode(req, m_version);
  auto sent = m_control.write_all(out.data(), out.size(), m_timeout_ms);
  if (!sent) {
    // A daemon that refuses us (host not allowed) says why and closes: its
    // ERROR may already be here, and is the better explanation.
    auto early = read_reply(reply_type(type_of(req)), doing, max_plen, Drain::no);
    if (!early && early.error().kind != ErrorKind::io) { return early; }
    return broken(ErrorKind::io, doing, sent.error().message);
  }
  return read_reply(reply_type(type_of(req)), doing, max_plen, drain);
}

Result<Message> ClientSession::Impl::read_reply(MsgType want, std::string_view doing, std::uint32_t max_plen,
                                                Drain drain)
{
  const Deadline deadline{m_timeout_ms};
  for (;;) {
    if (!m_control) { return fail(ErrorKind::io, doing, "the connection is closed"); }
    if (!m_authenticated && !looks_like_rpcap(m_ctrl_in)) { return not_rpcap(); }
    auto frame = next_frame(m_ctrl_in, max_plen);
    if (!frame) { return broken(ErrorKind::malformed, doing, frame.error().message); }
    if (*frame) {
      const Frame f = **frame;
      auto msg = interpret(f, want, doing);
      m_ctrl_in.erase(m_ctrl_in.begin(), m_ctrl_in.begin() + static_cast<std::ptrdiff_t>(f.size));
      return msg;
    }
    const bool draining = drain == Drain::yes && m_data;
    pollfd p[2] = {{m_control.fd(), POLLIN, 0}, {draining ? m_data.fd() : -1, POLLIN, 0}};
    // Bytes OpenSSL already decrypted do not make the socket readable (B17).
    const bool buffered = m_control.pending() > 0 || (draining && m_data.pending() > 0);
    const int left = deadline.left_ms();
    const int rc = buffered ? 0 : left == 0 ? 0 : ::poll(p, 2, left);
    if (rc < 0 && errno == EINTR) { continue; }
    if (rc < 0) { return broken(ErrorKind::io, doing, io_cause("poll", errno)); }
    if (rc == 0 && !buffered) { return broken(ErrorKind::io, doing, "no reply within " + describe_ms(m_timeout_ms)); }
    if (draining && (p[1].revents != 0 || m_data.pending() > 0)) {
      // Packets still in flight after ENDCAP: thrown away, so that a daemon
      // blocked sending them can go on to answer.
      std::uint8_t scratch[16384];
      const long n = m_data.read_some(scratch, sizeof scratch);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { m_data.reset(); }
    }
    if (p[0].revents == 0 && m_control.pending() == 0) { continue; }
    const std::size_t have = m_ctrl_in.size();
    m_ctrl_in.resize(have + k_control_read);
    const long n = m_control.read_some(m_ctrl_in.data() + have, k_control_read);
    m_ctrl_in.resize(have + static_cast<std::size_t>(std::max<long>(n, 0)));
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) { continue; }
    if (n < 0) { return broken(ErrorKind::io, doing, read_cause(m_control, "recv", errno)); }
    if (n == 0) {
      return broken(ErrorKind::io, doing,
                    m_ctrl_in.empty() ? "the daemon closed the connection"
                                      : "the daemon closed the connection in the middle of a message");
    }
  }
}

Status ClientSession::Impl::authenticate(const std::optional<Credentials>& creds)
{
  AuthRequest req;
  if (creds) {
    req.method = AuthRequest::Method::password;
    req.username = creds->username;
    req.password = creds->password;
  }
  auto reply = request(req, "authenticate", k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  const auto& ar = std::get<AuthReply>(*reply);
  // Version negotiation (docs/protocol.md#version-negotiation): we speak only version 0, so the daemon's
  // range must include it. A reply without a range (plen 0) means 0..0.
  if (ar.min_version > k_protocol_version) {
    return broken(ErrorKind::unsupported_version, "authenticate",
                  "the daemon speaks protocol versions " + std::to_string(ar.min_version) + " to "
                      + std::to_string(ar.max_version) + ", this client only version 0");
  }
  m_version = k_protocol_version;
  if (ar.form == AuthReply::Form::byte_order) {
    m_byte_order = ar.byte_order_relation().value_or(AuthReply::ByteOrder::unknown);
  }
  m_authenticated = true;
  return {};
}

Result<std::vector<Interface>> ClientSession::Impl::list_interfaces()
{
  auto reply = request(FindAllIfRequest{}, "list interfaces", k_max_list_reply);
  if (!reply) { return std::move(reply).error(); }
  return std::move(std::get<FindAllIfReply>(*reply).interfaces);
}

Result<OpenReply> ClientSession::Impl::open(const std::string& device)
{
  auto reply = request(OpenRequest{device}, "open \"" + sanitize(device) + "\"", k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  return std::get<OpenReply>(*reply);
}

Status ClientSession::Impl::set_sampling(SetSamplingRequest::Method method, std::uint32_t value)
{
  auto reply = request(SetSamplingRequest{method, value}, "set sampling", k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  return {};
}

Result<StartCapReply> ClientSession::Impl::start_capture(const StartOptions& opts)
{
  constexpr std::string_view doing = "start the capture";
  if (!m_control) { return fail(ErrorKind::usage, doing, "the session is closed"); }
  // A second STARTCAP would leak the first capture on a libpcap daemon (B9).
  if (m_capturing) { return fail(ErrorKind::usage, doing, "a capture is already running"); }
  const std::uint32_t snaplen = clamp_snaplen(opts.snaplen);
  StartCapRequest req;
  req.snaplen = snaplen;
  req.read_timeout = opts.read_timeout_ms;
  req.flags = opts.promisc ? startcap_flags::promisc : 0;
  req.filter = wire_filter(opts.filter, snaplen);
  if (req.filter.insns.size() > Filter::k_max_insns) {
    return fail(ErrorKind::usage, doing, "the filter has " + std::to_string(req.filter.insns.size())
                                             + " instructions, more than the " + std::to_string(Filter::k_max_insns)
                                             + " a daemon accepts");
  }
  if (opts.udp && m_tls) {
    // As libpcap: datagrams cannot carry the TLS stream (docs/protocol.md#udp-data-channel).
    return fail(ErrorKind::usage, doing, "UDP data cannot be protected by TLS; capture over TCP with rpcaps://");
  }
  auto peer = peer_address(m_control.fd());
  if (!peer) { return broken(ErrorKind::io, doing, peer.error().message); }

  // The data connection, in three kinds: UDP (our socket exists before the
  // request), active TCP (we listen before it), passive TCP (we connect
  // after the reply).
  auto setup = opts.udp    ? udp_data_socket(opts.data_ports, doing)
               : m_active ? active_data_listener(opts.data_ports, doing)
                          : Result<DataSetup>{DataSetup{}};
  if (!setup) { return std::move(setup).error(); }
  req.flags = static_cast<std::uint16_t>(req.flags | setup->flags);
  req.portdata = setup->portdata;
  if (m_active) { req.flags = static_cast<std::uint16_t>(req.flags | startcap_flags::serveropen); }

  auto reply = request(req, doing, k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  const auto sc = std::get<StartCapReply>(*reply);
  auto data = opts.udp  ? Result<Fd>{std::move(setup->socket)}
              : m_active ? accept_active_data(setup->socket, *peer, doing)
                         : connect_passive_data(*peer, sc, doing);
  if (!data) { return std::move(data).error(); }
  if (opts.receive_buffer > 0) {
    ::setsockopt(data->get(), SOL_SOCKET, SO_RCVBUF, &opts.receive_buffer, sizeof opts.receive_buffer);
  }
  auto channel = opts.udp ? Result<Channel>{Channel{std::move(*data)}} : tcp_data_channel(std::move(*data), doing);
  if (!channel) { return std::move(channel).error(); }
  m_data = std::move(*channel);
  m_udp = opts.udp;
  m_daemon = *peer;
  m_snaplen = snaplen;
  m_max_plen = PacketHeader::k_size + snaplen + k_packet_slack;
  // Room for one read and for the longest message, so a message cut at
  // the end of a read always fits once the buffer is compacted.
  m_buf = Bytes(k_read_size + k_header_size + m_max_plen);
  m_begin = m_end = 0;
  m_next_npkt = 1;
  m_udp_lost = 0;
  m_capturing = true;
  return sc;
}

// UDP data: the daemon sends to our control connection's address at
// `portdata`, so the socket must exist before the request (docs/protocol.md#data-connection).
Result<ClientSession::Impl::DataSetup> ClientSession::Impl::udp_data_socket(PortRange ports, std::string_view doing)
{
  auto local = local_address(m_control.fd());
  if (!local) { return broken(ErrorKind::io, doing, local.error().message); }
  DataSetup setup;
  auto bound_fd = bind_udp_in_range(*local, ports);
  if (!bound_fd) { return fail(bound_fd.error().kind, doing, bound_fd.error().message); }
  setup.socket = std::move(*bound_fd);
  const int rcvbuf = k_udp_rcvbuf;
  ::setsockopt(setup.socket.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  auto bound = local_address(setup.socket.get());
  if (!bound) { return fail(ErrorKind::io, doing, bound.error().message); }
  setup.flags = startcap_flags::dgram | startcap_flags::dgram_batch;
  setup.portdata = bound->port();
  return setup;
}

// Active mode, TCP (docs/protocol.md#data-connection): we listen before the request, on the address the
// daemon reached us at; it connects before it replies.
Result<ClientSession::Impl::DataSetup> ClientSession::Impl::active_data_listener(PortRange ports, std::string_view doing)
{
  auto local = local_address(m_control.fd());
  if (!local) { return broken(ErrorKind::io, doing, local.error().message); }
  auto listening = listen_in_range(*local, ports);
  if (!listening) { return fail(listening.error().kind, doing, listening.error().message); }
  if (auto st = set_nonblocking(listening->get(), true); !st) { return fail(ErrorKind::io, doing, st.error().message); }
  auto bound = local_address(listening->get());
  if (!bound) { return fail(ErrorKind::io, doing, bound.error().message); }
  DataSetup setup;
  setup.socket = std::move(*listening);
  setup.portdata = bound->port();
  return setup;
}

Result<Fd> ClientSession::Impl::accept_active_data(const Fd& listening, const SockAddress& daemon, std::string_view doing)
{
  // Only the daemon's host may be the data connection (B16).
  auto fd = accept_from(listening.get(), daemon, m_timeout_ms, "data connection");
  if (!fd) { return broken(ErrorKind::io, doing, fd.error().message); }
  return fd;
}

// Passive TCP (docs/protocol.md#data-connection): the daemon listens; we connect after reading its reply.
// The kernel's receive-buffer autotuning is left alone: setting SO_RCVBUF as
// libpcap does (docs/protocol.md#data-connection) would cap it.
Result<Fd> ClientSession::Impl::connect_passive_data(const SockAddress& daemon, const StartCapReply& reply,
                                                     std::string_view doing)
{
  if (reply.portdata == 0) { return broken(ErrorKind::malformed, doing, "the STARTCAP reply names no data port"); }
  SockAddress to = daemon;
  to.set_port(reply.portdata);
  auto fd = connect_address(to, SOCK_STREAM, m_timeout_ms);
  if (!fd) { return fail(ErrorKind::io, doing, fd.error().message); }
  return fd;
}

// A TCP data connection with keepalive, and with a TLS handshake of its own
// when the control connection has one, we the TLS client in both modes
// (docs/protocol.md#tls-and-first-byte-detection).
Result<Channel> ClientSession::Impl::tcp_data_channel(Fd data, std::string_view doing)
{
  (void)set_keepalive(data.get(), m_keepalive);
  if (!m_tls) { return Channel{std::move(data)}; }
  auto ch = Channel::tls_client(std::move(data), m_tls->ctx, m_tls->settings, m_tls->host, m_timeout_ms);
  if (!ch) { return broken(ErrorKind::io, doing, "data connection: " + ch.error().message); }
  return ch;
}

Status ClientSession::Impl::update_filter(const Filter& filter)
{
  constexpr std::string_view doing = "update the filter";
  // Without a capture a libpcap daemon answers but leaves the filter in the
  // stream as the next request (B5): never send it then.
  if (!m_capturing) { return fail(ErrorKind::usage, doing, "no capture is running"); }
  auto reply = request(UpdateFilterRequest{wire_filter(filter, m_snaplen)}, doing, k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  return {};
}

Result<StatsReply> ClientSession::Impl::stats()
{
  auto reply = request(StatsRequest{}, "get statistics", k_max_reply);
  if (!reply) { return std::move(reply).error(); }
  return std::get<StatsReply>(*reply);
}

Status ClientSession::Impl::end_capture()
{
  constexpr std::string_view doing = "end the capture";
  if (!m_capturing) { return fail(ErrorKind::usage, doing, "no capture is running"); }
  auto reply = request(EndCapRequest{}, doing, k_max_reply, Drain::yes);
  stop_data();
  if (!reply) { return std::move(reply).error(); }
  return {};
}

void ClientSession::Impl::close()
{
  if (m_control && m_authenticated && !m_active) {
    const Bytes out = encode(CloseMsg{}, m_version);
    (void)m_control.write_all(out.data(), out.size(), std::min(m_timeout_ms, k_close_timeout_ms));
  }
  drop_connections();
}

Status ClientSession::Impl::check_control()
{
  constexpr std::string_view doing = "capture";
  const std::size_t have = m_ctrl_in.size();
  m_ctrl_in.resize(have + k_control_read);
  const long n = m_control.read_some(m_ctrl_in.data() + have, k_control_read);
  m_ctrl_in.resize(have + static_cast<std::size_t>(std::max<long>(n, 0)));
  if (n == 0) { return broken(ErrorKind::io, doing, "the daemon closed the control connection"); }
  if (n < 0 && errno != EAGAIN && errno != EINTR) {
    return broken(ErrorKind::io, doing, read_cause(m_control, "recv", errno));
  }
  auto frame = next_frame(m_ctrl_in, k_max_reply);
  if (!frame) { return broken(ErrorKind::malformed, doing, frame.error().message); }
  if (!*frame) { return {}; }
  const Frame f = **frame;
  // While a capture runs the daemon speaks only to report a failure (ERROR 9).
  Error e = f.header.type == MsgType::error
                ? error_reply(f, doing)
                : fail(ErrorKind::malformed, doing,
                       "unexpected " + type_label(f.header.type) + " on the control connection");
  m_ctrl_in.erase(m_ctrl_in.begin(), m_ctrl_in.begin() + static_cast<std::ptrdiff_t>(f.size));
  return e;
}

Result<bool> ClientSession::Impl::deliver(const Frame& f, PacketHandler& handler)
{
  // Other types and versions are skipped, as libpcap does (docs/protocol.md#packet).
  if (f.header.type != MsgType::packet || f.header.ver != m_version) { return false; }
  auto ph = decode_packet_header(f.payload);
  if (!ph) { return fail(ErrorKind::malformed, "read packets", ph.error().message); }
  hand_on(*ph, f.payload.subspan(PacketHeader::k_size, ph->caplen), handler);
  return true;
}

void ClientSession::Impl::hand_on(const PacketHeader& ph, ByteView data, PacketHandler& handler)
{
  if (m_udp) {
    // Sequence numbers count the PACKETs the daemon sent; a forward jump is
    // loss (one backwards is a reordered datagram: not counted twice).
    const std::uint32_t gap = ph.npkt - m_next_npkt;
    if (gap < (1u << 31)) {
      m_udp_lost += gap;
      m_next_npkt = ph.npkt + 1;
    }
  }
  handler.on_packet(ph, data);
}

Result<std::size_t> ClientSession::Impl::parse_buffered(PacketHandler& handler, std::size_t max_packets)
{
  std::size_t n = 0;
  while (max_packets == 0 || n < max_packets) {
    const ByteView view{m_buf.data() + m_begin, m_end - m_begin};
    // Whole PACKETs first, in one step; anything else takes the general path below.
    PacketHeader ph;
    if (const std::size_t size = next_packet(view, m_version, m_max_plen, ph); size > 0) {
      hand_on(ph, view.subspan(k_packet_message_header_size, ph.caplen), handler);
      m_begin += size;
      ++n;
      continue;
    }
    // A bad message after good ones: the good ones are returned first and
    // the bad one, left in place, fails the next call.
    auto frame = next_frame(view, m_max_plen);
    if (!frame && n > 0) { break; }
    if (!frame) {
      return fail(ErrorKind::malformed, "read packets",
                  frame.error().message + " (snaplen " + std::to_string(m_snaplen) + ")");
    }
    if (!*frame) { break; }
    auto delivered = deliver(**frame, handler);
    if (!delivered && n > 0) { break; }
    if (!delivered) { return std::move(delivered).error(); }
    m_begin += (*frame)->size;
    if (*delivered) { ++n; }
  }
  // The buffer is reused from here on: handed-on packets are let go.
  handler.release();
  if (m_begin == m_end) {
    m_begin = m_end = 0;
  } else if (m_buf.size() - m_end < k_read_size) {
    // What is left is less than one message (or packets beyond
    // max_packets, parsed before the next read): move it to the front.
    std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
  }
  return n;
}

Result<std::size_t> ClientSession::Impl::read_stream(PacketHandler& handler, std::size_t max_packets)
{
  constexpr std::string_view doing = "capture";
  const std::size_t room = m_buf.size() - m_end;
  if (room == 0) { return fail(ErrorKind::malformed, doing, "data buffer full"); }  // cannot happen
  const long n = m_data.read_some(m_buf.data() + m_end, room);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) { return std::size_t{0}; }
  if (n < 0) { return fail(ErrorKind::io, doing, read_cause(m_data, "recv on the data connection", errno)); }
  if (n == 0) {
    // A daemon that stops on a failure says why on the control
    // connection (ERROR 9), maybe just after closing this one.
    if (auto ready = m_control ? wait_readable(m_control, 100) : Result<bool>{false}; ready && *ready) {
      if (auto st = check_control(); !st) { return std::move(st).error(); }
    }
    return fail(ErrorKind::io, doing,
                m_begin == m_end ? "the daemon closed the data connection"
                                 : "the daemon closed the data connection in the middle of a message");
  }
  m_end += static_cast<std::size_t>(n);
  return parse_buffered(handler, max_packets);
}

Result<std::size_t> ClientSession::Impl::read_datagrams(PacketHandler& handler, std::size_t max_packets)
{
  std::size_t n = 0;
  // A bad datagram after good ones: the good ones are returned now, the
  // error by the next call.
  auto failed = [&](Error e) -> Result<std::size_t> {
    handler.release();
    if (n == 0) { return e; }
    m_pending_error = std::move(e);
    return n;
  };
  for (int i = 0; i < k_max_datagrams && (max_packets == 0 || n < max_packets); ++i) {
    SockAddress from;
    from.length = sizeof from.storage;
    const ssize_t got = ::recvfrom(m_data.fd(), m_buf.data(), m_buf.size(), MSG_DONTWAIT | MSG_TRUNC, from.get(),
                                   &from.length);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) { break; }
    if (got < 0) { return fail(ErrorKind::io, "capture", io_cause("recv on the UDP data socket", errno)); }
    // Anyone can send to the port; only the daemon's datagrams count (B16).
    if (!from.same_host(m_daemon)) { continue; }
    const auto size = static_cast<std::size_t>(got);
    if (size > m_buf.size()) {
      return failed(fail(ErrorKind::malformed, "read packets", "a datagram of " + std::to_string(size) + " bytes"));
    }
    // Our daemon packs several PACKETs into a datagram when asked (dgram_batch).
    for (std::size_t at = 0; at < size;) {
      const ByteView rest{m_buf.data() + at, size - at};
      PacketHeader ph;
      if (const std::size_t whole = next_packet(rest, m_version, m_max_plen, ph); whole > 0) {
        hand_on(ph, rest.subspan(k_packet_message_header_size, ph.caplen), handler);
        ++n;
        at += whole;
        continue;
      }
      auto frame = next_frame(rest, m_max_plen);
      if (!frame) {
        return failed(fail(ErrorKind::malformed, "read packets",
                           frame.error().message + " (snaplen " + std::to_string(m_snaplen) + ")"));
      }
      if (!*frame) {
        return failed(fail(ErrorKind::malformed, "read packets",
                           "a datagram of " + std::to_string(size) + " bytes holds a message cut short"));
      }
      auto delivered = deliver(**frame, handler);
      if (!delivered) { return failed(std::move(delivered).error()); }
      if (*delivered) { ++n; }
      at += (*frame)->size;
    }
    handler.release();  // the next datagram goes where this one is
  }
  return n;
}

Result<std::size_t> ClientSession::Impl::read_packets(PacketHandler& handler, int timeout_ms, std::size_t max_packets)
{
  if (!m_capturing || !m_data) { return fail(ErrorKind::usage, "read packets", "no capture is running"); }
  if (m_pending_error) {
    Error e = std::move(*m_pending_error);
    m_pending_error.reset();
    return e;
  }
  if (!m_udp) {
    auto n = parse_buffered(handler, max_packets);
    if (!n || *n > 0) { return n; }
  }
  const Deadline deadline{timeout_ms};
  for (;;) {
    pollfd p[2] = {{m_data.fd(), POLLIN, 0}, {m_control.fd(), POLLIN, 0}};
    // Decrypted bytes inside OpenSSL: read them before waiting on the sockets (B17).
    const bool data_buffered = m_data.pending() > 0;
    const bool control_buffered = m_control.pending() > 0;
    const int rc = data_buffered || control_buffered ? 0 : ::poll(p, 2, deadline.left_ms());
    if (rc < 0 && errno == EINTR) { return std::size_t{0}; }  // let the caller look at its signals
    if (rc < 0) { return fail(ErrorKind::io, "capture", io_cause("poll", errno)); }
    if (rc == 0 && !data_buffered && !control_buffered) { return std::size_t{0}; }
    if (p[1].revents != 0 || control_buffered) {
      if (auto st = check_control(); !st) { return std::move(st).error(); }
    }
    if (p[0].revents != 0 || data_buffered) {
      auto n = m_udp ? read_datagrams(handler, max_packets) : read_stream(handler, max_packets);
      if (!n || *n > 0) { return n; }
    }
    if (deadline.left_ms() == 0) { return std::size_t{0}; }
  }
}

// ---------------------------------------------------------------------------

ClientSession::ClientSession(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Status check_credentials(const ClientOptions& opts, bool tls, std::string_view how_tls, std::string_view where)
{
  if (!opts.credentials) { return {}; }
  if (opts.credentials->username.size() > 0xffff || opts.credentials->password.size() > 0xffff) {
    return make_error(ErrorKind::usage, "the user name and the password may have at most 65535 bytes each");
  }
  // AUTH_REQ carries the password in clear text (docs/protocol.md#auth): only over TLS, or when asked for.
  if (!tls && !opts.allow_plaintext_password) {
    const std::string prefix = where.empty() ? "" : std::string{where} + ": ";
    return make_error(ErrorKind::usage, prefix + "refusing to send the password of \"" + escape_control(opts.credentials->username, 64)
                                            + "\" in clear text; use " + std::string{how_tls}
                                            + ", or --allow-plaintext-password to send it anyway");
  }
  return {};
}

ClientSession::ClientSession(ClientSession&&) noexcept = default;
ClientSession& ClientSession::operator=(ClientSession&&) noexcept = default;
ClientSession::~ClientSession() = default;

namespace {


std::string session_name(const Source& src)
{
  Source listing = src;
  listing.name.clear();
  return format_source(listing);
}

// The TLS client handshake on `fd` as `opts` say, checking the certificate against `host`.
Result<std::pair<Channel, TlsSetup>> start_tls(Fd fd, const ClientOptions& opts, const std::string& host,
                                               const std::string& where)
{
  auto ctx = TlsContext::client(opts.tls_settings);
  if (!ctx) { return std::move(ctx).error(); }
  auto ch = Channel::tls_client(std::move(fd), *ctx, opts.tls_settings, host, opts.timeout_ms);
  if (!ch) { return make_error(ch.error().kind, where + ": " + ch.error().message); }
  return std::pair<Channel, TlsSetup>{std::move(*ch), TlsSetup{std::move(*ctx), opts.tls_settings, host}};
}

}  // namespace

Result<ClientSession> ClientSession::connect(const Source& src, const ClientOptions& opts)
{
  if (src.kind != SourceKind::remote) {
    return make_error(ErrorKind::usage, "source \"" + format_source(src) + "\" is not a remote rpcap:// source");
  }
  const std::string where = session_name(src);
  if (auto st = check_credentials(opts, src.tls, "rpcaps:// (TLS)", where); !st) { return std::move(st).error(); }
  if (src.tls) {
    // The trust store, CA file and client certificate load before any connection.
    if (auto ctx = TlsContext::client(opts.tls_settings); !ctx) { return std::move(ctx).error(); }
  }
  const std::string port = src.port.empty() ? std::to_string(k_default_passive_port) : src.port;
  auto fd = connect_tcp(src.host, port, opts.family, opts.timeout_ms);
  if (!fd) { return std::move(fd).error(); }
  (void)set_keepalive(fd->get(), opts.keepalive);
  std::unique_ptr<Impl> impl;
  if (src.tls) {
    auto tls = start_tls(std::move(*fd), opts, src.host, where);
    if (!tls) { return std::move(tls).error(); }
    impl = std::make_unique<Impl>(src, opts.timeout_ms, std::move(tls->first), false, std::move(tls->second));
  } else {
    impl = std::make_unique<Impl>(src, opts.timeout_ms, Channel{std::move(*fd)}, false, std::nullopt);
  }
  impl->use_keepalive(opts.keepalive);
  if (auto st = impl->authenticate(opts.credentials); !st) { return std::move(st).error(); }
  return ClientSession{std::move(impl)};
}

Result<ClientSession> ClientSession::attach(Fd conn, const ClientOptions& opts)
{
  auto peer = peer_address(conn.get());
  if (!peer) { return std::move(peer).error(); }
  Source src;
  src.kind = SourceKind::remote;
  src.host = peer->host();
  src.tls = opts.tls;
  const std::string where = session_name(src);
  if (auto st = check_credentials(opts, opts.tls, "rpcaps:// (TLS)", where); !st) { return std::move(st).error(); }
  if (auto st = set_nonblocking(conn.get(), false); !st) { return std::move(st).error(); }
  (void)set_keepalive(conn.get(), opts.keepalive);
  std::unique_ptr<Impl> impl;
  if (opts.tls) {
    // We are the TLS client even though the daemon made the connection (docs/protocol.md#active-mode).
    auto tls = start_tls(std::move(conn), opts, opts.tls_name.empty() ? src.host : opts.tls_name, where);
    if (!tls) { return std::move(tls).error(); }
    impl = std::make_unique<Impl>(src, opts.timeout_ms, std::move(tls->first), true, std::move(tls->second));
  } else {
    impl = std::make_unique<Impl>(src, opts.timeout_ms, Channel{std::move(conn)}, true, std::nullopt);
  }
  impl->use_keepalive(opts.keepalive);
  if (auto st = impl->authenticate(opts.credentials); !st) { return std::move(st).error(); }
  return ClientSession{std::move(impl)};
}

Result<std::vector<Interface>> ClientSession::list_interfaces() { return m_impl->list_interfaces(); }
Result<std::vector<Interface>> ClientSession::list_interfaces(const std::string& name)
{
  auto list = m_impl->list_interfaces();
  if (!list || name.empty()) { return list; }
  std::erase_if(*list, [&](const Interface& i) { return i.name != name; });
  if (list->empty()) { return make_error(ErrorKind::remote, daemon_name() + ": no interface \"" + name + "\""); }
  return list;
}
Result<OpenReply> ClientSession::open(const std::string& device) { return m_impl->open(device); }
Status ClientSession::set_sampling(SetSamplingRequest::Method method, std::uint32_t value)
{
  return m_impl->set_sampling(method, value);
}
Result<StartCapReply> ClientSession::start_capture(const StartOptions& opts) { return m_impl->start_capture(opts); }
Status ClientSession::update_filter(const Filter& filter) { return m_impl->update_filter(filter); }
Result<StatsReply> ClientSession::stats() { return m_impl->stats(); }
Status ClientSession::end_capture() { return m_impl->end_capture(); }
void ClientSession::close()
{
  if (m_impl) { m_impl->close(); }
}
Result<std::size_t> ClientSession::read_packets(PacketHandler& handler, int timeout_ms, std::size_t max_packets)
{
  return m_impl->read_packets(handler, timeout_ms, max_packets);
}
bool ClientSession::data_waiting() const { return m_impl && m_impl->data_waiting(); }
int ClientSession::control_fd() const noexcept { return m_impl ? m_impl->control_fd() : -1; }
int ClientSession::data_fd() const noexcept { return m_impl ? m_impl->data_fd() : -1; }
bool ClientSession::capturing() const noexcept { return m_impl && m_impl->capturing(); }
const std::string& ClientSession::daemon_name() const noexcept { return m_impl->where(); }
AuthReply::ByteOrder ClientSession::byte_order() const noexcept
{
  return m_impl ? m_impl->byte_order() : AuthReply::ByteOrder::unknown;
}
std::uint64_t ClientSession::udp_lost() const noexcept { return m_impl ? m_impl->udp_lost() : 0; }

Result<std::vector<Interface>> list_local_interfaces() { return make_pcap_backend()->list_interfaces(); }

}  // namespace rpcap
