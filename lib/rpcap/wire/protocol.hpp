// SPDX-License-Identifier: BSD-3-Clause
// The RPCAP wire protocol as libpcap 1.10 speaks it: one struct per message,
// encode() to bytes and decode() from bytes with strict validation.
//
// Every message starts with the 8-byte common header; all integers are
// big-endian; there is no padding (docs/protocol.md#common-header; every
// docs/protocol.md reference below names one of that document's sections):
//
//   0      1      2             4                           8
//   +------+------+-------------+---------------------------+-------------
//   | ver  | type |    value    |           plen            | payload ...
//   +------+------+-------------+---------------------------+-------------
//
// Decoding never throws for bad input and never reads outside the span it
// was given: it returns an Error whose `rpcap_code` is the ERROR code a
// daemon answers with (docs/protocol.md#error-codes). Counts are checked
// against the bytes present before anything is allocated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rpcap/wire/bytes.hpp"
#include "rpcap/base/error.hpp"

namespace rpcap {

// The only protocol version that exists on the wire (docs/protocol.md#version-negotiation).
constexpr std::uint8_t k_protocol_version = 0;
constexpr std::size_t k_header_size = 8;

// Message types (docs/protocol.md#message-types). On the wire: never renumber. A MsgType may also hold
// a value not listed here, as read from a peer.
enum class MsgType : std::uint8_t {
  error = 0x01,
  findallif_req = 0x02,
  open_req = 0x03,
  startcap_req = 0x04,
  updatefilter_req = 0x05,
  close = 0x06,
  packet = 0x07,
  auth_req = 0x08,
  stats_req = 0x09,
  endcap_req = 0x0a,
  setsampling_req = 0x0b,
  findallif_reply = 0x82,
  open_reply = 0x83,
  startcap_reply = 0x84,
  updatefilter_reply = 0x85,
  auth_reply = 0x88,
  stats_reply = 0x89,
  endcap_reply = 0x8a,
  setsampling_reply = 0x8b,
};

// ERROR codes, the `value` of an ERROR message (docs/protocol.md#error-codes). On the wire: never renumber.
enum class ErrorCode : std::uint16_t {
  none = 0,
  netw = 1,
  inittimeout = 2,
  auth = 3,
  findallif = 4,
  noremoteif = 5,
  open = 6,
  updatefilter = 7,
  getstats = 8,
  readex = 9,
  hostnoauth = 10,
  remoteaccept = 11,
  startcapture = 12,
  endcapture = 13,
  runtimetimeout = 14,
  setsampling = 15,
  wrongmsg = 16,
  wrongver = 17,
  auth_failed = 18,
  tls_required = 19,
  auth_type_notsup = 20,
};

// The libpcap name of `type` ("RPCAP_MSG_FINDALLIF_REQ"), or "" if unknown.
std::string_view msg_type_name(MsgType type);
// True for the types a daemon may receive as requests (docs/protocol.md#message-types).
bool is_request(MsgType type);
// True for the reply types (request | 0x80) of docs/protocol.md#message-types.
bool is_reply(MsgType type);
// The reply type of request `type` (type | 0x80).
MsgType reply_type(MsgType type);
// The ERROR code a daemon uses for a failure of request `type` (docs/protocol.md#error-codes).
ErrorCode error_code_for(MsgType type);

struct Header {
  std::uint8_t ver{k_protocol_version};
  MsgType type{MsgType::error};
  std::uint16_t value{0};
  std::uint32_t plen{0};
  bool operator==(const Header&) const = default;
};

// ---------------------------------------------------------------------------
// Payload pieces

// A classic BPF instruction; field order as struct bpf_insn (docs/protocol.md#filter-block).
struct BpfInsn {
  std::uint16_t code{0};
  std::uint8_t jt{0};
  std::uint8_t jf{0};
  std::uint32_t k{0};
  bool operator==(const BpfInsn&) const = default;
};

// Filter block (docs/protocol.md#filter-block):
//   +0 u16 filtertype (1 = BPF)  +2 u16 reserved  +4 u32 nitems  +8 nitems x 8 bytes
struct Filter {
  static constexpr std::uint16_t k_type_bpf = 1;
  static constexpr std::uint32_t k_max_insns = 8192;
  std::uint16_t type{k_type_bpf};
  // Reserved; libpcap 1.10 clients leave it uninitialised (B3). Receivers
  // ignore it; it is kept only so that a decoded block re-encodes exactly.
  std::uint16_t reserved{0};
  std::vector<BpfInsn> insns;
  bool operator==(const Filter&) const = default;
};

enum class AddrFamily : std::uint8_t { none, ipv4, ipv6 };

// An interface address in RPCAP's own 128-byte sockaddr encoding (docs/protocol.md#sockaddr-encoding):
//   IPv4: +0 u16 family 2,  +2 u16 port, +4 addr[4], zeros
//   IPv6: +0 u16 family 23, +2 u16 port, +4 u32 flowinfo, +8 addr[16], +24 u32 scope id, zeros
struct SockAddr {
  static constexpr std::size_t k_size = 128;
  static constexpr std::uint16_t k_family_ipv4 = 2;
  static constexpr std::uint16_t k_family_ipv6 = 23;
  AddrFamily family{AddrFamily::none};
  std::array<std::uint8_t, 16> addr{};  // IPv4 uses the first 4 bytes
  std::uint16_t port{0};
  std::uint32_t flowinfo{0};
  std::uint32_t scope_id{0};
  bool operator==(const SockAddr&) const = default;

  static SockAddr ipv4(std::array<std::uint8_t, 4> a);
  static SockAddr ipv6(const std::array<std::uint8_t, 16>& a, std::uint32_t scope_id = 0);
  // Numeric text form ("127.0.0.1", "fe80::1%4" shows the scope as a number); "" for none.
  std::string to_string() const;
};

// One address record of an interface: four sockaddrs, absent ones have family none.
struct IfAddress {
  SockAddr addr;
  SockAddr netmask;
  SockAddr broadaddr;
  SockAddr dstaddr;
  bool operator==(const IfAddress&) const = default;
};

// Interface flags (docs/protocol.md#interface-flags), libpcap's PCAP_IF_* values.
namespace if_flags {
constexpr std::uint32_t loopback = 0x01;
constexpr std::uint32_t up = 0x02;
constexpr std::uint32_t running = 0x04;
constexpr std::uint32_t wireless = 0x08;
constexpr std::uint32_t status_mask = 0x30;
constexpr std::uint32_t status_connected = 0x10;
constexpr std::uint32_t status_disconnected = 0x20;
constexpr std::uint32_t status_not_applicable = 0x30;
}  // namespace if_flags

// One interface record of FINDALLIF_REPLY (docs/protocol.md#findallif):
//   +0 u16 namelen  +2 u16 desclen  +4 u32 flags  +8 u16 naddr  +10 u16 reserved
//   +12 name  description  naddr x 512-byte address records
struct Interface {
  std::string name;
  std::string description;
  std::uint32_t flags{0};
  std::vector<IfAddress> addresses;
  bool operator==(const Interface&) const = default;
};

// STARTCAP flags (docs/protocol.md#startcap-flags).
namespace startcap_flags {
constexpr std::uint16_t promisc = 0x0001;
constexpr std::uint16_t dgram = 0x0002;
constexpr std::uint16_t serveropen = 0x0004;
constexpr std::uint16_t inbound = 0x0008;
constexpr std::uint16_t outbound = 0x0010;
// This toolkit's extension, for UDP data (with DGRAM): the client reads every
// PACKET message of a datagram, so the daemon may pack several into one, up
// to the path MTU. libpcap's daemon ignores the bit and sends one per
// datagram, which such a client reads alike; libpcap's client never sets it,
// so it gets one per datagram from us too.
constexpr std::uint16_t dgram_batch = 0x0100;
}  // namespace startcap_flags

// ---------------------------------------------------------------------------
// Messages, one struct each. The header's `ver` travels beside the message
// (Frame::header); the header's `value` is part of the message where it
// means something (ERROR code, FINDALLIF_REPLY count).

// ERROR (0x01): value = code, payload = text without NUL (docs/protocol.md#error).
struct ErrorMsg {
  static constexpr MsgType k_type = MsgType::error;
  static constexpr std::size_t k_max_text = 256;  // libpcap cuts texts to this
  ErrorCode code{ErrorCode::none};
  std::string text;
  bool operator==(const ErrorMsg&) const = default;
};

// AUTH_REQ (0x08) (docs/protocol.md#auth):
//   +0 u16 type (0 NULL, 1 password)  +2 u16 reserved  +4 u16 slen1  +6 u16 slen2  user  password
struct AuthRequest {
  static constexpr MsgType k_type = MsgType::auth_req;
  enum class Method : std::uint16_t { null = 0, password = 1 };
  Method method{Method::null};
  std::string username;
  std::string password;
  bool operator==(const AuthRequest&) const = default;
};

// AUTH_REPLY (0x88) (docs/protocol.md#version-negotiation): 0, 2 or 8 payload bytes depending on the daemon's age:
//   +0 u8 minvers  +1 u8 maxvers  +2 u16 zero  +4 u32 0xA1B2C3D4 in the daemon's byte order
struct AuthReply {
  static constexpr MsgType k_type = MsgType::auth_reply;
  static constexpr std::uint32_t k_byte_order_magic = 0xa1b2c3d4;
  enum class Form : std::uint8_t {
    legacy,        // plen 0: WinPcap and libpcap 1.9.0; versions 0..0, byte order unknown
    versions,      // plen 2: libpcap 1.9.1 - 1.10.1
    byte_order,    // plen 8: libpcap 1.10.2 and later
  };
  enum class ByteOrder : std::uint8_t { unknown, same, swapped };
  Form form{Form::byte_order};
  std::uint8_t min_version{0};
  std::uint8_t max_version{0};
  // The magic's 4 bytes as sent (Form::byte_order only).
  std::array<std::uint8_t, 4> magic{};
  bool operator==(const AuthReply&) const = default;

  // The reply this host's daemon sends: versions 0..0, magic in native order.
  static AuthReply for_this_host();
  // How the daemon's byte order relates to this host's; nullopt if the magic is invalid.
  std::optional<ByteOrder> byte_order_relation() const;
};

// FINDALLIF_REQ (0x02): no payload.
struct FindAllIfRequest {
  static constexpr MsgType k_type = MsgType::findallif_req;
  bool operator==(const FindAllIfRequest&) const = default;
};

// FINDALLIF_REPLY (0x82): value = interface count, payload = records back to back (docs/protocol.md#findallif).
struct FindAllIfReply {
  static constexpr MsgType k_type = MsgType::findallif_reply;
  std::vector<Interface> interfaces;
  bool operator==(const FindAllIfReply&) const = default;
};

// OPEN_REQ (0x03): the device name, no NUL (docs/protocol.md#open).
struct OpenRequest {
  static constexpr MsgType k_type = MsgType::open_req;
  static constexpr std::size_t k_max_name = 1023;
  std::string device;
  bool operator==(const OpenRequest&) const = default;
};

// OPEN_REPLY (0x83): +0 i32 linktype  +4 i32 tzoff.
struct OpenReply {
  static constexpr MsgType k_type = MsgType::open_reply;
  std::int32_t linktype{0};
  std::int32_t tzoff{0};
  bool operator==(const OpenReply&) const = default;
};

// STARTCAP_REQ (0x04) (docs/protocol.md#startcap):
//   +0 u32 snaplen  +4 u32 read_timeout (ms)  +8 u16 flags  +10 u16 portdata  +12 filter block
struct StartCapRequest {
  static constexpr MsgType k_type = MsgType::startcap_req;
  std::uint32_t snaplen{0};
  std::uint32_t read_timeout{0};
  std::uint16_t flags{0};
  std::uint16_t portdata{0};
  Filter filter;
  bool operator==(const StartCapRequest&) const = default;
};

// STARTCAP_REPLY (0x84): +0 i32 bufsize  +4 u16 portdata  +6 u16 reserved.
struct StartCapReply {
  static constexpr MsgType k_type = MsgType::startcap_reply;
  std::int32_t bufsize{0};
  std::uint16_t portdata{0};
  bool operator==(const StartCapReply&) const = default;
};

// UPDATEFILTER_REQ (0x05): one filter block.
struct UpdateFilterRequest {
  static constexpr MsgType k_type = MsgType::updatefilter_req;
  Filter filter;
  bool operator==(const UpdateFilterRequest&) const = default;
};

// UPDATEFILTER_REPLY (0x85): no payload.
struct UpdateFilterReply {
  static constexpr MsgType k_type = MsgType::updatefilter_reply;
  bool operator==(const UpdateFilterReply&) const = default;
};

// CLOSE (0x06): no payload, no reply.
struct CloseMsg {
  static constexpr MsgType k_type = MsgType::close;
  bool operator==(const CloseMsg&) const = default;
};

// PACKET (0x07), on the data connection (docs/protocol.md#packet):
//   +0 u32 ts_sec  +4 u32 ts_usec  +8 u32 caplen  +12 u32 len  +16 u32 npkt  +20 data
struct PacketHeader {
  static constexpr std::size_t k_size = 20;
  std::uint32_t ts_sec{0};
  std::uint32_t ts_usec{0};
  std::uint32_t caplen{0};
  std::uint32_t len{0};
  std::uint32_t npkt{0};
  bool operator==(const PacketHeader&) const = default;
};

struct Packet {
  static constexpr MsgType k_type = MsgType::packet;
  PacketHeader hdr;
  Bytes data;  // caplen bytes
  bool operator==(const Packet&) const = default;
};

// STATS_REQ (0x09): no payload.
struct StatsRequest {
  static constexpr MsgType k_type = MsgType::stats_req;
  bool operator==(const StatsRequest&) const = default;
};

// STATS_REPLY (0x89): +0 ifrecv  +4 ifdrop  +8 krnldrop  +12 svrcapt, all u32.
struct StatsReply {
  static constexpr MsgType k_type = MsgType::stats_reply;
  std::uint32_t ifrecv{0};
  std::uint32_t ifdrop{0};
  std::uint32_t krnldrop{0};
  std::uint32_t svrcapt{0};
  bool operator==(const StatsReply&) const = default;
};

// ENDCAP_REQ (0x0A) and ENDCAP_REPLY (0x8A): no payload.
struct EndCapRequest {
  static constexpr MsgType k_type = MsgType::endcap_req;
  bool operator==(const EndCapRequest&) const = default;
};
struct EndCapReply {
  static constexpr MsgType k_type = MsgType::endcap_reply;
  bool operator==(const EndCapReply&) const = default;
};

// SETSAMPLING_REQ (0x0B) (docs/protocol.md#setsampling):
//   +0 u8 method  +1 u8 reserved  +2 u16 reserved  +4 u32 value
struct SetSamplingRequest {
  static constexpr MsgType k_type = MsgType::setsampling_req;
  enum class Method : std::uint8_t { none = 0, every_nth = 1, first_after_ms = 2 };
  Method method{Method::none};
  std::uint32_t value{0};
  bool operator==(const SetSamplingRequest&) const = default;
};

// SETSAMPLING_REPLY (0x8B): no payload.
struct SetSamplingReply {
  static constexpr MsgType k_type = MsgType::setsampling_reply;
  bool operator==(const SetSamplingReply&) const = default;
};

using Message = std::variant<ErrorMsg, AuthRequest, AuthReply, FindAllIfRequest, FindAllIfReply,
                             OpenRequest, OpenReply, StartCapRequest, StartCapReply,
                             UpdateFilterRequest, UpdateFilterReply, CloseMsg, Packet, StatsRequest,
                             StatsReply, EndCapRequest, EndCapReply, SetSamplingRequest,
                             SetSamplingReply>;

// The wire type of `msg`.
MsgType type_of(const Message& msg);

// ---------------------------------------------------------------------------
// Encoding

// Append the whole message (header and payload) to `out`, with version `ver`.
void encode(Bytes& out, const Message& msg, std::uint8_t ver = k_protocol_version);
// The whole message as a new buffer.
Bytes encode(const Message& msg, std::uint8_t ver = k_protocol_version);
// Append an 8-byte header.
void encode_header(Bytes& out, const Header& h);
// The 28 header bytes of a PACKET message (common header and PACKET header)
// at `p`, for `ph.caplen` bytes of data the caller puts after them: the data
// path writes a packet straight into its send buffer. (Inline, below, with
// the other per-packet codecs.)
constexpr std::size_t k_packet_message_header_size = k_header_size + PacketHeader::k_size;
inline void store_packet_message_header(std::uint8_t* p, const PacketHeader& ph, std::uint8_t ver) noexcept;
// An ERROR message whose text is cut to ErrorMsg::k_max_text bytes.
ErrorMsg make_error_msg(ErrorCode code, std::string_view text);

// ---------------------------------------------------------------------------
// Decoding

// Largest payload accepted by default: big enough for any request (an AUTH_REQ
// with two 64 KiB strings, a STARTCAP with 8192 instructions) and for large
// FINDALLIF replies, small enough to bound a session's memory.
// The largest snapshot length (libpcap's MAXIMUM_SNAPLEN): what a capture
// that asks for 0, or for more, gets.
constexpr std::uint32_t k_max_snaplen = 262144;
constexpr std::uint32_t clamp_snaplen(std::uint32_t snaplen)
{
  return snaplen == 0 || snaplen > k_max_snaplen ? k_max_snaplen : snaplen;
}

constexpr std::uint32_t k_default_max_plen = 4u << 20;

// Read the 8-byte header at the start of `buf`; nullopt if fewer than 8 bytes.
inline std::optional<Header> decode_header(ByteView buf);

// One message cut from the front of a byte stream: its header, its payload
// bytes and how many stream bytes it occupies (8 + plen, except for the
// libpcap 1.10 short STARTCAP of bug B1, which occupies 8 more).
struct Frame {
  Header header;
  ByteView payload;
  std::size_t size{0};
};

// Cut one message off the front of `buf`. Returns nullopt if `buf` holds
// less than one whole message; an Error if the header announces a payload
// larger than `max_plen`.
inline Result<std::optional<Frame>> next_frame(ByteView buf, std::uint32_t max_plen = k_default_max_plen);

// Decode the payload of a message whose header is `h`. Fails with
// `malformed` (and the rpcap_code to answer with) for a payload that is short,
// inconsistent or out of range, and for unknown message types.
Result<Message> decode_payload(const Header& h, ByteView payload);

struct Decoded {
  Header header;
  Message message;
  std::size_t size{0};  // stream bytes consumed
};

// Decode one whole message from the front of `buf`. Returns nullopt if `buf`
// holds less than one whole message.
Result<std::optional<Decoded>> decode(ByteView buf, std::uint32_t max_plen = k_default_max_plen);

// Decode a filter block that fills `payload` exactly (docs/protocol.md#filter-block); `code` is the
// ERROR code reported on failure.
Result<Filter> decode_filter(ByteView payload, ErrorCode code);

// Decode the 20-byte PACKET header in front of a PACKET payload and check
// caplen against the payload length (the client-side bound of B14).
inline Result<PacketHeader> decode_packet_header(ByteView payload);

// The data stream's common case, decoded in one step with no Result: a
// whole PACKET message of version `ver` at the front of `buf`, its payload
// within `max_plen` and holding its caplen bytes. Returns the bytes it
// occupies and fills `ph` (the data follows the message's 28 header bytes);
// 0 for anything else (a partial message, another type or version, a bad
// one), which next_frame() and decode_packet_header() then take, errors
// included.
inline std::size_t next_packet(ByteView buf, std::uint8_t ver, std::uint32_t max_plen, PacketHeader& ph) noexcept;

// ---------------------------------------------------------------------------
// The per-packet codecs, inline: they run once per packet on both ends of
// the data path, where a call into another translation unit and a header
// passed through memory cost as much as the decoding. Their error paths
// (and bug B1's STARTCAP) stay out of line in protocol.cpp.

namespace detail {
// next_frame() for a header whose payload is over the limit, or a STARTCAP.
Result<std::optional<Frame>> next_frame_checked(ByteView buf, const Header& h, std::uint32_t max_plen);
// decode_packet_header()'s error for a caplen beyond the payload's `have` bytes.
Error packet_caplen_error(std::uint32_t caplen, std::size_t have);
}  // namespace detail

// The layouts, written and read in one place: the 8-byte message header
// and the 20-byte PACKET header, at `p` with the length checked by the caller.
inline Header load_header(const std::uint8_t* p) noexcept
{
  return Header{p[0], static_cast<MsgType>(p[1]), load_be16(p + 2), load_be32(p + 4)};
}
inline void store_header(std::uint8_t* p, const Header& h) noexcept
{
  p[0] = h.ver;
  p[1] = static_cast<std::uint8_t>(h.type);
  store_be16(p + 2, h.value);
  store_be32(p + 4, h.plen);
}
inline PacketHeader load_packet_header(const std::uint8_t* p) noexcept
{
  return PacketHeader{load_be32(p), load_be32(p + 4), load_be32(p + 8), load_be32(p + 12), load_be32(p + 16)};
}
inline void store_packet_header(std::uint8_t* p, const PacketHeader& ph) noexcept
{
  store_be32(p, ph.ts_sec);
  store_be32(p + 4, ph.ts_usec);
  store_be32(p + 8, ph.caplen);
  store_be32(p + 12, ph.len);
  store_be32(p + 16, ph.npkt);
}
inline void store_packet_message_header(std::uint8_t* p, const PacketHeader& ph, std::uint8_t ver) noexcept
{
  store_header(p, Header{ver, MsgType::packet, 0, static_cast<std::uint32_t>(PacketHeader::k_size + ph.caplen)});
  store_packet_header(p + k_header_size, ph);
}

inline std::optional<Header> decode_header(ByteView buf)
{
  if (buf.size() < k_header_size) { return std::nullopt; }
  return load_header(buf.data());
}

inline Result<std::optional<Frame>> next_frame(ByteView buf, std::uint32_t max_plen)
{
  const auto h = decode_header(buf);
  if (!h) { return std::optional<Frame>{}; }
  if (h->plen > max_plen || h->type == MsgType::startcap_req) { return detail::next_frame_checked(buf, *h, max_plen); }
  if (buf.size() - k_header_size < h->plen) { return std::optional<Frame>{}; }
  return std::optional<Frame>{Frame{*h, buf.subspan(k_header_size, h->plen), k_header_size + h->plen}};
}

inline Result<PacketHeader> decode_packet_header(ByteView p)
{
  if (p.size() < PacketHeader::k_size) { return detail::packet_caplen_error(0, p.size()); }
  const PacketHeader h = load_packet_header(p.data());
  if (h.caplen > p.size() - PacketHeader::k_size) { return detail::packet_caplen_error(h.caplen, p.size()); }
  return h;
}

inline std::size_t next_packet(ByteView buf, std::uint8_t ver, std::uint32_t max_plen, PacketHeader& ph) noexcept
{
  if (buf.size() < k_packet_message_header_size) { return 0; }
  const Header h = load_header(buf.data());
  if (h.type != MsgType::packet || h.ver != ver || h.plen < PacketHeader::k_size || h.plen > max_plen
      || buf.size() - k_header_size < h.plen) {
    return 0;
  }
  ph = load_packet_header(buf.data() + k_header_size);
  if (ph.caplen > h.plen - PacketHeader::k_size) { return 0; }
  return k_header_size + h.plen;
}

}  // namespace rpcap
