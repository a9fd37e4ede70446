// SPDX-License-Identifier: BSD-3-Clause
// The fixture of the ServerSession tests (test_server_*.cpp, one file a
// message or subject): ServerSession, the daemon's control-connection state
// machine, driven through a fake SessionEnv with the requests libpcap 1.10.3
// peers really sent (tests/vectors) and encoded ones where nothing was
// recorded. Replies are compared byte for byte with what rpcapd 1.10.3
// answered wherever that was recorded, and decoded and checked field by
// field elsewhere. The state machine is the one of
// docs/protocol.md#daemon-session, with the fixes of server.hpp (B1, B5, B6,
// B9, B28), each with a regression test.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rpcap/net/capture.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/daemon/server.hpp"
#include "support/vectors.hpp"

namespace rpcap::test {

using Next = ServerSession::Next;

inline const std::string k_user = "rpcapvec";          // the account of auth_req_password.hex
inline const std::string k_password = "vector-pass-1";

inline Error env_failure(std::string text) { return make_error(ErrorKind::io, std::move(text)); }

inline std::vector<Interface> default_interfaces()
{
  IfAddress v4;
  v4.addr = SockAddr::ipv4({127, 0, 0, 1});
  v4.netmask = SockAddr::ipv4({255, 0, 0, 0});
  IfAddress v6;
  v6.addr = SockAddr::ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 2);
  return {Interface{"eth0", "", 0x16, {v6}}, Interface{"lo", "Loopback", 0x37, {v4}}};
}

// A SessionEnv that answers what the test configures and records every call.
class FakeEnv final : public SessionEnv {
public:
  // --- what it answers
  std::vector<Interface> interfaces{default_interfaces()};
  std::optional<std::string> list_error;
  std::map<std::string, int> linktypes{{"lo", 1}, {"eth0", 1}, {"any", 113}};
  bool any_device{false};                      // every name probes as linktype 1
  StartCapReply startcap_reply{262144, 35241};  // the values of startcap_reply.hex
  std::optional<std::string> start_error;
  std::optional<std::string> filter_error;
  std::optional<std::string> sampling_error;
  StatsReply stats_reply{18, 0, 0, 9};  // the values of stats_reply.hex
  std::optional<std::string> stats_error;
  // When set, every call that can fail fails one time in four (random-input test).
  std::mt19937* chaos{nullptr};
  // What certificate_login() answers: nullopt (no certificate names anyone), or its outcome.
  std::optional<Status> certificate;
  int certificate_calls{0};
  // A right password whose identity change fails (ErrorKind::io): the session must end.
  std::optional<std::string> identity_error;
  // What admit() answers after a login: nullopt (room), or the daemon's reason.
  std::optional<std::string> no_room;
  int admit_calls{0};

  // --- what the session asked
  std::vector<std::pair<std::string, std::string>> auth_calls;
  int list_calls{0};
  std::vector<std::string> probe_calls;
  std::vector<StartCapture> start_calls;
  bool started_while_running{false};
  std::vector<Filter> filter_calls;
  std::vector<SetSamplingRequest> sampling_calls;
  int stats_calls{0};
  int end_calls{0};
  bool running{false};
  std::vector<std::string> logs;

  Status authenticate(const std::string& user, const std::string& password) override
  {
    auth_calls.emplace_back(user, password);
    if (user != k_user) { return make_error(ErrorKind::auth, "no such user \"" + user + "\""); }
    if (password != k_password) { return make_error(ErrorKind::auth, "wrong password for \"" + user + "\""); }
    if (identity_error) { return make_error(ErrorKind::io, *identity_error); }
    return {};
  }
  std::optional<Status> certificate_login() override
  {
    ++certificate_calls;
    return certificate;
  }
  Status admit() override
  {
    ++admit_calls;
    if (no_room) { return make_error(ErrorKind::remote, *no_room); }
    return {};
  }
  Result<std::vector<Interface>> list_interfaces() override
  {
    ++list_calls;
    if (list_error) { return env_failure(*list_error); }
    if (unlucky()) { return env_failure("chaos: cannot list"); }
    return interfaces;
  }
  Result<int> probe_linktype(const std::string& device) override
  {
    probe_calls.push_back(device);
    if (unlucky()) { return env_failure("chaos: cannot open " + device); }
    if (any_device) { return 1; }
    auto it = linktypes.find(device);
    if (it == linktypes.end()) { return env_failure(device + ": No such device exists"); }
    return it->second;
  }
  Result<StartCapReply> start_capture(const StartCapture& req) override
  {
    if (running) { started_while_running = true; }
    start_calls.push_back(req);
    if (start_error) { return env_failure(*start_error); }
    if (unlucky()) { return env_failure("chaos: cannot start"); }
    running = true;
    return startcap_reply;
  }
  Status update_filter(const Filter& filter) override
  {
    filter_calls.push_back(filter);
    if (filter_error) { return env_failure(*filter_error); }
    if (unlucky()) { return env_failure("chaos: cannot set the filter"); }
    return {};
  }
  Status set_sampling(const SetSamplingRequest& sampling) override
  {
    sampling_calls.push_back(sampling);
    if (sampling_error) { return env_failure(*sampling_error); }
    if (unlucky()) { return env_failure("chaos: cannot sample"); }
    return {};
  }
  Result<StatsReply> stats() override
  {
    ++stats_calls;
    if (stats_error) { return env_failure(*stats_error); }
    if (unlucky()) { return env_failure("chaos: no statistics"); }
    return stats_reply;
  }
  void end_capture() override
  {
    ++end_calls;
    running = false;
  }
  bool capturing() const override { return running; }
  void log(LogLevel, const std::string& message) override { logs.push_back(message); }

  // True if a line logged so far contains `part`.
  bool logged(std::string_view part) const
  {
    return std::any_of(logs.begin(), logs.end(),
                       [&](const std::string& line) { return line.find(part) != std::string::npos; });
  }

private:
  bool unlucky() { return chaos != nullptr && (*chaos)() % 4 == 0; }
};

inline SessionSettings null_auth_settings(bool null_auth = true)
{
  SessionSettings s;
  s.null_auth = null_auth;
  return s;
}

inline SessionSettings password_only_settings() { return SessionSettings{}; }

struct Fed {
  Next next{Next::go_on};
  Bytes out;
};

// A session with its fake environment.
struct Session {
  FakeEnv env;
  ServerSession s;

  explicit Session(SessionSettings settings = null_auth_settings()) : s(env, settings) {}

  Fed feed(ByteView in)
  {
    Fed f;
    f.next = s.feed(in, f.out);
    // As the daemon does: again, with nothing new, until every whole request is handled.
    while (f.next == Next::go_on && s.more()) { f.next = s.feed({}, f.out); }
    return f;
  }
  // NULL authentication; the reply is checked and dropped.
  void login()
  {
    auto f = feed(load_vector("auth_req_null"));
    REQUIRE(f.next == Next::go_on);
    REQUIRE(s.authenticated());
    REQUIRE(to_hex(f.out) == to_hex(encode(Message{AuthReply::for_this_host()})));
  }
  // login() and OPEN "lo".
  void open_lo()
  {
    login();
    auto f = feed(load_vector("open_req"));
    REQUIRE(f.next == Next::go_on);
    REQUIRE(to_hex(f.out) == to_hex(load_vector("open_reply")));
    REQUIRE(s.device() == "lo");
  }
  // Feed `req`, a malformed request: it must get one ERROR `code` with some
  // text, its whole payload dropped and the connection kept.
  void feed_malformed(const Bytes& req, ErrorCode code);
  // open_lo() if `open`, otherwise login() alone.
  void login_and_open_lo_if(bool open)
  {
    if (open) {
      open_lo();
    } else {
      login();
    }
  }
  // open_lo() and STARTCAP of startcap_req_tcp.hex.
  void start()
  {
    open_lo();
    auto f = feed(load_vector("startcap_req_tcp"));
    REQUIRE(f.next == Next::go_on);
    REQUIRE(to_hex(f.out) == to_hex(load_vector("startcap_reply")));
    REQUIRE(env.running);
  }
};

inline Bytes cat(std::initializer_list<Bytes> parts)
{
  Bytes all;
  for (const auto& p : parts) { all.insert(all.end(), p.begin(), p.end()); }
  return all;
}

inline Bytes hex(std::string_view text)
{
  Bytes b = from_hex(text);
  REQUIRE_FALSE(b.empty());
  return b;
}

// A message built by hand: header `ver`/`type`, `payload`, and `plen`
// (by default the payload's length).
inline Bytes raw(std::uint8_t ver, std::uint8_t type, ByteView payload = {}, std::optional<std::uint32_t> plen = {})
{
  Bytes b;
  encode_header(b, Header{ver, static_cast<MsgType>(type), 0,
                          plen.value_or(static_cast<std::uint32_t>(payload.size()))});
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes raw(std::uint8_t type, const Bytes& payload) { return raw(0, type, ByteView{payload}); }

inline std::string describe(const Decoded& d)
{
  if (const auto* e = std::get_if<ErrorMsg>(&d.message)) {
    return "ERROR " + std::to_string(static_cast<unsigned>(e->code)) + " \"" + e->text + "\"";
  }
  auto name = msg_type_name(d.header.type);
  return name.empty() ? "type " + std::to_string(static_cast<unsigned>(d.header.type)) : std::string{name};
}

// Every message in `out`, which must decode whole.
inline std::vector<Decoded> replies(const Bytes& out)
{
  std::vector<Decoded> all;
  ByteView rest{out};
  while (!rest.empty()) {
    auto r = decode(rest);
    INFO("reply at offset " << (out.size() - rest.size()) << ": "
                            << (r ? (*r ? "ok" : "incomplete") : r.error().message));
    REQUIRE(r.has_value());
    REQUIRE(r->has_value());
    all.push_back(std::move(**r));
    rest = rest.subspan(all.back().size);
  }
  return all;
}

// The one reply in `out`.
inline Decoded only_reply(const Bytes& out)
{
  auto all = replies(out);
  REQUIRE(all.size() == 1);
  return std::move(all[0]);
}

// The one reply in `out`, of version 0 and type T.
template <typename T>
T only(const Bytes& out)
{
  const auto d = only_reply(out);
  INFO("reply: " << describe(d));
  CHECK(d.header.ver == 0);
  REQUIRE(std::holds_alternative<T>(d.message));
  return std::get<T>(d.message);
}

inline ErrorMsg error_of(const Decoded& d)
{
  INFO("reply: " << describe(d));
  REQUIRE(std::holds_alternative<ErrorMsg>(d.message));
  return std::get<ErrorMsg>(d.message);
}

// `out` holds exactly one ERROR: `code`, `text`, header version `ver`.
inline void check_error(const Bytes& out, ErrorCode code, const std::string& text, std::uint8_t ver = 0)
{
  const auto d = only_reply(out);
  CHECK(d.header.ver == ver);
  const auto e = error_of(d);
  CHECK(e.code == code);
  CHECK(e.text == text);
}

// `out` holds exactly one ERROR (of any version) with `code`; returns it
// for checks of its text.
inline ErrorMsg only_error(const Bytes& out, ErrorCode code)
{
  const auto e = error_of(only_reply(out));
  CHECK(e.code == code);
  return e;
}

// `out` holds exactly one ERROR (of any version) with `code` and a text
// that contains `part`, or without `part` a text that is not empty: for
// texts that say what is wrong in words no test should pin down.
inline void check_error_containing(const Bytes& out, ErrorCode code, std::string_view part = {})
{
  const auto e = only_error(out, code);
  if (part.empty()) {
    CHECK_FALSE(e.text.empty());
  } else {
    CHECK(e.text.find(part) != std::string::npos);
  }
}

inline void Session::feed_malformed(const Bytes& req, ErrorCode code)
{
  auto f = feed(req);
  CHECK(f.next == Next::go_on);
  CHECK(s.pending() == 0);
  check_error_containing(f.out, code);
}

template <typename T>
T decode_vector(const std::string& name)
{
  const Bytes bytes = load_vector(name);
  auto r = decode(bytes);
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  REQUIRE((*r)->size == bytes.size());
  REQUIRE(std::holds_alternative<T>((*r)->message));
  return std::get<T>((*r)->message);
}

inline Filter bpf(std::vector<BpfInsn> insns)
{
  Filter f;
  f.insns = std::move(insns);
  return f;
}

inline constexpr std::uint16_t k_ret = 0x06;  // BPF_RET|BPF_K
inline constexpr std::uint16_t k_jeq = 0x15;  // BPF_JMP|BPF_JEQ|BPF_K
inline constexpr std::uint16_t k_ja = 0x05;   // BPF_JMP|BPF_JA
inline constexpr std::uint16_t k_ldh = 0x28;  // BPF_LD|BPF_H|BPF_ABS
inline constexpr std::uint16_t k_div = 0x34;  // BPF_ALU|BPF_DIV|BPF_K
inline constexpr std::uint16_t k_ldm = 0x60;  // BPF_LD|BPF_W|BPF_MEM

inline Filter accept_all() { return bpf({BpfInsn{k_ret, 0, 0, 65535}}); }

// Programs that decode but fail BPF validation.
inline std::vector<std::pair<std::string, Filter>> bogus_programs()
{
  return {
      {"an empty program", bpf({})},
      {"a conditional jump past the end", bpf({BpfInsn{k_jeq, 5, 0, 0x800}, BpfInsn{k_ret, 0, 0, 0}})},
      {"an unconditional jump past the end", bpf({BpfInsn{k_ja, 0, 0, 10}, BpfInsn{k_ret, 0, 0, 0}})},
      {"no final return", bpf({BpfInsn{k_ldh, 0, 0, 12}})},
      {"a division by the constant 0", bpf({BpfInsn{k_div, 0, 0, 0}, BpfInsn{k_ret, 0, 0, 0}})},
      {"a scratch memory index out of range", bpf({BpfInsn{k_ldm, 0, 0, 16}, BpfInsn{k_ret, 0, 0, 0}})},
      // bpf_validate() passes these, and libpcap's bpf_filter() aborts on them.
      {"an opcode that is no opcode", bpf({BpfInsn{0xffff, 0, 0, 0}, BpfInsn{k_ret, 0, 0, 1}})},
      {"an ALU operation that does not exist", bpf({BpfInsn{0xe4, 0, 0, 1}, BpfInsn{k_ret, 0, 0, 1}})},
      {"a jump test that does not exist", bpf({BpfInsn{0x55, 0, 0, 1}, BpfInsn{k_ret, 0, 0, 1}})},
  };
}

inline Bytes startcap(std::uint32_t snaplen, Filter filter = accept_all(), std::uint16_t flags = 0,
                      std::uint16_t port = 0)
{
  return encode(Message{StartCapRequest{snaplen, 1000, flags, port, std::move(filter)}});
}

inline Bytes updatefilter(Filter filter) { return encode(Message{UpdateFilterRequest{std::move(filter)}}); }

inline const std::string k_no_device = "No capture device was specified";
inline const std::string k_bogus = "The filter contains bogus instructions";

}  // namespace rpcap::test
