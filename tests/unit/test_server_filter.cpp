// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: UPDATEFILTER (docs/protocol.md#updatefilter).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

const std::string k_no_capture_filter = "Device not opened. Cannot update filter";

}  // namespace

TEST_CASE("server: UPDATEFILTER without a capture gets ERROR 7 and its payload is consumed (B5)", "[server]")
{
  SECTION("a payload that looks like a FINDALLIF request")
  {
    Session t;
    t.open_lo();
    // rpcapd 1.10.3 answers ERROR 7, then reads the payload as a FINDALLIF and answers that too
    auto f = t.feed(cat({raw(0x05, load_vector("findallif_req")), load_vector("stats_req")}));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 2);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::updatefilter);
    CHECK(e.text == k_no_capture_filter);
    CHECK(all[1].header.type == MsgType::stats_reply);
    CHECK(t.env.list_calls == 0);
    CHECK(t.env.stats_calls == 1);
  }
  SECTION("the recorded request, before and after OPEN")
  {
    Session t;
    t.login();
    auto f = t.feed(load_vector("updatefilter_req"));
    check_error(f.out, ErrorCode::updatefilter, k_no_capture_filter);
    f = t.feed(cat({load_vector("open_req"), load_vector("updatefilter_req")}));
    const auto all = replies(f.out);
    REQUIRE(all.size() == 2);
    CHECK(error_of(all[1]).code == ErrorCode::updatefilter);
    CHECK(t.env.filter_calls.empty());
  }
  SECTION("after the capture ended")
  {
    Session t;
    t.start();
    auto f = t.feed(cat({load_vector("endcap_req"), load_vector("updatefilter_req"), load_vector("stats_req")}));
    const auto all = replies(f.out);
    REQUIRE(all.size() == 3);
    CHECK(error_of(all[1]).text == k_no_capture_filter);
    CHECK(all[2].header.type == MsgType::stats_reply);
    CHECK(t.env.filter_calls.empty());
  }
}

TEST_CASE("server: ENDCAP, STATS and FINDALLIF payloads are consumed too", "[server]")
{
  Session t;
  t.open_lo();
  // rpcapd 1.10.3 never drops an ENDCAP payload (B5); here it is dropped
  auto f = t.feed(cat({raw(0x0a, load_vector("findallif_req")), raw(0x09, load_vector("findallif_req")),
                       load_vector("endcap_req")}));
  CHECK(f.next == Next::go_on);
  CHECK(t.s.pending() == 0);
  const auto all = replies(f.out);
  REQUIRE(all.size() == 3);
  CHECK(error_of(all[0]).code == ErrorCode::endcapture);
  CHECK(all[1].header.type == MsgType::stats_reply);
  CHECK(error_of(all[2]).code == ErrorCode::endcapture);
  CHECK(t.env.list_calls == 0);
}

TEST_CASE("server: UPDATEFILTER during a capture installs the filter", "[server]")
{
  Session t;
  t.start();
  auto f = t.feed(load_vector("updatefilter_req"));
  CHECK(f.next == Next::go_on);
  CHECK(to_hex(f.out) == to_hex(load_vector("updatefilter_reply")));
  REQUIRE(t.env.filter_calls.size() == 1);
  CHECK(t.env.filter_calls[0] == decode_vector<UpdateFilterRequest>("updatefilter_req").filter);

  // TV12: ret #0
  f = t.feed(hex("00 05 0000 00000010 0001 0000 00000001 0006 00 00 00000000"));
  CHECK(to_hex(f.out) == to_hex(load_vector("updatefilter_reply")));
  REQUIRE(t.env.filter_calls.size() == 2);
  CHECK(t.env.filter_calls[1] == bpf({BpfInsn{k_ret, 0, 0, 0}}));
}

TEST_CASE("server: UPDATEFILTER with a bad program or a failure gets ERROR 7", "[server]")
{
  SECTION("programs that fail validation")
  {
    for (const auto& [what, filter] : bogus_programs()) {
      INFO(what);
      Session t;
      t.start();
      auto f = t.feed(updatefilter(filter));
      CHECK(f.next == Next::go_on);
      check_error(f.out, ErrorCode::updatefilter, k_bogus);
      CHECK(t.env.filter_calls.empty());
    }
  }
  SECTION("malformed blocks")
  {
    Filter not_bpf = accept_all();
    not_bpf.type = 3;
    for (const Bytes& req : {updatefilter(not_bpf), raw(0x05, hex("0001 0000")),
                             raw(0x05, hex("0001 0000 00000001")), raw(0x05, Bytes{})}) {
      INFO(to_hex(req));
      Session t;
      t.start();
      t.feed_malformed(req, ErrorCode::updatefilter);
      CHECK(t.env.filter_calls.empty());
    }
  }
  SECTION("the environment refuses it")
  {
    Session t;
    t.start();
    t.env.filter_error = "setsockopt: Invalid argument";
    auto f = t.feed(load_vector("updatefilter_req"));
    check_error(f.out, ErrorCode::updatefilter, "setsockopt: Invalid argument");
    CHECK(t.env.filter_calls.size() == 1);
  }
}
