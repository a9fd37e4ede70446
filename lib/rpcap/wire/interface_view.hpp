// SPDX-License-Identifier: BSD-3-Clause
// Interface lists for people and for scripts (`rpcap-ls`): each interface
// under the source string that captures from it, its flags by name and its
// addresses. Names and descriptions come from a daemon that need not be
// trusted: the text forms show control characters as \xNN, so that no
// listing can move the cursor or split a line; JSON escapes them anyway.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rpcap/wire/protocol.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap {

// An interface and the source string (format_source(remote_interface_source(...)))
// that names it for a capture.
struct ListedInterface {
  std::string source;
  Interface interface;
};

// `list`, each interface under the source string of `listing`'s daemon (or
// this host) that captures from it.
std::vector<ListedInterface> listed_interfaces(const Source& listing, std::vector<Interface> list);

// The names of the flag bits of `flags` (docs/protocol.md#interface-flags), in bit order: "loopback",
// "up", "running", "wireless", then the connection status "connected",
// "disconnected" or "status-not-applicable" (none when unknown), then any
// other bit as hex ("0x40").
std::vector<std::string> interface_flag_names(std::uint32_t flags);

// The prefix length of netmask `mask` (8 for 255.0.0.0); -1 if its bits are
// not contiguous or it is not an address.
int prefix_length(const SockAddr& mask);

// One line per interface: its source string.
std::string interfaces_names(const std::vector<ListedInterface>& list);

// One numbered line per interface, as `tcpdump -D` lists them: the
// number, the source string, the description in parentheses, and the
// flags in brackets (none when no flag is set):
//   1.rpcap://h/eth0 [Up, Running, Connected]
//   2.rpcap://h/any (Pseudo-device that captures on all interfaces) [Up, Running]
//   3.rpcap://h/lo [Up, Running, Loopback]
std::string interfaces_numbered(const std::vector<ListedInterface>& list);

// A block per interface: the source string, then indented lines
//   description: TEXT                      (when there is one)
//   flags: 0x37 (loopback, up, running, status-not-applicable)
//   inet 192.0.2.7/24 broadcast 192.0.2.255
//   inet6 fe80::1%2/64
//   inet 10.0.0.1/32 destination 10.0.0.2
// (a netmask that is not a prefix is written "netmask M").
std::string interfaces_long(const std::vector<ListedInterface>& list);

// One JSON array, with a trailing newline: for each interface
//   {"source":"rpcap://h/lo","name":"lo","description":null,"flags":55,
//    "flag_names":["loopback","up","running","status-not-applicable"],
//    "addresses":[{"family":"ipv4","address":"127.0.0.1","netmask":"255.0.0.0",
//                  "prefix":8,"broadaddr":null,"dstaddr":null}]}
// Absent members are null (an empty description too).
std::string interfaces_json(const std::vector<ListedInterface>& list);

// One line for a daemon that called in (rpcap-listen ls): its address, then
// the names of its interfaces, separated by blanks:
//   192.0.2.7 eth0 lo any
std::string daemon_interfaces_line(const std::string& daemon, const std::vector<ListedInterface>& list);

// The same as one line of JSON (JSON Lines): {"daemon":"192.0.2.7","interfaces":[...]}
// with the interface objects of interfaces_json().
std::string daemon_interfaces_json(const std::string& daemon, const std::vector<ListedInterface>& list);

}  // namespace rpcap
