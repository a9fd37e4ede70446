// SPDX-License-Identifier: BSD-3-Clause
// The daemon's configuration as given by command-line switches (rpcapd's and
// rpcap-conf generate's), turned into a DaemonConfig with the same checks a
// config file gets. One place decides what -l, -a, -4 and -6 mean.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "rpcap/config.hpp"
#include "rpcap/error.hpp"

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
  unsigned max_sessions{k_default_max_sessions};
  unsigned max_sessions_per_host{k_default_max_sessions_per_host};  // --max-sessions-per-host
  unsigned max_unauthenticated{k_default_max_unauthenticated};      // --max-unauthenticated
  unsigned max_unauthenticated_per_source{k_default_max_unauthenticated_per_source};  // --max-unauthenticated-per-source
  unsigned first_message_timeout{k_default_first_message_timeout};  // --first-message-timeout
  unsigned auth_timeout{k_default_auth_timeout};
  unsigned idle_timeout{k_default_idle_timeout};
  std::string capture_group;              // --capture-group
  unsigned keepalive{k_default_keepalive};        // --keepalive
  unsigned user_timeout{k_default_user_timeout};  // --user-timeout
  unsigned data_timeout{k_default_data_timeout};  // --data-timeout
  unsigned max_login_delay{k_default_max_login_delay};  // --max-login-delay
  unsigned capture_buffer_kib{k_default_capture_buffer_kib};  // --capture-buffer
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
