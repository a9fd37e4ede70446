// SPDX-License-Identifier: BSD-3-Clause
// rpcapd configuration: the daemon's settings and the `-f`/`-s` file format.
//
// The file uses libpcap rpcapd's syntax, so files move between this daemon and
// libpcap 1.10's rpcapd in both directions: we read what `rpcapd -s` writes, and
// write_config() of a config that uses only libpcap's three keys is
// byte-for-byte what `rpcapd -s` writes. With `-f` the file is the daemon's
// WHOLE configuration: a key missing from the file takes its default, not the
// command line's value. The keys, one entry each (names, kind, range, switch,
// help), are the table in settings.cpp; DaemonConfig's initialisers are the
// defaults; rpcapd.conf(5) lists them from the table.
//
// Syntax (libpcap's rpcapd-config(5) and docs/protocol.md#configuration-file, with stricter
// choices): one `Name = value` per line; blank lines and lines starting with `#`
// are ignored; `#` after a value starts a comment; CRLF is accepted; a final
// line without newline is read (libpcap drops it). Values are one token (no
// blanks, no `#`), except ActiveClient's two. Errors, where libpcap reports and
// skips or silently accepts: lines over 2046 characters, control characters,
// unknown keys (with a "did you mean" hint), repeated single keys, and any value
// that is not exactly valid. So `NullAuthPermit = yes please` is refused instead
// of silently meaning NO, and `PassiveClient = host, port` is refused because
// libpcap would read the port as a second host name. YES/NO, DEFAULT and the
// AddressFamily values are case-insensitive; written files use YES, NO and
// lower-case families.
//
// libpcap's rpcapd reports our extended keys as unknown and ignores them (so a
// file with HostListFile or ActiveOnly is less strict there), and 1.10.x rejects
// every line of any file (its bug B10); write_config() therefore writes extended
// keys only when they differ from the defaults.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

inline constexpr std::string_view k_default_port = "2002";         // passive listen port
inline constexpr std::string_view k_default_active_port = "2003";  // ActiveClient DEFAULT
inline constexpr std::size_t k_max_active_clients = 10;            // libpcap MAX_ACTIVE_LIST
inline constexpr std::size_t k_max_host_list_chars = 64000;        // libpcap MAX_HOST_LIST
inline constexpr std::size_t k_max_config_line = 2046;             // characters before '\n'
inline constexpr std::size_t k_max_host_chars = 255;
inline constexpr std::size_t k_max_path_chars = 1024;
inline constexpr std::size_t k_max_config_bytes = 1024 * 1024;     // load_config's file size cap
inline constexpr std::size_t k_max_config_errors = 100;            // parse stops after this many
inline constexpr unsigned k_default_max_sessions = 64;
inline constexpr unsigned k_default_auth_timeout = 90;
inline constexpr unsigned k_default_idle_timeout = 180;
inline constexpr unsigned k_default_data_timeout = 10;
inline constexpr unsigned k_default_max_login_delay = 30;
inline constexpr unsigned k_default_max_sessions_per_host = 48;  // 32 captures from one collector fit, and one source cannot take every session
inline constexpr unsigned k_default_max_unauthenticated = 1024;
inline constexpr unsigned k_default_max_unauthenticated_per_source = 32;
inline constexpr unsigned k_default_first_message_timeout = 10;
inline constexpr unsigned k_default_capture_buffer_kib = 32 * 1024;


struct ActiveClient {
  std::string host;
  std::string port;  // a number or service name, never "DEFAULT" (that is stored as "2003")
  bool operator==(const ActiveClient&) const = default;
};

// The daemon's whole configuration; the defaults are the daemon's defaults.
struct DaemonConfig {
  std::vector<ActiveClient> active_clients;  // ActiveClient (-a)
  std::vector<std::string> passive_clients;  // PassiveClient (-l); empty = all hosts allowed
  bool null_auth{false};                     // NullAuthPermit (-n)
  std::string listen_address;                // ListenAddress (-b); empty = all addresses
  std::string port{k_default_port};          // ListenPort (-p)
  AddressFamily family{AddressFamily::any};  // AddressFamily (-4/-6)
  bool active_only{false};                   // ActiveOnly (-v)
  std::string host_list_file;                // HostListFile (-l FILE); empty = none
  unsigned max_sessions{k_default_max_sessions};  // MaxSessions
  unsigned max_sessions_per_host{k_default_max_sessions_per_host};  // MaxSessionsPerHost
  unsigned max_unauthenticated{k_default_max_unauthenticated};      // MaxUnauthenticated
  unsigned max_unauthenticated_per_source{k_default_max_unauthenticated_per_source};  // MaxUnauthenticatedPerSource
  unsigned first_message_timeout{k_default_first_message_timeout};  // FirstMessageTimeout, seconds
  unsigned auth_timeout{k_default_auth_timeout};  // AuthTimeout, seconds
  unsigned idle_timeout{k_default_idle_timeout};  // IdleTimeout, seconds, 0 = none
  std::string capture_group;                 // CaptureGroup: who may capture after a login; empty = root only
  unsigned keepalive{k_default_keepalive};        // Keepalive, seconds, 0 = none
  unsigned user_timeout{k_default_user_timeout};  // UserTimeout, seconds, 0 = the kernel's
  unsigned data_timeout{k_default_data_timeout};  // DataTimeout, seconds
  unsigned max_login_delay{k_default_max_login_delay};  // MaxLoginDelay, seconds
  unsigned capture_buffer_kib{k_default_capture_buffer_kib};  // CaptureBuffer, KiB
  std::string data_ports;                    // DataPorts (--data-ports): "LO-HI" or one port; empty = any
  bool tls{false};                           // Tls (-S): every connection with TLS
  std::string tls_key;                       // TlsKey (-K)
  std::string tls_cert;                      // TlsCert (-X)
  std::string tls_client_ca;                 // TlsClientCa (--client-ca); empty = no client certificates
  bool operator==(const DaemonConfig&) const = default;
};

// The outcome of parsing a file: `config` is meaningful only if `errors` is
// empty (it then holds every setting; otherwise only the lines that parsed).
struct ConfigParse {
  DaemonConfig config;
  // ErrorKind::config, each "path:line: message", in line order; the one
  // whole-file check (ActiveOnly without ActiveClient) comes last.
  std::vector<Error> errors;
  // For each setting of daemon_settings(), in that order: the line its key
  // was first given on (0: not given).
  std::vector<std::size_t> key_lines;
};

// Parse config file `text`; `path` only names the file in messages. Reports
// every bad line (up to k_max_config_errors, then one "too many errors" entry).
ConfigParse parse_config(std::string_view text, std::string_view path);

// Read and parse the file at `path`. Fails with ErrorKind::io if it cannot be
// read, and with ErrorKind::config if it is larger than k_max_config_bytes or
// has errors: then the message is every "path:line: message", joined by '\n'.
Result<DaemonConfig> load_config(const std::string& path);

// Check `cfg` (for example one built from command-line flags) against the rules
// parse_config() applies. Returns one ErrorKind::config error per problem, each
// "Key: message" without a location; empty if `cfg` is valid.
// With Spelling::switches each problem names rpcapd's switch instead
// ("-v (active only) needs at least one -a HOST,PORT"), for settings that
// came from a command line.
enum class Spelling { keys, switches };
std::vector<Error> check_config(const DaemonConfig& cfg, Spelling spelling = Spelling::keys);

// Why `port` cannot be listened on, as check_config() says it of
// ListenPort ("\"99999\" is not a port number (0-65535) or service name"),
// or nullopt for a port number from 0 (any free port) to 65535 or a
// service name. For other programs' listening ports (rpcap-listen -p).
std::optional<std::string> listening_port_problem(std::string_view port);

// Render `cfg` as a config file: libpcap `rpcapd -s`'s header, comments and key
// order, then our extended keys that differ from the defaults. Deterministic,
// and parse_config(*write_config(cfg)) gives back `cfg`. Fails (ErrorKind::config,
// check_config()'s messages joined by '\n') if `cfg` is invalid, so that no value
// can inject a line into the file.
Result<std::string> write_config(const DaemonConfig& cfg);

// Split a `-l` host list like libpcap: separators are space, ',', ';', CR and
// LF; empty tokens are dropped. Does not check the names (check_config() does).
std::vector<std::string> split_host_list(std::string_view list);

// Parse a `-a` list "host,port[,host,port...]": tokens split as by
// split_host_list() alternate host and port; a missing last port or DEFAULT
// means 2003. Fails (ErrorKind::usage) on an empty list, a bad host or port, or
// more than k_max_active_clients targets (libpcap silently drops those).
Result<std::vector<ActiveClient>> parse_active_list(std::string_view list);

// A parsed HostListFile.
struct HostListParse {
  std::vector<std::string> hosts;
  std::vector<Error> errors;  // as ConfigParse::errors
};

// Parse host list file `text`: one host per line; blank lines and `#` comments
// are ignored; line rules as in config files. Reports every bad line.
HostListParse parse_host_list(std::string_view text, std::string_view path);

// Read and parse the host list file at `path`; errors as load_config().
Result<std::vector<std::string>> load_host_list(const std::string& path);

// The hosts of -l options as one allow list: each entry is a host list file
// (when a regular file of that name exists) or a list as split_host_list()
// splits it. Fails (ErrorKind::usage) on an entry that names no host or a
// host that does not resolve, and as load_host_list() on a bad file.
Result<HostAllowList> allow_list_of(const std::vector<std::string>& lists);

}  // namespace rpcap
