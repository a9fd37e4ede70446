// SPDX-License-Identifier: BSD-3-Clause
// The effective settings of a DaemonConfig for people and for scripts
// (`rpcap-conf show`): every setting, defaults included.
#pragma once

#include <string>

#include "rpcap/config/config.hpp"

namespace rpcap {

// Every setting as a config file a daemon would read to the same effect:
// `Key = value` lines in the order of daemon_settings(); settings that have no value
// (an empty allow list, all listen addresses, no host-list file) appear as
// comments that say what they mean.
std::string show_config_text(const DaemonConfig& cfg);

// Write show_config_text() to `path` (as write_file()) under a header that
// says rpcapd -s wrote it: every setting, readable with rpcapd -f.
Status save_config(const std::string& path, const DaemonConfig& cfg);

// Every setting as one JSON object, with a trailing newline:
// {"passive_clients":[...],"active_clients":[{"host":..,"port":..}],
//  "null_auth":false,"listen_address":null,"port":"2002","address_family":"any",
//  "active_only":false,"host_list_file":null,"max_sessions":64,
//  "max_sessions_per_host":48,"max_unauthenticated":1024,
//  "max_unauthenticated_per_source":32,"first_message_timeout":10,
//  "auth_timeout":90,"idle_timeout":180,
//  "capture_group":null,"keepalive":30,"user_timeout":60,"data_timeout":10,
//  "max_login_delay":30,"capture_buffer":32768,"tls":false,"tls_key":null,
//  "tls_cert":null,"tls_client_ca":null}
std::string show_config_json(const DaemonConfig& cfg);

}  // namespace rpcap
