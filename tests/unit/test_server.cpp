// SPDX-License-Identifier: BSD-3-Clause
// ServerSession, the daemon's control-connection state machine, driven
// through a fake SessionEnv with the requests libpcap 1.10.3 peers really
// sent (tests/vectors) and encoded ones where nothing was recorded. Replies
// are compared byte for byte with what rpcapd 1.10.3 answered wherever that
// was recorded, and decoded and checked field by field elsewhere. The state
// machine is the one of the protocol reference §3.13 and §6.2a, with the
// fixes of server.hpp (B1, B5, B6, B9, B28), each with a regression test.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "rpcap/net/capture.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/daemon/server.hpp"
#include "support/vectors.hpp"

using namespace rpcap;
using rpcap::test::load_vector;
using Next = ServerSession::Next;

namespace {

const std::string k_user = "rpcapvec";          // the account of auth_req_password.hex
const std::string k_password = "vector-pass-1";

Error env_failure(std::string text) { return make_error(ErrorKind::io, std::move(text)); }

std::vector<Interface> default_interfaces()
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

private:
  bool unlucky() { return chaos != nullptr && (*chaos)() % 4 == 0; }
};

SessionSettings null_auth_settings()
{
  SessionSettings s;
  s.null_auth = true;
  return s;
}

SessionSettings password_only_settings() { return SessionSettings{}; }

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

Bytes cat(std::initializer_list<Bytes> parts)
{
  Bytes all;
  for (const auto& p : parts) { all.insert(all.end(), p.begin(), p.end()); }
  return all;
}

Bytes hex(std::string_view text)
{
  Bytes b = from_hex(text);
  REQUIRE_FALSE(b.empty());
  return b;
}

// A message built by hand: header `ver`/`type`, `payload`, and `plen`
// (by default the payload's length).
Bytes raw(std::uint8_t ver, std::uint8_t type, ByteView payload = {}, std::optional<std::uint32_t> plen = {})
{
  Bytes b;
  encode_header(b, Header{ver, static_cast<MsgType>(type), 0,
                          plen.value_or(static_cast<std::uint32_t>(payload.size()))});
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes raw(std::uint8_t type, const Bytes& payload) { return raw(0, type, ByteView{payload}); }

std::string describe(const Decoded& d)
{
  if (const auto* e = std::get_if<ErrorMsg>(&d.message)) {
    return "ERROR " + std::to_string(static_cast<unsigned>(e->code)) + " \"" + e->text + "\"";
  }
  auto name = msg_type_name(d.header.type);
  return name.empty() ? "type " + std::to_string(static_cast<unsigned>(d.header.type)) : std::string{name};
}

// Every message in `out`, which must decode whole.
std::vector<Decoded> replies(const Bytes& out)
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

// The one reply in `out`, of version 0 and type T.
template <typename T>
T only(const Bytes& out)
{
  auto all = replies(out);
  REQUIRE(all.size() == 1);
  INFO("reply: " << describe(all[0]));
  CHECK(all[0].header.ver == 0);
  REQUIRE(std::holds_alternative<T>(all[0].message));
  return std::get<T>(all[0].message);
}

ErrorMsg error_of(const Decoded& d)
{
  INFO("reply: " << describe(d));
  REQUIRE(std::holds_alternative<ErrorMsg>(d.message));
  return std::get<ErrorMsg>(d.message);
}

// `out` holds exactly one ERROR: `code`, `text`, header version `ver`.
void check_error(const Bytes& out, ErrorCode code, const std::string& text, std::uint8_t ver = 0)
{
  auto all = replies(out);
  REQUIRE(all.size() == 1);
  CHECK(all[0].header.ver == ver);
  const auto e = error_of(all[0]);
  CHECK(e.code == code);
  CHECK(e.text == text);
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

Filter bpf(std::vector<BpfInsn> insns)
{
  Filter f;
  f.insns = std::move(insns);
  return f;
}

constexpr std::uint16_t k_ret = 0x06;  // BPF_RET|BPF_K
constexpr std::uint16_t k_jeq = 0x15;  // BPF_JMP|BPF_JEQ|BPF_K
constexpr std::uint16_t k_ja = 0x05;   // BPF_JMP|BPF_JA
constexpr std::uint16_t k_ldh = 0x28;  // BPF_LD|BPF_H|BPF_ABS
constexpr std::uint16_t k_div = 0x34;  // BPF_ALU|BPF_DIV|BPF_K
constexpr std::uint16_t k_ldm = 0x60;  // BPF_LD|BPF_W|BPF_MEM

Filter accept_all() { return bpf({BpfInsn{k_ret, 0, 0, 65535}}); }

// Programs that decode but fail BPF validation.
std::vector<std::pair<std::string, Filter>> bogus_programs()
{
  return {
      {"an empty program", bpf({})},
      {"a conditional jump past the end", bpf({BpfInsn{k_jeq, 5, 0, 0x800}, BpfInsn{k_ret, 0, 0, 0}})},
      {"an unconditional jump past the end", bpf({BpfInsn{k_ja, 0, 0, 10}, BpfInsn{k_ret, 0, 0, 0}})},
      {"no final return", bpf({BpfInsn{k_ldh, 0, 0, 12}})},
      {"a division by the constant 0", bpf({BpfInsn{k_div, 0, 0, 0}, BpfInsn{k_ret, 0, 0, 0}})},
      {"a scratch memory index out of range", bpf({BpfInsn{k_ldm, 0, 0, 16}, BpfInsn{k_ret, 0, 0, 0}})},
  };
}

Bytes startcap(std::uint32_t snaplen, Filter filter = accept_all(), std::uint16_t flags = 0, std::uint16_t port = 0)
{
  return encode(Message{StartCapRequest{snaplen, 1000, flags, port, std::move(filter)}});
}

Bytes updatefilter(Filter filter) { return encode(Message{UpdateFilterRequest{std::move(filter)}}); }

const std::string k_no_device = "No capture device was specified";
const std::string k_bogus = "The filter contains bogus instructions";
const std::string k_no_capture_filter = "Device not opened. Cannot update filter";
const std::string k_remote_device = "Source string refers to a remote device";

}  // namespace

// ---------------------------------------------------------------------------
// Authentication (§3.2, §5)

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
    SessionSettings settings;
    settings.null_auth = null_auth;
    Session t{settings};
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
    SessionSettings settings;
    settings.null_auth = null_auth;
    Session t{settings};
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
    SessionSettings settings;
    settings.null_auth = null_auth;
    Session t{settings};
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
    SessionSettings settings;
    settings.null_auth = null_auth;
    Session t{settings};
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
  const std::string reason = "too many sessions from 192.0.2.7 (MaxSessionsPerHost 64)";
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
    bool logged = false;
    for (const auto& line : t.env.logs) { logged = logged || line.find(reason) != std::string::npos; }
    CHECK(logged);

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
    auto f = t.feed(req);
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);  // the whole payload is dropped
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::auth);
    CHECK_FALSE(e.text.empty());
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
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::auth_type_notsup);
    CHECK_FALSE(e.text.empty());
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

// ---------------------------------------------------------------------------
// Unexpected input (§3.13)

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
  bool logged = false;
  for (const auto& line : u.env.logs) { logged = logged || line.find("host not allowed") != std::string::npos; }
  CHECK(logged);
}

namespace {

// The types only a server sends (§3.0), with libpcap's names.
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
  // §6.2a: "read header; ver != 0 -> ERROR 17 + close"; rpcapd 1.10.3 sends
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
  // §3.13: ver != 0 -> ERROR 17 echoing ver, whatever the rest of the header
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

// ---------------------------------------------------------------------------
// FINDALLIF (§3.3)

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
  const auto all = replies(f.out);
  REQUIRE(all.size() == 1);
  const auto e = error_of(all[0]);
  CHECK(e.code == ErrorCode::noremoteif);
  CHECK(e.text.rfind("No interfaces found!", 0) == 0);
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

// ---------------------------------------------------------------------------
// OPEN (§3.4)

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
      if (opened_before) {
        t.open_lo();
      } else {
        t.login();
      }
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
    if (opened_before) {
      t.open_lo();
    } else {
      t.login();
    }
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
    auto f = t.feed(req);
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::open);
    CHECK_FALSE(e.text.empty());
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

// ---------------------------------------------------------------------------
// STARTCAP (§3.5, §4.4)

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
    auto f = t.feed(req);
    CHECK(f.next == Next::go_on);
    CHECK(t.s.pending() == 0);
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::startcapture);
    CHECK_FALSE(e.text.empty());
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
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::startcapture);
    CHECK_FALSE(e.text.empty());
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

// ---------------------------------------------------------------------------
// UPDATEFILTER (§3.6)

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
      auto f = t.feed(req);
      CHECK(f.next == Next::go_on);
      CHECK(t.s.pending() == 0);
      const auto all = replies(f.out);
      REQUIRE(all.size() == 1);
      CHECK(error_of(all[0]).code == ErrorCode::updatefilter);
      CHECK_FALSE(error_of(all[0]).text.empty());
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

// ---------------------------------------------------------------------------
// SETSAMPLING (§3.10), STATS (§3.8), ENDCAP (§3.9), CLOSE (§3.11)

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

// ---------------------------------------------------------------------------
// Framing (§2)

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
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    const auto e = error_of(all[0]);
    CHECK(e.code == ErrorCode::open);
    CHECK(e.text.find("1048576") != std::string::npos);
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
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    CHECK(error_of(all[0]).code == ErrorCode::auth);
    CHECK_FALSE(error_of(all[0]).text.empty());
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
    const auto all = replies(f.out);
    REQUIRE(all.size() == 1);
    CHECK(error_of(all[0]).code == ErrorCode::startcapture);
    CHECK(t.env.start_calls.size() == 1);
    CHECK(t.env.stats_calls == 0);
  }
}

// ---------------------------------------------------------------------------
// Random input

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
