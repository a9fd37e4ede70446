// SPDX-License-Identifier: BSD-3-Clause
// Run a program of ours the way a user would, and collect what it did.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "rpcap/base/fd.hpp"

namespace rpcap::test {

struct RunResult {
  int exit_code{-1};   // exit status, or 128 + signal number
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

// A descriptor handed to a child: this process's `from` becomes the child's `to`.
struct ChildFd {
  int to;
  int from;
};

// What a child is set apart in: a process group of its own (so that a
// signal to the group reaches the programs it starts), or a session of its
// own, which is a group of its own too and has no controlling terminal.
enum class ChildGroup { own_group, own_session };

// Start `argv` (argv[0] is a path) as a child of this process: in a group
// (or session) of its own, killed when the thread that started it ends
// (PR_SET_PDEATHSIG, so with the test process), with `fds` in place and the
// rest of this process's descriptors inherited except those that are
// close-on-exec. Fails the current test if it cannot be forked or its
// program cannot be executed.
pid_t start_child(const std::vector<std::string>& argv, const std::vector<ChildFd>& fds,
                  ChildGroup group = ChildGroup::own_group);

// Run `argv` (argv[0] is a path) with `input` on its stdin, wait for it to
// exit, and return its output. Fails the current test if it cannot start or
// runs longer than `timeout_ms` (it is then killed).
RunResult run(const std::vector<std::string>& argv, const std::string& input = {}, int timeout_ms = 20000);

// The path of our program `name` ("rpcap-conf"): the build directory's copy,
// or the one the environment variable RPCAP_CONF (for rpcap-conf, and so
// on) names, to test an installed build.
std::string program(const std::string& name);

// A fresh temporary directory, removed with its contents when destroyed.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  // Write `content` to file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& content) const;

private:
  std::string m_path;
};

// The contents of the file at `path` ("" if unreadable).
std::string read_file(const std::string& path);

// The lines of `text` (a program's output), without their newlines.
std::vector<std::string> lines_of(const std::string& text);

// How many times `what` occurs in `text`, overlaps included.
std::size_t occurrences(const std::string& text, const std::string& what);

// Where a Background program's standard error goes: a file, or a
// pseudo-terminal (isatty() is true there), as for a user at a terminal.
enum class Stderr { file, terminal };

// A program started in the background, in a process group of its own (so
// that its children go with it), its stdin /dev/null and its stdout and
// stderr kept in files (or stderr read from a terminal). Killed with its
// whole group when destroyed.
class Background {
public:
  // Start `argv` (argv[0] is a path); fails the current test if it cannot.
  explicit Background(const std::vector<std::string>& argv, Stderr err = Stderr::file);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return m_pid; }
  // Send `sig` to the program (not to its group).
  void signal(int sig) const;
  // Wait up to `timeout_ms` for it to exit; returns its status and output,
  // exit_code -1 if it still runs then.
  RunResult wait(int timeout_ms = 20000);
  // True while it has not exited.
  bool running();
  // What it wrote so far (on a terminal, with the terminal's "\r\n" line ends).
  std::string out() const;
  std::string err() const;

private:
  TempDir m_dir;
  Fd m_terminal;                    // Stderr::terminal: the pseudo-terminal's master side
  mutable std::string m_shown;      // what the terminal showed so far
  pid_t m_pid{-1};
  int m_exit{-1};
};

// Call `done` every 20 ms until it returns true (then true) or `timeout_ms` passed (then false).
bool eventually(const std::function<bool()>& done, int timeout_ms = 20000);

// True once process `pid` has exited: gone, or a zombie that its parent
// (init, for a daemon that detached) has not reaped yet.
bool has_exited(pid_t pid);

// Every process whose parent is `pid` (a daemon's session processes), zombies included.
std::vector<pid_t> children_of(pid_t pid);

// True if process `pid` has a handler installed for signal `sig` (SigCgt in
// /proc/PID/status): a program that sets its handlers after it starts may
// then be sent `sig` without the default action killing it.
bool catches_signal(pid_t pid, int sig);

// The value of `field` ("Uid", "CapEff", "NoNewPrivs"...) in
// /proc/PID/status, blanks around it trimmed; "" if it or the process is gone.
std::string status_field(pid_t pid, const std::string& field);

// The real, effective, saved and filesystem user ids of process `pid`, as
// /proc/PID/status shows them ("1001 1001 1001 1001"); "" if it is gone.
std::string uids_of(pid_t pid);

}  // namespace rpcap::test
