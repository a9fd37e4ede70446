// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/protocol.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace rpcap {
namespace {

std::string num(std::size_t v) { return std::to_string(v); }

Error decode_error(ErrorCode code, std::string message)
{
  return make_error(ErrorKind::malformed, std::move(message), static_cast<std::uint16_t>(code));
}

std::string type_label(MsgType type)
{
  auto name = msg_type_name(type);
  if (!name.empty()) { return std::string{name}; }
  return "message type " + num(static_cast<std::uint8_t>(type));
}

Error too_short(MsgType type, std::size_t have, std::size_t need)
{
  return decode_error(error_code_for(type), type_label(type) + " payload is too short: " + num(have)
                                                + " bytes, need " + num(need));
}

// --- sockaddr (docs/protocol.md#sockaddr-encoding) -------------------------

AddrFamily family_from_wire(std::uint16_t family)
{
  switch (family) {
  case SockAddr::k_family_ipv4:
  case 0x1002:  // BSD: sa_len 16, AF_INET
  case 0x1000:
    return AddrFamily::ipv4;
  case SockAddr::k_family_ipv6:
  case 10:  // Linux AF_INET6
  case 22:  // HP-UX
  case 24:  // AIX
  case 26:  // Solaris
  case 0x1c18:
  case 0x1c1c:
  case 0x1c1e:
  case 0x1c00:  // BSD: sa_len 28, AF_INET6 of the various BSDs
    return AddrFamily::ipv6;
  default:
    return AddrFamily::none;
  }
}

SockAddr decode_sockaddr(ByteView slot)
{
  ByteReader r{slot};
  SockAddr sa;
  sa.family = family_from_wire(r.u16());
  sa.port = r.u16();
  if (sa.family == AddrFamily::ipv4) {
    auto a = r.bytes(4);
    std::copy(a.begin(), a.end(), sa.addr.begin());
  } else if (sa.family == AddrFamily::ipv6) {
    sa.flowinfo = r.u32();
    auto a = r.bytes(16);
    std::copy(a.begin(), a.end(), sa.addr.begin());
    sa.scope_id = r.u32();
  } else {
    sa.port = 0;
  }
  return sa;
}

void encode_sockaddr(ByteWriter& w, const SockAddr& sa)
{
  switch (sa.family) {
  case AddrFamily::none:
    w.zeros(SockAddr::k_size);
    return;
  case AddrFamily::ipv4:
    w.u16(SockAddr::k_family_ipv4);
    w.u16(sa.port);
    w.bytes(ByteView{sa.addr.data(), 4});
    w.zeros(SockAddr::k_size - 8);
    return;
  case AddrFamily::ipv6:
    w.u16(SockAddr::k_family_ipv6);
    w.u16(sa.port);
    w.u32(sa.flowinfo);
    w.bytes(ByteView{sa.addr.data(), 16});
    w.u32(sa.scope_id);
    w.zeros(SockAddr::k_size - 28);
    return;
  }
}

// --- filters (docs/protocol.md#filter-block) -------------------------------

void encode_filter(ByteWriter& w, const Filter& f)
{
  w.u16(f.type);
  w.u16(f.reserved);
  w.u32(static_cast<std::uint32_t>(f.insns.size()));
  for (const auto& i : f.insns) {
    w.u16(i.code);
    w.u8(i.jt);
    w.u8(i.jf);
    w.u32(i.k);
  }
}

// --- payload encoders: each appends the payload only ------------------------

struct PayloadEncoder {
  ByteWriter& w;

  void operator()(const ErrorMsg& m) const { w.string(m.text); }
  void operator()(const AuthRequest& m) const
  {
    w.u16(static_cast<std::uint16_t>(m.method));
    w.u16(0);
    w.u16(static_cast<std::uint16_t>(m.username.size()));
    w.u16(static_cast<std::uint16_t>(m.password.size()));
    w.string(m.username);
    w.string(m.password);
  }
  void operator()(const AuthReply& m) const
  {
    if (m.form == AuthReply::Form::legacy) { return; }
    w.u8(m.min_version);
    w.u8(m.max_version);
    if (m.form == AuthReply::Form::versions) { return; }
    w.u16(0);
    w.bytes(m.magic);
  }
  void operator()(const FindAllIfReply& m) const
  {
    for (const auto& ifc : m.interfaces) {
      w.u16(static_cast<std::uint16_t>(ifc.name.size()));
      w.u16(static_cast<std::uint16_t>(ifc.description.size()));
      w.u32(ifc.flags);
      w.u16(static_cast<std::uint16_t>(ifc.addresses.size()));
      w.u16(0);
      w.string(ifc.name);
      w.string(ifc.description);
      for (const auto& a : ifc.addresses) {
        encode_sockaddr(w, a.addr);
        encode_sockaddr(w, a.netmask);
        encode_sockaddr(w, a.broadaddr);
        encode_sockaddr(w, a.dstaddr);
      }
    }
  }
  void operator()(const OpenRequest& m) const { w.string(m.device); }
  void operator()(const OpenReply& m) const
  {
    w.i32(m.linktype);
    w.i32(m.tzoff);
  }
  void operator()(const StartCapRequest& m) const
  {
    w.u32(m.snaplen);
    w.u32(m.read_timeout);
    w.u16(m.flags);
    w.u16(m.portdata);
    encode_filter(w, m.filter);
  }
  void operator()(const StartCapReply& m) const
  {
    w.i32(m.bufsize);
    w.u16(m.portdata);
    w.u16(0);
  }
  void operator()(const UpdateFilterRequest& m) const { encode_filter(w, m.filter); }
  void operator()(const Packet& m) const
  {
    std::uint8_t b[PacketHeader::k_size];
    store_packet_header(b, m.hdr);
    w.bytes(b);
    w.bytes(m.data);
  }
  void operator()(const StatsReply& m) const
  {
    w.u32(m.ifrecv);
    w.u32(m.ifdrop);
    w.u32(m.krnldrop);
    w.u32(m.svrcapt);
  }
  void operator()(const SetSamplingRequest& m) const
  {
    w.u8(static_cast<std::uint8_t>(m.method));
    w.u8(0);
    w.u16(0);
    w.u32(m.value);
  }
  // Messages without payload.
  void operator()(const FindAllIfRequest&) const {}
  void operator()(const UpdateFilterReply&) const {}
  void operator()(const CloseMsg&) const {}
  void operator()(const StatsRequest&) const {}
  void operator()(const EndCapRequest&) const {}
  void operator()(const EndCapReply&) const {}
  void operator()(const SetSamplingReply&) const {}
};

std::uint16_t header_value(const Message& msg)
{
  if (const auto* e = std::get_if<ErrorMsg>(&msg)) { return static_cast<std::uint16_t>(e->code); }
  if (const auto* f = std::get_if<FindAllIfReply>(&msg)) {
    return static_cast<std::uint16_t>(std::min<std::size_t>(f->interfaces.size(), 0xffff));
  }
  return 0;
}

// --- payload decoders --------------------------------------------------------

Result<Message> decode_auth_request(ByteView p)
{
  constexpr auto type = MsgType::auth_req;
  if (p.size() < 8) { return too_short(type, p.size(), 8); }
  ByteReader r{p};
  auto method = r.u16();
  r.skip(2);  // reserved
  std::size_t len1 = r.u16();
  std::size_t len2 = r.u16();
  if (method != 0 && method != 1) {
    return decode_error(ErrorCode::auth_type_notsup,
                        "authentication type " + num(method) + " not recognized");
  }
  if (len1 + len2 > r.remaining()) { return too_short(type, p.size(), 8 + len1 + len2); }
  AuthRequest m;
  m.method = static_cast<AuthRequest::Method>(method);
  m.username = r.string(len1);
  m.password = r.string(len2);
  return Message{std::move(m)};
}

Result<Message> decode_auth_reply(ByteView p)
{
  AuthReply m;
  if (p.empty()) {
    m.form = AuthReply::Form::legacy;
    return Message{m};
  }
  if (p.size() != 2 && p.size() < 8) {
    return decode_error(ErrorCode::none, "AUTH_REPLY payload has " + num(p.size())
                                             + " bytes; a reply has 0, 2 or at least 8");
  }
  ByteReader r{p};
  m.min_version = r.u8();
  m.max_version = r.u8();
  if (p.size() == 2) {
    m.form = AuthReply::Form::versions;
  } else {
    m.form = AuthReply::Form::byte_order;
    r.skip(2);
    auto magic = r.bytes(4);
    std::copy(magic.begin(), magic.end(), m.magic.begin());
    if (!m.byte_order_relation()) {
      return decode_error(ErrorCode::none, "AUTH_REPLY byte-order magic " + to_hex(magic)
                                               + " is not 0xa1b2c3d4 in either byte order");
    }
  }
  if (m.min_version > m.max_version) {
    return decode_error(ErrorCode::none, "AUTH_REPLY minimum version " + num(m.min_version)
                                             + " is above its maximum version " + num(m.max_version));
  }
  return Message{m};
}

Result<Message> decode_findallif_reply(std::uint16_t count, ByteView p)
{
  ByteReader r{p};
  FindAllIfReply m;
  // Each record takes at least 12 bytes: never reserve more than can be present.
  m.interfaces.reserve(std::min<std::size_t>(count, p.size() / 12));
  for (std::size_t i = 0; i < count; ++i) {
    const std::string where = "FINDALLIF_REPLY interface " + num(i + 1) + " of " + num(count);
    if (r.remaining() < 12) {
      return decode_error(ErrorCode::none, where + ": record is cut short at byte " + num(r.position()));
    }
    std::size_t namelen = r.u16();
    std::size_t desclen = r.u16();
    Interface ifc;
    ifc.flags = r.u32();
    std::size_t naddr = r.u16();
    r.skip(2);
    if (namelen + desclen + naddr * 512 > r.remaining()) {
      return decode_error(ErrorCode::none, where + ": record needs "
                                               + num(namelen + desclen + naddr * 512)
                                               + " bytes but only " + num(r.remaining()) + " remain");
    }
    if (namelen == 0) { return decode_error(ErrorCode::none, where + ": empty interface name"); }
    ifc.name = r.string(namelen);
    ifc.description = r.string(desclen);
    if (ifc.name.find('\0') != std::string::npos) {
      return decode_error(ErrorCode::none, where + ": interface name contains a NUL byte");
    }
    ifc.addresses.reserve(naddr);
    for (std::size_t a = 0; a < naddr; ++a) {
      IfAddress ia;
      ia.addr = decode_sockaddr(r.bytes(SockAddr::k_size));
      ia.netmask = decode_sockaddr(r.bytes(SockAddr::k_size));
      ia.broadaddr = decode_sockaddr(r.bytes(SockAddr::k_size));
      ia.dstaddr = decode_sockaddr(r.bytes(SockAddr::k_size));
      ifc.addresses.push_back(ia);
    }
    m.interfaces.push_back(std::move(ifc));
  }
  if (r.remaining() != 0) {
    return decode_error(ErrorCode::none, "FINDALLIF_REPLY has " + num(r.remaining())
                                             + " bytes after its " + num(count) + " interfaces");
  }
  return Message{std::move(m)};
}

Result<Message> decode_open_request(ByteView p)
{
  if (p.size() > OpenRequest::k_max_name) {
    return decode_error(ErrorCode::open, "source string too long: " + num(p.size())
                                             + " bytes, at most " + num(OpenRequest::k_max_name));
  }
  if (p.empty()) { return decode_error(ErrorCode::open, "OPEN_REQ names no device"); }
  ByteReader r{p};
  OpenRequest m{r.string(p.size())};
  if (m.device.find('\0') != std::string::npos) {
    return decode_error(ErrorCode::open, "OPEN_REQ device name contains a NUL byte");
  }
  return Message{std::move(m)};
}

Result<Message> decode_startcap_request(ByteView p)
{
  constexpr auto type = MsgType::startcap_req;
  if (p.size() < 12) { return too_short(type, p.size(), 20); }
  ByteReader r{p};
  StartCapRequest m;
  m.snaplen = r.u32();
  m.read_timeout = r.u32();
  m.flags = r.u16();
  m.portdata = r.u16();
  auto filter = decode_filter(p.subspan(12), ErrorCode::startcapture);
  if (!filter) { return std::move(filter).error(); }
  m.filter = std::move(*filter);
  return Message{std::move(m)};
}

Result<Message> decode_setsampling_request(ByteView p)
{
  constexpr auto type = MsgType::setsampling_req;
  if (p.size() < 8) { return too_short(type, p.size(), 8); }
  ByteReader r{p};
  auto method = r.u8();
  r.skip(3);
  if (method > 2) {
    return decode_error(ErrorCode::setsampling, "sampling method " + num(method) + " not recognized");
  }
  SetSamplingRequest m;
  m.method = static_cast<SetSamplingRequest::Method>(method);
  m.value = r.u32();
  return Message{m};
}

}  // namespace

// --- names and classification ----------------------------------------------

std::string_view msg_type_name(MsgType type)
{
  switch (type) {
  case MsgType::error: return "RPCAP_MSG_ERROR";
  case MsgType::findallif_req: return "RPCAP_MSG_FINDALLIF_REQ";
  case MsgType::open_req: return "RPCAP_MSG_OPEN_REQ";
  case MsgType::startcap_req: return "RPCAP_MSG_STARTCAP_REQ";
  case MsgType::updatefilter_req: return "RPCAP_MSG_UPDATEFILTER_REQ";
  case MsgType::close: return "RPCAP_MSG_CLOSE";
  case MsgType::packet: return "RPCAP_MSG_PACKET";
  case MsgType::auth_req: return "RPCAP_MSG_AUTH_REQ";
  case MsgType::stats_req: return "RPCAP_MSG_STATS_REQ";
  case MsgType::endcap_req: return "RPCAP_MSG_ENDCAP_REQ";
  case MsgType::setsampling_req: return "RPCAP_MSG_SETSAMPLING_REQ";
  case MsgType::findallif_reply: return "RPCAP_MSG_FINDALLIF_REPLY";
  case MsgType::open_reply: return "RPCAP_MSG_OPEN_REPLY";
  case MsgType::startcap_reply: return "RPCAP_MSG_STARTCAP_REPLY";
  case MsgType::updatefilter_reply: return "RPCAP_MSG_UPDATEFILTER_REPLY";
  case MsgType::auth_reply: return "RPCAP_MSG_AUTH_REPLY";
  case MsgType::stats_reply: return "RPCAP_MSG_STATS_REPLY";
  case MsgType::endcap_reply: return "RPCAP_MSG_ENDCAP_REPLY";
  case MsgType::setsampling_reply: return "RPCAP_MSG_SETSAMPLING_REPLY";
  }
  return {};
}

bool is_request(MsgType type)
{
  switch (type) {
  case MsgType::findallif_req:
  case MsgType::open_req:
  case MsgType::startcap_req:
  case MsgType::updatefilter_req:
  case MsgType::close:
  case MsgType::auth_req:
  case MsgType::stats_req:
  case MsgType::endcap_req:
  case MsgType::setsampling_req:
    return true;
  default:
    return false;
  }
}

bool is_reply(MsgType type)
{
  switch (type) {
  case MsgType::findallif_reply:
  case MsgType::open_reply:
  case MsgType::startcap_reply:
  case MsgType::updatefilter_reply:
  case MsgType::auth_reply:
  case MsgType::stats_reply:
  case MsgType::endcap_reply:
  case MsgType::setsampling_reply:
    return true;
  default:
    return false;
  }
}

MsgType reply_type(MsgType type)
{
  return static_cast<MsgType>(static_cast<std::uint8_t>(type) | 0x80u);
}

ErrorCode error_code_for(MsgType type)
{
  switch (type) {
  case MsgType::auth_req: return ErrorCode::auth;
  case MsgType::findallif_req: return ErrorCode::findallif;
  case MsgType::open_req: return ErrorCode::open;
  case MsgType::startcap_req: return ErrorCode::startcapture;
  case MsgType::updatefilter_req: return ErrorCode::updatefilter;
  case MsgType::stats_req: return ErrorCode::getstats;
  case MsgType::endcap_req: return ErrorCode::endcapture;
  case MsgType::setsampling_req: return ErrorCode::setsampling;
  default: return ErrorCode::wrongmsg;
  }
}

// --- SockAddr, AuthReply helpers ------------------------------------------------

SockAddr SockAddr::ipv4(std::array<std::uint8_t, 4> a)
{
  SockAddr sa;
  sa.family = AddrFamily::ipv4;
  std::copy(a.begin(), a.end(), sa.addr.begin());
  return sa;
}

SockAddr SockAddr::ipv6(const std::array<std::uint8_t, 16>& a, std::uint32_t scope)
{
  SockAddr sa;
  sa.family = AddrFamily::ipv6;
  sa.addr = a;
  sa.scope_id = scope;
  return sa;
}

std::string SockAddr::to_string() const
{
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AddrFamily::ipv4) {
    ::inet_ntop(AF_INET, addr.data(), buf, sizeof buf);
    return buf;
  }
  if (family == AddrFamily::ipv6) {
    ::inet_ntop(AF_INET6, addr.data(), buf, sizeof buf);
    std::string s{buf};
    if (scope_id != 0) { s += "%" + std::to_string(scope_id); }
    return s;
  }
  return {};
}

AuthReply AuthReply::for_this_host()
{
  AuthReply r;
  r.form = Form::byte_order;
  const std::uint32_t magic = k_byte_order_magic;
  std::memcpy(r.magic.data(), &magic, sizeof magic);
  return r;
}

std::optional<AuthReply::ByteOrder> AuthReply::byte_order_relation() const
{
  if (form != Form::byte_order) { return ByteOrder::unknown; }
  std::uint32_t native = 0;
  std::memcpy(&native, magic.data(), sizeof native);
  if (native == k_byte_order_magic) { return ByteOrder::same; }
  if (native == __builtin_bswap32(k_byte_order_magic)) { return ByteOrder::swapped; }
  return std::nullopt;
}

// --- encoding ------------------------------------------------------------------

MsgType type_of(const Message& msg)
{
  return std::visit([](const auto& m) { return std::decay_t<decltype(m)>::k_type; }, msg);
}

void encode_header(Bytes& out, const Header& h)
{
  std::uint8_t b[k_header_size];
  store_header(b, h);
  ByteWriter{out}.bytes(b);
}

void encode(Bytes& out, const Message& msg, std::uint8_t ver)
{
  const std::size_t start = out.size();
  encode_header(out, Header{ver, type_of(msg), header_value(msg), 0});
  ByteWriter w{out};
  std::visit(PayloadEncoder{w}, msg);
  w.patch_u32(start + 4, static_cast<std::uint32_t>(out.size() - start - k_header_size));
}

Bytes encode(const Message& msg, std::uint8_t ver)
{
  Bytes out;
  encode(out, msg, ver);
  return out;
}

ErrorMsg make_error_msg(ErrorCode code, std::string_view text)
{
  return ErrorMsg{code, std::string{text.substr(0, ErrorMsg::k_max_text)}};
}

// --- decoding ------------------------------------------------------------------

Result<std::optional<Frame>> detail::next_frame_checked(ByteView buf, const Header& h, std::uint32_t max_plen)
{
  if (h.plen > max_plen) {
    return decode_error(error_code_for(h.type),
                        type_label(h.type) + " announces a payload of " + num(h.plen)
                            + " bytes, more than the limit of " + num(max_plen));
  }
  std::size_t plen = h.plen;
  // Bug B1 of libpcap 1.10 clients: a STARTCAP without an application filter
  // says plen 20 but carries the 8-byte instruction its filter header counts.
  // A plen-20 request whose filter says nitems 1 can mean nothing else.
  if (h.type == MsgType::startcap_req && plen == 20) {
    if (buf.size() < k_header_size + 20) { return std::optional<Frame>{}; }
    ByteReader r{buf.subspan(k_header_size + 16, 4)};
    if (r.u32() == 1) { plen += 8; }
  }
  if (buf.size() - k_header_size < plen) { return std::optional<Frame>{}; }
  return std::optional<Frame>{Frame{h, buf.subspan(k_header_size, plen), k_header_size + plen}};
}

Result<Filter> decode_filter(ByteView p, ErrorCode code)
{
  if (p.size() < 8) {
    return decode_error(code, "filter block is too short: " + num(p.size()) + " bytes, need 8");
  }
  ByteReader r{p};
  Filter f;
  f.type = r.u16();
  f.reserved = r.u16();
  const std::uint32_t n = r.u32();
  if (f.type != Filter::k_type_bpf) {
    return decode_error(code, "filter type " + num(f.type) + " is not supported; only BPF (1) is");
  }
  if (n > Filter::k_max_insns) {
    return decode_error(code, "filter program of " + num(n) + " instructions is larger than the maximum of "
                                  + num(Filter::k_max_insns));
  }
  if (r.remaining() != std::size_t{n} * 8) {
    return decode_error(code, "filter block announces " + num(n) + " instructions ("
                                  + num(std::size_t{n} * 8) + " bytes) but carries " + num(r.remaining())
                                  + " bytes");
  }
  f.insns.resize(n);
  for (auto& i : f.insns) {
    i.code = r.u16();
    i.jt = r.u8();
    i.jf = r.u8();
    i.k = r.u32();
  }
  return f;
}

Error detail::packet_caplen_error(std::uint32_t caplen, std::size_t have)
{
  if (have < PacketHeader::k_size) { return too_short(MsgType::packet, have, PacketHeader::k_size); }
  return decode_error(ErrorCode::none, "PACKET captured length " + num(caplen) + " exceeds the "
                                           + num(have - PacketHeader::k_size) + " bytes of packet data in the message");
}

Result<Message> decode_payload(const Header& h, ByteView p)
{
  switch (h.type) {
  case MsgType::error: {
    ByteReader r{p};
    return Message{ErrorMsg{static_cast<ErrorCode>(h.value), r.string(p.size())}};
  }
  case MsgType::auth_req: return decode_auth_request(p);
  case MsgType::auth_reply: return decode_auth_reply(p);
  case MsgType::findallif_req: return Message{FindAllIfRequest{}};
  case MsgType::findallif_reply: return decode_findallif_reply(h.value, p);
  case MsgType::open_req: return decode_open_request(p);
  case MsgType::open_reply: {
    if (p.size() < 8) { return too_short(h.type, p.size(), 8); }
    ByteReader r{p};
    OpenReply m;
    m.linktype = r.i32();
    m.tzoff = r.i32();
    return Message{m};
  }
  case MsgType::startcap_req: return decode_startcap_request(p);
  case MsgType::startcap_reply: {
    if (p.size() < 8) { return too_short(h.type, p.size(), 8); }
    ByteReader r{p};
    StartCapReply m;
    m.bufsize = r.i32();
    m.portdata = r.u16();
    return Message{m};
  }
  case MsgType::updatefilter_req: {
    auto f = decode_filter(p, ErrorCode::updatefilter);
    if (!f) { return std::move(f).error(); }
    return Message{UpdateFilterRequest{std::move(*f)}};
  }
  case MsgType::updatefilter_reply: return Message{UpdateFilterReply{}};
  case MsgType::close: return Message{CloseMsg{}};
  case MsgType::packet: {
    auto ph = decode_packet_header(p);
    if (!ph) { return std::move(ph).error(); }
    auto data = p.subspan(PacketHeader::k_size, ph->caplen);
    return Message{Packet{*ph, Bytes(data.begin(), data.end())}};
  }
  case MsgType::stats_req: return Message{StatsRequest{}};
  case MsgType::stats_reply: {
    if (p.size() < 16) { return too_short(h.type, p.size(), 16); }
    ByteReader r{p};
    StatsReply m;
    m.ifrecv = r.u32();
    m.ifdrop = r.u32();
    m.krnldrop = r.u32();
    m.svrcapt = r.u32();
    return Message{m};
  }
  case MsgType::endcap_req: return Message{EndCapRequest{}};
  case MsgType::endcap_reply: return Message{EndCapReply{}};
  case MsgType::setsampling_req: return decode_setsampling_request(p);
  case MsgType::setsampling_reply: return Message{SetSamplingReply{}};
  }
  return decode_error(ErrorCode::wrongmsg,
                      "unknown message type " + num(static_cast<std::uint8_t>(h.type)));
}

Result<std::optional<Decoded>> decode(ByteView buf, std::uint32_t max_plen)
{
  auto frame = next_frame(buf, max_plen);
  if (!frame) { return std::move(frame).error(); }
  if (!*frame) { return std::optional<Decoded>{}; }
  const Frame& f = **frame;
  auto msg = decode_payload(f.header, f.payload);
  if (!msg) { return std::move(msg).error(); }
  return std::optional<Decoded>{Decoded{f.header, std::move(*msg), f.size}};
}

}  // namespace rpcap
