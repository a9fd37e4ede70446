// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/session.hpp"

#include "rpcap/base/deadline.hpp"
#include "rpcap/base/signal_fd.hpp"
#include "rpcap/base/text.hpp"
#include "rpcap/wire/byte_queue.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>

namespace rpcap {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t k_max_udp_payload = 65507;  // largest IPv4 UDP datagram payload
constexpr int k_control_write_timeout_ms = 30000;

void set_int_option(int fd, int level, int name, int value)
{
  ::setsockopt(fd, level, name, &value, sizeof value);
}

// The most bytes of PACKET messages one datagram on connected UDP socket
// `fd` may carry without being fragmented: its path MTU less the IP and UDP
// headers (65507 on loopback, 1472 on Ethernet).
std::size_t batch_limit(int fd)
{
  auto local = local_address(fd);
  const bool v6 = local && local->family() == AF_INET6;
  int mtu = 0;
  socklen_t len = sizeof mtu;
  const int rc = v6 ? ::getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &len) : ::getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &len);
  const int overhead = (v6 ? 40 : 20) + 8;
  if (rc != 0 || mtu <= overhead) { return 1472; }
  return std::min<std::size_t>(static_cast<std::size_t>(mtu - overhead), k_max_udp_payload);
}

class LiveSession final : public SessionEnv, public PacketSink {
public:
  LiveSession(Channel control, const DaemonSessionConfig& cfg, CaptureBackend& backend, Authenticator* auth,
              const LogFn& log)
      : m_control(std::move(control)), m_cfg(cfg), m_backend(backend), m_auth(auth), m_log(log)
  {
  }

  void run();

  // SessionEnv
  Status authenticate(const std::string& user, const std::string& password) override;
  std::optional<Status> certificate_login() override;
  Status admit() override { return m_cfg.admit ? m_cfg.admit() : Status{}; }
  Result<std::vector<Interface>> list_interfaces() override { return m_backend.list_interfaces(); }
  Result<int> probe_linktype(const std::string& device) override { return m_backend.probe_linktype(device); }
  Result<StartCapReply> start_capture(const StartCapture& req) override;
  Status update_filter(const Filter& filter) override { return m_cap->set_filter(filter); }
  Status set_sampling(const SetSamplingRequest& sampling) override
  {
    m_sampling = sampling;
    m_sample_count = 0;
    m_sample_next_us = 0;
    return {};
  }
  Result<StatsReply> stats() override;
  void end_capture() override;
  bool capturing() const override { return m_cap != nullptr; }
  void log(LogLevel level, const std::string& message) override { m_log(level, m_peer_text + ": " + message); }

  // PacketSink
  void on_packet(const PacketInfo& info, const std::uint8_t* data) override;

private:
  bool send_control(const Bytes& out);
  void send_async_error(ErrorCode code, const std::string& text);
  // SIGUSR1: one line of the capture's counters (or that there is none).
  void log_statistics();
  void accept_data();
  void start_data_tls(Fd fd);
  void continue_data_tls();
  void data_tls_failed(const std::string& why);
  void flush_data();
  void make_room(std::size_t need);
  bool sampled_out(const PacketInfo& info);
  std::size_t pending() const { return m_out.size() - m_sent; }

  Channel m_control;
  const DaemonSessionConfig& m_cfg;
  CaptureBackend& m_backend;
  Authenticator* m_auth;
  const LogFn& m_log;
  SockAddress m_peer;
  SockAddress m_local;
  std::string m_peer_text{"?"};

  std::unique_ptr<CaptureHandle> m_cap;
  std::string m_device;              // what m_cap captures
  Clock::time_point m_cap_started{};
  Fd m_data_listen;
  Fd m_data_port;                    // DataPorts: the listener whose port the running capture holds
  Clock::time_point m_data_deadline{};
  Channel m_data;                     // the data connection, once it is made (with TLS: once secured)
  std::optional<TlsAccept> m_data_tls;  // TLS: the data connection's handshake, under way (deadline m_data_deadline)
  bool m_udp{false};
  std::size_t m_dgram_limit{0};      // UDP: most bytes a datagram gathers several PACKETs into (0: one each)
  // PACKET messages not yet sent, from m_sent on. Its capacity is allocated
  // once per capture (max_pending and one packet) and it never grows past
  // it: sent bytes make room for new ones (make_room()).
  ByteQueue m_out;
  std::size_t m_sent{0};             // bytes of m_out already sent
  std::vector<std::size_t> m_dgram_ends;  // UDP: end offset of each datagram in m_out
  std::size_t m_dgram_next{0};       // UDP: next datagram to send
  std::uint32_t m_snaplen{0};
  std::uint32_t m_npkt{0};
  bool m_more{false};                // dispatch() was stopped with packets still waiting in the ring
  StatsReply m_saved{};
  SetSamplingRequest m_sampling;
  std::uint64_t m_sample_count{0};
  std::uint64_t m_sample_next_us{0};
};

Status LiveSession::authenticate(const std::string& user, const std::string& password)
{
  if (m_auth == nullptr) {
    return make_error(ErrorKind::auth, "password login of \"" + user + "\" refused: password authentication is not available");
  }
  auto st = m_auth->login(user, password, m_peer);
  // As NULL and certificate logins: who logged in (log() adds from where).
  if (st) { log(LogLevel::info, "password login: user \"" + escape_control(user, 256) + "\" logged in"); }
  return st;
}

std::optional<Status> LiveSession::certificate_login()
{
  if (!m_cfg.certificate) { return std::nullopt; }
  const CertificateLogin& c = *m_cfg.certificate;
  if (m_auth == nullptr) {
    return make_error(ErrorKind::auth, "certificate login of \"" + c.user + "\" refused: logins are not available");
  }
  auto st = m_auth->login_certificate(c.user, m_peer);
  // The CN is a user name (certificate_account() checked it): nothing to escape.
  if (st) { log(LogLevel::info, "client certificate CN=" + c.common_name + " logged in as user \"" + c.user + "\""); }
  return st;
}

Result<StartCapReply> LiveSession::start_capture(const StartCapture& req)
{
  const bool dgram = (req.flags & startcap_flags::dgram) != 0;
  const bool server_opens = dgram || (req.flags & startcap_flags::serveropen) != 0 || m_cfg.active;
  if (server_opens && req.client_port == 0) {
    return make_error(ErrorKind::malformed, "the client asked the server to connect but gave no data port");
  }
  if (dgram && m_cfg.tls != nullptr) {
    // As libpcap's rpcapd -S (docs/protocol.md#udp-data-channel): datagrams would carry the packets in clear.
    return make_error(ErrorKind::usage, "UDP data is not supported with TLS; capture over TCP");
  }
  CaptureParams params;
  params.device = req.device;
  params.snaplen = req.snaplen;
  params.promisc = (req.flags & startcap_flags::promisc) != 0;
  params.timeout_ms = req.read_timeout > 0 ? std::min<int>(static_cast<int>(std::min<std::uint32_t>(req.read_timeout, 1000)),
                                                            m_cfg.max_block_wait_ms)
                                           : m_cfg.max_block_wait_ms;
  params.buffer_size = m_cfg.capture_buffer;
  auto cap = m_backend.open(params);
  if (!cap) { return std::move(cap).error(); }
  if (auto st = (*cap)->set_filter(req.filter); !st) { return std::move(st).error(); }

  StartCapReply reply;
  reply.bufsize = (*cap)->buffer_size();
  if (server_opens) {
    SockAddress to = m_peer;
    to.set_port(req.client_port);
    auto fd = connect_address(to, dgram ? SOCK_DGRAM : SOCK_STREAM, m_cfg.data_timeout_ms);
    if (!fd) { return std::move(fd).error(); }
    (void)set_nonblocking(fd->get(), true);
    set_int_option(fd->get(), SOL_SOCKET, SO_SNDBUF, 4 << 20);
    if (!dgram) { set_int_option(fd->get(), IPPROTO_TCP, TCP_NODELAY, 1); }
    if (!dgram) { (void)set_keepalive(fd->get(), m_cfg.keepalive); }
    if (!dgram && m_cfg.tls != nullptr) {
      // Set up here, so a failure fails the STARTCAP; the client sends its
      // ClientHello once it has our reply and accepted, and run() goes on from there.
      auto tls = TlsAccept::start(std::move(*fd), *m_cfg.tls);
      if (!tls) { return std::move(tls).error(); }
      m_data_tls = std::move(*tls);
      m_data_deadline = Clock::now() + std::chrono::milliseconds(m_cfg.data_timeout_ms);
    } else {
      m_data = Channel{std::move(*fd)};
    }
  } else {
    auto fd = listen_in_range(m_local, m_cfg.data_ports);
    if (!fd) { return std::move(fd).error(); }
    auto bound = local_address(fd->get());
    if (!bound) { return std::move(bound).error(); }
    reply.portdata = bound->port();
    m_data_listen = std::move(*fd);
    (void)set_nonblocking(m_data_listen.get(), true);
    m_data_deadline = Clock::now() + std::chrono::milliseconds(m_cfg.data_timeout_ms);
  }
  m_udp = dgram;
  m_dgram_limit = dgram && (req.flags & startcap_flags::dgram_batch) != 0 ? batch_limit(m_data.fd()) : 0;
  m_cap = std::move(*cap);
  m_snaplen = req.snaplen;
  m_npkt = 0;
  m_more = false;
  m_saved = StatsReply{};
  m_out.reset(m_cfg.max_pending + k_packet_message_header_size + m_snaplen);
  m_sent = 0;
  m_dgram_ends.clear();
  m_dgram_next = 0;
  (void)set_sampling(req.sampling);
  m_device = req.device;
  m_cap_started = Clock::now();
  log(LogLevel::info, "capture started on \"" + req.device + "\"" + (dgram ? " (UDP data)" : "")
                          + (m_data_listen ? ", data port " + std::to_string(reply.portdata) : ""));
  return reply;
}

Result<StatsReply> LiveSession::stats()
{
  if (!m_cap) { return m_saved; }
  auto st = m_cap->stats();
  if (!st) { return std::move(st).error(); }
  return StatsReply{st->received, st->if_dropped, st->dropped, m_npkt};
}

void LiveSession::end_capture()
{
  if (!m_cap) { return; }
  if (auto st = stats(); st) { m_saved = *st; }
  // Whatever is still queued goes out first (bounded: the socket is non-blocking).
  if (m_data) {
    flush_data();
    if (!m_udp && m_data) { m_data.shutdown_write(); }
  }
  log(LogLevel::info, "capture ended: " + std::to_string(m_saved.svrcapt) + " packets sent, "
                          + std::to_string(m_saved.krnldrop) + " dropped by the kernel");
  m_cap.reset();
  m_data.reset();
  m_data_tls.reset();
  m_data_listen.reset();
  m_data_port.reset();
  m_out.clear();
  m_sent = 0;
  m_dgram_ends.clear();
  m_dgram_next = 0;
}

bool LiveSession::sampled_out(const PacketInfo& info)
{
  switch (m_sampling.method) {
  case SetSamplingRequest::Method::none:
    return false;
  case SetSamplingRequest::Method::every_nth:
    // value 0 (what little-endian libpcap clients send, B4) means no sampling
    if (m_sampling.value <= 1) { return false; }
    return (m_sample_count++ % m_sampling.value) != 0;
  case SetSamplingRequest::Method::first_after_ms: {
    const std::uint64_t t = std::uint64_t{info.ts_sec} * 1000000 + info.ts_usec;
    if (t < m_sample_next_us) { return true; }
    m_sample_next_us = t + std::uint64_t{m_sampling.value} * 1000;
    return false;
  }
  }
  return false;
}

void LiveSession::on_packet(const PacketInfo& info, const std::uint8_t* data)
{
  if (sampled_out(info)) { return; }
  std::uint32_t caplen = std::min(info.caplen, m_snaplen);
  if (m_udp) {
    caplen = std::min<std::uint32_t>(caplen, k_max_udp_payload - k_header_size - PacketHeader::k_size);
  }
  PacketHeader ph{info.ts_sec, info.ts_usec, caplen, info.len, ++m_npkt};
  const std::size_t size = k_packet_message_header_size + caplen;
  make_room(size);
  std::uint8_t* at = m_out.grow(size);
  store_packet_message_header(at, ph, k_protocol_version);
  std::memcpy(at + k_packet_message_header_size, data, caplen);
  // Enough queued: send before taking more. Without this, one dispatch()
  // goes on for as long as the kernel fills blocks, and what it queues
  // grows without bound when the client cannot keep up.
  if (pending() >= m_cfg.max_pending) {
    m_cap->break_loop();
    m_more = true;
  }
  if (!m_udp) { return; }
  // Join the last datagram if it is not sent yet and stays within the limit.
  const std::size_t n = m_dgram_ends.size();
  const std::size_t last_start = n >= 2 ? m_dgram_ends[n - 2] : 0;
  if (m_dgram_limit > 0 && n > 0 && m_dgram_next < n && m_out.size() - last_start <= m_dgram_limit) {
    m_dgram_ends.back() = m_out.size();
  } else {
    m_dgram_ends.push_back(m_out.size());
  }
}

// Room for `need` more bytes of m_out within its capacity, made by dropping
// the bytes already sent (what is left is less than max_pending: dispatch
// stops there). A packet larger than the reserve grows it, once.
void LiveSession::make_room(std::size_t need)
{
  if (m_sent == 0 || m_out.size() + need <= m_out.capacity()) { return; }
  m_out.erase_front(m_sent);
  // UDP: the datagrams sent go, the others' ends move with their bytes.
  m_dgram_ends.erase(m_dgram_ends.begin(), m_dgram_ends.begin() + static_cast<std::ptrdiff_t>(m_dgram_next));
  for (auto& end : m_dgram_ends) { end -= m_sent; }
  m_dgram_next = 0;
  m_sent = 0;
}

void LiveSession::flush_data()
{
  if (!m_data) { return; }
  if (m_udp) {
    while (m_dgram_next < m_dgram_ends.size()) {
      constexpr std::size_t k_batch = 64;
      mmsghdr msgs[k_batch];
      iovec iov[k_batch];
      std::size_t n = 0;
      std::size_t start = m_sent;
      for (std::size_t i = m_dgram_next; i < m_dgram_ends.size() && n < k_batch; ++i, ++n) {
        iov[n] = iovec{m_out.data() + start, m_dgram_ends[i] - start};
        msgs[n] = mmsghdr{};
        msgs[n].msg_hdr.msg_iov = &iov[n];
        msgs[n].msg_hdr.msg_iovlen = 1;
        start = m_dgram_ends[i];
      }
      const int sent = ::sendmmsg(m_data.fd(), msgs, static_cast<unsigned>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) { continue; }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) { return; }
        if (errno == ECONNREFUSED) {
          // The client's UDP port is gone (ICMP unreachable): drop this batch, go on.
          m_sent = m_dgram_ends[m_dgram_next + n - 1];
          m_dgram_next += n;
          continue;
        }
        log(LogLevel::warning, std::string{"UDP data: "} + std::strerror(errno));
        m_data.reset();
        end_capture();
        return;
      }
      m_dgram_next += static_cast<std::size_t>(sent);
      m_sent = m_dgram_ends[m_dgram_next - 1];
    }
  } else {
    while (pending() > 0) {
      // One SSL_write of everything pending: records as large as TLS
      // allows, partial writes resumed with the same (grown) buffer.
      const long n = m_data.write_some(m_out.data() + m_sent, pending());
      if (n > 0) {
        m_sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) { continue; }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { return; }
      const std::string cause = n < 0 ? (errno == EPROTO ? m_data.error_text() : std::strerror(errno)) : "closed";
      log(LogLevel::info, "data connection lost: " + cause);
      m_data.reset();
      end_capture();
      return;
    }
  }
  m_out.clear();
  m_sent = 0;
  m_dgram_ends.clear();
  m_dgram_next = 0;
}

void LiveSession::accept_data()
{
  for (;;) {
    SockAddress from;
    from.length = sizeof from.storage;
    Fd fd{::accept4(m_data_listen.get(), from.get(), &from.length, SOCK_CLOEXEC | SOCK_NONBLOCK)};
    if (!fd) {
      if (errno == EINTR) { continue; }
      return;  // EAGAIN: nothing (more) to accept
    }
    if (!from.same_host(m_peer)) {
      // Only the control connection's peer may take the data (B16).
      log(LogLevel::warning, "refused a data connection from " + from.to_string() + ": not the client's address");
      continue;
    }
    set_int_option(fd.get(), SOL_SOCKET, SO_SNDBUF, 4 << 20);
    set_int_option(fd.get(), IPPROTO_TCP, TCP_NODELAY, 1);
    (void)set_keepalive(fd.get(), m_cfg.keepalive);
    // With DataPorts the port stays ours while the capture runs (its
    // listener kept, never accepted from again), so that concurrent
    // captures take different ports; without, any port will do.
    if (!m_cfg.data_ports.empty()) { m_data_port = std::move(m_data_listen); }
    m_data_listen.reset();
    log(LogLevel::debug, "data connection from " + from.to_string());
    if (m_cfg.tls != nullptr) {
      start_data_tls(std::move(fd));
    } else {
      m_data = Channel{std::move(fd)};
    }
    return;
  }
}

// The TLS server handshake on the data connection `fd` (the client sends
// the ClientHello in both modes), bounded by the data timeout. It goes on in
// run()'s poll loop, a step whenever `fd` is ready, so control requests are
// answered meanwhile; packets wait in the kernel until it is done.
void LiveSession::start_data_tls(Fd fd)
{
  auto tls = TlsAccept::start(std::move(fd), *m_cfg.tls);
  if (!tls) {
    data_tls_failed(tls.error().message);
    return;
  }
  m_data_tls = std::move(*tls);
  m_data_deadline = Clock::now() + std::chrono::milliseconds(m_cfg.data_timeout_ms);
  continue_data_tls();  // the ClientHello may be there already
}

void LiveSession::continue_data_tls()
{
  auto done = m_data_tls->step();
  if (!done) {
    data_tls_failed(done.error().message);
    return;
  }
  if (!*done) { return; }  // wait for m_data_tls->events()
  m_data = std::move(**done);
  m_data_tls.reset();
  log(LogLevel::debug, "data connection: " + m_data.description());
}

// A failed handshake ends the capture and says so on the control
// connection (ERROR 12, as libpcap's rpcapd).
void LiveSession::data_tls_failed(const std::string& why)
{
  log(LogLevel::warning, "data connection: " + why);
  end_capture();
  send_async_error(ErrorCode::startcapture, "The TLS handshake on the data connection failed");
}

bool LiveSession::send_control(const Bytes& out)
{
  if (out.empty()) { return true; }
  auto st = m_control.write_all(out.data(), out.size(), k_control_write_timeout_ms);
  if (!st) { log(LogLevel::info, "control connection: " + st.error().message); }
  return st.has_value();
}

void LiveSession::log_statistics()
{
  if (!m_cap) {
    log(LogLevel::info, "statistics: no capture running");
    return;
  }
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - m_cap_started).count();
  std::string line = "statistics: capture on \"" + m_device + "\" for " + std::to_string(secs) + " s: ";
  if (auto st = stats(); st) {
    line += std::to_string(st->svrcapt) + " packets sent, " + std::to_string(st->ifrecv) + " received by the filter, "
            + std::to_string(st->krnldrop) + " dropped by the kernel, " + std::to_string(st->ifdrop)
            + " dropped by the interface";
  } else {
    line += std::to_string(m_npkt) + " packets sent (" + st.error().message + ")";
  }
  log(LogLevel::info, line);
}

void LiveSession::send_async_error(ErrorCode code, const std::string& text)
{
  (void)send_control(encode(Message{make_error_msg(code, text)}));
}

void LiveSession::run()
{
  if (auto p = peer_address(m_control.fd()); p) {
    m_peer = *p;
    m_peer_text = p->to_string();
  }
  if (auto l = local_address(m_control.fd()); l) { m_local = *l; }
  set_int_option(m_control.fd(), IPPROTO_TCP, TCP_NODELAY, 1);
  if (auto st = set_keepalive(m_control.fd(), m_cfg.keepalive); !st) { log(LogLevel::debug, st.error().message); }

  ServerSession session{*this, m_cfg.protocol};
  const auto accepted = m_cfg.accepted == Clock::time_point{} ? Clock::now() : m_cfg.accepted;
  const auto first_deadline = accepted + std::chrono::seconds(m_cfg.first_message_timeout_s);
  const auto auth_deadline = accepted + std::chrono::seconds(m_cfg.auth_timeout_s);
  const auto missed = [&](const std::string& why) {
    log(LogLevel::info, "closing: " + why);
    if (m_cfg.missed_deadline) { m_cfg.missed_deadline(); }
    send_async_error(ErrorCode::inittimeout, "The RPCAP initial timeout has expired");
  };
  auto last_request = Clock::now();
  // SIGUSR1: statistics asked for; SIGTERM: the daemon (or the service manager) stops.
  SignalFd signals{SIGUSR1, SIGTERM};
  Bytes in(64 * 1024);
  Bytes out;
  for (;;) {
    // What to wait for
    pollfd pfd[6];
    nfds_t n = 0;
    // Requests already in are handled before more are read (the client
    // waits in TCP's flow control); meanwhile, before the login, whether it
    // hung up is watched: its pipelined logins are not worth answering then.
    const bool more_requests = session.more();
    const short control_events = more_requests ? (session.authenticated() ? 0 : POLLRDHUP) : POLLIN;
    pfd[n++] = pollfd{m_control.fd(), control_events, 0};
    const nfds_t i_signals = n++;
    pfd[i_signals] = pollfd{signals.fd(), POLLIN, 0};
    const nfds_t i_cap = m_cap && m_data && m_cap->selectable_fd() >= 0 && pending() < m_cfg.max_pending ? n++ : 99;
    if (i_cap != 99) { pfd[i_cap] = pollfd{m_cap->selectable_fd(), POLLIN, 0}; }
    const nfds_t i_listen = m_data_listen ? n++ : 99;
    if (i_listen != 99) { pfd[i_listen] = pollfd{m_data_listen.get(), POLLIN, 0}; }
    const nfds_t i_data = m_data && pending() > 0 ? n++ : 99;
    if (i_data != 99) { pfd[i_data] = pollfd{m_data.fd(), POLLOUT, 0}; }
    const nfds_t i_tls = m_data_tls ? n++ : 99;
    if (i_tls != 99) { pfd[i_tls] = pollfd{m_data_tls->fd(), m_data_tls->events(), 0}; }

    int timeout = -1;
    auto bound = [&timeout](int ms) { timeout = timeout < 0 ? ms : std::min(timeout, ms); };
    if (!session.authenticated()) { bound(Deadline::at(auth_deadline).left_ms()); }
    if (!session.heard()) { bound(Deadline::at(first_deadline).left_ms()); }
    if (session.authenticated() && !m_cap && m_cfg.idle_timeout_s > 0) {
      bound(Deadline::at(last_request + std::chrono::seconds(m_cfg.idle_timeout_s)).left_ms());
    }
    if (m_data_listen || m_data_tls) { bound(Deadline::at(m_data_deadline).left_ms()); }
    // A capture handle without a selectable descriptor is polled on a short timer.
    if (m_cap && m_data && m_cap->selectable_fd() < 0) { bound(m_cfg.max_block_wait_ms); }
    // Packets left in the ring by a stopped dispatch(): no waiting once there is room.
    const bool resume = m_more && m_cap && m_data && pending() < m_cfg.max_pending;
    if (resume) { bound(0); }
    // Requests OpenSSL already decrypted do not make the socket readable (B17).
    const bool control_buffered = !more_requests && m_control.pending() > 0;
    if (control_buffered || more_requests) { timeout = 0; }

    const int rc = ::poll(pfd, n, timeout);
    if (rc < 0) {
      if (errno == EINTR) { continue; }
      log(LogLevel::error, std::string{"poll: "} + std::strerror(errno));
      break;
    }

    // Deadlines
    const auto now = Clock::now();
    if (!session.heard() && now >= first_deadline) {
      missed("no whole request within " + std::to_string(m_cfg.first_message_timeout_s) + " s");
      break;
    }
    if (!session.authenticated() && now >= auth_deadline) {
      missed("no authentication within " + std::to_string(m_cfg.auth_timeout_s) + " s");
      break;
    }
    if (session.authenticated() && !m_cap && m_cfg.idle_timeout_s > 0
        && now >= last_request + std::chrono::seconds(m_cfg.idle_timeout_s)) {
      log(LogLevel::info, "closing: idle for " + std::to_string(m_cfg.idle_timeout_s) + " s");
      send_async_error(ErrorCode::inittimeout, "The RPCAP initial timeout has expired");
      break;
    }
    if (m_data_listen && now >= m_data_deadline && (i_listen == 99 || (pfd[i_listen].revents & POLLIN) == 0)) {
      log(LogLevel::warning, "the client did not open the data connection within "
                                 + std::to_string(m_cfg.data_timeout_ms) + " ms");
      end_capture();
      send_async_error(ErrorCode::startcapture, "The data connection was not opened in time");
      continue;
    }
    if (m_data_tls && now >= m_data_deadline && (i_tls == 99 || pfd[i_tls].revents == 0)) {
      data_tls_failed("TLS: no handshake within " + std::to_string(m_cfg.data_timeout_ms) + " ms");
      continue;
    }

    if ((pfd[i_signals].revents & POLLIN) != 0) {
      bool asked = false;
      bool stopping = false;
      for (int sig = signals.next(); sig != 0; sig = signals.next()) { (sig == SIGTERM ? stopping : asked) = true; }
      if (stopping) {
        // The client hears why; end_capture() below logs the capture's statistics.
        log(LogLevel::info, "closing: the daemon is shutting down");
        send_async_error(ErrorCode::netw, std::string{k_shutdown_message});
        break;
      }
      if (asked) { log_statistics(); }
    }
    if (i_listen != 99 && (pfd[i_listen].revents & POLLIN) != 0) { accept_data(); }
    if (i_tls != 99 && m_data_tls && pfd[i_tls].revents != 0) { continue_data_tls(); }
    if (i_data != 99 && (pfd[i_data].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) { flush_data(); }
    if (((i_cap != 99 && (pfd[i_cap].revents & (POLLIN | POLLERR)) != 0) || (resume && pending() < m_cfg.max_pending))
        && m_cap) {
      m_more = false;
      auto got = m_cap->dispatch(*this, 0);
      if (!got) {
        log(LogLevel::error, got.error().message);
        end_capture();
        send_async_error(ErrorCode::readex, "Error reading the packets: " + got.error().message);
      } else {
        flush_data();
      }
    } else if (m_cap && m_data && m_cap->selectable_fd() < 0 && pending() < m_cfg.max_pending) {
      if (auto got = m_cap->dispatch(*this, 0); got) { flush_data(); }
    }

    if (more_requests && !session.authenticated() && (pfd[0].revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) {
      log(LogLevel::info, "the client closed the connection before its requests were answered");
      break;
    }
    ByteView fresh;
    if (!more_requests && ((pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0 || control_buffered)) {
      const long r = m_control.read_some(in.data(), in.size());
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) { continue; }
      if (r <= 0) {
        const std::string cause = r == 0         ? "the client closed the connection"
                                  : errno == EPROTO ? "control connection: " + m_control.error_text()
                                                    : std::string{"control connection: "} + std::strerror(errno);
        log(LogLevel::info, cause);
        break;
      }
      last_request = Clock::now();
      fresh = ByteView{in.data(), static_cast<std::size_t>(r)};
    }
    if (!fresh.empty() || more_requests) {
      out.clear();
      const auto next = session.feed(fresh, out);
      if (!send_control(out) || next == ServerSession::Next::close) { break; }
    }
  }
  end_capture();
  // One line for every session's end, whatever ended it (a CLOSE says nothing else).
  log(LogLevel::info, "session ended");
}

}  // namespace

void run_daemon_session(Channel control, const DaemonSessionConfig& cfg, CaptureBackend& backend, Authenticator* auth,
                        const LogFn& log)
{
  LiveSession s{std::move(control), cfg, backend, auth, log};
  s.run();
}

}  // namespace rpcap
