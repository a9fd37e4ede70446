// SPDX-License-Identifier: BSD-3-Clause
// Password logins for the daemon: checked through PAM (service "rpcapd",
// shipped as pam/rpcapd), never by reading /etc/shadow, and followed by a
// permanent change to the user's identity: uid, gid and supplementary groups.
//
// libpcap's rpcapd sets only the uid, so a session keeps root's groups and
// loses every capability, which makes capturing impossible for anyone but
// root. Here, as in Wireshark's dumpcap, a user who may capture (root, or a
// member of the capture group the administrator names) keeps CAP_NET_RAW
// and CAP_NET_ADMIN and nothing else; any other user logs in with no
// capabilities at all, so opening an interface fails with a permission error.
//
// A failed login takes at least `failure_delay_ms` whatever the cause, and
// its message (for the daemon's log; the client only ever sees
// "Authentication failed") reads the same for an unknown user as for a
// wrong password. No message ever contains the password.
#pragma once

#include <string>
#include <utility>

#include "rpcap/base/account.hpp"
#include "rpcap/daemon/session.hpp"
#include "rpcap/base/error.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {

struct AuthSettings {
  std::string pam_service{"rpcapd"};
  std::string capture_group;     // who may capture besides root; empty = only root
  int failure_delay_ms{1000};    // the least time a failed login takes; replaces PAM modules' own delays
};

// Check that `settings` can work: a PAM service name and, if a capture
// group is named, that the group exists. Fails with ErrorKind::config.
Status check_auth_settings(const AuthSettings& settings);

// Checks passwords through PAM, then becomes the user (become_user(),
// rpcap/base/account.hpp). Meant
// for the daemon's per-connection process, which must run as root (or hold
// CAP_SETUID, CAP_SETGID and the capture capabilities) until the login.
class PamAuthenticator final : public Authenticator {
public:
  explicit PamAuthenticator(AuthSettings settings) : m_settings(std::move(settings)) {}

  // Check `password` for `user` (pam_authenticate, then pam_acct_mgmt) and
  // on success make this process run as `user`, keeping the capture
  // capabilities if user_may_capture(). Fails with ErrorKind::auth, after the
  // failure delay, with a message for the log naming `user` and `peer`; a
  // right password whose identity change failed is a failure too.
  Status login(const std::string& user, const std::string& password, const SockAddress& peer) override;
  // Log in as `user`, whom a verified client certificate names: PAM's
  // account check only (pam_acct_mgmt: an expired account or one pam_access
  // refuses cannot log in this way either), then become_user() as login().
  // Fails with ErrorKind::auth, at once (nobody is guessing), with a message
  // for the log naming `user` and `peer`. Like a password login, it fails
  // when the daemon cannot change users (it does not run as root).
  Status login_certificate(const std::string& user, const SockAddress& peer) override;

private:
  AuthSettings m_settings;
};

// The local account a client certificate whose subject CN is
// `common_name` logs in as (as PostgreSQL's cert authentication): the CN
// itself, when it is a portable user name (letters, digits, '.', '_' and
// '-', not starting with '-', at most 32 bytes) and such an account exists
// and may log in (its shell is not nologin or false). Fails with
// ErrorKind::auth saying why not, the CN quoted and escaped, and with
// ErrorKind::io when the account database cannot be read.
Result<std::string> certificate_account(const std::string& common_name);

// Whether `user` may capture: root, or a member of `capture_group` (as its
// primary group or a supplementary one). An empty `capture_group` means only
// root. Fails with ErrorKind::auth if `user` does not exist and with
// ErrorKind::config if `capture_group` does not.
Result<bool> user_may_capture(const std::string& user, const std::string& capture_group);

}  // namespace rpcap
