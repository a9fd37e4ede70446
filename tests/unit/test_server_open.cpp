// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: OPEN (docs/protocol.md#open).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

const std::string k_remote_device = "Source string refers to a remote device";

}  // namespace

TEST_CASE("server: OPEN answers with the device's link type", "[server]")
{
  Session t;
  t.login();
  auto f = t.feed(load_vector("open_req"));
  CHECK(f.next == Next::go_on);
  CHECK(to_hex(f.out) == to_hex(load_vector("open_reply")));  // linktype 1, tzoff 0
  CHECK(t.s.device() == "lo");
  CHECK(t.env.probe_calls == std::vector<std::string>{"lo"});

  f = t.feed(encode(Message{OpenRequest{"any"}}));
  CHECK(only<OpenReply>(f.out) == OpenReply{113, 0});
  CHECK(t.s.device() == "any");  // the last OPEN wins
}

TEST_CASE("server: OPEN of a URL is refused and the device forgotten (B28)", "[server]")
{
  const Bytes recorded = load_vector("error_open_url");
  const std::vector<std::string> urls{"rpcap://127.0.0.1:1/lo", "rpcap://h/eth0", "rpcaps://h:2002/eth0",
                                      "file:///x", "x://y"};
  for (const auto& url : urls) {
    for (bool opened_before : {false, true}) {
      INFO(url << (opened_before ? " after a good OPEN" : ""));
      Session t;
      t.login_and_open_lo_if(opened_before);
      auto f = t.feed(encode(Message{OpenRequest{url}}));
      CHECK(f.next == Next::go_on);
      check_error(f.out, ErrorCode::open, k_remote_device);
      CHECK(to_hex(f.out) == to_hex(recorded));
      CHECK(t.s.device().empty());
      // the URL never reaches the environment
      for (const auto& d : t.env.probe_calls) { CHECK(d != url); }

      // rpcapd 1.10.3 would open the URL here and connect to a third party
      f = t.feed(load_vector("startcap_req_tcp"));
      CHECK(f.next == Next::go_on);
      check_error(f.out, ErrorCode::startcapture, k_no_device);
      CHECK(t.env.start_calls.empty());
      CHECK_FALSE(t.env.running);
    }
  }
}

TEST_CASE("server: OPEN of a device that cannot be opened gets ERROR 6 and forgets the device", "[server]")
{
  for (bool opened_before : {false, true}) {
    INFO((opened_before ? "after a good OPEN" : "first OPEN"));
    Session t;
    t.login_and_open_lo_if(opened_before);
    auto f = t.feed(encode(Message{OpenRequest{"nosuch0"}}));
    CHECK(f.next == Next::go_on);
    check_error(f.out, ErrorCode::open, "nosuch0: No such device exists");
    CHECK(t.s.device().empty());
    CHECK(t.env.probe_calls.back() == "nosuch0");

    f = t.feed(load_vector("startcap_req_tcp"));
    check_error(f.out, ErrorCode::startcapture, k_no_device);
    CHECK(t.env.start_calls.empty());
  }
}

TEST_CASE("server: a malformed OPEN gets ERROR 6 and forgets the device", "[server]")
{
  const std::vector<std::pair<std::string, Bytes>> cases{
      {"no name", raw(0x03, Bytes{})},
      {"a name of 1024 bytes", raw(0x03, Bytes(1024, 'a'))},
      {"a name with a NUL", raw(0x03, hex("6c 00 6f"))},
  };
  for (const auto& [what, req] : cases) {
    INFO(what);
    Session t;
    t.open_lo();
    t.feed_malformed(req, ErrorCode::open);
    CHECK(t.s.device().empty());
    CHECK(t.env.probe_calls.size() == 1);  // only the good OPEN reached the environment
  }
  // 1023 bytes is still a name
  Session t;
  t.login();
  t.env.any_device = true;
  auto f = t.feed(raw(0x03, Bytes(1023, 'a')));
  CHECK(only<OpenReply>(f.out) == OpenReply{1, 0});
  CHECK(t.s.device() == std::string(1023, 'a'));
}
