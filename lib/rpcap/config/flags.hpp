// SPDX-License-Identifier: BSD-3-Clause
// The daemon's configuration as given by command-line switches (rpcapd's and
// rpcap-conf generate's), turned into a DaemonConfig with the same checks a
// config file gets. One place decides what -l, -a, -4 and -6 mean.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rpcap/config/config.hpp"
#include "rpcap/base/error.hpp"

namespace rpcap {

struct DaemonFlags {
  std::string bind_address;               // -b
  std::string port{k_default_port};       // -p
  bool ipv4_only{false};                  // -4
  bool ipv6_only{false};                  // -6
  bool null_auth{false};                  // -n
  bool active_only{false};                // -v
  // -a host,port[,host,port...]; each occurrence adds its targets (libpcap's
  // rpcapd lets a later -a replace the earlier ones, bug B12).
  std::vector<std::string> active_lists;
  // -l: a value that names an existing file is a host-list file (one host per
  // line, as the WinPcap documentation describes -l); any other value is a
  // list of hosts separated by blanks, "," or ";" (as libpcap's rpcapd takes it).
  std::vector<std::string> host_lists;
  std::string capture_group;              // --capture-group
  std::string data_ports;                 // --data-ports
  // The number settings (settings.hpp: --max-sessions ... --capture-buffer),
  // at their defaults until an option sets them; the rest is not used.
  DaemonConfig numbers;
  bool tls{false};                        // -S
  std::string tls_key;                    // -K
  std::string tls_cert;                   // -X
  std::string tls_client_ca;              // --client-ca
};

// Build the configuration the switches describe. Fails (ErrorKind::usage)
// with every problem joined by "; " — a bad -a list, two host-list files,
// both -4 and -6, and whatever check_config() finds.
Result<DaemonConfig> config_from_flags(const DaemonFlags& flags);

}  // namespace rpcap
