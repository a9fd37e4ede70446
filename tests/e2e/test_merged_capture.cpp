// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture with several sources (-i, repeated): our rpcapd, libpcap's
// rpcapd and a local interface side by side, merged in time order into one
// pcapng stream that tshark and capinfos read.
#include <catch2/catch.hpp>

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "support/daemon.hpp"
#include "support/pcapng_file.hpp"
#include "support/process.hpp"
#include "support/reference.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

std::string remote(std::uint16_t port, const std::string& iface = "lo")
{
  return "rpcap://127.0.0.1:" + std::to_string(port) + "/" + iface;
}

bool has_interfaces(const std::string& path, std::size_t n) { return read_pcapng(path).interfaces.size() >= n; }

// The number in "`label`: N `what`" in a program's statistics.
std::optional<std::uint64_t> statistic(const std::string& err, const std::string& label, const std::string& what)
{
  for (const auto& line : lines_of(err)) {
    const std::string head = label + ": ";
    const std::string tail = " " + what;
    if (line.rfind(head, 0) == 0 && line.size() > head.size() + tail.size()
        && line.compare(line.size() - tail.size(), tail.size(), tail) == 0) {
      return std::stoull(line.substr(head.size(), line.size() - head.size() - tail.size()));
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("rpcap-capture: our rpcapd, libpcap's rpcapd and local lo merged into one pcapng stream in time order",
          "[e2e][capture][merge][interop]")
{
  if (!can_capture() || !have_reference_rpcapd()) { return; }
  Daemon ours{Daemon::ours({"-n"})};
  ReferenceDaemon theirs{{"-n"}};
  const auto port = traffic_port();
  TempDir dir;
  const std::string file = dir.path() + "/merged.pcapng";
  const std::vector<std::string> names{remote(ours.port()), remote(theirs.port()), "lo"};
  const std::string filter = "udp dst port " + std::to_string(port);
  Background capture{{program("rpcap-capture"), "-w", file, "-i", names[0], "-i", names[1], "-i", names[2], filter}};
  // Every source capturing (its interface described) before the traffic starts.
  REQUIRE(eventually([&] { return has_interfaces(file, 3); }));
  constexpr std::size_t k_packets = 20;
  for (std::size_t i = 0; i < k_packets; ++i) { send_udp(port, "merge " + std::to_string(i), 1); }
  CHECK(eventually([&] {
    const auto c = read_pcapng(file);
    return std::all_of(names.begin(), names.end(), [&](const auto& n) { return packets_of(c, n) >= k_packets; });
  }));
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGUSR1); }));
  capture.signal(SIGUSR1);  // statistics now, in the stream and on stderr
  CHECK(eventually([&] { return occurrences(capture.err(), " packets received by filter\n") == 3; }));
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err << "\nours:\n" << ours.log());
  CHECK(r.exit_code == 0);

  const auto c = read_pcapng(file);
  CHECK(c.sections == 1);
  CHECK(c.section.at(4).rfind("rpcap-capture ", 0) == 0);  // shb_userappl
  CHECK(!c.section.at(2).empty());                          // shb_hardware
  REQUIRE(c.interfaces.size() == 3);
  for (const auto& name : names) {
    INFO(name);
    const auto it = std::find_if(c.interfaces.begin(), c.interfaces.end(), [&](const auto& i) { return i.name == name; });
    REQUIRE(it != c.interfaces.end());
    CHECK(it->filter == filter);
    CHECK(it->linktype == 1);
    CHECK(packets_of(c, name) == k_packets);
    CHECK(statistic(r.err, name, "packets captured") == k_packets);
  }
  for (std::size_t i = 1; i < c.packets.size(); ++i) {
    INFO("packet " << i);
    CHECK(c.packets[i - 1].ts_ns <= c.packets[i].ts_ns);
  }
  CHECK(r.err.find("60 packets captured from 3 sources\n") != std::string::npos);
  CHECK(r.err.find("\n0 packets written out of time order") != std::string::npos);
  // Statistics blocks: the one SIGUSR1 asked for and the last, each with the
  // counters the program printed for that source.
  for (std::uint32_t i = 0; i < 3; ++i) {
    std::vector<PcapngIsb> isbs;
    std::copy_if(c.statistics.begin(), c.statistics.end(), std::back_inserter(isbs),
                 [&](const auto& s) { return s.iface == i; });
    INFO(c.interfaces[i].name);
    REQUIRE(isbs.size() == 2);
    CHECK(isbs.back().counters.at(8) == k_packets);  // isb_usrdeliv
    CHECK(isbs.back().counters.at(4) == statistic(r.err, c.interfaces[i].name, "packets received by filter"));
    CHECK(isbs.back().counters.at(7) == statistic(r.err, c.interfaces[i].name, "packets dropped by kernel"));
  }

  // tshark and capinfos read it as Wireshark would.
  const auto shown = run({"/bin/sh", "-c", "tshark -r '" + file + "' -T fields -e frame.interface_name 2>&1 | sort | uniq -c"});
  INFO(shown.out);
  for (const auto& name : names) {
    CHECK(shown.out.find(std::to_string(k_packets) + " " + name + "\n") != std::string::npos);
  }
  const auto info = run({"/bin/sh", "-c", "capinfos -M '" + file + "'"});
  INFO(info.out << info.err);
  CHECK(info.exit_code == 0);
  CHECK(info.out.find("Number of interfaces in file: 3") != std::string::npos);
  CHECK(info.out.find("Strict time order:   True") != std::string::npos);
}

TEST_CASE("rpcap-capture: a source that cannot be opened is named, the others go on, and the exit status is 1",
          "[e2e][capture][merge]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "still here"};
  const std::string dead = remote(closed_port());
  auto r = run({program("rpcap-capture"), "-c", "5", "-i", dead, "-i", remote(d.port()), "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("rpcap-capture: error: " + dead + ": ") != std::string::npos);
  CHECK(r.err.find("Connection refused") != std::string::npos);
  const auto c = parse_pcapng(r.out);
  REQUIRE(c.interfaces.size() == 1);
  CHECK(c.interfaces[0].name == remote(d.port()));
  CHECK(c.packets.size() == 5);
}

TEST_CASE("rpcap-capture: several sources and a filter that does not compile: one usage line and exit 2, as for one",
          "[e2e][capture][merge]")
{
  Daemon d{Daemon::ours({"-n"})};
  TempDir dir;
  const std::string file = dir.path() + "/never.pcapng";
  const std::string line = "rpcap-capture: error: filter \"bogus filter\": can't parse filter expression: syntax error\n";
  // A syntax error is the same for every source: refused before any opens
  // (the daemon sees no connection) and before -w makes its file.
  auto several = run({program("rpcap-capture"), "-w", file, "-i", remote(d.port()), "-i", "lo", "bogus filter"});
  CHECK(several.exit_code == 2);
  CHECK(several.err == line);
  auto one = run({program("rpcap-capture"), "-w", file, remote(d.port()), "bogus filter"});
  CHECK(one.exit_code == 2);
  CHECK(one.err == line);
  CHECK_FALSE(std::filesystem::exists(file));
  INFO(d.log());
  CHECK(d.log().find(": connected") == std::string::npos);

  // A filter for other links (802.11) compiles, but for neither source: each
  // says why as it fails, the last without "the other sources go on", and
  // the status is a lone source's, 2.
  if (!can_capture()) { return; }
  auto wrong_link = run({program("rpcap-capture"), "-w", file, "-i", remote(d.port()), "-i", "lo", "wlan type mgt"});
  INFO(wrong_link.err);
  CHECK(wrong_link.exit_code == 2);
  const auto lines = lines_of(wrong_link.err);
  REQUIRE(lines.size() == 2);
  for (const auto& l : lines) {
    CHECK(l.starts_with("rpcap-capture: error: "));
    CHECK(l.find("filter \"wlan type mgt\": 802.11 link-layer types supported only on 802.11") != std::string::npos);
  }
  CHECK(lines.back().find("the other sources go on") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(file));
}

TEST_CASE("rpcap-capture: a daemon that dies mid-capture is named, and the other sources' packets keep coming",
          "[e2e][capture][merge]")
{
  if (!can_capture()) { return; }
  auto doomed = std::make_unique<Daemon>(Daemon::ours({"-n"}));
  Daemon lasting{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "x"};
  TempDir dir;
  const std::string file = dir.path() + "/out.pcapng";
  const std::string gone = remote(doomed->port());
  const std::string kept = remote(lasting.port());
  Background capture{{program("rpcap-capture"), "-w", file, "-i", gone, "-i", kept, "udp dst port " + std::to_string(port)}};
  REQUIRE(eventually([&] {
    const auto c = read_pcapng(file);
    return packets_of(c, gone) > 0 && packets_of(c, kept) > 0;
  }));
  ::kill(-doomed->pid(), SIGKILL);  // its whole group, sessions too: no goodbye, the connections just end
  CHECK(eventually([&] { return capture.err().find("error: " + gone + ": ") != std::string::npos; }));
  const std::size_t after = packets_of(read_pcapng(file), kept);
  CHECK(eventually([&] { return packets_of(read_pcapng(file), kept) > after + 10; }));
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("(the other sources go on)") != std::string::npos);
  doomed.reset();
}

TEST_CASE("rpcap-capture: nanosecond and microsecond interfaces side by side read back right",
          "[e2e][capture][merge]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "ns"};
  TempDir dir;
  const std::string file = dir.path() + "/ns.pcapng";
  auto r = run({program("rpcap-capture"), "-c", "20", "--time-stamp-precision", "nano", "-w", file, "-i", "lo", "-i",
                remote(d.port()), "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto c = read_pcapng(file);
  REQUIRE(c.interfaces.size() == 2);
  for (const auto& i : c.interfaces) { CHECK(i.tsresol == (i.name == "lo" ? 9 : 6)); }
  // tshark scales each interface's units: the same second for both.
  const auto shown = run({"/bin/sh", "-c", "tshark -r '" + file + "' -T fields -e frame.interface_name -e frame.time_epoch"});
  CHECK(shown.exit_code == 0);
  std::map<std::string, double> last;
  for (const auto& line : lines_of(shown.out)) {
    const auto tab = line.find('\t');
    REQUIRE(tab != std::string::npos);
    last[line.substr(0, tab)] = std::stod(line.substr(tab + 1));
  }
  REQUIRE(last.size() == 2);
  CHECK(std::abs(last["lo"] - last[remote(d.port())]) < 5.0);
  CHECK(std::abs(last["lo"] - static_cast<double>(::time(nullptr))) < 60.0);
}

TEST_CASE("rpcap-capture: --pcapng for one source names and describes its interface", "[e2e][capture][merge]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "one"};
  auto r = run({program("rpcap-capture"), "--pcapng", "-c", "3", remote(d.port()), "udp dst port " + std::to_string(port)});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  const auto c = parse_pcapng(r.out);
  REQUIRE(c.interfaces.size() == 1);
  CHECK(c.interfaces[0].name == remote(d.port()));
  CHECK(c.packets.size() == 3);
  // The interface's description as the daemon lists it (libpcap describes
  // "any"), and libpcap's own for a local interface.
  for (const std::string& any : {remote(d.port(), "any"), std::string{"any"}}) {
    INFO(any);
    auto described = run({program("rpcap-capture"), "--pcapng", "-c", "1", any, "udp dst port " + std::to_string(port)});
    INFO(described.err);
    CHECK(described.exit_code == 0);
    const auto dc = parse_pcapng(described.out);
    REQUIRE(dc.interfaces.size() == 1);
    CHECK(dc.interfaces[0].name == any);
    CHECK(dc.interfaces[0].description == "Pseudo-device that captures on all interfaces");
  }
  // One -i and no --pcapng is the classic pcap stream tcpdump -r - reads.
  auto classic = run({program("rpcap-capture"), "-c", "2", "-i", remote(d.port()), "udp", "dst", "port", std::to_string(port)});
  INFO(classic.err);
  CHECK(classic.exit_code == 0);
  REQUIRE(classic.out.size() >= 4);
  CHECK(classic.out.substr(0, 4) == std::string("\xd4\xc3\xb2\xa1", 4));
}

TEST_CASE("rpcap-capture: several sources on the command line, usage mistakes", "[e2e][capture][merge]")
{
  auto none = run({program("rpcap-capture"), "-w", "/dev/null"});
  CHECK(none.exit_code == 2);
  CHECK(none.err
        == "rpcap-capture: error: no source: name one as SOURCE, with -i SOURCE (repeatable) or --sources FILE\n");
  auto fd = run({program("rpcap-capture"), "--fd", "0", "-i", "eth0", "-i", "eth1", "-w", "/dev/null"});
  CHECK(fd.exit_code == 2);
  CHECK(fd.err.find("--fd") != std::string::npos);
  TempDir dir;
  const std::string f = dir.write("filter", "udp\n");
  auto both = run({program("rpcap-capture"), "-F", f, "-i", "lo", "tcp", "-w", "/dev/null"});
  CHECK(both.exit_code == 2);
  CHECK(both.err.find("-F") != std::string::npos);
  auto window = run({program("rpcap-capture"), "--merge-window", "-5", "-i", "lo", "-w", "/dev/null"});
  CHECK(window.exit_code == 2);
  CHECK(window.err == "rpcap-capture: error: --merge-window: must be a whole number from 0 to 60000, not \"-5\" (see --help)\n");
  // Numbers out of range in a few words, not CLI11's range of doubles.
  auto zero = run({program("rpcap-capture"), "-c", "0", "-i", "lo", "-w", "/dev/null"});
  CHECK(zero.exit_code == 2);
  CHECK(zero.err == "rpcap-capture: error: -c: must be at least 1 (see --help)\n");
  auto big = run({program("rpcap-capture"), "-s", "999999999", "lo", "-w", "/dev/null"});
  CHECK(big.err == "rpcap-capture: error: --snapshot-length: must be from 0 to 262144 (see --help)\n");
  auto precision = run({program("rpcap-capture"), "--time-stamp-precision", "pico", "-i", "lo", "-w", "/dev/null"});
  CHECK(precision.exit_code == 2);
}

TEST_CASE("rpcap-capture: --reconnect opens a lost daemon again and records the gap in the stream",
          "[e2e][capture][merge]")
{
  if (!can_capture()) { return; }
  const auto port = closed_port();  // the daemon comes back on the same port
  const std::vector<std::string> argv{program("rpcapd"), "-b", "127.0.0.1", "-p", std::to_string(port), "-n"};
  auto d = std::make_unique<Daemon>(argv);
  const auto traffic = traffic_port();
  Traffic t{traffic, "again"};
  TempDir dir;
  const std::string file = dir.path() + "/again.pcapng";
  const std::string src = remote(port);
  Background capture{{program("rpcap-capture"), "--reconnect", "-w", file, src, "udp dst port " + std::to_string(traffic)}};
  REQUIRE(eventually([&] { return read_pcapng(file).packets.size() > 5; }));
  ::kill(-d->pid(), SIGKILL);  // the daemon and its session, at once
  CHECK(eventually([&] { return capture.err().find("error: " + src + ": ") != std::string::npos; }));
  CHECK(capture.err().find("; trying again in 1 s") != std::string::npos);
  d = std::make_unique<Daemon>(argv);
  CHECK(eventually([&] { return capture.err().find("info: " + src + ": capturing again") != std::string::npos; }));
  auto gap_marked = [&] {
    const auto c = read_pcapng(file);
    return std::any_of(c.packets.begin(), c.packets.end(),
                       [](const auto& p) { return p.comment.find("resumed here") != std::string::npos; });
  };
  CHECK(eventually(gap_marked));
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 1);  // a source failed on the way, even if it came back
  const auto c = read_pcapng(file);
  CHECK(c.interfaces.size() == 1);  // the same interface before and after the gap
}
