// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: authentication (docs/protocol.md#auth,
// docs/protocol.md#authentication-and-access-control).
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

TEST_CASE("server: NULL authentication without null_auth gets rpcapd's exact refusal", "[server]")
{
  Session t{password_only_settings()};
  auto f = t.feed(load_vector("auth_req_null"));
  CHECK(to_hex(f.out) == to_hex(load_vector("error_null_auth_not_permitted")));
  CHECK(f.next == Next::go_on);  // the client may retry
  CHECK_FALSE(t.s.authenticated());
  CHECK(t.env.auth_calls.empty());
  CHECK(t.s.pending() == 0);

  // a password login on the same connection still works
  f = t.feed(load_vector("auth_req_password"));
  CHECK(f.next == Next::go_on);
  CHECK(t.s.authenticated());
  CHECK(only<AuthReply>(f.out) == AuthReply::for_this_host());
}

TEST_CASE("server: NULL authentication with null_auth is answered with this host's AUTH_REPLY", "[server]")
{
  Session t{null_auth_settings()};
  auto f = t.feed(load_vector("auth_req_null"));
  CHECK(f.next == Next::go_on);
  CHECK(t.s.authenticated());
  CHECK(t.env.auth_calls.empty());
  const Bytes expected = encode(Message{AuthReply::for_this_host()});
  CHECK(to_hex(f.out) == to_hex(expected));
  CHECK(only<AuthReply>(f.out).byte_order_relation() == AuthReply::ByteOrder::same);
  // the recorded reply came from a little-endian daemon
  if (AuthReply::for_this_host().magic[0] == 0xd4) { CHECK(to_hex(f.out) == to_hex(load_vector("auth_reply"))); }
}

TEST_CASE("server: a client certificate that names a user logs in on NULL authentication, whatever null_auth says",
          "[server]")
{
  for (bool null_auth : {false, true}) {
    INFO("null_auth " << null_auth);
    Session t{null_auth_settings(null_auth)};
    t.env.certificate = Status{};
    auto f = t.feed(load_vector("auth_req_null"));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.authenticated());
    CHECK(t.env.certificate_calls == 1);
    CHECK(t.env.auth_calls.empty());
    CHECK(to_hex(f.out) == to_hex(encode(Message{AuthReply::for_this_host()})));
    CHECK(t.env.logs.empty());  // the environment logs who logged in, not the session
  }
}

TEST_CASE("server: a certificate login that fails is refused, even where NULL authentication is permitted", "[server]")
{
  // A certificate names a user: the session runs as that user or not at
  // all, never with the daemon's privileges under -n.
  const Status failed = make_error(ErrorKind::auth, "certificate login of \"bob\" failed: User account has expired");
  for (bool null_auth : {false, true}) {
    INFO("null_auth " << null_auth);
    Session t{null_auth_settings(null_auth)};
    t.env.certificate = failed;
    auto f = t.feed(load_vector("auth_req_null"));
    CHECK(f.next == Next::go_on);  // the client may log in by password instead
    CHECK_FALSE(t.s.authenticated());
    CHECK(to_hex(f.out) == to_hex(load_vector("error_auth_failed")));
    CHECK(t.env.logs == std::vector<std::string>{failed.error().message});
    f = t.feed(load_vector("auth_req_null"));  // asking again changes nothing
    CHECK_FALSE(t.s.authenticated());
    CHECK(t.env.certificate_calls == 2);
    f = t.feed(load_vector("auth_req_password"));
    CHECK(t.s.authenticated());
  }
}

TEST_CASE("server: a login whose identity change fails ends the session with the generic answer", "[server]")
{
  // The password was right but the process could not become the user
  // (perhaps half-way there): it must not serve this client, nor another try.
  const std::string why = "password login of \"rpcapvec\" failed: become user \"rpcapvec\": setuid(1001): EAGAIN";
  {
    Session t{password_only_settings()};
    t.env.identity_error = why;
    auto f = t.feed(load_vector("auth_req_password"));
    CHECK(f.next == Next::close);
    CHECK_FALSE(t.s.authenticated());
    CHECK(to_hex(f.out) == to_hex(load_vector("error_auth_failed")));  // the same answer as a wrong password
    CHECK(t.env.logs == std::vector<std::string>{why + "; closing the session"});
  }
  for (bool null_auth : {false, true}) {
    INFO("null_auth " << null_auth);
    Session t{null_auth_settings(null_auth)};
    t.env.certificate = make_error(ErrorKind::io, "certificate login of \"bob\" failed: become user \"bob\": cap_set_proc");
    auto f = t.feed(load_vector("auth_req_null"));
    CHECK(f.next == Next::close);
    CHECK_FALSE(t.s.authenticated());
    CHECK(to_hex(f.out) == to_hex(load_vector("error_auth_failed")));
  }
}

TEST_CASE("server: password authentication with the right credentials succeeds", "[server]")
{
  for (bool null_auth : {false, true}) {
    INFO("null_auth " << null_auth);
    Session t{null_auth_settings(null_auth)};
    auto f = t.feed(load_vector("auth_req_password"));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.authenticated());
    REQUIRE(t.env.auth_calls.size() == 1);
    CHECK(t.env.auth_calls[0] == std::pair{k_user, k_password});
    CHECK(to_hex(f.out) == to_hex(encode(Message{AuthReply::for_this_host()})));
  }
}

TEST_CASE("server: a login the daemon has no room for gets an ERROR with the reason and closes", "[server]")
{
  const std::string reason = "too many sessions from 192.0.2.7 (MaxSessionsPerHost 48)";
  for (const char* request : {"auth_req_null", "auth_req_password"}) {
    INFO(request);
    Session t;
    t.env.no_room = reason;
    auto f = t.feed(load_vector(request));
    CHECK(f.next == Next::close);
    CHECK_FALSE(t.s.authenticated());
    CHECK(t.env.admit_calls == 1);
    CHECK(to_hex(f.out) == to_hex(encode(Message{make_error_msg(ErrorCode::hostnoauth, reason)})));
  }
  // A refused login is never admitted: the daemon is asked only after a success.
  Session wrong{password_only_settings()};
  wrong.env.no_room = reason;
  (void)wrong.feed(load_vector("auth_req_null"));
  CHECK(wrong.env.admit_calls == 0);
}

TEST_CASE("server: wrong password and unknown user get the same generic refusal", "[server]")
{
  const Bytes recorded = load_vector("error_auth_failed");
  const std::vector<std::pair<std::string, std::string>> bad{
      {k_user, "wrong-pass"},       // wrong password: what rpcapd answered in the recording
      {"nobody-here", k_password},  // unknown user
      {"nobody-here", "x"},
      {"", ""},
  };
  for (const auto& [user, password] : bad) {
    INFO("user \"" << user << "\" password \"" << password << "\"");
    Session t{password_only_settings()};
    auto f = t.feed(encode(Message{AuthRequest{AuthRequest::Method::password, user, password}}));
    CHECK(to_hex(f.out) == to_hex(recorded));  // exactly "Authentication failed", code 18
    CHECK(f.next == Next::go_on);
    CHECK_FALSE(t.s.authenticated());
    REQUIRE(t.env.auth_calls.size() == 1);
    CHECK(t.env.auth_calls[0] == std::pair{user, password});
    // the environment's reason is logged, never sent
    const std::string reason = user == k_user ? "wrong password for" : "no such user";
    CHECK(t.env.logged(reason));

    // the connection stays usable: the right password works next
    f = t.feed(load_vector("auth_req_password"));
    CHECK(f.next == Next::go_on);
    CHECK(t.s.authenticated());
    CHECK(only<AuthReply>(f.out) == AuthReply::for_this_host());
  }
}

TEST_CASE("server: a malformed AUTH_REQ gets ERROR 3 and the connection stays open", "[server]")
{
  const std::vector<std::pair<std::string, Bytes>> cases{
      {"no payload", raw(0x08, Bytes{})},
      {"4 of the 8 fixed bytes", raw(0x08, hex("0001 0000"))},
      {"7 of the 8 fixed bytes", raw(0x08, hex("0001 0000 0008 00"))},
      {"a user name cut short", raw(0x08, hex("0001 0000 0008 0000  72 70 63 61"))},
      {"a password cut short", raw(0x08, hex("0001 0000 0001 0005  75 70 61"))},
      {"NULL auth announcing strings it lacks", raw(0x08, hex("0000 0000 0001 0001"))},
  };
  for (const auto& [what, req] : cases) {
    INFO(what);
    Session t{null_auth_settings()};
    t.feed_malformed(req, ErrorCode::auth);
    CHECK_FALSE(t.s.authenticated());
    CHECK(t.env.auth_calls.empty());

    t.login();
  }
}

TEST_CASE("server: an unknown authentication type gets ERROR 20 and the connection stays open", "[server]")
{
  for (const char* type : {"0002", "0003", "8000", "ffff"}) {
    INFO("auth type " << type);
    Session t{null_auth_settings()};
    auto f = t.feed(raw(0x08, hex(std::string{type} + "0000 0000 0000")));
    CHECK(f.next == Next::go_on);
    check_error_containing(f.out, ErrorCode::auth_type_notsup);
    CHECK_FALSE(t.s.authenticated());
    CHECK(t.env.auth_calls.empty());

    t.login();
  }
}

TEST_CASE("server: AUTH_REQ after authentication gets ERROR 16 and closes", "[server]")
{
  for (const char* vector : {"auth_req_null", "auth_req_password"}) {
    INFO(vector);
    Session t{null_auth_settings()};
    t.login();
    auto f = t.feed(load_vector(vector));
    CHECK(f.next == Next::close);
    check_error(f.out, ErrorCode::wrongmsg, "RPCAP_MSG_AUTH_REQ request sent after authentication was completed");
    CHECK(t.env.auth_calls.empty());
  }
}

TEST_CASE("server: pipelined requests before the login are handled one per call, for the daemon to check its deadlines between them",
          "[server]")
{
  Session t{password_only_settings()};
  const Bytes wrong = encode(Message{AuthRequest{AuthRequest::Method::password, k_user, "wrong-pass"}});
  Bytes out;
  CHECK(t.s.feed(cat({wrong, wrong, load_vector("auth_req_password"), load_vector("findallif_req")}), out)
        == Next::go_on);
  CHECK(t.s.more());
  CHECK(t.env.auth_calls.size() == 1);
  CHECK(replies(out).size() == 1);
  CHECK(t.s.feed({}, out) == Next::go_on);
  CHECK(t.s.more());
  CHECK(t.env.auth_calls.size() == 2);
  // The right password: the requests after it are handled in the same call.
  CHECK(t.s.feed({}, out) == Next::go_on);
  CHECK_FALSE(t.s.more());
  CHECK(t.s.authenticated());
  const auto all = replies(out);
  REQUIRE(all.size() == 4);
  CHECK(all[2].header.type == MsgType::auth_reply);
  CHECK(all[3].header.type == MsgType::findallif_reply);
  CHECK(t.s.pending() == 0);
}

TEST_CASE("server: the third failed login on one connection closes it", "[server]")
{
  Session t{password_only_settings()};
  const Bytes wrong = encode(Message{AuthRequest{AuthRequest::Method::password, k_user, "wrong-pass"}});
  CHECK(t.feed(wrong).next == Next::go_on);
  CHECK(t.feed(wrong).next == Next::go_on);
  auto f = t.feed(cat({wrong, load_vector("auth_req_password")}));
  CHECK(f.next == Next::close);
  CHECK(to_hex(f.out) == to_hex(load_vector("error_auth_failed")));  // answered, then closed
  CHECK(t.env.auth_calls.size() == 3);
  CHECK_FALSE(t.s.authenticated());
  CHECK(t.env.logged("closing: 3 failed logins"));
}
