// SPDX-License-Identifier: BSD-3-Clause
// rpcap-extcap as Wireshark runs it: the queries, a capture into a fifo
// through our rpcapd on loopback that tshark reads, and a clean end on
// SIGTERM.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "support/daemon.hpp"
#include "support/pcapng_file.hpp"
#include "support/process.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// The arguments of a capture from `d`'s interface lo into `fifo`.
std::vector<std::string> capture_args(const Daemon& d, const std::string& fifo, const std::string& filter)
{
  return {program("rpcap-extcap"), "--extcap-interface", "rpcap", "--capture", "--fifo", fifo,
          "--remote-host", "127.0.0.1", "--remote-port", std::to_string(d.port()), "--remote-interface", "lo",
          "--extcap-capture-filter", filter};
}

// Reads a fifo as Wireshark does: opened before the writer (without
// blocking), everything written kept.
class FifoReader {
public:
  explicit FifoReader(const std::string& path) : m_fd{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)}
  {
    REQUIRE(m_fd >= 0);
  }
  ~FifoReader() { ::close(m_fd); }
  FifoReader(const FifoReader&) = delete;
  FifoReader& operator=(const FifoReader&) = delete;

  // Read what is there now; returns all read so far.
  const std::string& poll_read()
  {
    char buf[65536];
    for (int i = 0; i < 64; ++i) {  // bounded: at most 4 MiB a call
      const ssize_t n = ::read(m_fd, buf, sizeof buf);
      if (n <= 0) { break; }
      m_data.append(buf, static_cast<std::size_t>(n));
    }
    return m_data;
  }

private:
  int m_fd;
  std::string m_data;
};

}  // namespace

TEST_CASE("rpcap-extcap: Wireshark's queries are answered on standard output", "[e2e][extcap]")
{
  const auto ext = program("rpcap-extcap");
  auto r = run({ext, "--extcap-interfaces", "--extcap-version=4.0"});
  CHECK(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].rfind("extcap {version=", 0) == 0);
  CHECK(lines[1] == "interface {value=rpcap}{display=Remote capture (RPCAP)}");
  auto dlts = run({ext, "--extcap-interface", "rpcap", "--extcap-dlts"});
  CHECK(dlts.exit_code == 0);
  CHECK(dlts.out == "dlt {number=147}{name=rpcap}{display=The remote interface's link type}\n");
  auto config = run({ext, "--extcap-interface", "rpcap-active", "--extcap-config"});
  CHECK(config.exit_code == 0);
  CHECK(lines_of(config.out).size() == 11);
  // Wireshark's filter check: nothing for a good filter, the compiler's message for a bad one.
  auto good = run({ext, "--extcap-interface", "rpcap", "--extcap-capture-filter", "udp port 53"});
  CHECK(good.exit_code == 0);
  CHECK(good.out.empty());
  auto bad = run({ext, "--extcap-interface", "rpcap", "--extcap-capture-filter", "udp prot 53"});
  CHECK(bad.exit_code == 0);
  CHECK(bad.out.rfind("filter \"udp prot 53\": ", 0) == 0);
  CHECK(lines_of(bad.out).size() == 1);
}

TEST_CASE("rpcap-extcap: an unknown interface or nothing to do is a usage error", "[e2e][extcap]")
{
  const auto ext = program("rpcap-extcap");
  auto r = run({ext, "--extcap-interface", "eth0", "--extcap-config"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "rpcap-extcap: error: unknown extcap interface \"eth0\" (expected \"rpcap\" or \"rpcap-active\")\n");
  auto none = run({ext});
  CHECK(none.exit_code == 2);
  CHECK(none.err == "rpcap-extcap: error: nothing to do: give --extcap-interfaces, --extcap-config or --capture (see "
                    "--help)\n");
}

TEST_CASE("rpcap-extcap: the interface selector is filled from the daemon's list", "[e2e][extcap]")
{
  Daemon d{Daemon::ours({"-n"})};
  auto r = run({program("rpcap-extcap"), "--extcap-interface", "rpcap", "--extcap-config", "--extcap-reload-option",
                "remote-interface", "--remote-host", "127.0.0.1", "--remote-port", std::to_string(d.port()),
                "--remote-interface", "lo"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto lines = lines_of(r.out);
  REQUIRE_FALSE(lines.empty());
  std::size_t lo = 0;
  for (const auto& l : lines) {
    CHECK(l.rfind("value {arg=2}{value=", 0) == 0);
    if (l.rfind("value {arg=2}{value=lo}", 0) == 0) {
      ++lo;
      CHECK(l.find("{default=true}") != std::string::npos);  // the one chosen stays chosen
    }
  }
  CHECK(lo == 1);
}

TEST_CASE("rpcap-extcap: a capture into a fifo that tshark reads, ended cleanly by SIGTERM", "[e2e][extcap]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "extcap"};
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FifoReader reader{fifo};
  Background ext{capture_args(d, fifo, "udp dst port " + std::to_string(port))};
  CHECK(eventually([&] { return parse_pcapng(reader.poll_read()).packets.size() >= 5 || !ext.running(); }, 10000));
  CHECK(catches_signal(ext.pid(), SIGTERM));
  ext.signal(SIGTERM);
  const auto r = ext.wait(10000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find(" packets captured\n") != std::string::npos);
  CHECK(r.err.find(" packets dropped by kernel\n") != std::string::npos);
  const std::string file = dir.write("got.pcapng", reader.poll_read());
  auto shown = run({"/usr/bin/tshark", "-n", "-r", file, "-T", "fields", "-e", "udp.dstport", "-e", "frame.interface_name"});
  INFO(shown.err);
  CHECK(shown.exit_code == 0);
  const auto lines = lines_of(shown.out);
  CHECK(lines.size() >= 5);
  // pcapng: Wireshark names the interface by the source, without credentials.
  for (const auto& l : lines) { CHECK(l == std::to_string(port) + "\trpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo"); }
  // ENDCAP then CLOSE: the daemon ends the capture and the session, and
  // never sees the connection dropped.
  CHECK(eventually([&] { return d.log().find("session ended") != std::string::npos; }, 10000));
  CHECK(d.log().find("capture ended") != std::string::npos);
  CHECK(d.log().find("the client closed the connection") == std::string::npos);
}

TEST_CASE("rpcap-extcap: rpcap-active captures the daemon that calls in (rpcapd -a)", "[e2e][extcap]")
{
  if (!can_capture()) { return; }
  const auto listen_port = closed_port();
  const auto port = traffic_port();
  Traffic t{port, "extcap active"};
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FifoReader reader{fifo};
  Background ext{{program("rpcap-extcap"), "--extcap-interface", "rpcap-active", "--capture", "--fifo", fifo,
                  "--listen-port", std::to_string(listen_port), "--remote-interface", "lo",
                  "--extcap-capture-filter", "udp dst port " + std::to_string(port)}};
  REQUIRE(eventually([&] { return tcp_listening(listen_port) || !ext.running(); }, 10000));
  REQUIRE(ext.running());
  Daemon d{{program("rpcapd"), "-v", "-n", "-a", "127.0.0.1," + std::to_string(listen_port)}};
  CHECK(eventually([&] { return parse_pcapng(reader.poll_read()).packets.size() >= 5 || !ext.running(); }, 10000));
  ext.signal(SIGTERM);
  const auto r = ext.wait(10000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find(" packets captured\n") != std::string::npos);
  const std::string file = dir.write("got.pcapng", reader.poll_read());
  auto shown = run({"/usr/bin/tshark", "-n", "-r", file, "-T", "fields", "-e", "frame.interface_name"});
  CHECK(shown.exit_code == 0);
  const auto names = lines_of(shown.out);
  CHECK(names.size() >= 5);
  for (const auto& n : names) { CHECK(n == "rpcap://127.0.0.1/lo"); }  // the daemon that called in
  CHECK(d.log().find("active mode: connected to 127.0.0.1:" + std::to_string(listen_port)) != std::string::npos);
  // No other daemon is let in once one called: the port is closed.
  CHECK_FALSE(tcp_listening(listen_port));
}

TEST_CASE("rpcap-extcap: rpcap-active stopped before any daemon called says so", "[e2e][extcap]")
{
  const auto listen_port = closed_port();
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FifoReader reader{fifo};
  Background ext{{program("rpcap-extcap"), "--extcap-interface", "rpcap-active", "--capture", "--fifo", fifo,
                  "--listen-port", std::to_string(listen_port), "--remote-interface", "lo"}};
  REQUIRE(eventually([&] { return tcp_listening(listen_port) || !ext.running(); }, 10000));
  CHECK(catches_signal(ext.pid(), SIGTERM));
  ext.signal(SIGTERM);
  const auto r = ext.wait(10000);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "rpcap-extcap: error: stopped: no daemon called in on port " + std::to_string(listen_port) +
                     " (start it with rpcapd -a THIS_HOST," + std::to_string(listen_port) + ")\n");
  CHECK(reader.poll_read().empty());
}

TEST_CASE("rpcap-extcap: what goes wrong is one line on standard error and a failing exit", "[e2e][extcap]")
{
  TempDir dir;
  const std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  FifoReader reader{fifo};  // Wireshark's end, so that the fifo opens at once
  auto capture = [&](const std::string& port, std::vector<std::string> extra) {
    std::vector<std::string> argv{program("rpcap-extcap"), "--extcap-interface", "rpcap", "--capture", "--fifo", fifo,
                                  "--remote-host", "127.0.0.1", "--remote-port", port};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run(argv);
    INFO(r.err);
    CHECK(lines_of(r.err).size() == 1);
    return r;
  };
  SECTION("nothing listens")
  {
    const auto port = std::to_string(closed_port());
    auto r = capture(port, {"--remote-interface", "lo"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("rpcap-extcap: error: ") == 0);
    CHECK(r.err.find("Connection refused") != std::string::npos);
  }
  SECTION("a bad filter, before any connection")
  {
    const auto port = std::to_string(closed_port());
    auto r = capture(port, {"--remote-interface", "lo", "--extcap-capture-filter", "tcp prot 80"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("rpcap-extcap: error: filter \"tcp prot 80\": ") == 0);
  }
  SECTION("an interface the daemon does not have")
  {
    Daemon d{Daemon::ours({"-n"})};
    auto r = capture(std::to_string(d.port()), {"--remote-interface", "nosuch0"});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nosuch0") != std::string::npos);
  }
  SECTION("a login the daemon refuses, told as the daemon tells it")
  {
    Daemon d{Daemon::ours({})};
    auto login = [&](const std::string& user) {
      return capture(std::to_string(d.port()), {"--remote-interface", "lo", "--remote-username", user,
                                                "--remote-password", "wrong", "--allow-plaintext-password"});
    };
    auto unknown = login("nosuchuser");
    auto known = login("root");
    CHECK(unknown.exit_code == 1);
    CHECK(known.exit_code == 1);
    CHECK(unknown.err.find("Authentication failed") != std::string::npos);
    CHECK(unknown.err == known.err);  // no user enumeration: the same answer for any user
  }
  SECTION("a pin or CA without TLS, refused rather than dropped for a plaintext session")
  {
    Daemon d{Daemon::ours({"-n"})};
    auto pin = capture(std::to_string(d.port()), {"--remote-interface", "lo", "--pin", "abababababababababababababababababababababababababababababababab"});
    CHECK(pin.exit_code == 2);
    CHECK(pin.err == "rpcap-extcap: error: --pin applies only with --tls\n");
    auto ca = capture(std::to_string(d.port()), {"--remote-interface", "lo", "--ca", "/etc/hostname"});
    CHECK(ca.exit_code == 2);
    CHECK(ca.err == "rpcap-extcap: error: --ca applies only with --tls\n");
    CHECK(d.log().find(": connected") == std::string::npos);
  }
  SECTION("a password without TLS, refused before it is sent")
  {
    const auto port = std::to_string(closed_port());
    auto r = capture(port, {"--remote-interface", "lo", "--remote-username", "alice", "--remote-password", "x"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--allow-plaintext-password") != std::string::npos);
  }
}

namespace {

// A home directory whose personal extcap folder (Wireshark 4.0:
// ~/.config/wireshark/extcap) holds rpcap-extcap, for tshark run with
// HOME set to it.
class ExtcapHome {
public:
  ExtcapHome()
  {
    const std::string folder = m_dir.path() + "/.config/wireshark/extcap";
    REQUIRE(run({"/bin/mkdir", "-p", folder}).exit_code == 0);
    REQUIRE(::symlink(program("rpcap-extcap").c_str(), (folder + "/rpcap-extcap").c_str()) == 0);
  }
  // `argv` run with this home.
  std::vector<std::string> with_home(std::vector<std::string> argv) const
  {
    argv.insert(argv.begin(), {"/usr/bin/env", "HOME=" + m_dir.path()});
    return argv;
  }
  const TempDir& dir() const { return m_dir; }

private:
  TempDir m_dir;
};

}  // namespace

TEST_CASE("rpcap-extcap: tshark lists its interfaces", "[e2e][extcap][tshark]")
{
  ExtcapHome home;
  auto r = run(home.with_home({"/usr/bin/tshark", "-D"}));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(". rpcap (Remote capture (RPCAP))\n") != std::string::npos);
  CHECK(r.out.find(". rpcap-active (Remote capture, daemons calling in (RPCAP active mode))\n") != std::string::npos);
  // Every argument of both dialogs is a preference: Wireshark parsed them all.
  auto prefs = run(home.with_home({"/usr/bin/tshark", "-G", "defaultprefs"}));
  CHECK(prefs.err.find("invalid") == std::string::npos);
  for (const std::string iface : {"rpcap", "rpcap_active"}) {
    for (const std::string arg : {"remoteinterface", "remoteusername", "remotepassword", "tls", "ca", "pin",
                                  "snaplen", "promiscuous", "sampling"}) {
      CHECK(prefs.out.find("#extcap." + iface + "." + arg + ": ") != std::string::npos);
    }
  }
  CHECK(prefs.out.find("#extcap.rpcap.remoteinterfacename: ") != std::string::npos);
  CHECK(prefs.out.find("#extcap.rpcap.remotehost: \n") != std::string::npos);
  CHECK(prefs.out.find("#extcap.rpcap.remoteport: 2002\n") != std::string::npos);
  CHECK(prefs.out.find("#extcap.rpcap_active.listenport: 2003\n") != std::string::npos);
}

TEST_CASE("rpcap-extcap: tshark captures from our rpcapd with the interface's preferences", "[e2e][extcap][tshark]")
{
  if (!can_capture()) { return; }
  ExtcapHome home;
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "through tshark"};
  auto r = run(home.with_home({"/usr/bin/tshark", "-n", "-i", "rpcap", "-o", "extcap.rpcap.remotehost:127.0.0.1", "-o",
                               "extcap.rpcap.remoteport:" + std::to_string(d.port()), "-o",
                               "extcap.rpcap.remoteinterface:lo", "-f", "udp dst port " + std::to_string(port), "-c",
                               "5", "-T", "fields", "-e", "udp.dstport"}),
               {}, 30000);
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  const auto ports = lines_of(r.out);
  CHECK(ports.size() == 5);
  for (const auto& p : ports) { CHECK(p == std::to_string(port)); }
  // tshark stops the extcap program; the daemon sees the session end cleanly.
  CHECK(eventually([&] { return d.log().find("session ended") != std::string::npos; }, 10000));
  CHECK(d.log().find("capture started on \"lo\"") != std::string::npos);
  // The interface typed by hand (the list could not be loaded) instead of chosen.
  auto typed = run(home.with_home({"/usr/bin/tshark", "-n", "-i", "rpcap", "-o", "extcap.rpcap.remotehost:127.0.0.1",
                                   "-o", "extcap.rpcap.remoteport:" + std::to_string(d.port()), "-o",
                                   "extcap.rpcap.remoteinterfacename:lo", "-f", "udp dst port " + std::to_string(port),
                                   "-c", "2", "-T", "fields", "-e", "frame.interface_name"}),
                   {}, 30000);
  INFO(typed.err);
  CHECK(typed.exit_code == 0);
  const std::string name = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo\n";
  CHECK(typed.out == name + name);
}
