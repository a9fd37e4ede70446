// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: FINDALLIF (docs/protocol.md#findallif).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

TEST_CASE("server: FINDALLIF answers with the environment's interfaces", "[server]")
{
  SECTION("the recorded list comes out byte for byte")
  {
    Session t;
    t.login();
    t.env.interfaces = decode_vector<FindAllIfReply>("findallif_reply").interfaces;
    auto f = t.feed(load_vector("findallif_req"));
    CHECK(f.next == Next::go_on);
    CHECK(to_hex(f.out) == to_hex(load_vector("findallif_reply")));
    CHECK(t.env.list_calls == 1);
  }
  SECTION("a list built here, asked twice, with a payload that is dropped")
  {
    Session t;
    t.login();
    auto f = t.feed(cat({load_vector("findallif_req"), raw(0x02, hex("de ad be ef"))}));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 2);
    for (const auto& d : all) {
      CHECK(d.header.ver == 0);
      CHECK(d.header.value == 2);
      REQUIRE(std::holds_alternative<FindAllIfReply>(d.message));
      CHECK(std::get<FindAllIfReply>(d.message).interfaces == default_interfaces());
    }
    CHECK(t.env.list_calls == 2);
  }
  SECTION("at most 65535 interfaces, the count's limit")
  {
    Session t;
    t.login();
    t.env.interfaces.assign(65536, Interface{"e", "", 0x30, {}});
    t.env.interfaces.back().name = "last";
    auto f = t.feed(load_vector("findallif_req"));
    CHECK(f.next == Next::go_on);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    CHECK(all[0].header.value == 65535);
    REQUIRE(std::holds_alternative<FindAllIfReply>(all[0].message));
    CHECK(std::get<FindAllIfReply>(all[0].message).interfaces.size() == 65535);
  }
}

TEST_CASE("server: FINDALLIF with no interfaces gets ERROR 5", "[server]")
{
  Session t;
  t.login();
  t.env.interfaces.clear();
  auto f = t.feed(load_vector("findallif_req"));
  CHECK(f.next == Next::go_on);
  CHECK(only_error(f.out, ErrorCode::noremoteif).text.rfind("No interfaces found!", 0) == 0);
}

TEST_CASE("server: FINDALLIF when listing fails gets ERROR 4 with the reason", "[server]")
{
  Session t;
  t.login();
  t.env.list_error = "pcap_findalldevs: socket: Permission denied";
  auto f = t.feed(load_vector("findallif_req"));
  CHECK(f.next == Next::go_on);
  check_error(f.out, ErrorCode::findallif, "pcap_findalldevs: socket: Permission denied");

  t.env.list_error.reset();
  f = t.feed(load_vector("findallif_req"));
  CHECK(only<FindAllIfReply>(f.out).interfaces == default_interfaces());
}

TEST_CASE("server: a pipeline of requests holds at most about 256 KiB of replies before they are sent", "[server]")
{
  Session t{null_auth_settings()};
  t.login();
  const Bytes req = load_vector("findallif_req");
  Bytes many;
  for (int i = 0; i < 4000; ++i) { many.insert(many.end(), req.begin(), req.end()); }
  Bytes out;
  std::size_t calls = 0;
  std::size_t largest = 0;
  Next next = t.s.feed(many, out);
  const std::size_t one = out.size() / replies(out).size();
  for (;;) {
    ++calls;
    largest = std::max(largest, out.size());
    REQUIRE(next == Next::go_on);
    if (!t.s.more()) { break; }
    out.clear();  // sent
    next = t.s.feed({}, out);
  }
  CHECK(t.env.list_calls == 4000);
  INFO(calls << " calls, replies of " << one << " bytes, at most " << largest << " held");
  CHECK(largest < ServerSession::k_reply_backlog + one);
  CHECK(calls >= 4000 * one / (ServerSession::k_reply_backlog + one));
}
