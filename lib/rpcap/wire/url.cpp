// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/url.hpp"

#include "rpcap/base/text.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <optional>

namespace rpcap {

namespace {

bool is_control(char c)
{
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool is_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

// Host names as getaddrinfo takes them without IDN: letters, digits, '.', '-',
// '_' (the underscore shows up in real, if non-standard, names).
bool is_host_char(char c)
{
  return is_alnum(c) || c == '.' || c == '-' || c == '_';
}

// Service names (/etc/services) and IPv6 zone ids (interface names).
bool is_token_char(char c)
{
  return is_alnum(c) || c == '-' || c == '_';
}

bool is_known_scheme(std::string_view scheme)
{
  return iequals(scheme, "rpcap") || iequals(scheme, "rpcaps") || iequals(scheme, "file");
}

// `s` with control bytes as \xNN, so a message never carries them to a terminal.
std::string escape(std::string_view s) { return escape_control(s); }

std::string quote(std::string_view s)
{
  return "\"" + escape(s) + "\"";
}

Error source_error(std::string_view text, const std::string& cause)
{
  return make_error(ErrorKind::usage, "source " + quote(text) + ": " + cause);
}

// True if `name` is written as an address, not a device: an IPv4 literal
// or a bracketed IPv6 one, with or without ":PORT". (A name such as
// "probe:2002" stays a device: "eth0:1" is one. No name that
// format_source() writes after "rpcap://" looks so: those start with a
// scheme's letters.)
bool looks_like_host(std::string_view name)
{
  if (name.front() == '[') { return true; }
  std::string_view host = name;
  const auto colon = name.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < name.size()
      && name.find_first_not_of("0123456789", colon + 1) == std::string_view::npos) {
    host = name.substr(0, colon);
  }
  in_addr a4{};
  return inet_pton(AF_INET, std::string(host).c_str(), &a4) == 1;
}

// A source that names a local device (`name` may be empty only for listing).
// `via_url` tells whether it was written as "rpcap://name", for the hint.
Result<Source> local_device(std::string_view text, std::string_view name, SourceUse use, bool via_url)
{
  if (name.empty()) {
    if (use == SourceUse::list) { return Source{}; }
    return source_error(text, "no device named (the first local adapter cannot be opened this way)");
  }
  if (use == SourceUse::list) {
    // libpcap would list local interfaces here; "rpcap://host" nearly always
    // meant the remote listing "rpcap://host/", so say so instead.
    const std::string hint = via_url ? "write " + quote(std::string(text) + "/") + " to list a remote host"
                                     : "write \"rpcap://host/\" to list a remote host";
    return source_error(text, "names the local device " + quote(name) + ", which cannot be listed (" + hint
                                  + ", or \"rpcap://\" for local interfaces)");
  }
  if (via_url && looks_like_host(name)) {
    // "rpcap://192.0.2.7:2002" is a local device by WinPcap's rule, but
    // nearly always meant a daemon's interface that was left out.
    return source_error(text, "names no interface: add /IFACE for one of the daemon's at " + quote(name) + " ("
                                  + quote("rpcap-ls " + std::string(text) + "/") + " lists them)");
  }
  Source src;
  src.name = std::string(name);
  return src;
}

// Why `literal` (the text between "[" and "]") is not an IP address, or nullopt.
std::optional<std::string> check_ip_literal(std::string_view literal)
{
  if (literal.empty()) { return "empty IP literal \"[]\""; }
  if (literal.find(':') == std::string_view::npos) {
    in_addr a4{};
    if (inet_pton(AF_INET, std::string(literal).c_str(), &a4) != 1) {
      return quote(literal) + " is not a valid IPv4 address";
    }
    return std::nullopt;
  }
  // getaddrinfo takes a scoped address "fe80::1%eth0" (no percent-decoding,
  // as in libpcap), and link-local daemons are real; inet_pton does not, so
  // check the address and the zone apart.
  const auto percent = literal.find('%');
  const auto addr = literal.substr(0, percent);
  in6_addr a6{};
  if (inet_pton(AF_INET6, std::string(addr).c_str(), &a6) != 1) {
    return quote(addr) + " is not a valid IPv6 address";
  }
  if (percent != std::string_view::npos) {
    const auto zone = literal.substr(percent + 1);
    bool ok = !zone.empty();
    for (char c : zone) { ok = ok && (is_token_char(c) || c == '.'); }
    if (!ok) { return "invalid zone " + quote(zone) + " in IPv6 address " + quote(literal); }
  }
  return std::nullopt;
}

// Why `port` is neither a port number nor a service name, or nullopt.
std::optional<std::string> check_port(std::string_view port)
{
  if (port.empty()) { return "empty port after \":\""; }
  bool digits = true;
  bool token = port.front() != '-';  // RFC 6335 service names: no leading "-",
  bool letter = false;               // at least one letter
  for (char c : port) {
    digits = digits && is_digit(c);
    token = token && is_token_char(c);
    letter = letter || (is_alnum(c) && !is_digit(c));
  }
  if (digits) {
    std::uint32_t value = 0;
    for (char c : port) {
      value = value * 10 + static_cast<std::uint32_t>(c - '0');
      if (value > 65535) { break; }  // no overflow, however many digits
    }
    if (value == 0 || value > 65535) { return "port " + quote(port) + " is out of range (1-65535)"; }
    return std::nullopt;
  }
  if (!token || !letter) { return "port " + quote(port) + " is neither a number nor a service name"; }
  return std::nullopt;
}

// "rpcap[s]://" + `authority` + "/" + `path`.
Result<Source> remote(std::string_view text, std::string_view authority, std::string_view path, bool tls,
                      SourceUse use)
{
  if (const auto at = authority.find('@'); at != std::string_view::npos) {
    return source_error(text, "user information " + quote(authority.substr(0, at))
                                  + " is not supported in a source");
  }
  Source src;
  src.kind = SourceKind::remote;
  src.tls = tls;
  std::string_view host;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) { return source_error(text, "IP literal has no closing \"]\""); }
    host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return source_error(text, "unexpected text " + quote(after) + " after IP literal "
                                    + quote(authority.substr(0, close + 1)));
    }
    if (auto why = check_ip_literal(host)) { return source_error(text, *why); }
    if (!after.empty()) { port = after.substr(1); }
  } else {
    const auto colon = authority.find(':');
    if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos
        && !check_ip_literal(authority)) {
      return source_error(text, "an IPv6 address must be in brackets, as in "
                                    + quote("[" + std::string(authority) + "]"));
    }
    host = authority.substr(0, colon);
    if (host.empty()) { return source_error(text, "no host name"); }
    for (char c : host) {
      if (!is_host_char(c)) {
        return source_error(text, "invalid character " + quote(std::string_view(&c, 1)) + " in host name "
                                      + quote(host));
      }
    }
    if (colon != std::string_view::npos) { port = authority.substr(colon + 1); }
  }
  if (port) {
    if (auto why = check_port(*port)) { return source_error(text, *why); }
    src.port = std::string(*port);
  }
  src.host = std::string(host);
  if (path.empty() && use == SourceUse::open) {
    return source_error(text, "names no interface on host " + quote(host) + ": add /IFACE ("
                                  + quote("rpcap-ls " + std::string(text)) + " lists them)");
  }
  src.name = std::string(path);
  return src;
}

}  // namespace

Result<Source> parse_source(std::string_view text, SourceUse use)
{
  if (text.size() > k_max_source_length) {
    return make_error(ErrorKind::usage, "source is " + std::to_string(text.size()) + " characters long (the limit is "
                                            + std::to_string(k_max_source_length) + ")");
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_control(text[i])) {
      return source_error(text, "control character " + escape(text.substr(i, 1)) + " at offset "
                                    + std::to_string(i));
    }
  }
  if (text.empty()) {
    if (use == SourceUse::list) { return Source{}; }
    return make_error(ErrorKind::usage, "empty source: name a device, a file:// path or an rpcap:// URL");
  }

  // libpcap: no ":", or a ":" not followed by "//", is a local device, whose
  // name may hold colons ("eth0:1").
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || text.substr(colon + 1, 2) != "//") {
    if (colon != std::string_view::npos && is_known_scheme(text.substr(0, colon))) {
      return source_error(text, quote(text.substr(0, colon + 1)) + " must be followed by \"//\"");
    }
    return local_device(text, text, use, false);
  }
  const auto scheme = text.substr(0, colon);
  const auto rest = text.substr(colon + 3);
  if (scheme.empty()) { return source_error(text, "no scheme before \"://\""); }

  if (iequals(scheme, "file")) {
    if (rest.empty()) { return source_error(text, "no file path after \"file://\""); }
    Source src;
    src.kind = SourceKind::file;
    src.name = std::string(rest);
    return src;
  }
  const bool tls = iequals(scheme, "rpcaps");
  if (!tls && !iequals(scheme, "rpcap")) {
    // libpcap opens a local device named by the whole string here. We refuse:
    // a mistyped "rpcapp://host/eth0" should be reported as such, not become
    // an attempt to capture locally that fails with "no such device" (or,
    // worse, succeeds on a device that happens to have that name).
    return source_error(text, "unsupported scheme " + quote(scheme) + " (expected rpcap, rpcaps or file)");
  }
  // Without a "/" the text after the scheme is a local device (WinPcap
  // compatibility; libpcap sets no TLS for "rpcaps://dev" either).
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) { return local_device(text, rest, use, true); }
  return remote(text, rest.substr(0, slash), rest.substr(slash + 1), tls, use);
}

std::string format_source(const Source& src)
{
  switch (src.kind) {
  case SourceKind::file: return "file://" + src.name;
  case SourceKind::remote: {
    std::string out = src.tls ? "rpcaps://" : "rpcap://";
    if (src.host.find(':') != std::string::npos) {
      out += "[" + src.host + "]";
    } else {
      out += src.host;
    }
    if (!src.port.empty()) { out += ":" + src.port; }
    return out + "/" + src.name;
  }
  case SourceKind::local: break;
  }
  // The bare name reads back as itself unless it is empty or looks like a
  // mistyped scheme ("rpcap:x", refused above). Such a name only comes from
  // "rpcap://" + name with no "/" in it, so that form reads back instead.
  const std::string_view name = src.name;
  const auto colon = name.find(':');
  if (name.empty() || (colon != std::string_view::npos && is_known_scheme(name.substr(0, colon)))) {
    return "rpcap://" + src.name;
  }
  return src.name;
}

Source remote_interface_source(const Source& listing_src, std::string_view ifname)
{
  Source out = listing_src;
  switch (listing_src.kind) {
  case SourceKind::remote: out.name = std::string(ifname); break;
  case SourceKind::local: out = Source{}; out.name = std::string(ifname); break;
  case SourceKind::file:
    if (!out.name.empty() && out.name.back() != '/') { out.name += '/'; }
    out.name += ifname;
    break;
  }
  return out;
}

}  // namespace rpcap
