// SPDX-License-Identifier: BSD-3-Clause
// Local accounts and the change of a process's identity: the passwd and
// group databases (read with the reentrant calls, buffers grown as needed)
// and the permanent switch to a user that the daemon makes after a login
// and rpcap-capture -Z makes once its sources are open.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "rpcap/base/error.hpp"

namespace rpcap {

struct Account {
  std::string name;
  uid_t uid{};
  gid_t gid{};
  std::string shell;  // empty: /bin/sh (passwd(5))
};

// The passwd entry of `user`; nullopt if there is none. Fails with
// ErrorKind::io when the database cannot be read.
Result<std::optional<Account>> find_account(const std::string& user);
// The same, but a missing user is an error of ErrorKind::auth.
Result<Account> require_account(const std::string& user);
// The gid of group `name`; nullopt if there is none.
Result<std::optional<gid_t>> find_group(const std::string& name);
// Every group `account` belongs to: its primary group and the supplementary ones.
Result<std::vector<gid_t>> groups_of(const Account& account);

// Make this process run as `user`, for good: its uid, its primary gid and
// its supplementary groups. For root every privilege is kept. Otherwise the
// process keeps CAP_NET_RAW and CAP_NET_ADMIN (and no other capability)
// when `keep_capture_caps` is true and no capability at all when false, and
// it gets PR_SET_NO_NEW_PRIVS so no later execve can raise it again.
// Capabilities and PR_SET_NO_NEW_PRIVS belong to threads: with
// `keep_capture_caps` call it in a single-threaded process. Without, other
// threads lose theirs too (glibc changes every thread's ids, and leaving
// uid 0 clears a thread's capabilities) but only the calling thread gets
// PR_SET_NO_NEW_PRIVS. Fails with ErrorKind::auth if `user` does not exist
// and with ErrorKind::io if a call fails or the process could still become
// root again afterwards. Cannot be undone, even when it fails half-way.
Status become_user(const std::string& user, bool keep_capture_caps);

}  // namespace rpcap
