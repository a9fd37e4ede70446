// SPDX-License-Identifier: BSD-3-Clause
// Golden vectors recorded from libpcap 1.10.3's rpcapd and clients
// (tests/vectors/README.md says how). Each decodes to the fields the wire
// shows, re-encodes byte for byte, and every strict prefix is incomplete.
#include <catch2/catch.hpp>

#include <algorithm>

#include "rpcap/wire/protocol.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using rpcap::test::load_vector;

namespace {

template <typename T>
T decode_vector(const std::string& name, std::uint8_t ver = 0)
{
  INFO("vector " << name);
  const Bytes bytes = load_vector(name);
  auto r = decode(bytes);
  INFO("decode error: " << (r ? std::string{} : r.error().message));
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  const Decoded& d = **r;
  CHECK(d.size == bytes.size());
  CHECK(d.header.ver == ver);
  REQUIRE(std::holds_alternative<T>(d.message));
  return std::get<T>(d.message);
}

std::string error_text(const std::string& name, ErrorCode code, std::uint8_t ver = 0)
{
  auto e = decode_vector<ErrorMsg>(name, ver);
  CHECK(e.code == code);
  return e.text;
}

}  // namespace

TEST_CASE("vectors: every recorded message re-encodes byte for byte and every prefix is incomplete", "[vectors]")
{
  const auto names = test::vector_names();
  REQUIRE(names.size() >= 30);
  for (const auto& name : names) {
    INFO("vector " << name);
    const Bytes bytes = load_vector(name);
    auto r = decode(bytes);
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    const Decoded& d = **r;
    CHECK(d.size == bytes.size());
    if (name == "startcap_req_nofilter") {
      // libpcap's plen is 8 short (B1); ours is right, and nothing else differs
      Bytes fixed = bytes;
      fixed[7] = 0x1c;
      CHECK(to_hex(encode(d.message, d.header.ver)) == to_hex(fixed));
    } else {
      CHECK(to_hex(encode(d.message, d.header.ver)) == to_hex(bytes));
    }
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto p = decode(ByteView{bytes.data(), n});
      REQUIRE(p.has_value());
      CHECK_FALSE(p->has_value());
    }
  }
}

TEST_CASE("vectors: authentication", "[vectors]")
{
  auto null = decode_vector<AuthRequest>("auth_req_null");
  CHECK(null.method == AuthRequest::Method::null);
  auto pw = decode_vector<AuthRequest>("auth_req_password");
  CHECK(pw.method == AuthRequest::Method::password);
  CHECK(pw.username == "rpcapvec");
  CHECK(pw.password == "vector-pass-1");
  auto reply = decode_vector<AuthReply>("auth_reply");
  CHECK(reply.form == AuthReply::Form::byte_order);
  CHECK(reply.min_version == 0);
  CHECK(reply.max_version == 0);
  CHECK(reply.byte_order_relation().has_value());
  // the recording daemon ran on this kind of (x86, little-endian) machine
  CHECK(reply == AuthReply::for_this_host());
  CHECK(error_text("error_auth_failed", ErrorCode::auth_failed) == "Authentication failed");
  CHECK(error_text("error_null_auth_not_permitted", ErrorCode::auth_failed)
        == "Authentication failed; NULL authentication not permitted.");
}

TEST_CASE("vectors: interface list of a real daemon", "[vectors]")
{
  auto reply = decode_vector<FindAllIfReply>("findallif_reply");
  REQUIRE(reply.interfaces.size() == 7);
  const auto& eth0 = reply.interfaces[0];
  CHECK(eth0.name == "eth0");
  CHECK(eth0.flags == 0x16);
  REQUIRE(eth0.addresses.size() == 3);
  CHECK(eth0.addresses[0].addr.to_string() == "192.0.2.2");
  CHECK(eth0.addresses[0].netmask.to_string() == "255.255.255.0");
  CHECK(eth0.addresses[0].broadaddr.to_string() == "192.0.2.255");
  CHECK(eth0.addresses[0].dstaddr.family == AddrFamily::none);
  auto lo = std::find_if(reply.interfaces.begin(), reply.interfaces.end(),
                         [](const Interface& i) { return i.name == "lo"; });
  REQUIRE(lo != reply.interfaces.end());
  CHECK(lo->flags == 0x37);
  CHECK(std::any_of(lo->addresses.begin(), lo->addresses.end(),
                    [](const IfAddress& a) { return a.addr.to_string() == "127.0.0.1"; }));
  CHECK(reply.interfaces[1].name == "any");
  CHECK(reply.interfaces[1].description.size() == 45);
  CHECK(decode_vector<FindAllIfRequest>("findallif_req") == FindAllIfRequest{});
}

TEST_CASE("vectors: open", "[vectors]")
{
  CHECK(decode_vector<OpenRequest>("open_req").device == "lo");
  CHECK(decode_vector<OpenReply>("open_reply") == OpenReply{1, 0});
  CHECK(error_text("error_open_url", ErrorCode::open) == "Source string refers to a remote device");
}

TEST_CASE("vectors: start capture over TCP, UDP, in active mode and without a filter", "[vectors]")
{
  auto tcp = decode_vector<StartCapRequest>("startcap_req_tcp");
  CHECK(tcp.snaplen == 262144);
  CHECK(tcp.read_timeout == 500);
  CHECK(tcp.flags == startcap_flags::promisc);
  CHECK(tcp.portdata == 0);
  CHECK(tcp.filter.insns.size() == 16);
  CHECK(tcp.filter.insns[0] == BpfInsn{0x28, 0, 0, 12});

  auto udp = decode_vector<StartCapRequest>("startcap_req_udp");
  CHECK(udp.flags == (startcap_flags::promisc | startcap_flags::dgram));
  CHECK(udp.portdata == 57633);

  auto active = decode_vector<StartCapRequest>("startcap_req_active");
  CHECK(active.flags == startcap_flags::serveropen);
  CHECK(active.portdata == 42037);

  auto nofilter = decode_vector<StartCapRequest>("startcap_req_nofilter");
  REQUIRE(nofilter.filter.insns.size() == 1);
  CHECK(nofilter.filter.insns[0].code == 0x0006);

  auto reply = decode_vector<StartCapReply>("startcap_reply");
  CHECK(reply.bufsize == 262144);
  CHECK(reply.portdata == 35241);
}

TEST_CASE("vectors: packets over TCP and UDP", "[vectors]")
{
  auto tcp = decode_vector<Packet>("packet");
  CHECK(tcp.hdr.caplen == 56);
  CHECK(tcp.hdr.len == 56);
  CHECK(tcp.hdr.npkt == 1);
  CHECK(tcp.hdr.ts_usec == 985110);
  CHECK(tcp.data.size() == 56);
  CHECK(tcp.data[12] == 0x08);  // Ethernet type IPv4 on lo
  auto udp = decode_vector<Packet>("packet_udp");
  CHECK(udp.hdr.caplen == 57);
  CHECK(udp.data.size() == 57);
}

TEST_CASE("vectors: filter update, stats, sampling, end of capture, close", "[vectors]")
{
  auto upd = decode_vector<UpdateFilterRequest>("updatefilter_req");
  CHECK(upd.filter.insns.size() == 14);
  CHECK(upd.filter.insns.back() == BpfInsn{0x0006, 0, 0, 0});
  CHECK(decode_vector<UpdateFilterReply>("updatefilter_reply") == UpdateFilterReply{});
  CHECK(decode_vector<StatsRequest>("stats_req") == StatsRequest{});
  CHECK(decode_vector<StatsReply>("stats_reply") == StatsReply{18, 0, 0, 9});
  // a little-endian libpcap 1.10 client sends the value as 0 (B4)
  CHECK(decode_vector<SetSamplingRequest>("setsampling_req")
        == SetSamplingRequest{SetSamplingRequest::Method::every_nth, 0});
  CHECK(decode_vector<SetSamplingReply>("setsampling_reply") == SetSamplingReply{});
  CHECK(decode_vector<EndCapRequest>("endcap_req") == EndCapRequest{});
  CHECK(decode_vector<EndCapReply>("endcap_reply") == EndCapReply{});
  CHECK(error_text("error_endcap_no_capture", ErrorCode::endcapture) == "Device not opened. Cannot close the capture");
  CHECK(decode_vector<CloseMsg>("close") == CloseMsg{});
}

TEST_CASE("vectors: protocol errors of the reference daemon", "[vectors]")
{
  CHECK(error_text("error_before_auth", ErrorCode::wrongmsg)
        == "RPCAP_MSG_FINDALLIF_REQ request sent before authentication was completed");
  CHECK(error_text("error_wrong_version", ErrorCode::wrongver, 1)
        == "RPCAP version in requests in the authentication phase must be 0");
  CHECK(error_text("error_unknown_type", ErrorCode::wrongmsg).empty());  // B6
  CHECK(error_text("error_tls_required", ErrorCode::tls_required) == "TLS is required by this server");
}
