// SPDX-License-Identifier: BSD-3-Clause
// Source strings: the text that names what to capture from or what to list.
//
// The grammar is libpcap's `pcap_parsesrcstr` (docs/protocol.md#source-strings), which
// keeps WinPcap's adapter strings working:
//
//   eth0, eth0:1                  local device (no ":", or a ":" not followed by "//")
//   rpcap://eth0                  local device (no "/" after "rpcap://"; also rpcaps://)
//   file:///tmp/x.pcap            savefile, the path is everything after "file://"
//   rpcap://host[:port]/adapter   remote adapter; host is a name, IPv4 address or a
//   rpcaps://[v6]:port/adapter    bracketed IPv6 (or IPv4) literal; the adapter is
//                                 everything after the first "/" (may hold "/")
//
// Where we differ from libpcap, on purpose:
// * An empty source is refused for SourceUse::open (libpcap opens the first
//   or "any" device): a capture must name its device explicitly. For
//   SourceUse::list it means local interfaces, like "rpcap://".
// * Schemes are matched case-insensitively everywhere, so "RPCAP://h/eth0"
//   is remote (libpcap's quirk makes it a local device named by the whole text).
// * An unknown scheme ("rpcapp://h/eth0") is an error, not a local device named
//   by the whole string, and so is a known scheme with one or no slash
//   ("rpcap:/h/eth0"): a typo should be reported, not turned into a capture
//   from some other place.
// * "user@host" is refused with a clear message (libpcap fails to resolve it),
//   and so is a remote source with no host ("rpcap:///eth0"; libpcap opens the
//   local device "eth0").
// * For SourceUse::list, a local device string with a name ("rpcap://host",
//   "eth0") is an error: libpcap silently lists local interfaces, which is
//   never what "rpcap://host" meant; the remote listing needs "rpcap://host/".
// * Host names are limited to [A-Za-z0-9._-], ports to 1..65535 or a
//   service name of [A-Za-z0-9_-] with a letter and no leading "-" (RFC 6335),
//   and bracketed literals must be valid addresses (an IPv6 literal may carry
//   a "%zone", which getaddrinfo takes).
//   Control characters and NUL are refused anywhere.
// * "rpcaps://dev" is the local device "dev" without TLS, as in libpcap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rpcap/base/error.hpp"

namespace rpcap {

enum class SourceKind { local, file, remote };

// Why a source is parsed: opening one capture needs a device; listing
// interfaces takes "rpcap://" (local) or "rpcap://host/" (remote).
enum class SourceUse { open, list };

struct Source {
  SourceKind kind{SourceKind::local};
  bool tls{false};   // rpcaps:// (remote only)
  std::string host;  // remote: name, IPv4 or IPv6 literal without brackets
  std::string port;  // remote: as written (number or service name); empty = default port
  std::string name;  // local: device; file: path; remote: adapter (empty only for SourceUse::list)
  bool operator==(const Source&) const = default;
};

// The port of a source that names none. (The active-mode port 2003 is
// config.hpp's k_default_active_port, a string there: one name, one header.)
constexpr std::uint16_t k_default_passive_port = 2002;
// Longest source string accepted, as libpcap's PCAP_BUF_SIZE.
constexpr std::size_t k_max_source_length = 1024;

// Parse the source string `text` for `use`. Fails with ErrorKind::usage and a
// message that quotes `text` and says what is wrong, e.g.
// `source "rpcap://[::1/eth0": IP literal has no closing "]"`.
Result<Source> parse_source(std::string_view text, SourceUse use = SourceUse::open);

// Format `src` as its canonical source string, which parse_source turns back
// into `src`. Remote: "rpcap[s]://" + host (in brackets if it holds ":") +
// ":port" if given + "/" + name. File: "file://" + path. Local: the bare
// name ("rpcap://eth0" parses to the same Source as "eth0"), or "rpcap://" +
// name when the name is empty or starts with "rpcap:", "rpcaps:" or "file:".
// `src` must be one parse_source could return (e.g. a non-empty remote host).
std::string format_source(const Source& src);

// Return the source of interface `ifname` found by listing `listing_src`, as
// pcap_findalldevs_ex names it: the same scheme, host and port as written,
// with `ifname` as the name. A local listing gives the local device `ifname`;
// a file:// directory listing gives the file `ifname` inside that directory.
Source remote_interface_source(const Source& listing_src, std::string_view ifname);

}  // namespace rpcap
