// SPDX-License-Identifier: BSD-3-Clause
// Mutation tests: random bytes, bit flips, byte changes and truncations of
// every recorded vector go through the decoders. Nothing may crash or read
// out of bounds (CI runs these under ASan and UBSan); whatever decodes must
// re-encode and decode to the same message.
#include <catch2/catch.hpp>

#include <random>

#include "rpcap/wire/protocol.hpp"
#include "support/vectors.hpp"

using namespace rpcap;

namespace {

// Decode every message in `buf` until an error or the end; check the round
// trip of each one that decodes. Returns the number of messages decoded.
std::size_t decode_all(ByteView buf)
{
  std::size_t n = 0;
  while (!buf.empty()) {
    auto r = decode(buf, 1u << 20);
    if (!r || !*r) { break; }
    const Decoded& d = **r;
    REQUIRE(d.size > 0);
    REQUIRE(d.size <= buf.size());
    // A decoded message re-encodes to something that decodes to the same message.
    const Bytes again = encode(d.message, d.header.ver);
    auto r2 = decode(again, 1u << 20);
    REQUIRE(r2.has_value());
    REQUIRE(r2->has_value());
    CHECK((*r2)->message == d.message);
    buf = buf.subspan(d.size);
    ++n;
  }
  return n;
}

std::vector<Bytes> seeds()
{
  std::vector<Bytes> out;
  for (const auto& name : test::vector_names()) { out.push_back(test::load_vector(name)); }
  // plus one of each message built here, so every decoder is reached even
  // where no recording exists
  out.push_back(encode(Message{AuthRequest{AuthRequest::Method::password, "user", "secret"}}));
  FindAllIfReply fa;
  IfAddress a;
  a.addr = SockAddr::ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 2);
  a.netmask = SockAddr::ipv4({255, 0, 0, 0});
  fa.interfaces.push_back(Interface{"eth0", "Ethernet", 0x16, {a, a}});
  fa.interfaces.push_back(Interface{"lo", "", 0x37, {}});
  out.push_back(encode(Message{fa}));
  StartCapRequest sc;
  sc.snaplen = 96;
  sc.filter.insns = {BpfInsn{0x28, 0, 0, 12}, BpfInsn{0x15, 0, 1, 0x800}, BpfInsn{6, 0, 0, 96}, BpfInsn{6, 0, 0, 0}};
  out.push_back(encode(Message{sc}));
  out.push_back(encode(Message{SetSamplingRequest{SetSamplingRequest::Method::first_after_ms, 100}}));
  out.push_back(encode(Message{AuthReply::for_this_host()}));
  out.push_back(encode(Message{StatsReply{1, 2, 3, 4}}));
  out.push_back(encode(Message{Packet{PacketHeader{1, 2, 3, 3, 1}, Bytes{1, 2, 3}}}));
  return out;
}

}  // namespace

TEST_CASE("protocol mutation: bit flips and byte changes of every vector never crash", "[protocol][mutation]")
{
  std::mt19937 rng{20261126};
  for (const Bytes& seed : seeds()) {
    CHECK(decode_all(seed) >= 1);
    for (std::size_t bit = 0; bit < seed.size() * 8 && bit < 2048; ++bit) {
      Bytes m = seed;
      m[bit / 8] = static_cast<std::uint8_t>(m[bit / 8] ^ (1u << (bit % 8)));
      decode_all(m);
    }
    for (int i = 0; i < 300; ++i) {
      Bytes m = seed;
      const auto pos = std::uniform_int_distribution<std::size_t>{0, m.size() - 1}(rng);
      m[pos] = static_cast<std::uint8_t>(rng());
      if (i % 3 == 0) { m.resize(std::uniform_int_distribution<std::size_t>{0, m.size()}(rng)); }
      decode_all(m);
    }
  }
}

TEST_CASE("protocol mutation: random headers and payloads never crash", "[protocol][mutation]")
{
  std::mt19937 rng{42};
  for (int i = 0; i < 20000; ++i) {
    Bytes m(std::uniform_int_distribution<std::size_t>{0, 600}(rng));
    for (auto& b : m) { b = static_cast<std::uint8_t>(rng()); }
    if (m.size() >= 8) {
      // make it plausible often enough to reach the payload decoders
      m[0] = 0;
      const std::uint32_t plen = static_cast<std::uint32_t>(m.size() - 8);
      if (i % 2 == 0) {
        m[4] = static_cast<std::uint8_t>(plen >> 24);
        m[5] = static_cast<std::uint8_t>(plen >> 16);
        m[6] = static_cast<std::uint8_t>(plen >> 8);
        m[7] = static_cast<std::uint8_t>(plen);
      }
      if (i % 4 == 0) { m[1] = static_cast<std::uint8_t>(rng() % 0x0c); }
      if (i % 4 == 1) { m[1] = static_cast<std::uint8_t>(0x82 + rng() % 0x0a); }
    }
    decode_all(m);
    (void)decode_packet_header(m);
    (void)decode_filter(m, ErrorCode::updatefilter);
  }
}
