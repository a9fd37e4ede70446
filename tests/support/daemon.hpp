// SPDX-License-Identifier: BSD-3-Clause
// A daemon under test: our rpcapd (or the reference one) started on
// 127.0.0.1 with an ephemeral port, its readiness read from a descriptor,
// stopped with SIGTERM when the fixture goes away. Its stderr is kept in a
// file and shown when a test fails.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rpcap/net/socket.hpp"

namespace rpcap::test {

class Daemon {
public:
  // Start `argv` (a daemon that understands `--ready-fd 3` and writes its port
  // there; 0 when it does not listen, as with -v).
  explicit Daemon(std::vector<std::string> argv);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Our rpcapd with `args`, listening on 127.0.0.1, port 0.
  static std::vector<std::string> ours(std::vector<std::string> args);

  std::uint16_t port() const { return m_port; }
  pid_t pid() const { return m_pid; }
  // What the daemon wrote to stderr so far.
  std::string log() const;
  // Send `sig`; wait up to `timeout_ms` for it to exit; return the exit code (or 128+signal, -1 if still running).
  int stop(int sig, int timeout_ms = 10000);

private:
  pid_t m_pid{-1};
  std::uint16_t m_port{0};
  std::string m_log_path;
  int m_exit{-1};
};

// What rpcap-listen wrote on stderr after the line that says where it
// listens (every run that got as far as waiting for daemons starts with it).
std::string after_listening(const std::string& err);

// UDP datagrams to 127.0.0.1:`port` carrying `payload`, `count` of them.
void send_udp(std::uint16_t port, const std::string& payload, int count);

// A connected client socket to 127.0.0.1:`port`.
Fd connect_local(std::uint16_t port);

// True if some socket of this network namespace listens on TCP port
// `port` (IPv4 or IPv6), from /proc/net/tcp{,6}: no connection is made, so
// a program that takes every connection as a peer is not disturbed.
bool tcp_listening(std::uint16_t port);

// Wait up to `timeout_ms` until TCP port `port` is listened on (`listening`)
// or no longer is; true if it came to pass.
bool wait_tcp_listening(std::uint16_t port, bool listening = true, int timeout_ms = 10000);

// The inodes of the sockets process `pid` holds (its /proc/PID/fd links
// "socket:[12345]"), to find them in the tables of /proc/net.
std::set<std::string> socket_inodes_of(pid_t pid);

// True if process `pid` has a socket listening on TCP port `port` (from
// /proc/PID/net/tcp{,6} and the socket inodes in /proc/PID/fd): a way to
// tell that a program which cannot report readiness listens, and that it is
// this program and not another one.
bool listens_on(pid_t pid, std::uint16_t port);

// A daemon that detached (rpcapd -d): the pid it wrote to `pid_file`, once
// the file holds a whole line and that process listens on `port`. Fails the
// current test if either does not come to pass within 10 s or it exits.
pid_t detached_daemon(const std::string& pid_file, std::uint16_t port);

// SIGKILLs process `pid` when it goes, if it still runs: a daemon that
// detached is no child of the test, and a failed check must not leave it.
struct KillAtEnd {
  pid_t pid;
  ~KillAtEnd();
};

// Established TCP connections to local port `port` that process `pid`
// holds: the connections a daemon has accepted and keeps.
std::size_t connections_held(pid_t pid, std::uint16_t port);

// True if this process may capture live traffic (root); otherwise reports SKIPPED.
bool can_capture();

// Ports that cannot collide. ctest runs test processes in parallel, and a
// port that a test only picked (free a moment ago, or derived from its pid)
// can be another test's too: a datagram meant for another capture then ends
// this one early, or a daemon calls the wrong listener. So each port here
// stays bound by a socket of this process while it is in use, and the kernel
// gives it to nobody else.

// A UDP port for test traffic, this object's alone while it lives: a socket
// stays bound to it on every IPv4 address. That socket drops every datagram
// sent to it (its socket filter accepts nothing), so none queue up and none
// is answered with ICMP; captures on lo see them all the same, as packets
// are taken there before any socket gets them.
class UdpPort {
public:
  UdpPort();
  std::uint16_t port() const { return m_port; }

private:
  Fd m_fd;
  std::uint16_t m_port{0};
};

// The UDP port for test traffic of this process: a UdpPort held until the
// process exits, so every call gives the same port. A test that needs a
// second port (traffic to be filtered out) makes its own UdpPort.
std::uint16_t traffic_port();

// The capture filter that takes the test traffic sent to `port` (Traffic).
std::string traffic_filter(std::uint16_t port);

// A new TCP port that nothing listens on, held by this process until it
// exits: a socket stays bound to it on every IPv4 and IPv6 address with
// SO_REUSEADDR and never listens. The kernel gives the port to no other
// bind(0) or connect(), yet a program told to use it can listen on it,
// because it binds with SO_REUSEADDR too: our rpcapd and rpcap-listen,
// libpcap's rpcapd and pcap_remoteact_accept() all do. A connection to it is
// refused while nobody listens. So the port can be handed to one program
// after another (a listener that comes back) without a moment in which
// another process could take it.
std::uint16_t closed_port();

// Sends a UDP datagram with `payload` to 127.0.0.1:`port` every
// `interval_ms` while alive (for at most 30 s).
class Traffic {
public:
  Traffic(std::uint16_t port, std::string payload, int interval_ms = 10);
  ~Traffic();
  Traffic(const Traffic&) = delete;
  Traffic& operator=(const Traffic&) = delete;

private:
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace rpcap::test
