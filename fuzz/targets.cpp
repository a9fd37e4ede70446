// SPDX-License-Identifier: BSD-3-Clause
#include "targets.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "rpcap/wire/bytes.hpp"
#include "rpcap/net/capture.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/config/config.hpp"
#include "rpcap/config/view.hpp"
#include "rpcap/base/error.hpp"
#include "rpcap/wire/interface_view.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/daemon/server.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap::fuzz {
namespace {

FailureHandler g_failure_handler = nullptr;

[[noreturn]] void fail(const std::string& what)
{
  if (g_failure_handler != nullptr) { g_failure_handler(what); }
  std::fprintf(stderr, "fuzz: property broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Messages are built only when a check fails: the happy path stays fast.
void require(bool ok, const char* what)
{
  if (!ok) { fail(what); }
}

std::string_view as_text(const std::uint8_t* data, std::size_t size)
{
  return size == 0 ? std::string_view{} : std::string_view{reinterpret_cast<const char*>(data), size};
}

// At most the first 64 bytes of `b` in hex, for failure messages.
std::string hex_head(ByteView b)
{
  return to_hex(b.first(std::min<std::size_t>(b.size(), 64))) + (b.size() > 64 ? " ..." : "");
}

// What a failure message shows of text `s`: printable ASCII, the rest as \xNN.
std::string show(std::string_view s)
{
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += k_hex[u >> 4];
      out += k_hex[u & 0x0f];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

bool has_control(std::string_view s, bool newline_ok)
{
  return std::any_of(s.begin(), s.end(), [newline_ok](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 || u == 0x7f) && !(newline_ok && c == '\n');
  });
}

// ---------------------------------------------------------------------------
// A strict JSON (RFC 8259) checker, independent of the library's writer:
// structure, string escapes, no raw control characters, valid UTF-8.

// Length of the well-formed UTF-8 sequence at the start of `s` (Unicode
// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_length(std::string_view s)
{
  auto at = [&](std::size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  auto in = [](unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; };
  const unsigned b0 = at(0);
  if (b0 < 0x80) { return s.empty() ? 0 : 1; }
  if (in(b0, 0xc2, 0xdf)) { return in(at(1), 0x80, 0xbf) ? 2 : 0; }
  if (in(b0, 0xe0, 0xef)) {
    const unsigned lo = b0 == 0xe0 ? 0xa0 : 0x80;
    const unsigned hi = b0 == 0xed ? 0x9f : 0xbf;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xbf) ? 3 : 0;
  }
  if (in(b0, 0xf0, 0xf4)) {
    const unsigned lo = b0 == 0xf0 ? 0x90 : 0x80;
    const unsigned hi = b0 == 0xf4 ? 0x8f : 0xbf;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf) ? 4 : 0;
  }
  return 0;
}

class JsonChecker {
public:
  explicit JsonChecker(std::string_view s) : m_s(s) {}

  bool document()
  {
    skip_blanks();
    if (!value(0)) { return false; }
    skip_blanks();
    return m_i == m_s.size();
  }

private:
  static constexpr int k_max_depth = 32;

  bool peek(char c) const { return m_i < m_s.size() && m_s[m_i] == c; }
  bool digit() const { return m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9'; }
  void skip_blanks()
  {
    while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r')) {
      ++m_i;
    }
  }

  bool value(int depth)
  {
    if (depth > k_max_depth || m_i >= m_s.size()) { return false; }
    switch (m_s[m_i]) {
    case '{': return members(depth, '}', true);
    case '[': return members(depth, ']', false);
    case '"': return string();
    case 't': return literal("true");
    case 'f': return literal("false");
    case 'n': return literal("null");
    default: return number();
    }
  }

  // An object (`keyed`) or an array, from its opening bracket.
  bool members(int depth, char close, bool keyed)
  {
    ++m_i;
    skip_blanks();
    if (peek(close)) {
      ++m_i;
      return true;
    }
    for (;;) {
      skip_blanks();
      if (keyed) {
        if (!peek('"') || !string()) { return false; }
        skip_blanks();
        if (!peek(':')) { return false; }
        ++m_i;
        skip_blanks();
      }
      if (!value(depth + 1)) { return false; }
      skip_blanks();
      if (peek(',')) {
        ++m_i;
        continue;
      }
      if (!peek(close)) { return false; }
      ++m_i;
      return true;
    }
  }

  bool string()
  {
    ++m_i;  // the opening quote
    while (m_i < m_s.size()) {
      const char c = m_s[m_i];
      if (c == '"') {
        ++m_i;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) { return false; }
      if (c == '\\') {
        ++m_i;
        if (m_i >= m_s.size()) { return false; }
        const char e = m_s[m_i];
        if (e == 'u') {
          for (int k = 1; k <= 4; ++k) {
            const std::size_t j = m_i + static_cast<std::size_t>(k);
            const char h = j < m_s.size() ? m_s[j] : '\0';
            const bool hex = (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
            if (!hex) { return false; }
          }
          m_i += 5;
          continue;
        }
        if (std::string_view{"\"\\/bfnrt"}.find(e) == std::string_view::npos) { return false; }
        ++m_i;
        continue;
      }
      const std::size_t n = utf8_length(m_s.substr(m_i));
      if (n == 0) { return false; }
      m_i += n;
    }
    return false;
  }

  bool literal(std::string_view word)
  {
    if (m_s.substr(m_i, word.size()) != word) { return false; }
    m_i += word.size();
    return true;
  }

  bool number()
  {
    if (peek('-')) { ++m_i; }
    if (peek('0')) {
      ++m_i;
    } else {
      if (!digit()) { return false; }
      while (digit()) { ++m_i; }
    }
    if (peek('.')) {
      ++m_i;
      if (!digit()) { return false; }
      while (digit()) { ++m_i; }
    }
    if (peek('e') || peek('E')) {
      ++m_i;
      if (peek('+') || peek('-')) { ++m_i; }
      if (!digit()) { return false; }
      while (digit()) { ++m_i; }
    }
    return true;
  }

  std::string_view m_s;
  std::size_t m_i{0};
};

// ---------------------------------------------------------------------------
// Protocol helpers

// Whatever decoded must re-encode (with the header's version) to bytes that
// decode to an equal message, and that encoding must be stable.
void check_round_trip(const Header& h, const Message& msg)
{
  const Bytes once = encode(msg, h.ver);
  auto again = decode(once);
  if (!again || !*again) {
    fail("a decoded " + std::string{msg_type_name(h.type)} + " re-encodes to bytes that do not decode: "
         + (again ? std::string{"need more bytes"} : again.error().message) + "; bytes " + hex_head(once));
  }
  const Decoded& d = **again;
  require(d.size == once.size(), "a re-encoded message does not decode to its whole length");
  require(d.header.ver == h.ver, "a re-encoded message lost its version");
  require(d.header.type == h.type, "a re-encoded message changed its type");
  if (!(d.message == msg)) {
    fail("a decoded " + std::string{msg_type_name(h.type)} + " re-encodes to a different message; bytes "
         + hex_head(once));
  }
  require(encode(d.message, h.ver) == once, "encoding a message twice gives different bytes");
}

// The properties of a FINDALLIF_REPLY that decoded, as rpcap-ls shows it.
void check_interface_listing(std::uint16_t count, const FindAllIfReply& reply)
{
  require(reply.interfaces.size() == count, "FINDALLIF_REPLY decoded a number of interfaces other than its count");
  auto listing = parse_source("rpcap://192.0.2.1:2002/", SourceUse::list);
  require(listing.has_value(), "the listing source does not parse");
  std::vector<ListedInterface> list;
  for (const auto& ifc : reply.interfaces) {
    require(!ifc.name.empty(), "FINDALLIF_REPLY decoded an interface without a name");
    require(ifc.name.find('\0') == std::string::npos, "FINDALLIF_REPLY decoded a name with a NUL byte");
    for (const auto& a : ifc.addresses) {
      for (const SockAddr* sa : {&a.addr, &a.netmask, &a.broadaddr, &a.dstaddr}) {
        require(sa->to_string().empty() == (sa->family == AddrFamily::none), "an address has no text form");
        const int prefix = prefix_length(*sa);
        require(prefix <= (sa->family == AddrFamily::ipv4 ? 32 : 128), "a prefix length is too long");
      }
    }
    (void)interface_flag_names(ifc.flags);
    list.push_back(ListedInterface{format_source(remote_interface_source(*listing, ifc.name)), ifc});
  }
  const std::string names = interfaces_names(list);
  require(!has_control(names, true), "the names listing holds a control character");
  require(static_cast<std::size_t>(std::count(names.begin(), names.end(), '\n')) == list.size(),
          "the names listing does not have one line per interface");
  require(!has_control(interfaces_long(list), true), "the long listing holds a control character");
  const std::string json = interfaces_json(list);
  if (!JsonChecker{json}.document()) { fail("the JSON listing is not valid JSON: " + show(json.substr(0, 200))); }
}

// ---------------------------------------------------------------------------
// server_session: a permissive environment that checks how the session uses it.

std::vector<Interface> fake_interfaces()
{
  IfAddress v4;
  v4.addr = SockAddr::ipv4({127, 0, 0, 1});
  v4.netmask = SockAddr::ipv4({255, 0, 0, 0});
  IfAddress v6;
  v6.addr = SockAddr::ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 2);
  return {Interface{"eth0", "", 0x16, {v6}}, Interface{"lo", "Loopback", 0x37, {v4}},
          Interface{"any", "Pseudo-device that captures on all interfaces", 0x34, {}}};
}

class FuzzEnv final : public SessionEnv {
public:
  FuzzEnv(std::uint8_t flags, std::uint8_t certificate) : m_flags(flags), m_certificate(certificate) {}

  void attach(const ServerSession& session) { m_session = &session; }
  // The first rule the session broke, or "".
  const std::string& violation() const { return m_violation; }

  Status authenticate(const std::string&, const std::string&) override
  {
    expect(!m_session->authenticated(), "authenticate() called after authentication");
    if (has(k_env_auth_fails)) { return make_error(ErrorKind::auth, "wrong password"); }
    return {};
  }
  std::optional<Status> certificate_login() override
  {
    expect(!m_session->authenticated(), "certificate_login() called after authentication");
    if (m_certificate == k_cert_logs_in) { return Status{}; }
    if (m_certificate == k_cert_login_fails) {
      Status refused = make_error(ErrorKind::auth, "certificate login refused");
      return refused;
    }
    if (m_certificate == k_cert_session_ends) {
      m_must_close = true;
      Status broken = failure("certificate login: the identity change failed");
      return broken;
    }
    return std::nullopt;
  }
  Status admit() override
  {
    expect(!m_session->authenticated(), "admit() called after authentication");
    if ((m_flags & k_env_no_room) == k_env_no_room) {
      m_must_close = true;
      Status refused = make_error(ErrorKind::remote, "too many sessions (MaxSessions 64)");
      return refused;
    }
    return {};
  }
  // A login failed or was refused so that the session must close on this feed.
  bool must_close() const { return m_must_close; }
  Result<std::vector<Interface>> list_interfaces() override
  {
    expect_authenticated("list_interfaces");
    if (has(k_env_list_fails)) { return failure("cannot list"); }
    if (has(k_env_list_empty)) { return std::vector<Interface>{}; }
    return fake_interfaces();
  }
  Result<int> probe_linktype(const std::string& device) override
  {
    expect_authenticated("probe_linktype");
    expect(!device.empty(), "probe_linktype() of an empty name");
    expect(device.find('\0') == std::string::npos, "probe_linktype() of a name with a NUL byte");
    expect(device.find("://") == std::string::npos, "probe_linktype() of a URL (B28)");
    expect(device.size() <= OpenRequest::k_max_name, "probe_linktype() of a name longer than OPEN allows");
    if (has(k_env_probe_fails)) { return failure(device + ": No such device exists"); }
    m_probed.push_back(device);
    return device == "any" ? 113 : 1;
  }
  Result<StartCapReply> start_capture(const StartCapture& req) override
  {
    expect_authenticated("start_capture");
    expect(!m_running, "start_capture() while a capture runs (B9)");
    expect(!req.device.empty(), "start_capture() without a device");
    expect(std::find(m_probed.begin(), m_probed.end(), req.device) != m_probed.end(),
           "start_capture() of a device that was never opened");
    expect(req.snaplen >= 1 && req.snaplen <= k_max_snaplen, "start_capture() with a snaplen out of range");
    expect(is_valid_bpf(req.filter), "start_capture() with a filter that is not valid BPF");
    if (has(k_env_start_fails)) { return failure("cannot start"); }
    m_running = true;
    return StartCapReply{262144, 35241};
  }
  Status update_filter(const Filter& filter) override
  {
    expect_authenticated("update_filter");
    expect(m_running, "update_filter() without a capture");
    expect(is_valid_bpf(filter), "update_filter() with a filter that is not valid BPF");
    if (has(k_env_update_fails)) { return failure("cannot set the filter"); }
    return {};
  }
  Status set_sampling(const SetSamplingRequest&) override
  {
    expect_authenticated("set_sampling");
    expect(m_running, "set_sampling() without a capture");
    if (has(k_env_update_fails)) { return failure("cannot sample"); }
    return {};
  }
  Result<StatsReply> stats() override
  {
    expect_authenticated("stats");
    if (has(k_env_stats_fail)) { return failure("no statistics"); }
    return StatsReply{18, 0, 0, 9};
  }
  void end_capture() override
  {
    expect_authenticated("end_capture");
    expect(m_running, "end_capture() without a capture");
    m_running = false;
  }
  bool capturing() const override { return m_running; }
  void log(LogLevel, const std::string& message) override { expect(!message.empty(), "an empty log message"); }

private:
  bool has(std::uint8_t flag) const { return (m_flags & flag) != 0; }
  static Error failure(std::string text) { return make_error(ErrorKind::io, std::move(text)); }
  void expect(bool ok, const char* rule)
  {
    if (!ok && m_violation.empty()) { m_violation = rule; }
  }
  void expect_authenticated(const char* call)
  {
    if (!m_session->authenticated() && m_violation.empty()) {
      m_violation = std::string{call} + "() called before authentication";
    }
  }

  std::uint8_t m_flags;
  std::uint8_t m_certificate;
  bool m_must_close{false};
  const ServerSession* m_session{nullptr};
  std::vector<std::string> m_probed;
  bool m_running{false};
  std::string m_violation;
};

// Every byte the session wrote in one feed() must be whole, valid replies.
void check_replies(ByteView out)
{
  while (!out.empty()) {
    auto d = decode(out);
    if (!d) { fail("the session wrote a reply that does not decode: " + d.error().message + "; bytes " + hex_head(out)); }
    if (!*d) { fail("the session wrote part of a message; bytes " + hex_head(out)); }
    const Header& h = (*d)->header;
    if (h.type == MsgType::error) {
      require(h.value != 0, "the session sent an ERROR with code 0");
    } else {
      require(is_reply(h.type), "the session sent a message that is neither a reply nor an ERROR");
      require(h.ver == k_protocol_version, "the session replied with another version");
    }
    out = out.subspan((*d)->size);
  }
}

// A tiny deterministic generator for chunk sizes (Knuth's MMIX LCG).
class Lcg {
public:
  explicit Lcg(std::uint64_t seed) : m_state(seed) {}
  std::uint32_t next()
  {
    m_state = m_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(m_state >> 33);
  }

private:
  std::uint64_t m_state;
};

// ---------------------------------------------------------------------------
// config helpers

void check_config_errors(const std::vector<Error>& errors, std::string_view path)
{
  require(errors.size() <= k_max_config_errors + 1, "a parse reported more errors than its cap");
  for (const auto& e : errors) {
    require(e.kind == ErrorKind::config, "a config error is not of kind config");
    require(e.message.starts_with(std::string{path} + ":"), "a config error does not start with the path");
    if (has_control(e.message, false)) { fail("a config error message holds a control character: " + show(e.message)); }
  }
}

// write_config() of `cfg` either fails or writes a file that parses back to `cfg`.
void check_write(const DaemonConfig& cfg, bool must_succeed)
{
  auto text = write_config(cfg);
  if (!text) {
    require(!must_succeed, "write_config() refused a config that parse_config() accepted");
    require(!check_config(cfg).empty(), "write_config() failed but check_config() finds nothing wrong");
    return;
  }
  require(check_config(cfg).empty(), "write_config() wrote a config that check_config() refuses");
  const auto back = parse_config(*text, "written.conf");
  if (!back.errors.empty()) {
    fail("write_config() wrote a file that does not parse: " + back.errors.front().message + "; file "
         + show(*text));
  }
  if (!(back.config == cfg)) { fail("write_config() wrote a file that parses to another config: " + show(*text)); }
  auto twice = write_config(back.config);
  require(twice.has_value() && *twice == *text, "write_config() of the parsed file gives another file");

  // rpcap-conf show: a file a daemon reads to the same effect, and valid JSON.
  const std::string shown = show_config_text(cfg);
  const auto again = parse_config(shown, "shown.conf");
  if (!again.errors.empty()) {
    fail("show_config_text() wrote a file that does not parse: " + again.errors.front().message + "; file " + show(shown));
  }
  if (!(again.config == cfg)) { fail("show_config_text() wrote a file that parses to another config: " + show(shown)); }
  const std::string json = show_config_json(cfg);
  if (!JsonChecker{json}.document()) { fail("show_config_json() is not valid JSON: " + show(json.substr(0, 200))); }
}

// A DaemonConfig from NUL-separated fields: listen address, port, host list
// file, capture group, then repeating (passive client, active host, active
// port). Values hold anything (newlines too): write_config() must refuse
// any that would change the file's meaning.
DaemonConfig config_from_fields(std::string_view text)
{
  std::vector<std::string_view> fields;
  for (std::size_t pos = 0;;) {
    const std::size_t nul = text.find('\0', pos);
    fields.push_back(text.substr(pos, nul == std::string_view::npos ? std::string_view::npos : nul - pos));
    if (nul == std::string_view::npos) { break; }
    pos = nul + 1;
  }
  DaemonConfig cfg;
  auto field = [&](std::size_t i) { return i < fields.size() ? std::string{fields[i]} : std::string{}; };
  cfg.listen_address = field(0);
  if (fields.size() > 1) { cfg.port = field(1); }
  cfg.host_list_file = field(2);
  cfg.capture_group = field(3);
  for (std::size_t i = 4; i < fields.size(); i += 3) {
    if (!fields[i].empty()) { cfg.passive_clients.emplace_back(fields[i]); }
    if (i + 1 < fields.size()) { cfg.active_clients.push_back(ActiveClient{field(i + 1), field(i + 2)}); }
  }
  return cfg;
}

}  // namespace

void set_failure_handler(FailureHandler handler) { g_failure_handler = handler; }

// ---------------------------------------------------------------------------

int fuzz_protocol_decode(const std::uint8_t* data, std::size_t size)
{
  ByteView buf{data, size};
  while (!buf.empty()) {
    auto frame = next_frame(buf);
    auto whole = decode(buf);
    if (!frame) {
      require(frame.error().kind == ErrorKind::malformed, "next_frame() failed with a kind other than malformed");
      require(!whole, "decode() accepts what next_frame() refuses");
      return 0;
    }
    if (!*frame) {
      require(whole && !*whole, "decode() disagrees with next_frame() about needing more bytes");
      return 0;
    }
    const Frame& f = **frame;
    require(f.size == k_header_size + f.payload.size() && f.size <= buf.size(), "a frame's size is wrong");
    require(f.header.plen <= k_default_max_plen, "a frame exceeds the payload limit");
    // Every strict prefix of a whole message needs more bytes (STYLE: DepsLogTest.Truncated).
    for (std::size_t k = 0; k < f.size; ++k) {
      auto part = next_frame(buf.first(k));
      require(part.has_value() && !part->has_value(), "a strict prefix of a message is not 'need more bytes'");
    }
    auto msg = decode_payload(f.header, f.payload);
    require(msg.has_value() == whole.has_value(), "decode() disagrees with decode_payload()");
    if (msg) {
      require(whole->has_value() && (*whole)->size == f.size && (*whole)->header == f.header
                  && (*whole)->message == *msg,
              "decode() gives another result than next_frame() and decode_payload()");
      require(type_of(*msg) == f.header.type, "a message decoded to another type than its header's");
      check_round_trip(f.header, *msg);
    } else {
      require(msg.error().kind == ErrorKind::malformed, "a decode error is not of kind malformed");
      require(!msg.error().message.empty(), "a decode error has no message");
    }
    // A bad payload does not break the framing: go on with the next message.
    buf = buf.subspan(f.size);
  }
  return 0;
}

int fuzz_protocol_client(const std::uint8_t* data, std::size_t size)
{
  ByteView buf{data, size};
  while (!buf.empty()) {
    auto frame = next_frame(buf, ClientSession::k_max_list_reply);
    // The data path's one-step decoder takes exactly the whole, valid PACKETs
    // of this version that the general path takes, with the same header.
    PacketHeader fast;
    const std::size_t fast_size = next_packet(buf, k_protocol_version, ClientSession::k_max_list_reply, fast);
    if (fast_size > 0) {
      require(frame && *frame && (*frame)->size == fast_size && (*frame)->header.type == MsgType::packet
                  && (*frame)->header.ver == k_protocol_version,
              "next_packet() takes what next_frame() does not frame as a PACKET");
      auto general = decode_packet_header((*frame)->payload);
      require(general && *general == fast, "next_packet() disagrees with decode_packet_header()");
    } else if (frame && *frame && (*frame)->header.type == MsgType::packet && (*frame)->header.ver == k_protocol_version) {
      require(!decode_packet_header((*frame)->payload), "next_packet() leaves out a valid PACKET");
    }
    if (!frame || !*frame) { return 0; }
    const Frame f = **frame;
    buf = buf.subspan(f.size);
    const MsgType type = f.header.type;
    if (type == MsgType::packet) {
      auto ph = decode_packet_header(f.payload);
      auto msg = decode_payload(f.header, f.payload);
      require(ph.has_value() == msg.has_value(), "decode_packet_header() disagrees with decode_payload()");
      if (!ph) { continue; }
      require(ph->caplen <= f.payload.size() - PacketHeader::k_size, "a PACKET's caplen exceeds its payload (B14)");
      const auto& p = std::get<Packet>(*msg);
      require(p.hdr == *ph && p.data.size() == ph->caplen, "a decoded PACKET does not hold caplen bytes");
      check_round_trip(f.header, *msg);
      continue;
    }
    // The client decodes only what a daemon sends: replies and ERROR.
    if (type != MsgType::error && !is_reply(type)) { continue; }
    auto msg = decode_payload(f.header, f.payload);
    if (!msg) {
      require(type != MsgType::error, "an ERROR message failed to decode");
      continue;
    }
    if (const auto* list = std::get_if<FindAllIfReply>(&*msg)) { check_interface_listing(f.header.value, *list); }
    if (const auto* auth = std::get_if<AuthReply>(&*msg)) {
      require(auth->byte_order_relation().has_value(), "an AUTH_REPLY decoded with an invalid magic");
      require(auth->min_version <= auth->max_version, "an AUTH_REPLY decoded with min above max");
    }
    if (const auto* open = std::get_if<OpenReply>(&*msg)) {
      require(!linktype_name(open->linktype).empty(), "a link type has no name");
    }
    check_round_trip(f.header, *msg);
  }
  return 0;
}

int fuzz_url(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input = as_text(data, size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view ifname = nul == std::string_view::npos ? std::string_view{"eth0"} : input.substr(nul + 1);
  for (const SourceUse use : {SourceUse::open, SourceUse::list}) {
    auto src = parse_source(text, use);
    if (!src) {
      require(src.error().kind == ErrorKind::usage, "a source error is not of kind usage");
      if (has_control(src.error().message, false)) {
        fail("a source error message holds a control character: " + show(src.error().message));
      }
      continue;
    }
    require(src->kind == SourceKind::remote || !src->tls, "a source that is not remote has TLS set");
    require(use == SourceUse::list || !src->name.empty(), "a source to open has no name");
    const std::string formatted = format_source(*src);
    auto again = parse_source(formatted, use);
    if (!again) {
      fail("format_source() of " + show(text) + " gives " + show(formatted)
           + ", which does not parse: " + again.error().message);
    }
    if (!(*again == *src)) {
      fail("format_source() of " + show(text) + " gives " + show(formatted) + ", which parses to another source");
    }
    require(format_source(*again) == formatted, "format_source() is not stable");
    if (use != SourceUse::list) { continue; }
    // An interface found by this listing, named as rpcap-ls names it, opens
    // that interface. Local device names never hold "/" (Linux refuses it).
    const Source found = remote_interface_source(*src, ifname);
    const bool plausible = !ifname.empty() && !has_control(ifname, false)
                           && (src->kind != SourceKind::local || ifname.find('/') == std::string_view::npos);
    const std::string named = format_source(found);
    if (!plausible || named.size() > k_max_source_length) { continue; }
    auto opened = parse_source(named, SourceUse::open);
    if (!opened) {
      fail("interface " + show(ifname) + " of listing " + show(text) + " is named " + show(named)
           + ", which does not parse: " + opened.error().message);
    }
    if (!(*opened == found)) {
      fail("interface " + show(ifname) + " of listing " + show(text) + " is named " + show(named)
           + ", which parses to another source");
    }
  }
  return 0;
}

int fuzz_config(const std::uint8_t* data, std::size_t size)
{
  const std::string_view text = as_text(data, size);

  const auto parsed = parse_config(text, "fuzz.conf");
  check_config_errors(parsed.errors, "fuzz.conf");
  if (parsed.errors.empty()) {
    require(check_config(parsed.config).empty(), "check_config() refuses a config that parse_config() accepted");
    check_write(parsed.config, true);
  }

  const auto hosts = parse_host_list(text, "hosts");
  check_config_errors(hosts.errors, "hosts");
  std::size_t joined = 0;
  for (const auto& h : hosts.hosts) {
    require(split_host_list(h) == std::vector<std::string>{h}, "a host list entry holds a separator");
    joined += h.size() + 1;
  }
  require(joined <= k_max_host_list_chars + 1, "a host list is longer than libpcap's limit");

  for (const auto& token : split_host_list(text)) {
    require(!token.empty() && token.find_first_of(" ,;\r\n") == std::string::npos, "split_host_list() kept a separator");
  }
  if (auto active = parse_active_list(text)) {
    require(!active->empty() && active->size() <= k_max_active_clients, "parse_active_list() gives too many targets");
    DaemonConfig cfg;
    cfg.active_clients = *active;
    require(check_config(cfg).empty(), "parse_active_list() accepts a target check_config() refuses");
  } else {
    require(active.error().kind == ErrorKind::usage, "an active list error is not of kind usage");
  }

  check_write(config_from_fields(text), false);
  return 0;
}

int fuzz_server_session(const std::uint8_t* data, std::size_t size)
{
  if (size < 2) { return 0; }
  const std::uint8_t flags = data[0];
  const std::uint8_t chunking = data[1] & 0x3f;
  const std::uint8_t certificate = static_cast<std::uint8_t>(data[1] >> 6);
  ByteView stream{data + 2, size - 2};

  FuzzEnv env{flags, certificate};
  SessionSettings settings;
  settings.null_auth = (flags & k_env_no_null_auth) == 0;
  ServerSession session{env, settings};
  env.attach(session);

  Lcg lcg{chunking};
  Bytes out;
  std::size_t fed = 0;
  bool first = true;
  while (first || !stream.empty()) {
    // The first feed is empty: a session must take a read of zero bytes.
    std::size_t n = 0;
    if (!first) { n = chunking == 0 ? stream.size() : std::min<std::size_t>(stream.size(), 1 + lcg.next() % chunking); }
    first = false;
    out.clear();
    const auto next = session.feed(stream.first(n), out);
    stream = stream.subspan(n);
    fed += n;
    if (!env.violation().empty()) { fail("the session broke a rule of its environment: " + env.violation()); }
    check_replies(out);
    require(session.pending() <= fed, "the session holds more bytes than it was given");
    require(!env.must_close() || next == ServerSession::Next::close,
            "the session goes on after a login whose identity change failed or that the daemon had no room for");
    require(!env.must_close() || !session.authenticated(), "a login the daemon had no room for is authenticated");
    if (next == ServerSession::Next::close) { break; }  // never feed after close
  }
  return 0;
}

std::span<const Target> targets()
{
  static constexpr std::array<Target, 5> k_targets{{
    {"protocol_decode", fuzz_protocol_decode},
    {"protocol_client", fuzz_protocol_client},
    {"url", fuzz_url},
    {"config", fuzz_config},
    {"server_session", fuzz_server_session},
  }};
  return k_targets;
}

}  // namespace rpcap::fuzz
