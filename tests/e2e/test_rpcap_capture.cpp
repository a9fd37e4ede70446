// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture as a user runs it: through our rpcapd on loopback into a
// pcap stream that tcpdump reads, from local interfaces and files, and
// what it does when things go wrong.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "support/daemon.hpp"
#include "support/pcap_file.hpp"
#include "support/process.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

struct PcapRecord {
  std::uint32_t caplen;
  std::uint32_t len;
  std::string data;
};

// The records of a pcap stream in this host's byte order; fails the test on a bad stream.
std::vector<PcapRecord> pcap_records(const std::string& s, std::uint32_t* linktype = nullptr)
{
  REQUIRE(s.size() >= 24);
  std::uint32_t magic = 0;
  std::memcpy(&magic, s.data(), 4);
  REQUIRE(magic == 0xa1b2c3d4);
  if (linktype != nullptr) { std::memcpy(linktype, s.data() + 20, 4); }
  std::vector<PcapRecord> out;
  std::size_t off = 24;
  while (off < s.size()) {
    REQUIRE(s.size() - off >= 16);
    PcapRecord r{};
    std::memcpy(&r.caplen, s.data() + off + 8, 4);
    std::memcpy(&r.len, s.data() + off + 12, 4);
    REQUIRE(s.size() - off - 16 >= r.caplen);
    r.data = s.substr(off + 16, r.caplen);
    out.push_back(r);
    off += 16 + r.caplen;
  }
  return out;
}

std::string source(const Daemon& d, const std::string& iface = "lo")
{
  return "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/" + iface;
}

}  // namespace

TEST_CASE("rpcap-capture: packets of real traffic through rpcapd, filtered on the daemon, read by tcpdump",
          "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  const UdpPort other_port;  // not port + 1: that may be another test's
  Traffic wanted{port, "wanted"};
  Traffic other{other_port.port(), "other"};
  TempDir dir;
  const std::string file = dir.path() + "/out.pcap";
  auto r = run({program("rpcap-capture"), "-c", "7", "-w", file, source(d), "udp", "dst", "port", std::to_string(port)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("7 packets captured\n") != std::string::npos);
  CHECK(r.err.find(" packets dropped by kernel\n") != std::string::npos);  // tcpdump's wording
  auto recs = pcap_records(read_file(file));
  CHECK(recs.size() == 7);
  for (const auto& rec : recs) { CHECK(rec.data.substr(rec.data.size() - 6) == "wanted"); }
  // tcpdump reads the stream from a pipe
  auto shown = run({"/bin/sh", "-c", "'" + program("rpcap-capture") + "' -q -c 3 '" + source(d) + "' udp dst port "
                                         + std::to_string(port) + " | tcpdump -n -r - 2>/dev/null | wc -l"});
  CHECK(shown.out == "3\n");
}

TEST_CASE("rpcap-capture: UDP data channel", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "over udp"};
  auto r = run({program("rpcap-capture"), "--udp", "-c", "5", source(d), "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(pcap_records(r.out).size() == 5);
}

TEST_CASE("rpcap-capture: without a filter its own connections are not captured", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  Traffic t{traffic_port(), "x"};
  auto r = run({program("rpcap-capture"), "-c", "20", source(d)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  auto recs = pcap_records(r.out);
  REQUIRE(recs.size() == 20);
  const auto control = static_cast<unsigned>(d.port());
  for (const auto& rec : recs) {
    // IPv4 over Ethernet on lo: protocol at 14 + 9, ports at 14 + 20. Other
    // tests may make TCP traffic on lo at the same time; none of it may be
    // this session's control connection.
    REQUIRE(rec.data.size() > 37);
    if (static_cast<unsigned char>(rec.data[23]) != 6) { continue; }
    const auto sport = static_cast<unsigned>(static_cast<unsigned char>(rec.data[34]) << 8 | static_cast<unsigned char>(rec.data[35]));
    const auto dport = static_cast<unsigned>(static_cast<unsigned char>(rec.data[36]) << 8 | static_cast<unsigned char>(rec.data[37]));
    CHECK(sport != control);
    CHECK(dport != control);
  }
}

TEST_CASE("rpcap-capture: a file:// source is written out again unchanged", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "file"};
  TempDir dir;
  const std::string file = dir.path() + "/in.pcap";
  REQUIRE(run({program("rpcap-capture"), "-q", "-c", "4", "-w", file, source(d), "udp dst port " + std::to_string(port)})
              .exit_code == 0);
  auto again = run({program("rpcap-capture"), "-q", "file://" + file});
  CHECK(again.exit_code == 0);
  CHECK(again.out == read_file(file));
}

TEST_CASE("rpcap-capture: a local interface is captured with libpcap directly", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  Traffic t{port, "local"};
  auto r = run({program("rpcap-capture"), "-c", "3", "lo", "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(pcap_records(r.out).size() == 3);
  auto r2 = run({program("rpcap-capture"), "-q", "-c", "2", "rpcap://lo", "udp dst port " + std::to_string(port)});
  CHECK(pcap_records(r2.out).size() == 2);
}

TEST_CASE("rpcap-capture: a reader that goes away ends the capture, says so, exits 1, and the daemon goes on",
          "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  Traffic t{traffic_port(), "pipe"};
  // the capture's own exit status, from bash's PIPESTATUS
  auto w = run({"/bin/bash", "-c", "'" + program("rpcap-capture") + "' -q -U '" + source(d)
                                       + "' udp | head -c 100 > /dev/null; echo ${PIPESTATUS[0]}"},
               {}, 20000);
  CHECK(w.out == "1\n");
  CHECK(w.err == "rpcap-capture: error: output: the reader went away (Broken pipe)\n");
  // the daemon ended that session and serves the next one
  auto next = run({program("rpcap-capture"), "-q", "-c", "1", source(d), "udp"});
  CHECK(next.exit_code == 0);
}

TEST_CASE("rpcap-capture: a daemon killed mid-capture leaves every packet written and exit 1", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  auto d = std::make_unique<Daemon>(Daemon::ours({"-n"}));
  const auto port = traffic_port();
  Traffic t{port, "until the end"};
  TempDir dir;
  const std::string file = dir.path() + "/partial.pcap";
  Background capture{{program("rpcap-capture"), "-w", file, source(*d), "udp dst port " + std::to_string(port)}};
  // Killed once packets are flowing: the writer flushes on a short timer.
  CHECK(eventually([&] { return records_in(file) > 10; }));
  // SIGKILL the daemon's whole process group: its session dies with it
  ::kill(-d->pid(), SIGKILL);
  const auto r = capture.wait(10000);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  auto recs = pcap_records(read_file(file));  // a valid file, whole records only
  CHECK(recs.size() > 10);
  d.reset();
}

TEST_CASE("rpcap-capture: refused logins, unreachable hosts and bad input", "[e2e][capture]")
{
  Daemon d{Daemon::ours({})};
  auto r = run({program("rpcap-capture"), source(d)});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("NULL authentication not permitted") != std::string::npos);

  auto unreachable = run({program("rpcap-capture"), "rpcap://127.0.0.1:" + std::to_string(closed_port()) + "/lo"});
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.find("Connection refused") != std::string::npos);

  for (const char* bad : {"rpcap://", "rpcap://hostname/"}) {
    auto u = run({program("rpcap-capture"), bad});
    INFO(bad);
    CHECK(u.exit_code == 2);
    CHECK(u.err.rfind("rpcap-capture: error: source \"", 0) == 0);
    CHECK(std::count(u.err.begin(), u.err.end(), '\n') == 1);
  }
  // A filter that compiles for no link type is refused before the source is
  // opened: before the daemon could refuse the login, without root for lo.
  for (const std::string& src : {source(d), std::string{"lo"}}) {
    auto bad = run({program("rpcap-capture"), "-w", "/dev/null", src, "no such", "filter"});
    INFO(src);
    CHECK(bad.exit_code == 2);
    CHECK(bad.err == "rpcap-capture: error: filter \"no such filter\": can't parse filter expression: syntax error\n");
  }
  auto missing = run({program("rpcap-capture"), "-F", "/nonexistent/filter", "lo"});
  CHECK(missing.exit_code == 2);
  auto sampling = run({program("rpcap-capture"), "--sampling", "every:0", source(d)});
  CHECK(sampling.exit_code == 2);
  CHECK(sampling.err == "rpcap-capture: error: --sampling \"every:0\": expected every:N or after-ms:N with N >= 1\n");
}

TEST_CASE("rpcap-capture: captures from libpcap 1.10.3's rpcapd over TCP and UDP", "[e2e][capture][interop]")
{
  if (!can_capture() || !have_reference_rpcapd()) { return; }
  ReferenceDaemon d{{"-n"}};
  const auto port = traffic_port();
  Traffic t{port, "from libpcap"};
  const std::string src = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo";
  for (const bool udp : {false, true}) {
    std::vector<std::string> argv{program("rpcap-capture"), "-c", "5"};
    if (udp) { argv.push_back("--udp"); }
    argv.push_back(src);
    argv.push_back("udp dst port " + std::to_string(port));
    auto r = run(argv);
    INFO((udp ? "UDP: " : "TCP: ") << r.err);
    CHECK(r.exit_code == 0);
    auto recs = pcap_records(r.out);
    CHECK(recs.size() == 5);
    for (const auto& rec : recs) { CHECK(rec.data.substr(rec.data.size() - 12) == "from libpcap"); }
  }
}

TEST_CASE("rpcap-capture: SIGUSR1 prints the statistics, SIGINT ends the capture cleanly", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "signals"};
  TempDir dir;
  const std::string out = dir.path() + "/out.pcap";
  Background capture{{program("rpcap-capture"), "-w", out, source(d), "udp dst port " + std::to_string(port)}};
  // Signalled once it handles SIGUSR1 (the default action would end it) and packets are flowing.
  CHECK(eventually([&] { return catches_signal(capture.pid(), SIGUSR1) && records_in(out) > 10; }));
  capture.signal(SIGUSR1);
  CHECK(eventually([&] { return capture.err().find("packets sent by the daemon") != std::string::npos; }, 10000));
  capture.signal(SIGINT);
  const auto r = capture.wait(10000);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(pcap_records(read_file(out)).size() > 10);
  // the session was closed, not dropped (the daemon logs it as it gets the request, after the capture exited)
  CHECK(eventually([&] { return d.log().find("capture ended") != std::string::npos; }, 10000));
}

TEST_CASE("rpcap-capture: -D lists interfaces numbered as tcpdump -D: this host's, or a daemon's with SOURCE",
          "[e2e][capture][list]")
{
  auto local = run({program("rpcap-capture"), "-D"});
  INFO(local.err);
  REQUIRE(local.exit_code == 0);
  const auto lines = lines_of(local.out);
  REQUIRE_FALSE(lines.empty());
  CHECK(lines.front().rfind("1.", 0) == 0);
  // lo is up, running and a loopback, in tcpdump's words and order.
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find(".lo [Up, Running, Loopback") != std::string::npos;
  }));
  auto long_form = run({program("rpcap-capture"), "--list-interfaces"});
  CHECK(long_form.out == local.out);
  // Line for line what tcpdump -D prints (Debian's tcpdump, over the same libpcap).
  auto tcpdump = run({"/usr/bin/tcpdump", "-D"});
  REQUIRE(tcpdump.exit_code == 0);
  CHECK(local.out == tcpdump.out);

  Daemon d{Daemon::ours({"-n"})};
  const std::string daemon = "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/";
  for (const auto& args : {std::vector<std::string>{"-D", daemon}, {"--list-remote-interfaces", daemon}}) {
    std::vector<std::string> argv{program("rpcap-capture")};
    argv.insert(argv.end(), args.begin(), args.end());
    auto remote = run(argv);
    INFO(args.front() << ": " << remote.err);
    REQUIRE(remote.exit_code == 0);
    CHECK(remote.out.find("." + daemon + "lo [Up, Running, Loopback") != std::string::npos);
    // The same interfaces in the same order as rpcap-ls, numbered from 1.
    const auto names = lines_of(run({program("rpcap-ls"), daemon}).out);
    const auto numbered = lines_of(remote.out);
    REQUIRE(numbered.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
      CHECK(numbered[i].rfind(std::to_string(i + 1) + "." + names[i], 0) == 0);
    }
  }
  auto with_filter = run({program("rpcap-capture"), "-D", daemon, "tcp"});
  CHECK(with_filter.exit_code == 2);
  CHECK(with_filter.err == "rpcap-capture: error: -D: give one SOURCE at most, and no FILTER\n");
  auto not_remote = run({program("rpcap-capture"), "--list-remote-interfaces", "lo"});
  CHECK(not_remote.exit_code == 2);
  CHECK(not_remote.err
        == "rpcap-capture: error: --list-remote-interfaces: \"lo\" is not a daemon; give rpcap://HOST[:PORT]/\n");
}

TEST_CASE("rpcap-capture: a daemon's address without an interface says to add one and how to list them",
          "[e2e][capture]")
{
  auto r = run({program("rpcap-capture"), "-w", "/dev/null", "rpcap://127.0.0.1:1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "rpcap-capture: error: source \"rpcap://127.0.0.1:1\": names no interface: add /IFACE for one of the "
                 "daemon's at \"127.0.0.1:1\" (\"rpcap-ls rpcap://127.0.0.1:1/\" lists them)\n");
}

TEST_CASE("rpcap-capture: a local device that does not exist is said once, not twice", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  auto r = run({program("rpcap-capture"), "-w", "/dev/null", "nosuchdev0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "rpcap-capture: error: open \"nosuchdev0\": No such device exists\n");
}

TEST_CASE("rpcap-capture: -B sizes the receive buffer of a remote capture's data connection", "[e2e][capture]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Background capture{{program("rpcap-capture"), "-B", "300", "-w", "-", source(d), "udp dst port " + std::to_string(port)}};
  {
    const Traffic t{port, "buffer", 20};
    REQUIRE(eventually([&] { return capture.out().size() > 24; }));
  }
  // The kernel doubles SO_RCVBUF for its bookkeeping: 300 KiB shows as 614400.
  const auto ss = run({"/bin/sh", "-c", "ss -tmnp | grep -A1 'pid=" + std::to_string(capture.pid()) + ",'"});
  INFO(ss.out << ss.err);
  CHECK(ss.out.find("rb614400") != std::string::npos);
  capture.signal(SIGINT);
  CHECK(capture.wait().exit_code == 0);
  auto zero = run({program("rpcap-capture"), "-B", "0", "lo"});
  CHECK(zero.exit_code == 2);
  CHECK(zero.err == "rpcap-capture: error: --buffer-size: must be from 1 to 1048576 (see --help)\n");
}

TEST_CASE("rpcap-capture: tcpdump's long names --snapshot-length, --buffer-size, --no-promiscuous-mode and "
          "--packet-buffered are -s, -B, -p and -U",
          "[e2e][capture]")
{
  const std::string help = run({program("rpcap-capture"), "--help"}).out;
  for (const char* both : {"-s,--snapshot-length", "-B,--buffer-size", "-p,--no-promiscuous-mode", "-U,--packet-buffered"}) {
    CHECK(help.find(both) != std::string::npos);
  }
  auto big = run({program("rpcap-capture"), "--snapshot-length", "999999999", "lo", "-w", "/dev/null"});
  CHECK(big.exit_code == 2);
  CHECK(big.err == "rpcap-capture: error: --snapshot-length: must be from 0 to 262144 (see --help)\n");
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, std::string(200, 'x')};
  auto r = run({program("rpcap-capture"), "-c", "3", "--snapshot-length", "60", "--buffer-size", "300",
                "--no-promiscuous-mode", "--packet-buffered", source(d), "udp dst port " + std::to_string(port)});
  INFO(r.err << "\ndaemon:\n" << d.log());
  CHECK(r.exit_code == 0);
  REQUIRE(r.out.size() >= 24);
  std::uint32_t snaplen = 0;
  std::memcpy(&snaplen, r.out.data() + 16, 4);
  CHECK(snaplen == 60);
  const auto records = pcap_records(r.out);
  CHECK(records.size() == 3);
  for (const auto& rec : records) {
    CHECK(rec.caplen == 60);
    CHECK(rec.len > 200);
  }
  // rpcap-listen capture takes them too.
  auto listen = run({program("rpcap-listen"), "-p", std::to_string(closed_port()), "--deadline", "0.2", "capture", "lo",
                     "--snapshot-length", "60", "--buffer-size", "300", "--no-promiscuous-mode", "--packet-buffered",
                     "-w", "/dev/null"});
  CHECK(listen.exit_code == 1);
  CHECK(listen.err.find("no daemon called in") != std::string::npos);
}
