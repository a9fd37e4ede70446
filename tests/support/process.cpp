// SPDX-License-Identifier: BSD-3-Clause
#include "support/process.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rpcap/base/fd.hpp"

namespace rpcap::test {
namespace {

struct Pipe {
  int fd[2]{-1, -1};
  Pipe() { REQUIRE(::pipe2(fd, O_CLOEXEC) == 0); }
  ~Pipe() { close_both(); }
  void close_end(int i)
  {
    if (fd[i] >= 0) { ::close(fd[i]); }
    fd[i] = -1;
  }
  void close_both()
  {
    close_end(0);
    close_end(1);
  }
};

}  // namespace

pid_t start_child(const std::vector<std::string>& argv, const std::vector<ChildFd>& fds, ChildGroup group)
{
  REQUIRE_FALSE(argv.empty());
  // Everything the child needs is made before fork(): after it, the child
  // of a process that may run other threads only makes system calls.
  std::vector<char*> args;
  for (const auto& a : argv) { args.push_back(const_cast<char*>(a.c_str())); }
  args.push_back(nullptr);
  int above = 3;  // where the descriptors to hand over are moved first, clear of every target
  for (const auto& f : fds) { above = std::max(above, f.to + 1); }
  std::vector<int> moved(fds.size(), -1);
  Pipe exec_error;  // the child's errno if execv() fails; closed by a successful one
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (group == ChildGroup::own_session) {
      ::setsid();
    } else {
      ::setpgid(0, 0);
    }
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) { ::_exit(127); }
    for (std::size_t i = 0; i < fds.size(); ++i) { moved[i] = ::fcntl(fds[i].from, F_DUPFD_CLOEXEC, above); }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (moved[i] < 0 || ::dup2(moved[i], fds[i].to) < 0) { ::_exit(127); }
    }
    ::execv(args[0], args.data());
    const int err = errno;
    (void)!::write(exec_error.fd[1], &err, sizeof err);
    ::_exit(127);
  }
  // The parent too, so that no signal can reach the group before the child made it.
  if (group == ChildGroup::own_group) { ::setpgid(pid, pid); }
  exec_error.close_end(1);
  int err = 0;
  ssize_t n = -1;
  while ((n = ::read(exec_error.fd[0], &err, sizeof err)) < 0 && errno == EINTR) {}
  if (n > 0) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
    FAIL("cannot run " << argv[0] << ": " << std::strerror(err));
  }
  return pid;
}

RunResult run(const std::vector<std::string>& argv, const std::string& input, int timeout_ms)
{
  Pipe in, out, err;
  const pid_t pid = start_child(argv, {{0, in.fd[0]}, {1, out.fd[1]}, {2, err.fd[1]}});
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);

  ::signal(SIGPIPE, SIG_IGN);
  std::size_t written = 0;
  if (input.empty()) { in.close_end(1); }
  RunResult res;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd pfd[3] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}, {in.fd[1], POLLOUT, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      FAIL("timeout: " << argv[0] << " ran longer than " << timeout_ms << " ms");
    }
    if (::poll(pfd, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) { FAIL("poll failed"); }
    for (int i = 0; i < 2; ++i) {
      if (pfd[i].fd < 0 || (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) { continue; }
      char buf[65536];
      const ssize_t n = ::read(pfd[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? res.out : res.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        (i == 0 ? out : err).close_end(0);
      }
    }
    if (pfd[2].fd >= 0 && (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(in.fd[1], input.data() + written, input.size() - written);
      if (n > 0) { written += static_cast<std::size_t>(n); }
      if (n < 0 || written == input.size()) { in.close_end(1); }
    }
  }
  in.close_end(1);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return res;
}

std::string program(const std::string& name)
{
  std::string var;
  for (char c : name) { var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }
  if (const char* p = std::getenv(var.c_str()); p != nullptr && *p != '\0') { return p; }
  const std::string path = std::string{RPCAP_BIN_DIR} + "/" + name;
  INFO("program under test " << path);
  REQUIRE(::access(path.c_str(), X_OK) == 0);
  return path;
}

TempDir::TempDir()
{
  std::string tmpl = (std::filesystem::temp_directory_path() / "rpcap-test-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  m_path = tmpl;
}

TempDir::~TempDir()
{
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const
{
  const std::string path = m_path + "/" + name;
  std::ofstream f{path, std::ios::binary};
  f << content;
  REQUIRE(f.good());
  return path;
}

std::string read_file(const std::string& path)
{
  std::ifstream f{path, std::ios::binary};
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text)
{
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) { out.push_back(line); }
  return out;
}

std::size_t occurrences(const std::string& text, const std::string& what)
{
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) { ++n; }
  return n;
}

Background::Background(const std::vector<std::string>& argv, Stderr to)
{
  // Its own group, so that the destructor reaches the programs it starts.
  const Fd in{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
  const Fd out{::open((m_dir.path() + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)};
  Fd err;
  if (to == Stderr::terminal) {
    m_terminal.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(m_terminal.valid());
    REQUIRE(::grantpt(m_terminal.get()) == 0);
    REQUIRE(::unlockpt(m_terminal.get()) == 0);
    const char* name = ::ptsname(m_terminal.get());
    REQUIRE(name != nullptr);
    err.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    REQUIRE(::fcntl(m_terminal.get(), F_SETFL, O_NONBLOCK) == 0);
  } else {
    err.reset(::open((m_dir.path() + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  }
  REQUIRE(in.valid());
  REQUIRE(out.valid());
  REQUIRE(err.valid());
  m_pid = start_child(argv, {{0, in.get()}, {1, out.get()}, {2, err.get()}});
}

Background::~Background()
{
  if (m_pid > 0) {
    ::kill(-m_pid, SIGKILL);
    ::kill(m_pid, SIGKILL);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {}
  }
}

void Background::signal(int sig) const
{
  if (m_pid > 0) { ::kill(m_pid, sig); }
}

bool Background::running()
{
  if (m_pid <= 0) { return false; }
  int status = 0;
  if (m_terminal.valid()) { (void)err(); }  // a full terminal would stop the program
  if (::waitpid(m_pid, &status, WNOHANG) != m_pid) { return true; }
  m_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // What it started may still run: its group goes with it.
  ::kill(-m_pid, SIGKILL);
  m_pid = -1;
  return false;
}

RunResult Background::wait(int timeout_ms)
{
  eventually([this] { return !running(); }, timeout_ms);
  return RunResult{m_pid > 0 ? -1 : m_exit, out(), err()};
}

std::string Background::out() const { return read_file(m_dir.path() + "/stdout"); }
std::string Background::err() const
{
  if (!m_terminal.valid()) { return read_file(m_dir.path() + "/stderr"); }
  // Read what is there (EIO once the program and its children closed it).
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::read(m_terminal.get(), buf, sizeof buf)) > 0) { m_shown.append(buf, static_cast<std::size_t>(n)); }
  return m_shown;
}

bool eventually(const std::function<bool()>& done, int timeout_ms)
{
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (done()) { return true; }
    if (std::chrono::steady_clock::now() >= deadline) { return false; }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool has_exited(pid_t pid)
{
  if (::kill(pid, 0) != 0) { return true; }
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');  // "pid (comm) state ...": comm may hold blanks
  return close == std::string::npos || stat.compare(close, 3, ") Z") == 0;
}

std::vector<pid_t> children_of(pid_t pid)
{
  std::vector<pid_t> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) { continue; }
    std::ifstream f{it->path() / "stat"};
    std::string stat;
    std::getline(f, stat);
    // "pid (comm) state ppid ...": comm may hold blanks, so read after the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) { continue; }
    std::istringstream rest{stat.substr(close + 1)};
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid) { out.push_back(static_cast<pid_t>(std::stol(name))); }
  }
  return out;
}

bool catches_signal(pid_t pid, int sig)
{
  std::istringstream status{read_file("/proc/" + std::to_string(pid) + "/status")};
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigCgt:", 0) != 0) { continue; }
    // "SigCgt:\t0000000000004002": a hex mask, bit N-1 for signal N
    const unsigned long long mask = std::stoull(line.substr(7), nullptr, 16);
    return sig >= 1 && sig <= 64 && ((mask >> (sig - 1)) & 1U) != 0;
  }
  return false;
}

std::string status_field(pid_t pid, const std::string& field)
{
  std::istringstream status{read_file("/proc/" + std::to_string(pid) + "/status")};
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) != 0) { continue; }
    std::string value = line.substr(field.size() + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    return value;
  }
  return {};
}

std::string uids_of(pid_t pid)
{
  std::istringstream fields{status_field(pid, "Uid")};
  std::string out;
  for (std::string id; fields >> id;) { out += (out.empty() ? "" : " ") + id; }
  return out;
}

}  // namespace rpcap::test
