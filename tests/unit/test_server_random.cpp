// SPDX-License-Identifier: BSD-3-Clause
// ServerSession: random input.
// The fixture, FakeEnv and Session, is in server_fixture.hpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "unit/server_fixture.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

std::vector<Bytes> random_seeds()
{
  std::vector<Bytes> seeds;
  for (const auto& name : test::vector_names()) { seeds.push_back(load_vector(name)); }
  seeds.push_back(encode(Message{AuthRequest{AuthRequest::Method::password, k_user, "bad"}}));
  seeds.push_back(encode(Message{OpenRequest{"rpcap://h/eth0"}}));
  seeds.push_back(encode(Message{OpenRequest{"nosuch0"}}));
  seeds.push_back(startcap(0, bpf({})));
  seeds.push_back(startcap(96, bpf({BpfInsn{k_jeq, 9, 0, 0}, BpfInsn{k_ret, 0, 0, 0}})));
  seeds.push_back(updatefilter(accept_all()));
  seeds.push_back(encode(Message{SetSamplingRequest{SetSamplingRequest::Method::first_after_ms, 100}}));
  seeds.push_back(raw(0x20, Bytes{}));
  seeds.push_back(raw(1, 0x02, {}));
  return seeds;
}

// What is wrong with the replies of one random session ("" if nothing).
std::string check_random_session(const Bytes& out, Next next, const ServerSession& s, const FakeEnv& env)
{
  ByteView rest{out};
  bool authenticated = false;
  while (!rest.empty()) {
    auto r = decode(rest);
    if (!r) { return "a reply does not decode: " + r.error().message; }
    if (!*r) { return "the replies end in the middle of a message"; }
    const Decoded& d = **r;
    rest = rest.subspan(d.size);
    if (const auto* e = std::get_if<ErrorMsg>(&d.message)) {
      if (e->text.empty()) { return "an ERROR without a text"; }
      // only the last word before closing may echo a version other than 0
      // (ERROR 17)
      if (d.header.ver != 0 && (!rest.empty() || next != Next::close)) {
        return "an ERROR of version != 0 that does not end the session";
      }
      continue;
    }
    if (!is_reply(d.header.type)) { return "a reply of type " + describe(d); }
    if (d.header.ver != 0) { return "a reply of version != 0"; }
    authenticated = authenticated || d.header.type == MsgType::auth_reply;
  }
  if (s.authenticated() != authenticated) { return "authenticated() does not match the AUTH_REPLY sent"; }
  if (env.started_while_running) { return "a capture was started while one was running"; }
  for (const auto& sc : env.start_calls) {
    if (sc.device.empty() || sc.device.find("://") != std::string::npos) { return "started on \"" + sc.device + "\""; }
    if (sc.snaplen == 0 || sc.snaplen > k_max_snaplen) { return "started with snaplen " + std::to_string(sc.snaplen); }
    if (!is_valid_bpf(sc.filter)) { return "started with an invalid filter"; }
  }
  for (const auto& f : env.filter_calls) {
    if (!is_valid_bpf(f)) { return "installed an invalid filter"; }
  }
  for (const auto& d : env.probe_calls) {
    if (d.find("://") != std::string::npos) { return "probed \"" + d + "\""; }
  }
  return {};
}

void mutate(Bytes& b, std::mt19937& rng)
{
  switch (rng() % 6) {
  case 0:  // flip a bit
    if (!b.empty()) {
      auto& byte = b[rng() % b.size()];
      byte = static_cast<std::uint8_t>(byte ^ (1u << (rng() % 8)));
    }
    break;
  case 1:  // change a byte
    if (!b.empty()) { b[rng() % b.size()] = static_cast<std::uint8_t>(rng()); }
    break;
  case 2:  // cut the end off
    if (!b.empty()) { b.resize(rng() % b.size()); }
    break;
  case 3:  // insert a byte
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % (b.size() + 1)), static_cast<std::uint8_t>(rng()));
    break;
  case 4:  // drop a byte
    if (!b.empty()) { b.erase(b.begin() + static_cast<std::ptrdiff_t>(rng() % b.size())); }
    break;
  default:  // a small value in a length field or a type byte
    if (b.size() > 8) {
      const std::size_t at = 8 * (rng() % (b.size() / 8));
      b[at + 1 + rng() % 7] = static_cast<std::uint8_t>(rng() % 0x20);
    }
    break;
  }
}

}  // namespace

TEST_CASE("server: random and mutated input never breaks a session or its replies", "[server][mutation]")
{
  const std::vector<Bytes> seeds = random_seeds();
  const Bytes auth_null = load_vector("auth_req_null");
  const Bytes auth_password = load_vector("auth_req_password");
  std::mt19937 rng{20261126};
  int closed = 0;
  int authenticated = 0;
  std::size_t reply_bytes = 0;
  for (int i = 0; i < 20000; ++i) {
    // a stream: usually a login, then requests, mutated or not; sometimes pure noise
    Bytes prefix;
    switch (rng() % 8) {
    case 0: case 1: case 2: case 3: case 4: prefix = auth_null; break;
    case 5: prefix = auth_password; break;
    default: break;
    }
    Bytes body;
    if (rng() % 8 == 0) {
      body.resize(rng() % 64);
      for (auto& byte : body) { byte = static_cast<std::uint8_t>(rng()); }
    } else {
      for (auto n = 1 + rng() % 6; n > 0; --n) {
        const Bytes& seed = seeds[rng() % seeds.size()];
        body.insert(body.end(), seed.begin(), seed.end());
      }
      for (auto n = rng() % 4; n > 0; --n) { mutate(body, rng); }
    }
    Bytes stream = cat({prefix, body});
    if (rng() % 10 == 0) { mutate(stream, rng); }  // now and then the login too

    SessionSettings settings;
    settings.null_auth = rng() % 4 != 0;
    if (rng() % 4 == 0) { settings.max_request = static_cast<std::uint32_t>(1 + rng() % 200); }
    Session t{settings};
    t.env.any_device = rng() % 2 == 0;
    if (rng() % 3 == 0) { t.env.chaos = &rng; }

    Bytes out;
    Next next = Next::go_on;
    std::size_t pos = 0;
    const bool bytewise = rng() % 8 == 0;
    while (pos < stream.size() && next == Next::go_on) {  // nothing is fed after close
      const std::size_t n = bytewise ? 1 : std::min<std::size_t>(stream.size() - pos, 1 + rng() % 64);
      next = t.s.feed(ByteView{stream}.subspan(pos, n), out);
      pos += n;
    }
    if (next == Next::go_on) { CHECK(t.s.pending() <= stream.size()); }

    const std::string problem = check_random_session(out, next, t.s, t.env);
    if (!problem.empty()) {
      INFO("stream " << i << ": " << to_hex(stream));
      INFO("replies: " << to_hex(out));
      FAIL(problem);
    }
    closed += next == Next::close ? 1 : 0;
    authenticated += t.s.authenticated() ? 1 : 0;
    reply_bytes += out.size();
  }
  // the streams reach both states and both outcomes
  CHECK(closed > 2000);
  CHECK(authenticated > 5000);
  CHECK(reply_bytes > 100000);
}
