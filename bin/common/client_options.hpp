// SPDX-License-Identifier: BSD-3-Clause
// The options every client program shares (rpcap-ls, rpcap-capture): who
// to log in as, where the password comes from, timeouts, address family;
// defined once so they are spelled, documented and completed alike.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "rpcap/client/session.hpp"
#include "rpcap/wire/interface_view.hpp"

namespace rpcap::tool {

struct ClientFlags {
  std::string user;           // -u
  std::string password_file;  // --password-file
  double timeout_s{10};       // --timeout
  unsigned keepalive_s{k_default_keepalive};        // --keepalive
  unsigned user_timeout_s{k_default_user_timeout};  // --user-timeout
  bool ipv4{false};           // -4
  bool ipv6{false};           // -6
  int fd{-1};                 // --fd: a connection from a daemon in active mode
  std::string ca_file;        // --ca
  std::string pin;            // --pin
  bool insecure{false};       // --insecure
  std::string cert_file;      // --cert
  std::string key_file;       // --key
  bool allow_plaintext_password{false};  // --allow-plaintext-password
};

// Which of the client options a program takes.
enum ClientOptionSet : unsigned {
  login_options = 1,    // -u --password-file --timeout --keepalive --user-timeout
  connect_options = 2,  // -4 -6
  attach_option = 4,    // --fd
  tls_options = 8,      // --ca --pin --insecure --cert --key --allow-plaintext-password
};

// Add the client options of `sets` to `app`.
void add_client_options(CLI::App& app, ClientFlags& flags,
                        unsigned sets = login_options | connect_options | attach_option | tls_options);

// Refuse the TLS options of the flags (--ca --pin --insecure --cert --key)
// when nothing they would apply to uses TLS (`tls` false): a usage error
// "--pin applies `to_what`" ("to rpcaps:// sources only"), not a session
// in plaintext that looks verified.
Status check_tls_options(const ClientFlags& flags, bool tls, std::string_view to_what = "to rpcaps:// sources only");

// The session options the flags give: the password from --password-file,
// else RPCAP_PASSWORD, else a prompt when standard input is a terminal;
// how to verify a TLS daemon. `tls`: the session will use TLS (then
// --insecure prints its warning on stderr).
Result<ClientOptions> client_options(const ClientFlags& flags, bool tls = false);

// The session the flags and `src` give: over --fd's connection
// (ClientSession::attach) when there is one, else connected to `src`.
Result<ClientSession> open_session(const ClientFlags& flags, const Source& src);

// With --fd, SOURCE names an interface of the daemon at the other end: a
// bare name ("eth0") or an rpcap:// string whose host is only a label.
// Returns the source a remote capture or listing uses.
Result<Source> source_over_fd(const Source& parsed);

// The source whose interfaces a listing shows (rpcap-ls SOURCE,
// rpcap-capture -D SOURCE): `text` parsed for listing, "" for this host's;
// with --fd (`flags.fd`), a bare name is one of the daemon's interfaces
// and the result is source_over_fd()'s.
Result<Source> listing_source(const std::string& text, const ClientFlags& flags);

// The capture interfaces `src` names, each under the source string that
// captures from it: this host's, or the daemon's after logging in as the
// flags say (over --fd, named after the daemon's address when `src` has no
// host).
Result<std::vector<ListedInterface>> list_interfaces(const ClientFlags& flags, Source src);

}  // namespace rpcap::tool
