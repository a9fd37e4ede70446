// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: unexpected input (docs/protocol.md#unexpected-input).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

TEST_CASE("server: every request before authentication gets ERROR 16 and the connection stays open", "[server]")
{
  const std::vector<std::pair<std::string, std::string>> requests{
      {"findallif_req", "RPCAP_MSG_FINDALLIF_REQ"},       {"open_req", "RPCAP_MSG_OPEN_REQ"},
      {"startcap_req_tcp", "RPCAP_MSG_STARTCAP_REQ"},     {"startcap_req_udp", "RPCAP_MSG_STARTCAP_REQ"},
      {"startcap_req_active", "RPCAP_MSG_STARTCAP_REQ"},  {"startcap_req_nofilter", "RPCAP_MSG_STARTCAP_REQ"},
      {"updatefilter_req", "RPCAP_MSG_UPDATEFILTER_REQ"}, {"stats_req", "RPCAP_MSG_STATS_REQ"},
      {"endcap_req", "RPCAP_MSG_ENDCAP_REQ"},             {"setsampling_req", "RPCAP_MSG_SETSAMPLING_REQ"},
  };
  Bytes all_requests;
  for (const auto& [vector, name] : requests) {
    INFO(vector);
    Session t{null_auth_settings()};
    const Bytes req = load_vector(vector);
    all_requests.insert(all_requests.end(), req.begin(), req.end());
    auto f = t.feed(req);
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);  // the payload is dropped, B1's too
    check_error(f.out, ErrorCode::wrongmsg, name + " request sent before authentication was completed");
    CHECK(t.env.list_calls == 0);
    CHECK(t.env.probe_calls.empty());
    CHECK(t.env.start_calls.empty());
    CHECK(t.env.filter_calls.empty());
    CHECK(t.env.sampling_calls.empty());
    CHECK(t.env.stats_calls == 0);
    CHECK(t.env.end_calls == 0);
    CHECK_FALSE(t.s.authenticated());
    t.login();
  }

  // The recorded answer of rpcapd 1.10.3 to a FINDALLIF before AUTH, byte for byte.
  Session t{null_auth_settings()};
  CHECK(to_hex(t.feed(load_vector("findallif_req")).out) == to_hex(load_vector("error_before_auth")));

  // All of them in one piece, then AUTH and FINDALLIF: every one is answered in order.
  Session u{null_auth_settings()};
  auto f = u.feed(cat({all_requests, load_vector("auth_req_null"), load_vector("findallif_req")}));
  CHECK(f.next == Next::go_on);
  CHECK(u.s.pending() == 0);
  const auto all = replies(f.out);
  REQUIRE(all.size() == requests.size() + 2);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto e = error_of(all[i]);
    CHECK(e.code == ErrorCode::wrongmsg);
    CHECK(e.text == requests[i].second + " request sent before authentication was completed");
  }
  CHECK(all[requests.size()].header.type == MsgType::auth_reply);
  CHECK(all[requests.size() + 1].header.type == MsgType::findallif_reply);
}

TEST_CASE("server: CLOSE before authentication closes silently", "[server]")
{
  Session t{null_auth_settings()};
  auto f = t.feed(cat({load_vector("close"), load_vector("auth_req_null")}));
  CHECK(f.next == Next::close);
  CHECK(f.out.empty());
  CHECK_FALSE(t.s.authenticated());  // nothing after CLOSE is handled
  CHECK(t.env.end_calls == 0);
}

TEST_CASE("server: an ERROR from the client closes before authentication and is only logged after", "[server]")
{
  const Bytes client_error = encode(Message{ErrorMsg{ErrorCode::remoteaccept, "host not allowed"}});

  Session t{null_auth_settings()};
  auto f = t.feed(cat({client_error, load_vector("auth_req_null")}));
  CHECK(f.next == Next::close);
  CHECK(f.out.empty());
  CHECK_FALSE(t.s.authenticated());
  REQUIRE_FALSE(t.env.logs.empty());
  CHECK(t.env.logs.back().find("host not allowed") != std::string::npos);

  Session u{null_auth_settings()};
  u.login();
  f = u.feed(cat({client_error, load_vector("stats_req")}));
  CHECK(f.next == Next::go_on);
  CHECK(only<StatsReply>(f.out) == u.env.stats_reply);
  REQUIRE_FALSE(u.env.logs.empty());
  CHECK(u.env.logged("host not allowed"));
}

namespace {

// The types only a server sends (docs/protocol.md#message-types), with libpcap's names.
const std::vector<std::pair<std::uint8_t, std::string>> k_server_to_client{
    {0x07, "RPCAP_MSG_PACKET"},          {0x82, "RPCAP_MSG_FINDALLIF_REPLY"},
    {0x83, "RPCAP_MSG_OPEN_REPLY"},      {0x84, "RPCAP_MSG_STARTCAP_REPLY"},
    {0x85, "RPCAP_MSG_UPDATEFILTER_REPLY"}, {0x88, "RPCAP_MSG_AUTH_REPLY"},
    {0x89, "RPCAP_MSG_STATS_REPLY"},     {0x8a, "RPCAP_MSG_ENDCAP_REPLY"},
    {0x8b, "RPCAP_MSG_SETSAMPLING_REPLY"},
};

// Types that mean nothing, including the invalid reply types 0x81, 0x86 and 0x87.
const std::vector<std::uint8_t> k_unknown_types{0x00, 0x0c, 0x20, 0x7f, 0x80, 0x81, 0x86, 0x87, 0x8c, 0xfe, 0xff};

}  // namespace

TEST_CASE("server: server-to-client types before authentication get ERROR 16 and the connection stays open",
          "[server]")
{
  for (const auto& [type, name] : k_server_to_client) {
    INFO(name);
    Session t{null_auth_settings()};
    // with a payload, which is dropped
    auto f = t.feed(raw(type, hex("00 02 0000 00000000")));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    check_error(f.out, ErrorCode::wrongmsg, "Server-to-client message " + name + " received from client");
    CHECK(t.env.list_calls == 0);
    t.login();
  }
}

TEST_CASE("server: server-to-client types after authentication get ERROR 16 and close", "[server]")
{
  for (const auto& [type, name] : k_server_to_client) {
    INFO(name);
    Session t{null_auth_settings()};
    t.login();
    auto f = t.feed(cat({raw(type, hex("0102 0304")), load_vector("findallif_req")}));
    CHECK(f.next == Next::close);
    check_error(f.out, ErrorCode::wrongmsg, "Server-to-client message " + name + " received from client");
    CHECK(t.env.list_calls == 0);  // nothing after it is handled
  }
  // A recorded reply sent back to the daemon, byte for byte as a server wrote it.
  Session t{null_auth_settings()};
  t.login();
  auto f = t.feed(load_vector("auth_reply"));
  CHECK(f.next == Next::close);
  check_error(f.out, ErrorCode::wrongmsg, "Server-to-client message RPCAP_MSG_AUTH_REPLY received from client");
}

TEST_CASE("server: unknown types before authentication get 'Unknown message type N' and the connection stays open",
          "[server]")
{
  for (std::uint8_t type : k_unknown_types) {
    INFO("type " << static_cast<unsigned>(type));
    Session t{null_auth_settings()};
    auto f = t.feed(raw(type, hex("00 02 0000 00000000")));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    check_error(f.out, ErrorCode::wrongmsg, "Unknown message type " + std::to_string(static_cast<unsigned>(type)));
    CHECK(t.env.list_calls == 0);
    t.login();
  }
}

TEST_CASE("server: unknown types after authentication get ERROR 16 with a text and close (B6 fixed)", "[server]")
{
  const Bytes recorded = load_vector("error_unknown_type");  // rpcapd's empty-text answer to type 0x20
  for (std::uint8_t type : k_unknown_types) {
    INFO("type " << static_cast<unsigned>(type));
    Session t{null_auth_settings()};
    t.login();
    auto f = t.feed(cat({raw(type, Bytes{}), load_vector("findallif_req")}));
    CHECK(f.next == Next::close);
    check_error(f.out, ErrorCode::wrongmsg, "Unknown message type " + std::to_string(static_cast<unsigned>(type)));
    // same version, type and code as rpcapd's reply; only the text (B6) differs
    REQUIRE(f.out.size() > 8);
    CHECK(to_hex(ByteView{f.out}.first(4)) == to_hex(ByteView{recorded}.first(4)));
    CHECK(t.env.list_calls == 0);
  }
}

TEST_CASE("server: a wrong version before authentication gets rpcapd's ERROR 17 and closes", "[server]")
{
  Session t{null_auth_settings()};
  // the request of the recording: a NULL AUTH_REQ with ver 1
  auto f = t.feed(cat({hex("01 08 0000 00000008 0000 0000 0000 0000"), load_vector("auth_req_null")}));
  CHECK(f.next == Next::close);
  CHECK(to_hex(f.out) == to_hex(load_vector("error_wrong_version")));
  CHECK_FALSE(t.s.authenticated());

  // any message type, any version: the offending version is echoed
  for (std::uint8_t ver : std::initializer_list<std::uint8_t>{1, 2, 0x16, 0x80, 0xff}) {
    for (std::uint8_t type : std::initializer_list<std::uint8_t>{0x02, 0x06, 0x01, 0x09, 0x20}) {
      INFO("ver " << static_cast<unsigned>(ver) << " type " << static_cast<unsigned>(type));
      Session u{null_auth_settings()};
      f = u.feed(raw(ver, type, hex("0000 0000")));
      CHECK(f.next == Next::close);
      check_error(f.out, ErrorCode::wrongver, "RPCAP version in requests in the authentication phase must be 0", ver);
    }
  }
}

TEST_CASE("server: a wrong version after authentication gets ERROR 17 echoing it and closes", "[server]")
{
  for (std::uint8_t ver : std::initializer_list<std::uint8_t>{1, 0x7f, 0xff}) {
    for (std::uint8_t type : std::initializer_list<std::uint8_t>{0x02, 0x06, 0x08, 0x09, 0x0a}) {
      INFO("ver " << static_cast<unsigned>(ver) << " type " << static_cast<unsigned>(type));
      Session t{null_auth_settings()};
      t.start();
      auto f = t.feed(cat({raw(ver, type), load_vector("stats_req")}));
      CHECK(f.next == Next::close);
      check_error(f.out, ErrorCode::wrongver, "RPCAP version in message isn't supported by the server", ver);
      CHECK(t.env.list_calls == 0);
      CHECK(t.env.stats_calls == 0);
      CHECK(t.env.end_calls == 0);  // not a CLOSE: the caller tears the session down
    }
  }
}

TEST_CASE("server: a wrong version is refused as soon as its header arrives", "[server]")
{
  // docs/protocol.md#version-negotiation: ver != 0 gets ERROR 17 and a close; rpcapd 1.10.3 sends
  // the error right after the header and only then discards the payload.
  // Waiting for a payload that will be thrown away (it may never come) is
  // not needed to answer.
  Session t{null_auth_settings()};
  const Bytes req = hex("01 08 0000 00000008 0000 0000 0000 0000");
  auto f = t.feed(ByteView{req}.first(8));
  CHECK(f.next == Next::close);
  CHECK(to_hex(f.out) == to_hex(load_vector("error_wrong_version")));
}

TEST_CASE("server: a wrong version with an oversized plen still gets ERROR 17", "[server]")
{
  // docs/protocol.md#unexpected-input: ver != 0 -> ERROR 17 echoing ver, whatever the rest of the header
  // says. E.g. an HTTP request sent to the daemon port: "GET / HT" is ver
  // 0x47, type 0x45, plen 0x2f204854 (far above max_request).
  Session t{null_auth_settings()};
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  auto f = t.feed(ByteView{reinterpret_cast<const std::uint8_t*>(http.data()), http.size()});
  CHECK(f.next == Next::close);
  check_error(f.out, ErrorCode::wrongver, "RPCAP version in requests in the authentication phase must be 0", 'G');

  Session u{null_auth_settings()};
  u.login();
  f = u.feed(raw(1, 0x09, {}, 0xffffffff));
  CHECK(f.next == Next::close);
  check_error(f.out, ErrorCode::wrongver, "RPCAP version in message isn't supported by the server", 1);
}

TEST_CASE("server: texts of the client are logged quoted, escaped and cut, so that they cannot forge log lines",
          "[server]")
{
  const std::string forged = "x\nrpcapd: info: 10.6.6.6:1234: password login: user \"root\" logged in\x1b[2J";
  for (const bool logged_in : {false, true}) {
    Session t{null_auth_settings()};
    if (logged_in) { t.login(); }
    t.feed(encode(Message{make_error_msg(ErrorCode::netw, forged + std::string(100000, 'y'))}));
    REQUIRE_FALSE(t.env.logs.empty());
    const std::string& line = t.env.logs.back();
    INFO(line);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find("\"x\\x0arpcapd: info:") != std::string::npos);
    CHECK(line.size() < 1000);
  }
  Session t{null_auth_settings()};
  t.login();
  t.feed(encode(Message{OpenRequest{"a://\nrpcapd: error: FORGED"}}));
  CHECK(t.env.logged("refused to open \"a://\\x0arpcapd: error: FORGED\""));
}
