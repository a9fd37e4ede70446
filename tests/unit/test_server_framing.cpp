// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: framing (docs/protocol.md#framing).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// A whole libpcap session: every request type, B1's short STARTCAP included.
Bytes conversation()
{
  return cat({load_vector("auth_req_password"), load_vector("findallif_req"), load_vector("open_req"),
              load_vector("setsampling_req"), load_vector("startcap_req_nofilter"), load_vector("stats_req"),
              load_vector("updatefilter_req"), load_vector("endcap_req"), load_vector("startcap_req_tcp"),
              load_vector("close")});
}

Bytes conversation_replies()
{
  return cat({encode(Message{AuthReply::for_this_host()}), encode(Message{FindAllIfReply{default_interfaces()}}),
              load_vector("open_reply"), load_vector("setsampling_reply"), load_vector("startcap_reply"),
              load_vector("stats_reply"), load_vector("updatefilter_reply"), load_vector("endcap_reply"),
              load_vector("startcap_reply")});
}

void check_conversation_env(const FakeEnv& env)
{
  CHECK(env.auth_calls.size() == 1);
  CHECK(env.list_calls == 1);
  CHECK(env.probe_calls == std::vector<std::string>{"lo"});
  REQUIRE(env.start_calls.size() == 2);
  CHECK(env.start_calls[0].snaplen == 65535);
  CHECK(env.start_calls[0].filter == accept_all());
  CHECK(env.start_calls[1].snaplen == 262144);
  CHECK(env.start_calls[1].filter.insns.size() == 16);
  for (const auto& sc : env.start_calls) {
    CHECK(sc.sampling == SetSamplingRequest{SetSamplingRequest::Method::every_nth, 0});
  }
  CHECK(env.filter_calls.size() == 1);
  CHECK(env.stats_calls == 1);
  CHECK(env.end_calls == 2);  // ENDCAP, then CLOSE during the second capture
  CHECK_FALSE(env.running);
}

}  // namespace

TEST_CASE("server: a whole session in one piece is answered in order", "[server]")
{
  Session t{password_only_settings()};
  auto f = t.feed(conversation());
  CHECK(f.next == Next::close);
  CHECK(t.s.pending() == 0);
  CHECK(to_hex(f.out) == to_hex(conversation_replies()));
  check_conversation_env(t.env);
}

TEST_CASE("server: a session split into single bytes gives the same replies", "[server]")
{
  const Bytes in = conversation();
  Session t{password_only_settings()};
  Bytes out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Next next = t.s.feed(ByteView{in}.subspan(i, 1), out);
    if (i + 1 < in.size()) {
      REQUIRE(next == Next::go_on);
      REQUIRE(t.s.pending() < 156);  // never more than the largest request
    } else {
      CHECK(next == Next::close);
    }
  }
  CHECK(to_hex(out) == to_hex(conversation_replies()));
  check_conversation_env(t.env);
}

TEST_CASE("server: a session split at random points gives the same replies", "[server]")
{
  const Bytes in = conversation();
  std::mt19937 rng{2002};
  for (int round = 0; round < 200; ++round) {
    Session t{password_only_settings()};
    Bytes out;
    Next next = Next::go_on;
    std::size_t pos = 0;
    while (pos < in.size()) {
      REQUIRE(next == Next::go_on);
      const std::size_t n = std::min<std::size_t>(in.size() - pos, 1 + rng() % 40);
      next = t.s.feed(ByteView{in}.subspan(pos, n), out);
      pos += n;
    }
    CHECK(next == Next::close);
    CHECK(to_hex(out) == to_hex(conversation_replies()));
  }
}

TEST_CASE("server: pending() counts only the bytes of an unfinished message", "[server]")
{
  Session t;
  t.login();
  CHECK(t.s.pending() == 0);
  const Bytes stats = load_vector("stats_req");
  auto f = t.feed(cat({load_vector("findallif_req"), Bytes(stats.begin(), stats.begin() + 5)}));
  CHECK(replies(f.out).size() == 1);
  CHECK(t.s.pending() == 5);
  f = t.feed(Bytes{});
  CHECK(f.next == Next::go_on);
  CHECK(f.out.empty());
  CHECK(t.s.pending() == 5);
  f = t.feed(Bytes(stats.begin() + 5, stats.end()));
  CHECK(only<StatsReply>(f.out) == t.env.stats_reply);
  CHECK(t.s.pending() == 0);

  const Bytes open = load_vector("open_req");
  f = t.feed(ByteView{open}.first(9));  // the header and 1 of the 2 payload bytes
  CHECK(f.out.empty());
  CHECK(t.s.pending() == 9);
  CHECK(t.env.probe_calls.empty());
  f = t.feed(ByteView{open}.subspan(9));
  CHECK(only<OpenReply>(f.out) == OpenReply{1, 0});
  CHECK(t.s.pending() == 0);
}

TEST_CASE("server: a request larger than max_request gets an ERROR and closes at once", "[server]")
{
  SECTION("after authentication, with the first bytes of its payload")
  {
    Session t;
    t.login();
    const Bytes big = cat({raw(0, 0x03, {}, 1u << 20), Bytes(16, 'a')});
    auto f = t.feed(big);
    CHECK(f.next == Next::close);
    check_error_containing(f.out, ErrorCode::open, "1048576");
    CHECK(t.s.pending() <= big.size());  // not waiting for the megabyte
    CHECK(t.env.probe_calls.empty());
  }
  SECTION("the header alone is enough")
  {
    Session t;
    t.login();
    auto f = t.feed(raw(0, 0x05, {}, 0xffffffff));
    CHECK(f.next == Next::close);
    CHECK(error_of(replies(f.out).at(0)).code == ErrorCode::updatefilter);
    CHECK(t.s.pending() <= 8);
  }
  SECTION("before authentication")
  {
    Session t;
    auto f = t.feed(raw(0, 0x08, {}, 0x7fffffff));
    CHECK(f.next == Next::close);
    check_error_containing(f.out, ErrorCode::auth);
    CHECK(t.s.pending() <= 8);
    CHECK_FALSE(t.s.authenticated());
    CHECK(t.env.auth_calls.empty());
  }
  SECTION("a smaller limit, and a payload exactly at the limit")
  {
    SessionSettings settings = null_auth_settings();
    settings.max_request = 148;  // the payload of startcap_req_tcp
    Session t{settings};
    t.open_lo();
    auto f = t.feed(load_vector("startcap_req_tcp"));
    CHECK(f.next == Next::go_on);
    CHECK(to_hex(f.out) == to_hex(load_vector("startcap_reply")));

    f = t.feed(load_vector("endcap_req"));
    f = t.feed(cat({raw(0x04, Bytes(149, 0)), load_vector("stats_req")}));
    CHECK(f.next == Next::close);
    only_error(f.out, ErrorCode::startcapture);
    CHECK(t.env.start_calls.size() == 1);
    CHECK(t.env.stats_calls == 0);
  }
}
