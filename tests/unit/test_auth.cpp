// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "rpcap/daemon/auth.hpp"
#include "rpcap/net/capture.hpp"
#include "rpcap/net/socket.hpp"

using namespace rpcap;

namespace {

// Capability bits as /proc/self/status shows them.
constexpr unsigned long long k_net_admin = 1ull << 12;
constexpr unsigned long long k_net_raw = 1ull << 13;
constexpr int k_test_delay_ms = 300;
constexpr int k_child_timeout_ms = 30'000;

bool skip_unless_root()
{
  if (geteuid() == 0) { return false; }
  std::cout << "SKIPPED: needs root (creates accounts and changes the process's user)\n";
  return true;
}

// Run `command` through the shell; its exit status. Retried for a while:
// useradd and friends fail while another test process holds /etc/passwd's lock.
int run(const std::string& command)
{
  int rc = -1;
  for (int attempt = 0; attempt < 50; ++attempt) {
    rc = std::system(command.c_str());
    if (rc == 0) { return 0; }
    ::usleep(100'000);
  }
  return rc;
}

SockAddress loopback_peer()
{
  SockAddress a;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(40112);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::memcpy(&a.storage, &sin, sizeof sin);
  a.length = sizeof sin;
  return a;
}

std::string read_file(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Actions run in reverse order on destruction. As a member it runs them
// even when its owner's constructor fails half-way.
class Undo {
public:
  Undo() = default;
  ~Undo()
  {
    for (auto it = m_actions.rbegin(); it != m_actions.rend(); ++it) { (*it)(); }
  }
  Undo(const Undo&) = delete;
  Undo& operator=(const Undo&) = delete;
  void add(std::function<void()> action) { m_actions.push_back(std::move(action)); }

private:
  std::vector<std::function<void()>> m_actions;
};

// A password nobody can guess, should a killed test leave an account behind.
std::string random_password()
{
  std::random_device random;
  std::string out = "Rp-";
  for (int i = 0; i < 24; ++i) { out += "0123456789abcdefghijklmnopqrstuvwxyz"[random() % 36]; }
  return out;
}

// Throwaway accounts, removed on destruction: a capture group, a user in it
// as a supplementary group, one with it as primary group, one outside it,
// and a PAM service with the content of the shipped pam/rpcapd.
class Accounts {
public:
  Accounts()
  {
    const std::string pid = std::to_string(::getpid());
    group = "rpcapcap_" + pid;
    member = "rpcaptest_" + pid + "_in";
    primary = "rpcaptest_" + pid + "_pri";
    outsider = "rpcaptest_" + pid + "_out";
    password = random_password();
    pam_service = "rpcaptest-" + pid;
    pam_file = "/etc/pam.d/" + pam_service;

    const std::string pam_config = read_file(RPCAP_TESTS_DIR "/../pam/rpcapd");
    REQUIRE(pam_config.find("@include common-auth") != std::string::npos);
    m_undo.add([file = pam_file] { std::filesystem::remove(file); });
    std::ofstream(pam_file) << pam_config;

    // Each undo comes before its action: a half-done action is undone too.
    m_undo.add([g = group] {
      if (::getgrnam(g.c_str()) != nullptr) { (void)run("groupdel " + g); }
    });
    REQUIRE(run("groupadd " + group) == 0);
    const std::string add = "useradd -M -s /usr/sbin/nologin ";
    add_user(add + "-G " + group + " " + member, member);
    add_user(add + "-g " + group + " " + primary, primary);
    add_user(add + outsider, outsider);

    std::string lines;
    for (const auto& u : {member, primary, outsider}) { lines += u + ":" + password + "\n"; }
    REQUIRE(set_passwords(lines));
  }
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  AuthSettings settings() const
  {
    AuthSettings s;
    s.pam_service = pam_service;
    s.capture_group = group;
    s.failure_delay_ms = k_test_delay_ms;
    return s;
  }

  std::string group, member, primary, outsider, password, pam_service, pam_file;

private:
  void add_user(const std::string& command, const std::string& name)
  {
    m_undo.add([name] {
      if (::getpwnam(name.c_str()) != nullptr) { (void)run("userdel " + name); }
    });
    REQUIRE(run(command) == 0);
  }

  // Feed "user:password" `lines` to chpasswd, retrying while /etc/shadow is locked.
  static bool set_passwords(const std::string& lines)
  {
    for (int attempt = 0; attempt < 10; ++attempt) {
      FILE* chpasswd = ::popen("chpasswd", "w");
      if (chpasswd == nullptr) { return false; }
      std::fputs(lines.c_str(), chpasswd);
      if (::pclose(chpasswd) == 0) { return true; }
      ::usleep(100'000);
    }
    return false;
  }

  Undo m_undo;
};

// What a process looks like from inside: its ids, groups and capabilities.
using Report = std::map<std::string, std::string>;

// Lines of /proc/self/status that matter here ("CapEff" -> "0000000000003000").
void add_proc_status(Report& r)
{
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    for (const char* key : {"CapInh", "CapPrm", "CapEff", "CapAmb", "NoNewPrivs"}) {
      const std::string prefix = std::string{key} + ":";
      if (line.rfind(prefix, 0) == 0) {
        std::istringstream value(line.substr(prefix.size()));
        value >> r[key];
      }
    }
  }
}

std::string join(std::vector<gid_t> ids)
{
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string out;
  for (auto id : ids) { out += (out.empty() ? "" : ",") + std::to_string(id); }
  return out;
}

// The child's side of in_child(): run `work`, then write the report to `fd`.
void child_report(const std::function<Status()>& work, int fd)
{
  Report r;
  const auto start = std::chrono::steady_clock::now();
  Status st = work();
  const auto took = std::chrono::steady_clock::now() - start;
  r["ms"] = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  std::string message = st ? "ok" : st.error().message;
  for (auto nl = message.find('\n'); nl != std::string::npos; nl = message.find('\n')) {
    message.replace(nl, 1, "<NL>");
  }
  r["status"] = message;
  r["kind"] = st ? "" : to_string(st.error().kind);
  uid_t ru = 0, eu = 0, su = 0;
  gid_t rg = 0, eg = 0, sg = 0;
  ::getresuid(&ru, &eu, &su);
  ::getresgid(&rg, &eg, &sg);
  r["uid"] = std::to_string(ru) + "," + std::to_string(eu) + "," + std::to_string(su);
  r["gid"] = std::to_string(rg) + "," + std::to_string(eg) + "," + std::to_string(sg);
  std::vector<gid_t> groups(static_cast<std::size_t>(std::max(0, ::getgroups(0, nullptr))));
  const int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
  groups.resize(static_cast<std::size_t>(std::max(0, n)));
  r["groups"] = join(groups);
  add_proc_status(r);
  r["setuid0"] = ::setuid(0) == 0 ? "succeeded" : "failed";
  std::string text;
  for (const auto& [k, v] : r) { text += k + "=" + v + "\n"; }
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) { continue; }
    if (wrote <= 0) { ::_exit(1); }
    done += static_cast<std::size_t>(wrote);
  }
}

// Run `work` in a forked child, then describe the child: "status" is "ok"
// or the error message (newlines as <NL>), "kind" its kind, "ms" how long
// `work` took. Children because become_user cannot be undone, and because
// PAM runs foreign code: if it crashes, this process still removes the accounts.
Report in_child(const std::function<Status()>& work)
{
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  Fd read_end{fds[0]};
  Fd write_end{fds[1]};
  std::cout.flush();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // No Catch2 and no destructors here (they would delete the accounts), so
    // no exception may leave: report and _exit.
    try {
      child_report(work, write_end.get());
    } catch (...) {
      ::_exit(2);
    }
    ::_exit(0);
  }
  write_end.reset();
  std::string text;
  char buf[4096];
  for (;;) {
    // A hung child is killed, so the test fails (and cleans up) instead of hanging.
    auto readable = wait_readable(read_end.get(), k_child_timeout_ms);
    if (!readable || !*readable) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      FAIL("the child did not finish within " << k_child_timeout_ms << " ms");
    }
    const ssize_t got = ::read(read_end.get(), buf, sizeof buf);
    if (got < 0 && errno == EINTR) { continue; }
    if (got <= 0) { break; }
    text.append(buf, static_cast<std::size_t>(got));
  }
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  REQUIRE(WIFEXITED(wstatus));
  REQUIRE(WEXITSTATUS(wstatus) == 0);
  Report r;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) { r[line.substr(0, eq)] = line.substr(eq + 1); }
  }
  return r;
}

unsigned long long hex(const std::string& text)
{
  return std::stoull(text, nullptr, 16);
}

struct Ids {
  std::string uid, gid, groups;
};

// What a process running as `user` should report, from the account database.
Ids expected_ids(const std::string& user)
{
  const passwd* pw = ::getpwnam(user.c_str());
  REQUIRE(pw != nullptr);
  const std::string uid = std::to_string(pw->pw_uid);
  const std::string gid = std::to_string(pw->pw_gid);
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  REQUIRE(::getgrouplist(user.c_str(), pw->pw_gid, groups.data(), &count) >= 0);
  groups.resize(static_cast<std::size_t>(count));
  return {uid + "," + uid + "," + uid, gid + "," + gid + "," + gid, join(groups)};
}

void check_runs_as(const Report& r, const std::string& user)
{
  const Ids ids = expected_ids(user);
  CHECK(r.at("uid") == ids.uid);
  CHECK(r.at("gid") == ids.gid);
  CHECK(r.at("groups") == ids.groups);
  CHECK(r.at("setuid0") == "failed");
  CHECK(r.at("NoNewPrivs") == "1");
  CHECK(hex(r.at("CapInh")) == 0);
  CHECK(hex(r.at("CapAmb")) == 0);
}

void check_capture_caps_only(const Report& r)
{
  CHECK(hex(r.at("CapEff")) == (k_net_raw | k_net_admin));
  CHECK(hex(r.at("CapPrm")) == (k_net_raw | k_net_admin));
}

void check_no_caps(const Report& r)
{
  CHECK(hex(r.at("CapEff")) == 0);
  CHECK(hex(r.at("CapPrm")) == 0);
}

}  // namespace

TEST_CASE("auth: the shipped PAM service and the defaults", "[auth]")
{
  const std::string pam_config = read_file(RPCAP_TESTS_DIR "/../pam/rpcapd");
  CHECK(pam_config.find("@include common-auth\n") != std::string::npos);
  CHECK(pam_config.find("@include common-account\n") != std::string::npos);
  const AuthSettings defaults;
  CHECK(defaults.pam_service == "rpcapd");
  CHECK(defaults.capture_group.empty());
  CHECK(defaults.failure_delay_ms == 1000);
}

TEST_CASE("auth: settings are checked before the daemon starts", "[auth]")
{
  CHECK(check_auth_settings(AuthSettings{}));
  AuthSettings s;
  s.capture_group = "root";
  CHECK(check_auth_settings(s));
  s.capture_group = "no_such_group_rpcaptest";
  auto st = check_auth_settings(s);
  REQUIRE_FALSE(st);
  CHECK(st.error().kind == ErrorKind::config);
  CHECK(st.error().message == "capture group \"no_such_group_rpcaptest\" does not exist");
  s = AuthSettings{};
  s.pam_service = "../shadow";
  REQUIRE_FALSE(check_auth_settings(s));
  CHECK(check_auth_settings(s).error().message == "PAM service name \"../shadow\" is not valid");
  s = AuthSettings{};
  s.failure_delay_ms = -1;
  CHECK(check_auth_settings(s).error().kind == ErrorKind::config);
}

TEST_CASE("auth: root may always capture, unknown users and groups are errors", "[auth]")
{
  auto root = user_may_capture("root", "");
  REQUIRE(root);
  CHECK(*root);
  auto root_any = user_may_capture("root", "no_such_group_rpcaptest");
  REQUIRE(root_any);
  CHECK(*root_any);

  auto nobody = user_may_capture("nobody", "");
  REQUIRE(nobody);
  CHECK_FALSE(*nobody);

  auto unknown_user = user_may_capture("no_such_user_rpcaptest", "");
  REQUIRE_FALSE(unknown_user);
  CHECK(unknown_user.error().kind == ErrorKind::auth);
  CHECK(unknown_user.error().message == "user \"no_such_user_rpcaptest\" does not exist");

  auto unknown_group = user_may_capture("nobody", "no_such_group_rpcaptest");
  REQUIRE_FALSE(unknown_group);
  CHECK(unknown_group.error().kind == ErrorKind::config);
  CHECK(unknown_group.error().message == "capture group \"no_such_group_rpcaptest\" does not exist");
}

TEST_CASE("auth: members of the capture group may capture, others may not", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  for (const auto& user : {acc.member, acc.primary}) {
    INFO(user);
    auto may = user_may_capture(user, acc.group);
    REQUIRE(may);
    CHECK(*may);
  }
  auto outsider = user_may_capture(acc.outsider, acc.group);
  REQUIRE(outsider);
  CHECK_FALSE(*outsider);
  auto no_group = user_may_capture(acc.member, "");
  REQUIRE(no_group);
  CHECK_FALSE(*no_group);
}

TEST_CASE("auth: a right password makes the session the user, with capture capabilities for the capture group",
          "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  PamAuthenticator auth{acc.settings()};
  const auto peer = loopback_peer();

  for (const auto& user : {acc.member, acc.primary}) {
    INFO(user);
    const Report r = in_child([&] { return auth.login(user, acc.password, peer); });
    REQUIRE(r.at("status") == "ok");
    check_runs_as(r, user);
    check_capture_caps_only(r);
  }
}

TEST_CASE("auth: a right password for a user outside the capture group leaves no capabilities", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  const auto peer = loopback_peer();
  {
    PamAuthenticator auth{acc.settings()};
    const Report r = in_child([&] { return auth.login(acc.outsider, acc.password, peer); });
    REQUIRE(r.at("status") == "ok");
    check_runs_as(r, acc.outsider);
    check_no_caps(r);
  }
  {
    // No capture group named: only root may capture.
    AuthSettings s = acc.settings();
    s.capture_group.clear();
    PamAuthenticator auth{s};
    const Report r = in_child([&] { return auth.login(acc.member, acc.password, peer); });
    REQUIRE(r.at("status") == "ok");
    check_runs_as(r, acc.member);
    check_no_caps(r);
  }
}

TEST_CASE("auth: after the login a capture group member can capture and an outsider gets a permission error",
          "[auth]")
{
  if (skip_unless_root()) { return; }
  CaptureParams params;
  params.device = "lo";
  params.buffer_size = 1 << 20;
  if (auto probe = make_pcap_backend()->open(params); !probe) {
    std::cout << "SKIPPED: root cannot capture on lo here: " << probe.error().message << "\n";
    return;
  }
  Accounts acc;
  PamAuthenticator auth{acc.settings()};
  const auto peer = loopback_peer();
  // Log in, then open a capture as the session would.
  const auto login_and_open = [&](const std::string& user) {
    return in_child([&]() -> Status {
      if (auto st = auth.login(user, acc.password, peer); !st) { return st; }
      auto cap = make_pcap_backend()->open(params);
      if (!cap) { return std::move(cap).error(); }
      return {};
    });
  };

  const Report member = login_and_open(acc.member);
  CHECK(member.at("status") == "ok");
  check_runs_as(member, acc.member);

  const Report outsider = login_and_open(acc.outsider);
  CHECK(outsider.at("kind") == "io");
  CHECK(outsider.at("status").rfind("open \"lo\": You don't have permission", 0) == 0);
  check_runs_as(outsider, acc.outsider);
}

TEST_CASE("auth: a wrong password and an unknown user fail alike, after the delay, without the password", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  PamAuthenticator auth{acc.settings()};
  const auto peer = loopback_peer();
  const std::string unknown = "rpcaptest_" + std::to_string(::getpid()) + "_none";
  const auto message_for = [](const std::string& user) {
    return "password login of \"" + user + "\" from 127.0.0.1:40112 failed: Authentication failure";
  };

  const Report wrong = in_child([&] { return auth.login(acc.member, acc.password + "x", peer); });
  const Report nobody = in_child([&] { return auth.login(unknown, acc.password, peer); });
  CHECK(wrong.at("kind") == "auth");
  CHECK(nobody.at("kind") == "auth");
  CHECK(wrong.at("status") == message_for(acc.member));
  CHECK(nobody.at("status") == message_for(unknown));
  CHECK(wrong.at("status").find(acc.password) == std::string::npos);
  CHECK(nobody.at("status").find(acc.password) == std::string::npos);
  CHECK(std::stoi(wrong.at("ms")) >= k_test_delay_ms);
  CHECK(std::stoi(nobody.at("ms")) >= k_test_delay_ms);
  // PAM's own failure delay (pam_unix: two seconds, less 25% at most) is replaced by ours.
  CHECK(std::stoi(wrong.at("ms")) < k_test_delay_ms + 1000);
  CHECK(std::stoi(nobody.at("ms")) < k_test_delay_ms + 1000);
  // A failed login changes nothing.
  CHECK(wrong.at("uid") == "0,0,0");
  CHECK(nobody.at("uid") == "0,0,0");
}

TEST_CASE("auth: names and passwords with a NUL byte or an empty name never log in", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  PamAuthenticator auth{acc.settings()};
  const auto peer = loopback_peer();
  const auto login = [&](const std::string& user, const std::string& password) {
    return in_child([&] { return auth.login(user, password, peer); });
  };
  using namespace std::string_literals;

  // As C strings these would be the member's right name and password.
  const Report cut_user = login(acc.member + "\0junk"s, acc.password);
  CHECK(cut_user.at("kind") == "auth");
  CHECK(cut_user.at("status")
        == "password login of \"" + acc.member + "\\x00junk\" from 127.0.0.1:40112 failed: Authentication failure");
  const Report cut_password = login(acc.member, acc.password + "\0junk"s);
  CHECK(cut_password.at("status")
        == "password login of \"" + acc.member + "\" from 127.0.0.1:40112 failed: Authentication failure");
  const Report empty = login("", "");
  CHECK(empty.at("status") == "password login of \"\" from 127.0.0.1:40112 failed: Authentication failure");
  // A name that would forge a log line is escaped.
  const Report forged = login("x\nrpcapd: info: ok", "");
  CHECK(forged.at("status")
        == "password login of \"x\\x0arpcapd: info: ok\" from 127.0.0.1:40112 failed: Authentication failure");
  for (const auto* r : {&cut_user, &cut_password, &empty, &forged}) {
    CHECK(std::stoi(r->at("ms")) >= k_test_delay_ms);
    CHECK(r->at("uid") == "0,0,0");
  }
}

TEST_CASE("auth: become_user keeps exactly the capture capabilities when asked, and none otherwise", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;

  const Report keep = in_child([&] { return become_user(acc.outsider, true); });
  REQUIRE(keep.at("status") == "ok");
  check_runs_as(keep, acc.outsider);
  check_capture_caps_only(keep);

  const Report drop = in_child([&] { return become_user(acc.member, false); });
  REQUIRE(drop.at("status") == "ok");
  check_runs_as(drop, acc.member);
  check_no_caps(drop);

  auto unknown = become_user("rpcaptest_" + std::to_string(::getpid()) + "_none", true);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::auth);
  CHECK(::geteuid() == 0);
}

TEST_CASE("auth: become_user for root keeps every privilege", "[auth]")
{
  if (skip_unless_root()) { return; }
  Report before;
  add_proc_status(before);
  const Report r = in_child([] { return become_user("root", false); });
  REQUIRE(r.at("status") == "ok");
  const Ids ids = expected_ids("root");
  CHECK(r.at("uid") == ids.uid);
  CHECK(r.at("gid") == ids.gid);
  CHECK(r.at("groups") == ids.groups);
  CHECK(r.at("CapEff") == before.at("CapEff"));
  CHECK(r.at("CapPrm") == before.at("CapPrm"));
  CHECK(r.at("setuid0") == "succeeded");
}

TEST_CASE("auth: become_user fails without the privilege to change users", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  // The child becomes the outsider, then can no longer become anyone else.
  const Report r = in_child([&]() -> Status {
    if (auto st = become_user(acc.outsider, false); !st) { return st; }
    return become_user(acc.member, false);
  });
  CHECK(r.at("status") == "become user \"" + acc.member + "\": initgroups: Operation not permitted");
  check_runs_as(r, acc.outsider);
  check_no_caps(r);
}

TEST_CASE("auth: a client certificate's CN logs in as the account of that name when it is a user name", "[auth]")
{
  const auto account_for = [](const std::string& cn) {
    auto r = certificate_account(cn);
    return r ? "user " + *r : "error: " + r.error().message;
  };
  CHECK(account_for("root") == "user root");
  // Accounts that may not log in (as their shell says) may not by certificate either.
  CHECK(account_for("nobody") == "error: CN \"nobody\" names account \"nobody\", which may not log in (shell \"/usr/sbin/nologin\")");
  CHECK(account_for("daemon") == "error: CN \"daemon\" names account \"daemon\", which may not log in (shell \"/usr/sbin/nologin\")");
  CHECK(account_for("no_such_user.rpcap-test") == "error: CN \"no_such_user.rpcap-test\" names no local account");
  CHECK(account_for("ROOT") == "error: CN \"ROOT\" names no local account");  // names are case-sensitive
  CHECK(account_for("") == "error: CN \"\" is not a user name");
  CHECK(account_for("-root") == "error: CN \"-root\" is not a user name");
  CHECK(account_for("root ") == "error: CN \"root \" is not a user name");
  CHECK(account_for("Alice Smith") == "error: CN \"Alice Smith\" is not a user name");
  CHECK(account_for("root,O=x") == "error: CN \"root,O=x\" is not a user name");
  CHECK(account_for("ro\not") == "error: CN \"ro\\x0aot\" is not a user name");  // escaped: no forged log lines
  CHECK(account_for(std::string("root\0x", 6)) == "error: CN \"root\\x00x\" is not a user name");
  CHECK(account_for("\xc3\xa5sa") == "error: CN \"\\xc3\\xa5sa\" is not a user name");
  CHECK(account_for(std::string(33, 'a')).ends_with("\" is not a user name"));
  auto r = certificate_account("nobody!");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::auth);
}

TEST_CASE("auth: a certificate login makes the session the user as a password login does, with no password",
          "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  PamAuthenticator auth{acc.settings()};
  const auto peer = loopback_peer();

  const Report member = in_child([&] { return auth.login_certificate(acc.member, peer); });
  REQUIRE(member.at("status") == "ok");
  check_runs_as(member, acc.member);
  check_capture_caps_only(member);

  const Report outsider = in_child([&] { return auth.login_certificate(acc.outsider, peer); });
  REQUIRE(outsider.at("status") == "ok");
  check_runs_as(outsider, acc.outsider);
  check_no_caps(outsider);

  // A daemon that no longer runs as root cannot log anyone in (a password login fails the same way).
  const Report unprivileged = in_child([&]() -> Status {
    if (auto st = become_user(acc.outsider, false); !st) { return st; }
    return auth.login_certificate(acc.member, peer);
  });
  // (PAM's account check, which reads /etc/shadow, fails first here; become_user() would next.)
  CHECK(unprivileged.at("kind") == "auth");
  CHECK(unprivileged.at("status").rfind("certificate login of \"" + acc.member + "\" from 127.0.0.1:40112 failed: ", 0) == 0);
  check_runs_as(unprivileged, acc.outsider);

  const Report unknown = in_child([&] { return auth.login_certificate("rpcaptest_none_" + std::to_string(::getpid()), peer); });
  CHECK(unknown.at("kind") == "auth");
  CHECK(unknown.at("status").rfind("certificate login of \"rpcaptest_none_", 0) == 0);
  CHECK(unknown.at("uid") == "0,0,0");
}

TEST_CASE("auth: a login that cannot make the process the user fails with a kind that ends the session", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  // The capture group went away after the daemon started: the right
  // password is no reason to try again in this process, nor is a certificate.
  AuthSettings settings = acc.settings();
  settings.capture_group = "rpcap_no_such_group_" + std::to_string(::getpid());
  PamAuthenticator auth{settings};
  const Report by_password = in_child([&] { return auth.login(acc.member, acc.password, loopback_peer()); });
  CHECK(by_password.at("kind") == "config");
  CHECK(by_password.at("status").rfind("password login of \"" + acc.member + "\" from 127.0.0.1:40112 failed: ", 0) == 0);
  const Report by_certificate = in_child([&] { return auth.login_certificate(acc.member, loopback_peer()); });
  CHECK(by_certificate.at("kind") == "config");
  CHECK(by_certificate.at("uid") == "0,0,0");
}

TEST_CASE("auth: an expired account cannot log in by certificate either (PAM's account check)", "[auth]")
{
  if (skip_unless_root()) { return; }
  Accounts acc;
  REQUIRE(run("usermod -e 1 " + acc.outsider) == 0);  // expired on 2 January 1970
  PamAuthenticator auth{acc.settings()};
  const Report r = in_child([&] { return auth.login_certificate(acc.outsider, loopback_peer()); });
  CHECK(r.at("kind") == "auth");
  // Debian's common-account answers an expired account with pam_deny's "Authentication failure".
  CHECK(r.at("status").rfind("certificate login of \"" + acc.outsider + "\" from 127.0.0.1:40112 failed: ", 0) == 0);
  CHECK(r.at("uid") == "0,0,0");
}
