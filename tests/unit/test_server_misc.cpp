// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: SETSAMPLING, STATS, ENDCAP and CLOSE (each has its section
// under docs/protocol.md#messages).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

TEST_CASE("server: SETSAMPLING during a capture is applied at once", "[server]")
{
  Session t;
  t.start();
  const SetSamplingRequest every10{SetSamplingRequest::Method::every_nth, 10};
  auto f = t.feed(encode(Message{every10}));
  CHECK(to_hex(f.out) == to_hex(load_vector("setsampling_reply")));
  CHECK(t.env.sampling_calls == std::vector<SetSamplingRequest>{every10});

  t.env.sampling_error = "sampling is not supported";
  f = t.feed(load_vector("setsampling_req"));
  check_error(f.out, ErrorCode::setsampling, "sampling is not supported");
  CHECK(t.env.sampling_calls.size() == 2);
}

TEST_CASE("server: a short or unknown SETSAMPLING gets ERROR 15", "[server]")
{
  const std::vector<std::pair<std::string, Bytes>> cases{
      {"no payload", raw(0x0b, Bytes{})},
      {"4 of 8 bytes", raw(0x0b, hex("01 00 0000"))},
      {"7 of 8 bytes", raw(0x0b, hex("01 00 0000 000000"))},
      {"method 3", raw(0x0b, hex("03 00 0000 0000000a"))},
  };
  for (const auto& [what, req] : cases) {
    INFO(what);
    Session t;
    t.open_lo();
    const SetSamplingRequest every5{SetSamplingRequest::Method::every_nth, 5};
    auto f = t.feed(cat({encode(Message{every5}), req, load_vector("startcap_req_tcp")}));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 3);
    CHECK(all[0].header.type == MsgType::setsampling_reply);
    const auto e = error_of(all[1]);
    CHECK(e.code == ErrorCode::setsampling);
    CHECK_FALSE(e.text.empty());
    CHECK(all[2].header.type == MsgType::startcap_reply);
    REQUIRE(t.env.start_calls.size() == 1);
    CHECK(t.env.start_calls[0].sampling == every5);  // the refused one is not kept
  }
}

TEST_CASE("server: STATS passes the environment's counters through", "[server]")
{
  Session t;
  t.login();
  auto f = t.feed(load_vector("stats_req"));  // no capture: the environment's saved values
  CHECK(f.next == Next::go_on);
  CHECK(to_hex(f.out) == to_hex(load_vector("stats_reply")));

  t.env.stats_reply = StatsReply{0xffffffff, 1, 2, 3};
  f = t.feed(load_vector("stats_req"));
  CHECK(only<StatsReply>(f.out) == StatsReply{0xffffffff, 1, 2, 3});
  CHECK(t.env.stats_calls == 2);
}

TEST_CASE("server: a statistics failure gets ERROR 8", "[server]")
{
  Session t;
  t.start();
  t.env.stats_error = "pcap_stats: No such device";
  auto f = t.feed(load_vector("stats_req"));
  CHECK(f.next == Next::go_on);
  check_error(f.out, ErrorCode::getstats, "pcap_stats: No such device");
}

TEST_CASE("server: ENDCAP without a capture gets rpcapd's ERROR 13", "[server]")
{
  Session t;
  t.login();
  auto f = t.feed(load_vector("endcap_req"));
  CHECK(f.next == Next::go_on);
  CHECK(to_hex(f.out) == to_hex(load_vector("error_endcap_no_capture")));
  CHECK(t.env.end_calls == 0);

  // the same after OPEN, and after a capture has ended
  Session u;
  u.start();
  f = u.feed(cat({load_vector("endcap_req"), load_vector("endcap_req")}));
  CHECK(to_hex(f.out) == to_hex(cat({load_vector("endcap_reply"), load_vector("error_endcap_no_capture")})));
  CHECK(u.env.end_calls == 1);
}

TEST_CASE("server: ENDCAP ends the capture and keeps the device", "[server]")
{
  Session t;
  t.start();
  auto f = t.feed(load_vector("endcap_req"));
  CHECK(f.next == Next::go_on);
  CHECK(to_hex(f.out) == to_hex(load_vector("endcap_reply")));
  CHECK(t.env.end_calls == 1);
  CHECK_FALSE(t.env.running);
  CHECK(t.s.device() == "lo");
}

TEST_CASE("server: CLOSE ends a running capture and closes", "[server]")
{
  SECTION("during a capture")
  {
    Session t;
    t.start();
    auto f = t.feed(cat({load_vector("close"), load_vector("findallif_req")}));
    CHECK(f.next == Next::close);
    CHECK(f.out.empty());
    CHECK(t.env.end_calls == 1);
    CHECK_FALSE(t.env.running);
    CHECK(t.env.list_calls == 0);  // nothing after CLOSE is handled
  }
  SECTION("without a capture")
  {
    Session t;
    t.open_lo();
    auto f = t.feed(load_vector("close"));
    CHECK(f.next == Next::close);
    CHECK(f.out.empty());
    CHECK(t.env.end_calls == 0);
  }
}
