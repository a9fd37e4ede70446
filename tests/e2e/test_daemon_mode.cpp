// SPDX-License-Identifier: BSD-3-Clause
// rpcapd as an init system runs it: detached with -d, started by systemd
// with the listening socket handed over (systemd-socket-activate, the
// LISTEN_FDS protocol), telling the service manager when it is ready,
// reloads and stops (the NOTIFY_SOCKET protocol), and stopped with SIGTERM.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "rpcap/daemon/session.hpp"
#include "rpcap/net/socket.hpp"
#include "rpcap/wire/protocol.hpp"
#include "support/daemon.hpp"
#include "support/process.hpp"
#include "support/raw_client.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// A shell that starts `command` in directory `dir`, as an admin would type it there.
RunResult run_in(const std::string& dir, const std::string& command)
{
  return run({"/bin/sh", "-c", "cd '" + dir + "' && exec " + command});
}

// The service manager's end of NOTIFY_SOCKET: a datagram socket at a path.
class NotifySocket {
public:
  explicit NotifySocket(const std::string& path) : m_path(path)
  {
    m_fd = Fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    REQUIRE(m_fd);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.data(), path.size());
    REQUIRE(::bind(m_fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  }
  const std::string& path() const { return m_path; }
  // The next notification ("" if none came within `timeout_ms`).
  std::string next(int timeout_ms = 10000)
  {
    pollfd p{m_fd.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) { return {}; }
    char buf[4096];
    const ssize_t n = ::recv(m_fd.get(), buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string{};
  }

private:
  std::string m_path;
  Fd m_fd;
};

}  // namespace

TEST_CASE("rpcapd -d: relative host list and pid file are taken from where it started, and the pid file goes at exit",
          "[e2e][rpcapd][daemon]")
{
  TempDir dir;
  dir.write("hosts.txt", "127.0.0.1\n");
  const auto port = closed_port();
  const auto r = run_in(dir.path(), program("rpcapd") + " -d -n -l hosts.txt --pid-file rpcapd.pid -b 127.0.0.1 -p "
                                        + std::to_string(port));
  REQUIRE(r.exit_code == 0);
  const std::string pid_file = dir.path() + "/rpcapd.pid";
  // rpcapd -d returns once the daemon listens and its pid file is written.
  CHECK(read_file(pid_file).ends_with("\n"));
  const pid_t pid = detached_daemon(pid_file, port);
  const KillAtEnd guard{pid};
  // A second daemon with the same pid file stops before it detaches.
  const auto second = run({program("rpcapd"), "-d", "-n", "-b", "127.0.0.1", "-p", "0", "--pid-file", pid_file});
  CHECK(second.exit_code == 1);
  CHECK(second.err == "rpcapd: error: pid file " + pid_file + ": another rpcapd holds it\n");
  CHECK(read_file(pid_file) == std::to_string(pid) + "\n");
  {
    // The host list is read for each connection, after the daemon went to "/".
    RawClient c{connect_local(port)};
    c.null_auth();
    c.send(FindAllIfRequest{});
    c.expect<FindAllIfReply>();
  }
  CHECK_FALSE(std::filesystem::exists("/rpcapd.pid"));
  REQUIRE(::kill(pid, SIGTERM) == 0);
  CHECK(eventually([&] { return has_exited(pid); }, 10000));
  CHECK(eventually([&] { return !std::filesystem::exists(pid_file); }, 10000));
}

TEST_CASE("rpcapd -d: a port in use or a pid file it cannot write stops it before it detaches, with the reason",
          "[e2e][rpcapd][daemon]")
{
  auto taken = listen_tcp("127.0.0.1", "0", AddressFamily::ipv4, 1);
  REQUIRE(taken.has_value());
  const auto port = std::to_string(local_address(taken->front().get())->port());
  auto r = run({program("rpcapd"), "-d", "-n", "-b", "127.0.0.1", "-p", port});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "rpcapd: error: listen on 127.0.0.1:" + port + ": Address already in use\n");

  TempDir dir;
  const std::string no_dir = dir.path() + "/no-such-dir/rpcapd.pid";
  r = run({program("rpcapd"), "-d", "-n", "-b", "127.0.0.1", "-p", "0", "--pid-file", no_dir});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "rpcapd: error: pid file " + no_dir + ": No such file or directory\n");
}

TEST_CASE("rpcapd: a host list it cannot read refuses everyone without telling them the daemon's files",
          "[e2e][rpcapd][daemon]")
{
  TempDir dir;
  const auto hosts = dir.write("hosts.txt", "127.0.0.1\n");
  Daemon d{Daemon::ours({"-n", "-l", hosts})};
  std::filesystem::remove(hosts);
  RawClient c{d.port()};
  c.send(AuthRequest{});
  const auto e = c.expect_error(ErrorCode::hostnoauth);
  CHECK(e.text == "The daemon cannot read its allowed host list. Connection refused.");
  CHECK(e.text.find(dir.path()) == std::string::npos);
  // The administrator learns why.
  CHECK(eventually([&] { return d.log().find(hosts) != std::string::npos; }, 5000));
}

TEST_CASE("rpcapd: SIGTERM tells each client the daemon is shutting down and logs each capture's end",
          "[e2e][rpcapd][daemon]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  RawClient capturing{d.port()};
  capturing.null_auth();
  const auto port = traffic_port();
  RawClient data = start_lo_capture(capturing, "udp dst port " + std::to_string(port));
  send_udp(port, "before the end", 2);
  CHECK(read_packets(data, 2).size() == 2);
  RawClient idle{d.port()};
  idle.null_auth();
  REQUIRE(::kill(d.pid(), SIGTERM) == 0);
  CHECK(capturing.expect_error(ErrorCode::netw).text == k_shutdown_message);
  CHECK(idle.expect_error(ErrorCode::netw).text == k_shutdown_message);
  CHECK(capturing.closed());
  CHECK(d.stop(SIGTERM) == 0);
  const auto log = d.log();
  CHECK(occurrences(log, ": closing: the daemon is shutting down\n") == 2);
  CHECK(log.find(": capture ended: 2 packets sent") != std::string::npos);
}

TEST_CASE("rpcapd: an idle daemon stops within a second of SIGTERM", "[e2e][rpcapd][daemon]")
{
  // Idle, but with something of each kind to end: an active-mode target it
  // keeps calling and a connection that has not spoken.
  Daemon d{Daemon::ours({"-n", "-a", "127.0.0.1," + std::to_string(closed_port())})};
  const Fd silent = connect_local(d.port());
  CHECK(d.stop(SIGTERM, 1000) == 0);
}

TEST_CASE("rpcapd: socket activation: it serves on the dual-stack socket systemd passes, captures included",
          "[e2e][rpcapd][daemon][systemd]")
{
  if (!can_capture()) { return; }
  if (::access("/usr/bin/systemd-socket-activate", X_OK) != 0) {
    WARN("SKIPPED: systemd-socket-activate is not installed (package systemd)");
    return;
  }
  // systemd-socket-activate listens on [::]:PORT for IPv4 too, as
  // rpcapd.socket (BindIPv6Only=both), and starts rpcapd at the first connection.
  const auto port = closed_port();
  Background activator{{"/usr/bin/systemd-socket-activate", "-l", std::to_string(port), program("rpcapd"), "-n"}};
  REQUIRE(wait_tcp_listening(port));
  RawClient c{connect_local(port)};
  c.null_auth();
  // The data connection's listener takes the address the client reached,
  // IPv4-mapped on a dual-stack socket.
  const auto traffic = traffic_port();
  RawClient data = start_lo_capture(c, "udp dst port " + std::to_string(traffic));
  send_udp(traffic, "activated", 2);
  CHECK(read_packets(data, 2).size() == 2);
  c.send(CloseMsg{});
  CHECK(c.closed());
  // It served on the socket it was passed (one of its own on the port would have failed to bind).
  CHECK(eventually([&] { return activator.err().find("(passed by the service manager)") != std::string::npos; }, 5000));
  activator.signal(SIGTERM);
  CHECK(activator.wait().exit_code == 0);
}

TEST_CASE("rpcapd: tells the service manager when it is ready, reloads and stops (NOTIFY_SOCKET)",
          "[e2e][rpcapd][daemon][systemd]")
{
  TempDir dir;
  NotifySocket manager{dir.path() + "/notify"};
  TempDir conf_dir;
  const auto conf = conf_dir.write("rpcapd.conf", "NullAuthPermit = YES\nListenAddress = 127.0.0.1\nListenPort = 0\n");
  Daemon d{{"/usr/bin/env", "NOTIFY_SOCKET=" + manager.path(), program("rpcapd"), "-f", conf}};
  const std::string listening = "listening on 127.0.0.1:" + std::to_string(d.port());
  CHECK(manager.next() == "READY=1\nSTATUS=" + listening + "; 0 session(s)");
  REQUIRE(::kill(d.pid(), SIGHUP) == 0);
  CHECK(manager.next() == "RELOADING=1\nSTATUS=re-reading the configuration");
  CHECK(manager.next() == "READY=1\nSTATUS=" + listening + "; 0 session(s)");
  // A session changes nothing of the daemon's state: no notification.
  {
    RawClient c{d.port()};
    c.null_auth();
    c.send(FindAllIfRequest{});
    c.expect<FindAllIfReply>();
  }
  CHECK(manager.next(200).empty());
  CHECK(d.stop(SIGTERM) == 0);
  CHECK(manager.next() == "STOPPING=1\nSTATUS=stopping");
  CHECK(manager.next(200).empty());
}
