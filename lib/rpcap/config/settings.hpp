// SPDX-License-Identifier: BSD-3-Clause
// The daemon's settings, one entry each: the one place that says what a
// key is called in the file, in rpcap-conf's JSON and on the command line,
// what values it takes, whether libpcap's rpcapd knows it, and which
// member of DaemonConfig holds it (whose initialiser is its default). The
// parser, check_config(), write_config(), rpcap-conf show and the
// command-line options of rpcapd and rpcap-conf all read this table, in
// its order; adding a key is one entry here, a member, and its use.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "rpcap/config/config.hpp"

namespace rpcap {

struct Setting {
  enum class Kind {
    hosts,  // PassiveClient: one host a line, repeatable
    targets,  // ActiveClient: "host, port" a line, repeatable
    yes_no,  // YES or NO                      (flag)
    host,  // a host name or address         (text; "" = unset)
    port,  // a listening port or service    (text)
    family,  // any, ipv4 or ipv6
    path,  // a file                         (text; "" = unset)
    group,  // a group name                   (text; "" = unset)
    port_range,  // LO-HI, or one port       (text; "" = unset)
    number,  // an unsigned number in [min, max] (number)
  };

  std::string_view key;  // in the file: "MaxSessions"
  std::string_view json;  // in `rpcap-conf show --json`: "max_sessions"
  Kind kind;
  bool libpcap{false};  // libpcap 1.10's rpcapd knows the key
  // rpcap-conf show's comment for an unset text value ("every local address").
  std::string_view unset{};
  // Numbers: the range.
  unsigned min{0};
  unsigned max{0};
  // The switch of rpcapd and rpcap-conf generate ("-b,--bind"; empty: none,
  // as HostListFile, which is -l with a file), its value's name (empty for
  // a flag) and its help. AddressFamily has two switches: "A|B", help "A|B".
  std::string_view option{};
  std::string_view value_name{};
  std::string_view help{};
  // The member, by kind: exactly one is set (none for hosts, targets and family).
  bool DaemonConfig::*flag{nullptr};
  std::string DaemonConfig::*text{nullptr};
  unsigned DaemonConfig::*number{nullptr};
};

// Every setting, in the order rpcap-conf show and write_config() list them.
std::span<const Setting> daemon_settings();

// The setting whose file key is `key` (case-sensitive), or null.
const Setting* find_setting(std::string_view key);

// The number setting held in `member` (which must be one).
const Setting& setting_of(unsigned DaemonConfig::*member);

// The file key of the setting held in `member`, or of the one setting of
// `kind` (hosts, targets or family): how code names a key in a message or
// a file without writing the name again.
std::string key_of(bool DaemonConfig::*member);
std::string key_of(std::string DaemonConfig::*member);
std::string key_of(unsigned DaemonConfig::*member);
std::string key_of(Setting::Kind kind);

// How a message names setting `s`: its file key, or its switch as rpcapd
// takes it ("-v" of "-v,--active-only"; the key if it has none).
std::string name_of(const Setting& s, Spelling spelling);
std::string name_of(std::string_view key, Spelling spelling);

// The value of scalar setting `s` (every kind but hosts and targets) in
// `cfg` as a config file writes it: "YES", "ipv4", "64", a path ("" if unset).
std::string value_text(const Setting& s, const DaemonConfig& cfg);

// `cfg` with each file setting (Kind::path) that is a relative path made
// absolute against directory `base`: what the daemon does to every
// configuration it loads, so that its files stay the same ones once it has
// left its working directory (rpcapd -d goes to "/").
DaemonConfig with_absolute_paths(DaemonConfig cfg, const std::string& base);

// True if `cfg` holds the default value of `s` (DaemonConfig's initialiser).
bool is_default(const Setting& s, const DaemonConfig& cfg);

}  // namespace rpcap
