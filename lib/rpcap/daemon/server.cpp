// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/server.hpp"

#include "rpcap/base/text.hpp"
#include "rpcap/net/capture.hpp"

namespace rpcap {
namespace {

// What a log line shows of a text the client sent (quoted, escaped, cut):
// a line of the log is the daemon's, never the client's.
constexpr std::size_t k_max_logged_text = 256;

std::string name_of(MsgType t)
{
  auto n = msg_type_name(t);
  return n.empty() ? "message type " + std::to_string(static_cast<unsigned>(t)) : std::string{n};
}

bool is_server_to_client(MsgType t) { return t == MsgType::packet || is_reply(t); }

}  // namespace

ServerSession::Next ServerSession::feed(ByteView data, Bytes& out)
{
  m_in.insert(m_in.end(), data.begin(), data.end());
  std::size_t used = 0;
  Next next = Next::go_on;
  m_more = false;
  while (next == Next::go_on) {
    if (used > 0 && (!m_authenticated || out.size() >= k_reply_backlog)) {
      m_more = used < m_in.size();
      break;
    }
    // A wrong version is answered as soon as the header is in (docs/protocol.md#version-negotiation),
    // before its payload and whatever its length.
    if (const auto h = decode_header(ByteView{m_in}.subspan(used)); h && h->ver != k_protocol_version) {
      next = handle(*h, {}, out);
      break;
    }
    auto frame = next_frame(ByteView{m_in}.subspan(used), m_settings.max_request);
    if (!frame) {
      // Too large to buffer: say why, then give up on this connection.
      const auto h = decode_header(ByteView{m_in}.subspan(used));
      reply_error(*h, static_cast<ErrorCode>(frame.error().rpcap_code), frame.error().message, out);
      m_env.log(LogLevel::warning, "closing: " + frame.error().message);
      next = Next::close;
      break;
    }
    if (!*frame) { break; }
    const Frame f = **frame;
    used += f.size;
    next = handle(f.header, f.payload, out);
  }
  m_in.erase(m_in.begin(), m_in.begin() + static_cast<std::ptrdiff_t>(used));
  return next;
}

void ServerSession::reply_error(const Header& h, ErrorCode code, std::string_view text, Bytes& out)
{
  encode(out, Message{make_error_msg(code, text)}, h.ver);
}

ServerSession::Next ServerSession::handle(const Header& h, ByteView payload, Bytes& out)
{
  m_heard = true;
  if (h.ver != k_protocol_version) {
    reply_error(h, ErrorCode::wrongver,
                m_authenticated ? "RPCAP version in message isn't supported by the server"
                                : "RPCAP version in requests in the authentication phase must be 0",
                out);
    m_env.log(LogLevel::warning, "closing: the client sent protocol version " + std::to_string(h.ver));
    return Next::close;
  }
  return m_authenticated ? handle_authenticated(h, payload, out) : handle_pre_auth(h, payload, out);
}

ServerSession::Next ServerSession::handle_pre_auth(const Header& h, ByteView payload, Bytes& out)
{
  switch (h.type) {
  case MsgType::auth_req:
    return on_auth(h, payload, out);
  case MsgType::close:
    return Next::close;
  case MsgType::error: {
    auto m = decode_payload(h, payload);
    m_env.log(LogLevel::info, "the client sent an error before authenticating: "
                                  + quote_text(m ? std::get<ErrorMsg>(*m).text : std::string{}, k_max_logged_text));
    return Next::close;
  }
  default:
    break;
  }
  if (is_request(h.type)) {
    reply_error(h, ErrorCode::wrongmsg, name_of(h.type) + " request sent before authentication was completed", out);
  } else if (is_server_to_client(h.type)) {
    reply_error(h, ErrorCode::wrongmsg, "Server-to-client message " + name_of(h.type) + " received from client", out);
  } else {
    reply_error(h, ErrorCode::wrongmsg, "Unknown message type " + std::to_string(static_cast<unsigned>(h.type)), out);
  }
  return Next::go_on;
}

ServerSession::Next ServerSession::handle_authenticated(const Header& h, ByteView payload, Bytes& out)
{
  switch (h.type) {
  case MsgType::auth_req:
    reply_error(h, ErrorCode::wrongmsg, "RPCAP_MSG_AUTH_REQ request sent after authentication was completed", out);
    return Next::close;
  case MsgType::findallif_req:
    on_findallif(h, out);
    return Next::go_on;
  case MsgType::open_req:
    on_open(h, payload, out);
    return Next::go_on;
  case MsgType::startcap_req:
    on_startcap(h, payload, out);
    return Next::go_on;
  case MsgType::updatefilter_req:
    on_updatefilter(h, payload, out);
    return Next::go_on;
  case MsgType::setsampling_req:
    on_setsampling(h, payload, out);
    return Next::go_on;
  case MsgType::stats_req:
    on_stats(h, out);
    return Next::go_on;
  case MsgType::endcap_req:
    on_endcap(h, out);
    return Next::go_on;
  case MsgType::close:
    if (m_env.capturing()) { m_env.end_capture(); }
    return Next::close;
  case MsgType::error: {
    auto m = decode_payload(h, payload);
    m_env.log(LogLevel::info,
              "the client sent an error: " + quote_text(m ? std::get<ErrorMsg>(*m).text : std::string{}, k_max_logged_text));
    return Next::go_on;
  }
  default:
    break;
  }
  if (is_server_to_client(h.type)) {
    reply_error(h, ErrorCode::wrongmsg, "Server-to-client message " + name_of(h.type) + " received from client", out);
  } else {
    reply_error(h, ErrorCode::wrongmsg, "Unknown message type " + std::to_string(static_cast<unsigned>(h.type)), out);
  }
  m_env.log(LogLevel::warning, "closing: the client sent " + name_of(h.type));
  return Next::close;
}

ServerSession::Next ServerSession::on_auth(const Header& h, ByteView payload, Bytes& out)
{
  auto m = decode_payload(h, payload);
  if (!m) {
    reply_error(h, static_cast<ErrorCode>(m.error().rpcap_code), m.error().message, out);
    return Next::go_on;
  }
  // One text whatever failed (CVE-2019-15162): never tell a wrong user from a
  // wrong password. A failure that is not ErrorKind::auth left the process
  // unable to serve anyone (an identity change failed, perhaps half-way):
  // the session ends.
  const auto refuse = [&](const Error& e) {
    reply_error(h, ErrorCode::auth_failed, "Authentication failed", out);
    if (e.kind == ErrorKind::auth) {
      m_env.log(LogLevel::warning, e.message);
      if (++m_login_failures < k_max_login_failures) { return Next::go_on; }
      m_env.log(LogLevel::warning, "closing: " + std::to_string(k_max_login_failures) + " failed logins");
      return Next::close;
    }
    m_env.log(LogLevel::error, e.message + "; closing the session");
    return Next::close;
  };
  const auto& req = std::get<AuthRequest>(*m);
  if (req.method == AuthRequest::Method::null) {
    // A client certificate that names an account logs in as that user or
    // not at all, even with null_auth: a session that authenticates as a
    // user runs as the user, never with the daemon's privileges instead.
    if (auto by_certificate = m_env.certificate_login()) {
      if (!*by_certificate) { return refuse(by_certificate->error()); }
    } else if (!m_settings.null_auth) {
      m_env.log(LogLevel::warning, "refused NULL authentication: not permitted (-n not given)");
      reply_error(h, ErrorCode::auth_failed, "Authentication failed; NULL authentication not permitted.", out);
      return Next::go_on;
    } else {
      m_env.log(LogLevel::info, "NULL authentication accepted");
    }
  } else {
    if (auto ok = m_env.authenticate(req.username, req.password); !ok) { return refuse(ok.error()); }
  }
  // Authenticated; whether there is room for one more session is the
  // daemon's to say, and a refusal gives the client the reason.
  if (auto room = m_env.admit(); !room) {
    m_env.log(LogLevel::warning, "refused after authenticating: " + room.error().message);
    reply_error(h, ErrorCode::hostnoauth, room.error().message, out);
    return Next::close;
  }
  m_authenticated = true;
  encode(out, Message{AuthReply::for_this_host()}, h.ver);
  return Next::go_on;
}

void ServerSession::on_findallif(const Header& h, Bytes& out)
{
  auto ifs = m_env.list_interfaces();
  if (!ifs) {
    reply_error(h, ErrorCode::findallif, ifs.error().message, out);
    return;
  }
  if (ifs->empty()) {
    reply_error(h, ErrorCode::noremoteif,
                "No interfaces found! Make sure libpcap/Npcap is properly installed and you have the appropriate "
                "access privileges.",
                out);
    return;
  }
  if (ifs->size() > 0xffff) { ifs->resize(0xffff); }
  encode(out, Message{FindAllIfReply{std::move(*ifs)}}, h.ver);
}

void ServerSession::on_open(const Header& h, ByteView payload, Bytes& out)
{
  // Whatever happens, a refused OPEN leaves no device behind (B28).
  m_device.clear();
  auto m = decode_payload(h, payload);
  if (!m) {
    reply_error(h, ErrorCode::open, m.error().message, out);
    return;
  }
  const std::string& dev = std::get<OpenRequest>(*m).device;
  if (dev.find("://") != std::string::npos) {
    m_env.log(LogLevel::warning, "refused to open " + quote_text(dev, k_max_logged_text) + ": it names a URL, not a local device");
    reply_error(h, ErrorCode::open, "Source string refers to a remote device", out);
    return;
  }
  auto lt = m_env.probe_linktype(dev);
  if (!lt) {
    reply_error(h, ErrorCode::open, lt.error().message, out);
    return;
  }
  m_device = dev;
  encode(out, Message{OpenReply{*lt, 0}}, h.ver);
}

void ServerSession::on_startcap(const Header& h, ByteView payload, Bytes& out)
{
  if (m_device.empty()) {
    reply_error(h, ErrorCode::startcapture, "No capture device was specified", out);
    return;
  }
  auto m = decode_payload(h, payload);
  if (!m) {
    reply_error(h, ErrorCode::startcapture, m.error().message, out);
    return;
  }
  if (m_env.capturing()) {
    reply_error(h, ErrorCode::startcapture, "A capture is already running; end it before starting another", out);
    return;
  }
  auto& req = std::get<StartCapRequest>(*m);
  if (!is_valid_bpf(req.filter)) {
    reply_error(h, ErrorCode::startcapture, "The filter contains bogus instructions", out);
    return;
  }
  StartCapture sc;
  sc.device = m_device;
  sc.snaplen = clamp_snaplen(req.snaplen);
  sc.read_timeout = req.read_timeout;
  sc.flags = req.flags;
  sc.client_port = req.portdata;
  sc.filter = std::move(req.filter);
  sc.sampling = m_sampling;
  auto reply = m_env.start_capture(sc);
  if (!reply) {
    reply_error(h, ErrorCode::startcapture, reply.error().message, out);
    return;
  }
  encode(out, Message{*reply}, h.ver);
}

void ServerSession::on_updatefilter(const Header& h, ByteView payload, Bytes& out)
{
  // The payload is already consumed whole, even without a capture (B5).
  auto m = decode_payload(h, payload);
  if (!m_env.capturing()) {
    reply_error(h, ErrorCode::updatefilter, "Device not opened. Cannot update filter", out);
    return;
  }
  if (!m) {
    reply_error(h, ErrorCode::updatefilter, m.error().message, out);
    return;
  }
  const auto& f = std::get<UpdateFilterRequest>(*m).filter;
  if (!is_valid_bpf(f)) {
    reply_error(h, ErrorCode::updatefilter, "The filter contains bogus instructions", out);
    return;
  }
  if (auto st = m_env.update_filter(f); !st) {
    reply_error(h, ErrorCode::updatefilter, st.error().message, out);
    return;
  }
  encode(out, Message{UpdateFilterReply{}}, h.ver);
}

void ServerSession::on_setsampling(const Header& h, ByteView payload, Bytes& out)
{
  auto m = decode_payload(h, payload);
  if (!m) {
    reply_error(h, ErrorCode::setsampling, m.error().message, out);
    return;
  }
  m_sampling = std::get<SetSamplingRequest>(*m);
  if (m_env.capturing()) {
    if (auto st = m_env.set_sampling(m_sampling); !st) {
      reply_error(h, ErrorCode::setsampling, st.error().message, out);
      return;
    }
  }
  encode(out, Message{SetSamplingReply{}}, h.ver);
}

void ServerSession::on_stats(const Header& h, Bytes& out)
{
  auto st = m_env.stats();
  if (!st) {
    reply_error(h, ErrorCode::getstats, st.error().message, out);
    return;
  }
  encode(out, Message{*st}, h.ver);
}

void ServerSession::on_endcap(const Header& h, Bytes& out)
{
  if (!m_env.capturing()) {
    reply_error(h, ErrorCode::endcapture, "Device not opened. Cannot close the capture", out);
    return;
  }
  m_env.end_capture();
  encode(out, Message{EndCapReply{}}, h.ver);
}

}  // namespace rpcap
