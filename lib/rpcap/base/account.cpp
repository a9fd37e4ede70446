// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/base/account.hpp"

#include "rpcap/base/text.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <type_traits>

namespace rpcap {
namespace {

// getpwnam_r/getgrnam_r buffers grow up to this; a bigger entry is an error.
constexpr std::size_t k_max_nss_buffer = 1u << 20;
// Longest user name quoted in a message: the name may come from a peer.
constexpr std::size_t k_max_quoted = 64;

Error io_error(const std::string& what, int err)
{
  return make_error(ErrorKind::io, what + ": " + std::strerror(err));
}

// `text` in double quotes, with control bytes, quotes and backslashes
// escaped and overlong text cut: a peer's user name must not forge log lines.
std::string quote(const std::string& text) { return quote_text(text, k_max_quoted); }

bool has_nul(const std::string& s)
{
  return s.find('\0') != std::string::npos;
}

std::vector<char> nss_buffer(int sysconf_name)
{
  const long hint = sysconf(sysconf_name);
  return std::vector<char>(hint > 0 ? static_cast<std::size_t>(hint) : 1024);
}

struct CapFree {
  void operator()(void* p) const noexcept { cap_free(p); }
};
using Caps = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;
using CapText = std::unique_ptr<char, CapFree>;

std::string caps_text(const Caps& caps)
{
  const CapText text{cap_to_text(caps.get(), nullptr)};
  return text ? std::string{text.get()} : std::string{"?"};
}

// The capability sets a session ends with: CAP_NET_RAW and CAP_NET_ADMIN
// permitted and effective when `capture`, otherwise nothing.
Result<Caps> session_caps(bool capture)
{
  Caps caps{cap_init()};
  if (!caps) { return io_error("cap_init", errno); }
  if (capture) {
    const cap_value_t wanted[] = {CAP_NET_RAW, CAP_NET_ADMIN};
    const int n = static_cast<int>(std::size(wanted));
    if (cap_set_flag(caps.get(), CAP_PERMITTED, n, wanted, CAP_SET) != 0
        || cap_set_flag(caps.get(), CAP_EFFECTIVE, n, wanted, CAP_SET) != 0) {
      return io_error("cap_set_flag", errno);
    }
  }
  return caps;
}

std::string id_text(unsigned id)
{
  return std::to_string(id);
}

}  // namespace

// The passwd entry of `user`; nullopt if there is none.
Result<std::optional<Account>> find_account(const std::string& user)
{
  if (user.empty() || has_nul(user)) { return std::optional<Account>{}; }
  auto buf = nss_buffer(_SC_GETPW_R_SIZE_MAX);
  for (;;) {
    passwd pw{};
    passwd* found = nullptr;
    const int rc = getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < k_max_nss_buffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    // glibc reports "no such user" as 0 and a null result; some NSS modules as ENOENT.
    if (rc == 0 && found == nullptr) { return std::optional<Account>{}; }
    if (rc == ENOENT || rc == ESRCH) { return std::optional<Account>{}; }
    if (rc != 0) { return io_error("look up user " + quote(user), rc); }
    return std::optional<Account>{Account{pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_shell != nullptr ? pw.pw_shell : ""}};
  }
}

Result<Account> require_account(const std::string& user)
{
  auto found = find_account(user);
  if (!found) { return std::move(found).error(); }
  if (!*found) { return make_error(ErrorKind::auth, "user " + quote(user) + " does not exist"); }
  return std::move(**found);
}

// The gid of group `name`; nullopt if there is none.
Result<std::optional<gid_t>> find_group(const std::string& name)
{
  if (name.empty() || has_nul(name)) { return std::optional<gid_t>{}; }
  auto buf = nss_buffer(_SC_GETGR_R_SIZE_MAX);
  for (;;) {
    group gr{};
    group* found = nullptr;
    const int rc = getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found);
    if (rc == ERANGE && buf.size() < k_max_nss_buffer) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc == 0 && found == nullptr) { return std::optional<gid_t>{}; }
    if (rc == ENOENT || rc == ESRCH) { return std::optional<gid_t>{}; }
    if (rc != 0) { return io_error("look up group " + quote(name), rc); }
    return std::optional<gid_t>{gr.gr_gid};
  }
}

// Every group `account` belongs to: its primary group and the supplementary ones.
Result<std::vector<gid_t>> groups_of(const Account& account)
{
  int size = 32;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<gid_t> groups(static_cast<std::size_t>(size));
    int count = size;
    if (getgrouplist(account.name.c_str(), account.gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<std::size_t>(count));
      return groups;
    }
    // Too small: glibc has stored the size needed in `count`.
    size = count > size ? count : size * 2;
  }
  return make_error(ErrorKind::io, "list the groups of user " + quote(account.name) + ": the list keeps growing");
}

Status become_user(const std::string& user, bool keep_capture_caps)
{
  auto found = require_account(user);
  if (!found) { return std::move(found).error(); }
  const Account& account = *found;
  const std::string what = "become user " + quote(account.name);

  // Groups first, while we still have the privilege to set them (libpcap's
  // daemon skips this and leaves the session in root's groups).
  if (initgroups(account.name.c_str(), account.gid) != 0) { return io_error(what + ": initgroups", errno); }
  if (setgid(account.gid) != 0) { return io_error(what + ": setgid(" + id_text(account.gid) + ")", errno); }
  if (account.uid == 0) {
    // Root keeps every privilege; this only makes the ids root's.
    if (setuid(0) != 0) { return io_error(what + ": setuid(0)", errno); }
    return {};
  }

  auto wanted = session_caps(keep_capture_caps);
  if (!wanted) { return std::move(wanted).error(); }
  // Leaving uid 0 clears every capability unless KEEPCAPS is set; then the
  // permitted set survives and is cut down to the capture pair below.
  if (keep_capture_caps && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) {
    return io_error(what + ": prctl(PR_SET_KEEPCAPS)", errno);
  }
  const bool uid_set = setuid(account.uid) == 0;
  const int uid_errno = errno;
  if (keep_capture_caps && prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0) {
    return io_error(what + ": prctl(PR_SET_KEEPCAPS)", errno);
  }
  if (!uid_set) { return io_error(what + ": setuid(" + id_text(account.uid) + ")", uid_errno); }
  // Set the sets explicitly even when setuid() already cleared them: a
  // daemon started as non-root with file capabilities keeps them across
  // setuid(), and the inheritable set must be empty either way.
  if (cap_set_proc(wanted->get()) != 0) { return io_error(what + ": cap_set_proc", errno); }
  // Ambient capabilities would survive an execve; none may. Kernels before
  // 4.3 have none and answer EINVAL.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) != 0 && errno != EINVAL) {
    return io_error(what + ": prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  }
  // The session never runs programs; if it ever did, no setuid or
  // file-capability binary could hand it back what was just dropped.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) { return io_error(what + ": prctl(PR_SET_NO_NEW_PRIVS)", errno); }

  // Check the result rather than trust it.
  uid_t ruid = 0, euid = 0, suid = 0;
  gid_t rgid = 0, egid = 0, sgid = 0;
  if (getresuid(&ruid, &euid, &suid) != 0) { return io_error(what + ": getresuid", errno); }
  if (getresgid(&rgid, &egid, &sgid) != 0) { return io_error(what + ": getresgid", errno); }
  if (ruid != account.uid || euid != account.uid || suid != account.uid || rgid != account.gid
      || egid != account.gid || sgid != account.gid) {
    return make_error(ErrorKind::io, what + ": the process still has another user or group id");
  }
  const Caps now{cap_get_proc()};
  if (!now) { return io_error(what + ": cap_get_proc", errno); }
  if (cap_compare(now.get(), wanted->get()) != 0) {
    return make_error(ErrorKind::io, what + ": the process has capabilities \"" + caps_text(now) + "\" instead of \""
                                         + caps_text(*wanted) + "\"");
  }
  if (setuid(0) == 0) { return make_error(ErrorKind::io, what + ": the process can still become root"); }
  if (account.gid != 0 && setgid(0) == 0) {
    return make_error(ErrorKind::io, what + ": the process can still join group root");
  }
  return {};
}

}  // namespace rpcap
