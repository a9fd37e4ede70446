// SPDX-License-Identifier: BSD-3-Clause
// What rpcap-extcap answers Wireshark's queries with (extcap(4)): its
// version, its interfaces, their link types and the arguments of their
// configuration dialogs, as the text lines Wireshark parses. Pure: the
// program prints them, and the interface selector's values come from a
// listing the caller fetched.
//
//   extcap {version=V}{help=URL}
//   interface {value=rpcap}{display=Remote capture (RPCAP)}
//   dlt {number=147}{name=rpcap}{display=...}
//   arg {number=N}{call=--remote-host}{display=...}{type=string}{tooltip=...}...
//   value {arg=N}{value=eth0}{display=eth0: Ethernet}{default=true}
//
// The `call=` names are a contract: Wireshark stores the values under
// preferences named from them (extcap.rpcap.remotehost), and users pass
// them to tshark with -o.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/protocol.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap::extcap {

// The interfaces rpcap-extcap offers.
inline constexpr std::string_view k_passive = "rpcap";        // a daemon in passive mode
inline constexpr std::string_view k_active = "rpcap-active";  // daemons calling in (rpcapd -a)

// Default ports of the two interfaces' arguments: RPCAP's passive port,
// and its active one (config.hpp's k_default_active_port, a string there).
inline constexpr unsigned k_default_port = k_default_passive_port;
inline constexpr unsigned k_default_listen_port = 2003;

// The argument whose values --extcap-reload-option fetches from the daemon.
inline constexpr std::string_view k_interface_arg = "remote-interface";

// Return the "extcap {version=...}{help=...}" line of program version `version`.
std::string version_line(std::string_view version);

// Return the answer to --extcap-interfaces: the version line, then one
// "interface" line per interface.
std::string interfaces_text(std::string_view version);

// Return the answer to --extcap-dlts for `iface`. Fails (usage) for an
// interface that is not ours.
Result<std::string> dlts_text(std::string_view iface);

// Return the answer to --extcap-config for `iface`: its arguments in the
// dialog's order, with `current` (the --remote-interface given, if any)
// offered in the interface selector so that it stays selected. Fails
// (usage) for an interface that is not ours.
Result<std::string> config_text(std::string_view iface, std::string_view current = {});

// Return the answer to --extcap-reload-option for `iface`'s argument
// `option` ("remote-interface", with or without its dashes): one "value"
// line per interface of `devices`, `current` marked as the default (else
// the first). Fails (usage) for an interface or option that has no values
// to reload.
Result<std::string> reload_text(std::string_view iface, std::string_view option, const std::vector<Interface>& devices,
                                std::string_view current = {});

// Return `text` with the characters that would end an extcap field ("{",
// "}", line breaks) replaced, so a daemon's interface description cannot
// break the lines Wireshark parses.
std::string field(std::string_view text);

}  // namespace rpcap::extcap
