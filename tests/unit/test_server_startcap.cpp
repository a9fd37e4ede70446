// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: STARTCAP (docs/protocol.md#startcap, docs/protocol.md#startcap-flags).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

TEST_CASE("server: STARTCAP without OPEN gets ERROR 12", "[server]")
{
  Session t;
  t.login();
  for (const char* vector : {"startcap_req_tcp", "startcap_req_nofilter"}) {
    INFO(vector);
    auto f = t.feed(load_vector(vector));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    check_error(f.out, ErrorCode::startcapture, k_no_device);
  }
  // checked before the payload is looked at
  auto f = t.feed(raw(0x04, hex("0000")));
  check_error(f.out, ErrorCode::startcapture, k_no_device);
  CHECK(t.env.start_calls.empty());
}

TEST_CASE("server: STARTCAP passes the device, parameters and filter to the environment", "[server]")
{
  struct Case {
    const char* vector;
    std::uint32_t snaplen;
    std::uint16_t flags;
    std::uint16_t port;
  };
  for (const Case& c : {Case{"startcap_req_tcp", 262144, startcap_flags::promisc, 0},
                        Case{"startcap_req_udp", 65535, startcap_flags::promisc | startcap_flags::dgram, 57633},
                        Case{"startcap_req_active", 65535, startcap_flags::serveropen, 42037}}) {
    INFO(c.vector);
    Session t;
    t.open_lo();
    auto f = t.feed(load_vector(c.vector));
    CHECK(f.next == Next::go_on);
    CHECK(to_hex(f.out) == to_hex(load_vector("startcap_reply")));  // bufsize 262144, port 35241
    REQUIRE(t.env.start_calls.size() == 1);
    const StartCapture& sc = t.env.start_calls[0];
    CHECK(sc.device == "lo");
    CHECK(sc.snaplen == c.snaplen);
    CHECK(sc.read_timeout == 500);
    CHECK(sc.flags == c.flags);
    CHECK(sc.client_port == c.port);
    CHECK(sc.filter == decode_vector<StartCapRequest>(c.vector).filter);
    CHECK(sc.filter.insns.size() == 16);
    CHECK(sc.sampling == SetSamplingRequest{});
    CHECK(t.env.running);
  }
  // the environment's reply goes out as it is
  Session t;
  t.open_lo();
  t.env.startcap_reply = StartCapReply{-1, 0};
  auto f = t.feed(load_vector("startcap_req_udp"));
  CHECK(only<StartCapReply>(f.out) == StartCapReply{-1, 0});
}

TEST_CASE("server: STARTCAP snaplen 0 and above 262144 become 262144", "[server]")
{
  const std::vector<std::pair<std::uint32_t, std::uint32_t>> cases{
      {0, 262144}, {1, 1}, {96, 96}, {65535, 65535}, {262144, 262144}, {262145, 262144}, {0xffffffff, 262144},
  };
  for (const auto& [sent, used] : cases) {
    INFO("snaplen " << sent);
    Session t;
    t.open_lo();
    auto f = t.feed(startcap(sent, accept_all(), startcap_flags::dgram, 4000));
    CHECK(only<StartCapReply>(f.out) == t.env.startcap_reply);
    REQUIRE(t.env.start_calls.size() == 1);
    CHECK(t.env.start_calls[0].snaplen == used);
    CHECK(t.env.start_calls[0].read_timeout == 1000);
    CHECK(t.env.start_calls[0].flags == startcap_flags::dgram);
    CHECK(t.env.start_calls[0].client_port == 4000);
    CHECK(t.env.start_calls[0].filter == accept_all());
  }
}

TEST_CASE("server: STARTCAP passes the sampling set before it", "[server]")
{
  SECTION("the recorded SETSAMPLING (B4: value 0)")
  {
    Session t;
    t.open_lo();
    auto f = t.feed(load_vector("setsampling_req"));
    CHECK(to_hex(f.out) == to_hex(load_vector("setsampling_reply")));
    CHECK(t.env.sampling_calls.empty());  // nothing runs yet: only stored
    f = t.feed(load_vector("startcap_req_tcp"));
    CHECK(only<StartCapReply>(f.out) == t.env.startcap_reply);
    REQUIRE(t.env.start_calls.size() == 1);
    CHECK(t.env.start_calls[0].sampling
          == SetSamplingRequest{SetSamplingRequest::Method::every_nth, 0});
  }
  SECTION("the last one wins, and it outlives a capture")
  {
    Session t;
    t.login();
    auto f = t.feed(cat({encode(Message{SetSamplingRequest{SetSamplingRequest::Method::every_nth, 10}}),
                         encode(Message{SetSamplingRequest{SetSamplingRequest::Method::first_after_ms, 100}}),
                         load_vector("open_req"), load_vector("startcap_req_tcp"), load_vector("endcap_req"),
                         load_vector("startcap_req_udp")}));
    CHECK(f.next == Next::go_on);
    REQUIRE(replies(f.out).size() == 6);
    REQUIRE(t.env.start_calls.size() == 2);
    for (const auto& sc : t.env.start_calls) {
      CHECK(sc.sampling == SetSamplingRequest{SetSamplingRequest::Method::first_after_ms, 100});
    }
  }
}

TEST_CASE("server: the short STARTCAP of libpcap clients without a filter is read whole (B1)", "[server]")
{
  const Bytes nofilter = load_vector("startcap_req_nofilter");
  REQUIRE(nofilter.size() == 36);  // plen says 20

  SECTION("followed by another request in the same piece")
  {
    Session t;
    t.open_lo();
    auto f = t.feed(cat({nofilter, load_vector("stats_req")}));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 2);  // rpcapd 1.10.3: ERROR 12, then the last 8 bytes read as a CLOSE
    CHECK(all[0].header.type == MsgType::startcap_reply);
    CHECK(all[1].header.type == MsgType::stats_reply);
    CHECK(to_hex(f.out) == to_hex(cat({load_vector("startcap_reply"), load_vector("stats_reply")})));
    REQUIRE(t.env.start_calls.size() == 1);
    CHECK(t.env.start_calls[0].snaplen == 65535);
    CHECK(t.env.start_calls[0].flags == startcap_flags::promisc);
    CHECK(t.env.start_calls[0].filter == accept_all());
    CHECK(t.env.stats_calls == 1);
  }
  SECTION("the instruction beyond plen arriving later")
  {
    Session t;
    t.open_lo();
    auto f = t.feed(ByteView{nofilter}.first(28));
    CHECK(f.next == Next::go_on);
    CHECK(f.out.empty());
    CHECK(t.s.pending() == 28);
    f = t.feed(ByteView{nofilter}.subspan(28));
    CHECK(to_hex(f.out) == to_hex(load_vector("startcap_reply")));
    CHECK(t.s.pending() == 0);
  }
  SECTION("a correct plen-28 STARTCAP is not read beyond its end")
  {
    Session t;
    t.open_lo();
    auto f = t.feed(cat({startcap(65535), load_vector("stats_req")}));
    CHECK(replies(f.out).size() == 2);
    CHECK(t.s.pending() == 0);
  }
}

TEST_CASE("server: STARTCAP with an invalid BPF program gets ERROR 12 without starting", "[server]")
{
  for (const auto& [what, filter] : bogus_programs()) {
    INFO(what);
    REQUIRE_FALSE(is_valid_bpf(filter));
    Session t;
    t.open_lo();
    auto f = t.feed(startcap(65535, filter));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    check_error(f.out, ErrorCode::startcapture, k_bogus);
    CHECK(t.env.start_calls.empty());
    CHECK_FALSE(t.env.running);
    // the device stays open for a better try
    f = t.feed(startcap(65535));
    CHECK(only<StartCapReply>(f.out) == t.env.startcap_reply);
  }
}

TEST_CASE("server: filters libpcap compiles pass the BPF check, every kind of instruction among them", "[server]")
{
  // Loads of each size and mode, the ALU operations, each jump, RET of A and K, TAX and TXA.
  for (const std::string expression :
       {"tcp[tcpflags] & (tcp-syn|tcp-ack) != 0", "ip[2:2] % 3 = 1 and ip[1] ^ 5 = 0 and ip[2:2] >> 1 > 0",
        "len - 10 > 5 * 2 and len / 2 < 9000 and ip[0] << 1 != 0 and -ip[8] = 0 or ip[0] | 1 = 1",
        "ip6 or vlan 10 or net 10.0.0.0/8 or portrange 1-1000 or greater 100 or less 50",
        "ether[len - 1] = 0 and ip[tcp[0] & 0xf] >= 0"}) {
    auto f = compile_filter(expression, 1 /* DLT_EN10MB */, 262144);
    INFO(expression);
    REQUIRE(f);
    CHECK(is_valid_bpf(*f));
  }
}

TEST_CASE("server: a malformed STARTCAP gets ERROR 12", "[server]")
{
  Filter not_bpf = accept_all();
  not_bpf.type = 2;
  const std::vector<std::pair<std::string, Bytes>> cases{
      {"no payload", raw(0x04, Bytes{})},
      {"8 of the 12 fixed bytes", raw(0x04, hex("0000ffff 000001f4"))},
      {"no filter block", raw(0x04, hex("0000ffff 000001f4 0001 0000"))},
      {"a filter that is not BPF", startcap(65535, not_bpf)},
      {"a filter with more instructions than it carries", raw(0x04, hex("0000ffff 000001f4 0001 0000"
                                                                       "0001 0000 00000002 0006 0000 0000ffff"))},
      {"more than 8192 instructions", startcap(65535, bpf(std::vector<BpfInsn>(8193, BpfInsn{k_ret, 0, 0, 0})))},
  };
  for (const auto& [what, req] : cases) {
    INFO(what);
    Session t;
    t.open_lo();
    t.feed_malformed(req, ErrorCode::startcapture);
    CHECK(t.env.start_calls.empty());
  }
}

TEST_CASE("server: a second STARTCAP during a capture is refused (B9)", "[server]")
{
  Session t;
  t.start();
  for (const char* vector : {"startcap_req_tcp", "startcap_req_udp", "startcap_req_nofilter"}) {
    INFO(vector);
    auto f = t.feed(load_vector(vector));
    CHECK(f.next == Next::go_on);
    check_error_containing(f.out, ErrorCode::startcapture);
  }
  CHECK(t.env.start_calls.size() == 1);  // rpcapd 1.10.3 starts a second one and leaks the first
  CHECK_FALSE(t.env.started_while_running);
  CHECK(t.env.running);
  CHECK(t.env.end_calls == 0);

  // after ENDCAP the device is still open and a new capture may start
  auto f = t.feed(cat({load_vector("endcap_req"), load_vector("startcap_req_udp")}));
  CHECK(to_hex(f.out) == to_hex(cat({load_vector("endcap_reply"), load_vector("startcap_reply")})));
  CHECK(t.env.start_calls.size() == 2);
  CHECK_FALSE(t.env.started_while_running);
}

TEST_CASE("server: a capture that cannot start gets ERROR 12 with the reason", "[server]")
{
  Session t;
  t.open_lo();
  t.env.start_error = "lo: You don't have permission to capture on that device";
  auto f = t.feed(load_vector("startcap_req_tcp"));
  CHECK(f.next == Next::go_on);
  check_error(f.out, ErrorCode::startcapture, "lo: You don't have permission to capture on that device");
  CHECK(t.env.start_calls.size() == 1);
  CHECK_FALSE(t.env.running);

  // a text longer than libpcap's 256 bytes is cut
  t.env.start_error = std::string(300, 'x');
  f = t.feed(load_vector("startcap_req_tcp"));
  check_error(f.out, ErrorCode::startcapture, std::string(256, 'x'));

  t.env.start_error.reset();
  f = t.feed(load_vector("startcap_req_tcp"));
  CHECK(to_hex(f.out) == to_hex(load_vector("startcap_reply")));
}
