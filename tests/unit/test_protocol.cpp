// SPDX-License-Identifier: BSD-3-Clause
// Wire protocol: the test vectors TV1-TV17 of docs/protocol.md#test-vectors,
// each decoded to its fields, re-encoded byte for byte, and cut short at
// every length; then the malformed variants and what they map to.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "rpcap/wire/protocol.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using rpcap::test::parse_annotated_hex;

namespace {

std::string hex_zeros(std::size_t n)
{
  std::string s;
  for (std::size_t i = 0; i < n; ++i) { s += "00 "; }
  return s;
}

// Every strict prefix of a whole message is "incomplete", never a message or an error.
void check_prefixes(const Bytes& bytes)
{
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    auto r = decode(ByteView{bytes.data(), n});
    REQUIRE(r.has_value());
    CHECK_FALSE(r->has_value());
  }
}

Decoded decode_whole(const Bytes& bytes)
{
  auto r = decode(bytes);
  INFO("decode error: " << (r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->size == bytes.size());
  return std::move(**r);
}

// Decode `hex`, compare with `expected`, re-encode, and check every prefix.
template <typename T>
T check_vector(const std::string& hex, const T& expected, std::uint8_t ver = 0)
{
  const Bytes bytes = parse_annotated_hex(hex);
  REQUIRE_FALSE(bytes.empty());
  Decoded d = decode_whole(bytes);
  CHECK(d.header.ver == ver);
  CHECK(d.header.type == T::k_type);
  REQUIRE(std::holds_alternative<T>(d.message));
  const T& got = std::get<T>(d.message);
  CHECK(got == expected);
  CHECK(to_hex(encode(Message{expected}, ver)) == to_hex(bytes));
  check_prefixes(bytes);
  return got;
}

Error decode_failure(const std::string& hex)
{
  const Bytes bytes = parse_annotated_hex(hex);
  auto r = decode(bytes);
  REQUIRE_FALSE(r.has_value());
  return r.error();
}

}  // namespace

TEST_CASE("protocol: TV1 AUTH_REQ with NULL authentication", "[protocol]")
{
  check_vector(R"(00 08 0000 00000008    # ver 0, AUTH_REQ, value 0, plen 8
                  0000 0000 0000 0000    # type NULL, reserved, slen1 0, slen2 0)",
               AuthRequest{AuthRequest::Method::null, "", ""});
}

TEST_CASE("protocol: TV2 AUTH_REQ with user and password", "[protocol]")
{
  check_vector(R"(00 08 0000 0000000a    # plen 10
                  0001 0000 0001 0001    # type password, reserved, slen1 1, slen2 1
                  75 70                  # "u" "p")",
               AuthRequest{AuthRequest::Method::password, "u", "p"});
}

TEST_CASE("protocol: TV3 AUTH_REPLY of a little-endian 1.10.3 daemon", "[protocol]")
{
  AuthReply expected;
  expected.form = AuthReply::Form::byte_order;
  expected.magic = {0xd4, 0xc3, 0xb2, 0xa1};
  auto got = check_vector(R"(00 88 0000 00000008
                             00 00 0000 d4c3b2a1    # minvers 0, maxvers 0, pad, magic LE)",
                          expected);
  const bool little = AuthReply::for_this_host().magic[0] == 0xd4;
  CHECK(got.byte_order_relation() == (little ? AuthReply::ByteOrder::same : AuthReply::ByteOrder::swapped));
}

TEST_CASE("protocol: AUTH_REPLY of older daemons (plen 0 and 2)", "[protocol]")
{
  AuthReply legacy;
  legacy.form = AuthReply::Form::legacy;
  auto got = check_vector("00 88 0000 00000000", legacy);
  CHECK(got.byte_order_relation() == AuthReply::ByteOrder::unknown);

  AuthReply versions;
  versions.form = AuthReply::Form::versions;
  check_vector("00 88 0000 00000002  00 00", versions);
}

TEST_CASE("protocol: AUTH_REPLY lengths 1 and 3..7, bad magic and inverted versions are malformed", "[protocol]")
{
  CHECK(decode_failure("00 88 0000 00000001 00").kind == ErrorKind::malformed);
  CHECK(decode_failure("00 88 0000 00000005 00 00 00 00 00").message
        == "AUTH_REPLY payload has 5 bytes; a reply has 0, 2 or at least 8");
  CHECK(decode_failure("00 88 0000 00000008 00 00 0000 11223344").message
        == "AUTH_REPLY byte-order magic 11 22 33 44 is not 0xa1b2c3d4 in either byte order");
  CHECK(decode_failure("00 88 0000 00000002 01 00").message
        == "AUTH_REPLY minimum version 1 is above its maximum version 0");
}

TEST_CASE("protocol: this host's AUTH_REPLY is the 8-byte form in native byte order", "[protocol]")
{
  const auto r = AuthReply::for_this_host();
  CHECK(r.form == AuthReply::Form::byte_order);
  CHECK(r.byte_order_relation() == AuthReply::ByteOrder::same);
  CHECK(encode(Message{r}).size() == 16);
}

TEST_CASE("protocol: TV4 ERROR Authentication failed", "[protocol]")
{
  check_vector(R"(00 01 0012 00000015    # ERROR, value 18 AUTH_FAILED, plen 21
                  41 75 74 68 65 6e 74 69 63 61 74 69 6f 6e 20 66 61 69 6c 65 64)",
               ErrorMsg{ErrorCode::auth_failed, "Authentication failed"});
}

TEST_CASE("protocol: TV5 FINDALLIF_REQ", "[protocol]")
{
  check_vector("00 02 0000 00000000", FindAllIfRequest{});
}

TEST_CASE("protocol: TV6 FINDALLIF_REPLY with lo and 127.0.0.1/8", "[protocol]")
{
  const std::string hex = "00 82 0001 0000020e   # value 1 interface, plen 526\n"
                          "0002 0000 00000037 0001 0000   # namelen 2, desclen 0, flags 0x37, naddr 1\n"
                          "6c 6f                          # lo\n"
                          "0002 0000 7f000001 "
                          + hex_zeros(120) + "\n0002 0000 ff000000 " + hex_zeros(120) + "\n" + hex_zeros(256);
  FindAllIfReply expected;
  Interface lo;
  lo.name = "lo";
  lo.flags = 0x37;
  IfAddress a;
  a.addr = SockAddr::ipv4({127, 0, 0, 1});
  a.netmask = SockAddr::ipv4({255, 0, 0, 0});
  lo.addresses.push_back(a);
  expected.interfaces.push_back(lo);
  auto got = check_vector(hex, expected);
  CHECK(got.interfaces.at(0).addresses.at(0).addr.to_string() == "127.0.0.1");
}

TEST_CASE("protocol: FINDALLIF_REPLY carries IPv6 addresses with scope id and odd-length names", "[protocol]")
{
  FindAllIfReply m;
  Interface eth;
  eth.name = "eth";  // odd length: the next record starts at an odd offset
  eth.description = "d";
  eth.flags = if_flags::up | if_flags::running | if_flags::status_connected;
  IfAddress a;
  a.addr = SockAddr::ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 4);
  a.netmask = SockAddr::ipv6({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  eth.addresses.push_back(a);
  m.interfaces.push_back(eth);
  m.interfaces.push_back(Interface{"any", "", 0x36, {}});
  const Bytes bytes = encode(Message{m});
  // IPv6 slot: family 23, port 0, flowinfo 0, address, scope id 4 big-endian
  CHECK(to_hex(ByteView{bytes}.subspan(8 + 12 + 4, 32))
        == "00 17 00 00 00 00 00 00 fe 80 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 04 00 00 00 00");
  Decoded d = decode_whole(bytes);
  CHECK(std::get<FindAllIfReply>(d.message) == m);
  CHECK(std::get<FindAllIfReply>(d.message).interfaces[0].addresses[0].addr.to_string() == "fe80::1%4");
  check_prefixes(bytes);
}

TEST_CASE("protocol: FINDALLIF_REPLY accepts legacy address family values", "[protocol]")
{
  // Linux AF_INET6 (10) and BSD len+family 0x1002 from old daemons.
  const std::string hex = "00 82 0001 0000020f  0003 0000 00000000 0001 0000  65 74 68\n"
                          "000a 0000 00000000 00000000000000000000000000000001 00000000 "
                          + hex_zeros(100) + "1002 0000 0a000001 " + hex_zeros(120) + hex_zeros(256);
  Decoded d = decode_whole(parse_annotated_hex(hex));
  const auto& addr = std::get<FindAllIfReply>(d.message).interfaces.at(0).addresses.at(0);
  CHECK(addr.addr.family == AddrFamily::ipv6);
  CHECK(addr.addr.to_string() == "::1");
  CHECK(addr.netmask.family == AddrFamily::ipv4);
  CHECK(addr.netmask.to_string() == "10.0.0.1");
}

TEST_CASE("protocol: FINDALLIF_REPLY counts are checked against the bytes present", "[protocol]")
{
  // claims 2 interfaces, carries one
  CHECK(decode_failure("00 82 0002 0000000e 0002 0000 00000000 0000 0000 6c6f").message
        == "FINDALLIF_REPLY interface 2 of 2: record is cut short at byte 14");
  // claims 3 addresses (1536 bytes) in a 14-byte record
  CHECK(decode_failure("00 82 0001 0000000e 0002 0000 00000000 0003 0000 6c6f").message
        == "FINDALLIF_REPLY interface 1 of 1: record needs 1538 bytes but only 2 remain");
  // trailing bytes after the last record
  CHECK(decode_failure("00 82 0001 0000000f 0002 0000 00000000 0000 0000 6c6f ff").message
        == "FINDALLIF_REPLY has 1 bytes after its 1 interfaces");
  CHECK(decode_failure("00 82 0001 0000000c 0000 0000 00000000 0000 0000").message
        == "FINDALLIF_REPLY interface 1 of 1: empty interface name");
  // 65535 interfaces announced in 12 bytes: refused without allocating for them
  CHECK(decode_failure("00 82 ffff 0000000c 0000 0000 00000000 0000 0000").kind == ErrorKind::malformed);
}

TEST_CASE("protocol: TV7 OPEN_REQ", "[protocol]")
{
  check_vector("00 03 0000 00000004 65 74 68 30", OpenRequest{"eth0"});
  check_vector("00 03 0000 00000002 6c 6f", OpenRequest{"lo"});
}

TEST_CASE("protocol: OPEN_REQ names that are too long, empty or hold NUL are refused with code 6", "[protocol]")
{
  Bytes big;
  encode_header(big, Header{0, MsgType::open_req, 0, 1024});
  big.resize(8 + 1024, 'a');
  auto r = decode(big);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().rpcap_code == 6);
  CHECK(r.error().message == "source string too long: 1024 bytes, at most 1023");
  CHECK(decode_failure("00 03 0000 00000000").rpcap_code == 6);
  CHECK(decode_failure("00 03 0000 00000003 6c 00 6f").message == "OPEN_REQ device name contains a NUL byte");
}

TEST_CASE("protocol: TV8 OPEN_REPLY", "[protocol]")
{
  check_vector("00 83 0000 00000008 00000001 00000000", OpenReply{1, 0});
  CHECK(decode_failure("00 83 0000 00000004 00000001").message
        == "RPCAP_MSG_OPEN_REPLY payload is too short: 4 bytes, need 8");
}

TEST_CASE("protocol: TV9 STARTCAP_REQ from pcap_open with an empty filter", "[protocol]")
{
  StartCapRequest expected;
  expected.snaplen = 65535;
  expected.read_timeout = 500;
  expected.flags = startcap_flags::promisc;
  expected.filter.insns = {BpfInsn{0x0006, 0, 0, 65535}};
  check_vector(R"(00 04 0000 0000001c    # plen 28
                  0000ffff               # snaplen 65535
                  000001f4               # read_timeout 500
                  0001 0000              # flags PROMISC, portdata 0
                  0001 0000 00000001     # BPF, reserved, nitems 1
                  0006 00 00 0000ffff    # ret #65535)",
               expected);
}

TEST_CASE("protocol: STARTCAP_REQ keeps the uninitialised reserved field of active-mode clients", "[protocol]")
{
  StartCapRequest expected;
  expected.snaplen = 65535;
  expected.read_timeout = 500;
  expected.flags = startcap_flags::serveropen;
  expected.portdata = 0xa1a3;
  expected.filter.reserved = 0x0008;  // bug B3
  expected.filter.insns = {BpfInsn{0x0006, 0, 0, 65535}};
  check_vector("00 04 0000 0000001c 0000ffff 000001f4 0004 a1a3 0001 0008 00000001 0006 00 00 0000ffff",
               expected);
}

TEST_CASE("protocol: the short STARTCAP of libpcap clients without a filter is read whole (B1)", "[protocol]")
{
  const Bytes bytes = parse_annotated_hex(R"(00 04 0000 00000014    # plen 20: 8 bytes short
                                             0000ffff 000001f4 0001 0000
                                             0001 0000 00000001    # nitems 1
                                             0006 00 00 0000ffff   # beyond plen, but sent
                                             00 02 0000 00000000   # next message)");
  auto r = decode(bytes);
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->size == 36);
  const auto& m = std::get<StartCapRequest>((*r)->message);
  CHECK(m.filter.insns == std::vector<BpfInsn>{BpfInsn{0x0006, 0, 0, 65535}});
  auto next = decode(ByteView{bytes}.subspan((*r)->size));
  REQUIRE(next.has_value());
  REQUIRE(next->has_value());
  CHECK((*next)->header.type == MsgType::findallif_req);
  check_prefixes(Bytes(bytes.begin(), bytes.begin() + 36));
}

TEST_CASE("protocol: STARTCAP_REQ filter blocks are validated with code 12", "[protocol]")
{
  auto e = decode_failure("00 04 0000 00000008 0000ffff 000001f4");
  CHECK(e.rpcap_code == 12);
  CHECK(e.message == "RPCAP_MSG_STARTCAP_REQ payload is too short: 8 bytes, need 20");
  e = decode_failure("00 04 0000 00000014 0000ffff 000001f4 0000 0000 0002 0000 00000000");
  CHECK(e.message == "filter type 2 is not supported; only BPF (1) is");
  e = decode_failure("00 04 0000 00000014 0000ffff 000001f4 0000 0000 0001 0000 00002001");
  CHECK(e.message == "filter program of 8193 instructions is larger than the maximum of 8192");
  e = decode_failure("00 04 0000 0000001c 0000ffff 000001f4 0000 0000 0001 0000 00000002 0006 00 00 0000ffff");
  CHECK(e.message == "filter block announces 2 instructions (16 bytes) but carries 8 bytes");
  CHECK(e.rpcap_code == 12);
}

TEST_CASE("protocol: TV10 STARTCAP_REPLY", "[protocol]")
{
  check_vector("00 84 0000 00000008 00040000 81b3 0000", StartCapReply{262144, 33203});
}

TEST_CASE("protocol: TV11 PACKET", "[protocol]")
{
  Packet expected;
  expected.hdr = PacketHeader{1600000000, 123456, 4, 60, 1};
  expected.data = {0xde, 0xad, 0xbe, 0xef};
  check_vector(R"(00 07 0000 00000018   # plen 24 = 20 + 4
                  5f5e1000              # ts_sec 1600000000
                  0001e240              # ts_usec 123456
                  00000004 0000003c     # caplen 4, len 60
                  00000001              # npkt 1
                  deadbeef)",
               expected);
}

TEST_CASE("protocol: PACKET caplen is bounded by the message length, not by plen (B14)", "[protocol]")
{
  // caplen 5 but 4 data bytes: libpcap 1.10 would read 1 byte past the message
  CHECK(decode_failure("00 07 0000 00000018 5f5e1000 0001e240 00000005 0000003c 00000001 deadbeef").message
        == "PACKET captured length 5 exceeds the 4 bytes of packet data in the message");
  CHECK(decode_failure("00 07 0000 00000010 5f5e1000 0001e240 00000000 0000003c").message
        == "RPCAP_MSG_PACKET payload is too short: 16 bytes, need 20");
}

TEST_CASE("protocol: PACKET lengths above 64 KiB use the full 32 bits (B2)", "[protocol]")
{
  Packet p;
  p.hdr = PacketHeader{1, 2, 65549, 65549, 7};
  p.data.assign(65549, 0x5a);
  const Bytes bytes = encode(Message{p});
  CHECK(to_hex(ByteView{bytes}.first(8)) == "00 07 00 00 00 01 00 21");  // plen 65569
  Decoded d = decode_whole(bytes);
  CHECK(std::get<Packet>(d.message) == p);
}

TEST_CASE("protocol: store_packet_message_header matches the PACKET encoding", "[protocol]")
{
  Packet p;
  p.hdr = PacketHeader{10, 20, 3, 99, 5};
  p.data = {1, 2, 3};
  Bytes out(k_packet_message_header_size + p.data.size());
  store_packet_message_header(out.data(), p.hdr, k_protocol_version);
  std::memcpy(out.data() + k_packet_message_header_size, p.data.data(), p.data.size());
  CHECK(out == encode(Message{p}));
}

TEST_CASE("protocol: next_packet takes whole PACKETs and leaves everything else to next_frame", "[protocol]")
{
  Packet p;
  p.hdr = PacketHeader{10, 20, 3, 99, 5};
  p.data = {1, 2, 3};
  const Bytes whole = encode(Message{p});
  PacketHeader ph;
  SECTION("a whole PACKET, with more bytes after it")
  {
    Bytes two = whole;
    two.insert(two.end(), whole.begin(), whole.end());
    REQUIRE(next_packet(two, k_protocol_version, k_default_max_plen, ph) == whole.size());
    CHECK(ph == p.hdr);
  }
  SECTION("a partial PACKET: 0, and next_frame waits for more")
  {
    const ByteView part{whole.data(), whole.size() - 1};
    CHECK(next_packet(part, k_protocol_version, k_default_max_plen, ph) == 0);
    auto f = next_frame(part);
    REQUIRE(f);
    CHECK_FALSE(*f);
  }
  SECTION("another version, another type, a payload over the limit: 0")
  {
    Bytes v = whole;
    v[0] = 1;
    CHECK(next_packet(v, k_protocol_version, k_default_max_plen, ph) == 0);
    const Bytes close = encode(Message{CloseMsg{}});
    CHECK(next_packet(close, k_protocol_version, k_default_max_plen, ph) == 0);
    CHECK(next_packet(whole, k_protocol_version, PacketHeader::k_size + 2, ph) == 0);
  }
  SECTION("a caplen beyond the payload: 0, and decode_packet_header says why")
  {
    Bytes bad = whole;
    store_be32(bad.data() + k_header_size + 8, 4);  // caplen 4, 3 bytes of data
    CHECK(next_packet(bad, k_protocol_version, k_default_max_plen, ph) == 0);
    auto f = next_frame(bad);
    REQUIRE(f);
    REQUIRE(*f);
    CHECK_FALSE(decode_packet_header((*f)->payload));
  }
}

TEST_CASE("protocol: TV12 UPDATEFILTER_REQ and its reply", "[protocol]")
{
  UpdateFilterRequest expected;
  expected.filter.insns = {BpfInsn{0x0006, 0, 0, 0}};
  check_vector("00 05 0000 00000010 0001 0000 00000001 0006 00 00 00000000", expected);
  check_vector("00 85 0000 00000000", UpdateFilterReply{});
  auto e = decode_failure("00 05 0000 00000008 0003 0000 00000000");
  CHECK(e.rpcap_code == 7);
}

TEST_CASE("protocol: TV13 STATS_REQ and STATS_REPLY", "[protocol]")
{
  check_vector("00 09 0000 00000000", StatsRequest{});
  check_vector("00 89 0000 00000010 00000020 00000000 00000000 00000005", StatsReply{32, 0, 0, 5});
  CHECK(decode_failure("00 89 0000 00000004 00000020").kind == ErrorKind::malformed);
}

TEST_CASE("protocol: TV14 SETSAMPLING_REQ, with the zeroed value of little-endian clients (B4)", "[protocol]")
{
  check_vector("00 0b 0000 00000008 01 00 0000 0000000a",
               SetSamplingRequest{SetSamplingRequest::Method::every_nth, 10});
  check_vector("00 0b 0000 00000008 01 00 0000 00000000",
               SetSamplingRequest{SetSamplingRequest::Method::every_nth, 0});
  check_vector("00 8b 0000 00000000", SetSamplingReply{});
  CHECK(decode_failure("00 0b 0000 00000004 01 00 0000").rpcap_code == 15);
  CHECK(decode_failure("00 0b 0000 00000008 03 00 0000 00000001").message == "sampling method 3 not recognized");
}

TEST_CASE("protocol: TV15 ENDCAP_REQ, ENDCAP_REPLY and CLOSE", "[protocol]")
{
  check_vector("00 0a 0000 00000000", EndCapRequest{});
  check_vector("00 8a 0000 00000000", EndCapReply{});
  check_vector("00 06 0000 00000000", CloseMsg{});
}

TEST_CASE("protocol: TV16 and TV17 ERROR replies, including a version echo", "[protocol]")
{
  check_vector("00 01 0013 0000001e 544c53206973207265717569726564206279207468697320736572766572",
               ErrorMsg{ErrorCode::tls_required, "TLS is required by this server"});
  const std::string text = "RPCAP version in requests in the authentication phase must be 0";
  Bytes wire;
  encode(wire, Message{ErrorMsg{ErrorCode::wrongver, text}}, 1);
  CHECK(to_hex(ByteView{wire}.first(8)) == "01 01 00 11 00 00 00 3f");
  check_vector("00 01 0010 00000000", ErrorMsg{ErrorCode::wrongmsg, ""});
}

TEST_CASE("protocol: AUTH_REQ problems map to codes 3 and 20", "[protocol]")
{
  auto e = decode_failure("00 08 0000 00000004 0001 0000");
  CHECK(e.rpcap_code == 3);
  CHECK(e.message == "RPCAP_MSG_AUTH_REQ payload is too short: 4 bytes, need 8");
  e = decode_failure("00 08 0000 0000000a 0001 0000 0005 0001 75 70");
  CHECK(e.rpcap_code == 3);
  CHECK(e.message == "RPCAP_MSG_AUTH_REQ payload is too short: 10 bytes, need 14");
  e = decode_failure("00 08 0000 00000008 0002 0000 0000 0000");
  CHECK(e.rpcap_code == 20);
  CHECK(e.message == "authentication type 2 not recognized");
}

TEST_CASE("protocol: unknown types are refused with code 16, requests without payload drop extra bytes", "[protocol]")
{
  for (int t : {0x00, 0x0c, 0x20, 0x7f, 0x81, 0x86, 0x87, 0x8c, 0xff}) {
    INFO("type " << t);
    Bytes b;
    encode_header(b, Header{0, static_cast<MsgType>(t), 0, 0});
    auto r = decode(b);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().rpcap_code == 16);
    CHECK(r.error().message == "unknown message type " + std::to_string(t));
  }
  // FINDALLIF_REQ with 3 stray payload bytes: consumed whole (discard rule)
  auto r = decode(parse_annotated_hex("00 02 0000 00000003 aa bb cc 00 09 0000 00000000"));
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->size == 11);
}

TEST_CASE("protocol: a payload beyond the limit is refused before it is read", "[protocol]")
{
  auto r = next_frame(parse_annotated_hex("00 05 0000 7fffffff"), 1 << 20);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().rpcap_code == 7);
  CHECK(r.error().message
        == "RPCAP_MSG_UPDATEFILTER_REQ announces a payload of 2147483647 bytes, more than the limit of 1048576");
}

TEST_CASE("protocol: messages follow each other on a stream", "[protocol]")
{
  Bytes stream;
  encode(stream, Message{AuthRequest{}});
  encode(stream, Message{FindAllIfRequest{}});
  encode(stream, Message{OpenRequest{"lo"}});
  std::vector<MsgType> types;
  ByteView rest{stream};
  while (!rest.empty()) {
    auto r = decode(rest);
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    types.push_back((*r)->header.type);
    rest = rest.subspan((*r)->size);
  }
  CHECK(types == std::vector<MsgType>{MsgType::auth_req, MsgType::findallif_req, MsgType::open_req});
}

TEST_CASE("protocol: message names, reply types and error codes", "[protocol]")
{
  CHECK(msg_type_name(MsgType::findallif_req) == "RPCAP_MSG_FINDALLIF_REQ");
  CHECK(msg_type_name(static_cast<MsgType>(0x42)).empty());
  CHECK(reply_type(MsgType::stats_req) == MsgType::stats_reply);
  CHECK(is_request(MsgType::close));
  CHECK_FALSE(is_request(MsgType::packet));
  CHECK(is_reply(MsgType::auth_reply));
  CHECK_FALSE(is_reply(static_cast<MsgType>(0x81)));
  CHECK(error_code_for(MsgType::startcap_req) == ErrorCode::startcapture);
  CHECK(error_code_for(MsgType::close) == ErrorCode::wrongmsg);
  CHECK(make_error_msg(ErrorCode::open, std::string(300, 'x')).text.size() == 256);
}
