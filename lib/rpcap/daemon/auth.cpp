// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/daemon/auth.hpp"

#include "rpcap/base/text.hpp"

#include <security/pam_appl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace rpcap {
namespace {

// Longest user name quoted in a message: the name comes from the peer.
constexpr std::size_t k_max_quoted = 64;

// `text` in double quotes, with control bytes, quotes and backslashes
// escaped and overlong text cut: a peer's user name must not forge log lines.
std::string quote(const std::string& text) { return quote_text(text, k_max_quoted); }

bool has_nul(const std::string& s)
{
  return s.find('\0') != std::string::npos;
}

Result<gid_t> require_capture_group(const std::string& name)
{
  auto gid = find_group(name);
  if (!gid) { return std::move(gid).error(); }
  if (!*gid) { return make_error(ErrorKind::config, "capture group " + quote(name) + " does not exist"); }
  return **gid;
}

// --- PAM ---

// What the conversation function answers with (null: no password, every
// prompt is refused). PAM keeps only a pointer to it, so it must outlive
// the PAM handle.
struct Conversation {
  const std::string* password;
};

void free_replies(pam_response* replies, int count)
{
  for (int i = 0; i < count; ++i) {
    if (replies[i].resp != nullptr) {
      explicit_bzero(replies[i].resp, std::strlen(replies[i].resp));
      std::free(replies[i].resp);
    }
  }
  std::free(replies);
}

// PAM's conversation: answer every hidden prompt with the password (the
// user name is already set, so no module needs to ask for it), accept
// informational messages, and refuse anything else (a question we cannot
// put to an RPCAP client). The replies are malloc'd: PAM frees them.
int converse(int count, const pam_message** messages, pam_response** replies_out, void* data)
{
  if (count <= 0 || count > PAM_MAX_NUM_MSG) { return PAM_CONV_ERR; }
  const auto* conv = static_cast<const Conversation*>(data);
  auto* replies = static_cast<pam_response*>(std::calloc(static_cast<std::size_t>(count), sizeof(pam_response)));
  if (replies == nullptr) { return PAM_BUF_ERR; }
  for (int i = 0; i < count; ++i) {
    switch (messages[i]->msg_style) {
    case PAM_PROMPT_ECHO_OFF:
      if (conv->password == nullptr) {
        free_replies(replies, count);
        return PAM_CONV_ERR;
      }
      replies[i].resp = strdup(conv->password->c_str());
      if (replies[i].resp == nullptr) {
        free_replies(replies, count);
        return PAM_BUF_ERR;
      }
      break;
    case PAM_ERROR_MSG:
    case PAM_TEXT_INFO:
      break;
    default:
      free_replies(replies, count);
      return PAM_CONV_ERR;
    }
  }
  *replies_out = replies;
  return PAM_SUCCESS;
}

#ifdef PAM_FAIL_DELAY
// Replaces the delay PAM modules ask for on failure (pam_unix: about two
// seconds): login() applies AuthSettings::failure_delay_ms itself, measured
// from the start, so every failure takes the same time whatever its cause.
void no_pam_delay(int /*status*/, unsigned /*usec*/, void* /*data*/) {}
#endif

// A PAM handle, ended on destruction with the status of the last call.
class PamHandle {
public:
  explicit PamHandle(pam_handle_t* handle) noexcept : m_handle(handle) {}
  ~PamHandle() { pam_end(m_handle, m_status); }
  PamHandle(const PamHandle&) = delete;
  PamHandle& operator=(const PamHandle&) = delete;

  pam_handle_t* get() const noexcept { return m_handle; }
  // Record `status`, the result of a PAM call, and return it.
  int track(int status) noexcept
  {
    m_status = status;
    return status;
  }

private:
  pam_handle_t* m_handle;
  int m_status{PAM_SUCCESS};
};

// PAM's text for `status`; "unknown user" reads as a wrong password, so the
// log cannot tell the two apart either.
std::string pam_text(int status)
{
  if (status == PAM_USER_UNKNOWN) { status = PAM_AUTH_ERR; }
  // Linux-PAM's pam_strerror does not use the handle.
  return pam_strerror(nullptr, status);
}

// Run the PAM transaction for `user` with `password`; without one (a
// certificate login) only the account check. Returns the name PAM
// authenticated (a module may map the name it was given) or PAM's reason.
Result<std::string> pam_check(const AuthSettings& settings, const std::string& user, const std::string* password,
                              const SockAddress& peer)
{
  Conversation conversation{password};
  const pam_conv conv{&converse, &conversation};
  pam_handle_t* raw = nullptr;
  const int started = pam_start(settings.pam_service.c_str(), user.c_str(), &conv, &raw);
  if (started != PAM_SUCCESS || raw == nullptr) {
    return make_error(ErrorKind::auth, pam_text(started == PAM_SUCCESS ? PAM_SYSTEM_ERR : started));
  }
  PamHandle pam{raw};
  // The peer's address, for modules that log it (pam_unix) or check it (pam_access).
  const std::string rhost = peer.host();
  if (int rc = pam.track(pam_set_item(raw, PAM_RHOST, rhost.c_str())); rc != PAM_SUCCESS) {
    return make_error(ErrorKind::auth, pam_text(rc));
  }
#ifdef PAM_FAIL_DELAY
  if (int rc = pam.track(pam_set_item(raw, PAM_FAIL_DELAY, reinterpret_cast<const void*>(&no_pam_delay)));
      rc != PAM_SUCCESS) {
    return make_error(ErrorKind::auth, pam_text(rc));
  }
#endif
  // PAM_SILENT: nobody reads module messages; empty passwords never log in over the network.
  const int flags = PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK;
  if (password != nullptr) {
    if (int rc = pam.track(pam_authenticate(raw, flags)); rc != PAM_SUCCESS) {
      return make_error(ErrorKind::auth, pam_text(rc));
    }
  }
  // Expired or locked accounts, and password changes we cannot ask for.
  if (int rc = pam.track(pam_acct_mgmt(raw, flags)); rc != PAM_SUCCESS) {
    return make_error(ErrorKind::auth, pam_text(rc));
  }
  const void* item = nullptr;
  if (int rc = pam.track(pam_get_item(raw, PAM_USER, &item)); rc != PAM_SUCCESS || item == nullptr) {
    return make_error(ErrorKind::auth, pam_text(rc == PAM_SUCCESS ? PAM_SYSTEM_ERR : rc));
  }
  return std::string{static_cast<const char*>(item)};
}

// Make this process `user`'s session: the capture capabilities if the user may capture.
Status become_session_user(const std::string& user, const std::string& capture_group)
{
  auto may_capture = user_may_capture(user, capture_group);
  if (!may_capture) { return std::move(may_capture).error(); }
  return become_user(user, *may_capture);
}

// After PAM let `login` in as `name`, make this process that user's
// session. A failure of ErrorKind::auth (the account went away before the
// switch began) is the login's refusal: `refuse(cause)`. Any other keeps
// its kind, for the process may be half-way between root and the user and
// the session ends (Authenticator).
template <typename Refuse>
Status enter_session(const std::string& name, const std::string& capture_group, const std::string& login,
                     const Refuse& refuse)
{
  auto st = become_session_user(name, capture_group);
  if (st) { return st; }
  if (st.error().kind == ErrorKind::auth) { return refuse(st.error().message); }
  Error e = std::move(st).error();
  e.message = login + " failed: " + e.message;
  return e;
}

// A user name every system accepts (POSIX's portable set), at most as long as useradd allows.
bool portable_user_name(const std::string& name)
{
  constexpr std::size_t k_max_user_name = 32;
  if (name.empty() || name.size() > k_max_user_name || name.front() == '-') { return false; }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
           || c == '-';
  });
}

}  // namespace

Status check_auth_settings(const AuthSettings& settings)
{
  if (settings.pam_service.empty() || has_nul(settings.pam_service)
      || settings.pam_service.find('/') != std::string::npos) {
    return make_error(ErrorKind::config, "PAM service name " + quote(settings.pam_service) + " is not valid");
  }
  if (settings.failure_delay_ms < 0) {
    return make_error(ErrorKind::config,
                      "login failure delay " + std::to_string(settings.failure_delay_ms) + " ms is negative");
  }
  if (!settings.capture_group.empty()) {
    if (auto gid = require_capture_group(settings.capture_group); !gid) { return std::move(gid).error(); }
  }
  return {};
}

Status PamAuthenticator::login(const std::string& user, const std::string& password, const SockAddress& peer)
{
  const auto start = std::chrono::steady_clock::now();
  const std::string what = "password login of " + quote(user) + " from " + peer.to_string();
  const auto fail = [&](const std::string& cause) -> Status {
    // Pad every failure to the same length from the start: the time PAM
    // took (a password hash for a known user, none for an unknown one) is
    // hidden as long as it stays under the delay.
    std::this_thread::sleep_until(start + std::chrono::milliseconds(std::max(0, m_settings.failure_delay_ms)));
    return make_error(ErrorKind::auth, what + " failed: " + cause);
  };
  // C strings end at the first NUL: "root\0x" must not log in as root.
  if (user.empty() || has_nul(user) || has_nul(password)) { return fail(pam_text(PAM_AUTH_ERR)); }

  auto name = pam_check(m_settings, user, &password, peer);  // the PAM handle is ended on return
  if (!name) { return fail(name.error().message); }
  return enter_session(*name, m_settings.capture_group, what, fail);
}

Status PamAuthenticator::login_certificate(const std::string& user, const SockAddress& peer)
{
  const std::string what = "certificate login of " + quote(user) + " from " + peer.to_string();
  const auto fail = [&](const std::string& cause) -> Status { return make_error(ErrorKind::auth, what + " failed: " + cause); };
  if (user.empty() || has_nul(user)) { return fail(pam_text(PAM_AUTH_ERR)); }
  auto name = pam_check(m_settings, user, nullptr, peer);
  if (!name) { return fail(name.error().message); }
  return enter_session(*name, m_settings.capture_group, what, fail);
}

Result<std::string> certificate_account(const std::string& common_name)
{
  const auto refuse = [&](const std::string& why) -> Result<std::string> {
    return make_error(ErrorKind::auth, "CN " + quote(common_name) + " " + why);
  };
  if (!portable_user_name(common_name)) { return refuse("is not a user name"); }
  auto account = find_account(common_name);
  if (!account) { return std::move(account).error(); }
  if (!*account) { return refuse("names no local account"); }
  // Service accounts (daemon, www-data, nobody) have no password to guess,
  // but a certificate needs none: those that may not log in at all, as
  // their shell says, may not log in this way either (as ssh refuses them).
  const std::string& shell = (*account)->shell;
  const std::string shell_name = shell.substr(shell.find_last_of('/') + 1);
  if (shell_name == "nologin" || shell_name == "false") {
    return refuse("names account " + quote((*account)->name) + ", which may not log in (shell " + quote(shell) + ")");
  }
  return (*account)->name;
}

Result<bool> user_may_capture(const std::string& user, const std::string& capture_group)
{
  auto account = require_account(user);
  if (!account) { return std::move(account).error(); }
  if (account->uid == 0) { return true; }
  if (capture_group.empty()) { return false; }
  auto gid = require_capture_group(capture_group);
  if (!gid) { return std::move(gid).error(); }
  auto groups = groups_of(*account);
  if (!groups) { return std::move(groups).error(); }
  return std::find(groups->begin(), groups->end(), *gid) != groups->end();
}

}  // namespace rpcap
