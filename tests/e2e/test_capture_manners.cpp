// SPDX-License-Identifier: BSD-3-Clause
// What rpcap-capture says on a terminal and does with signals, as a
// tcpdump user expects: the live count only where it cannot mix with a
// reader's lines, a word when nothing comes, a filter file re-read on
// SIGHUP; and rpcapd's statistics on SIGUSR1.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>

#include "support/daemon.hpp"
#include "support/pcap_file.hpp"
#include "support/process.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// Start `capture` and feed it test traffic until it has written a packet
// and shown the live count for a while, then stop it; its result.
RunResult feed_and_stop(Background& capture, std::uint16_t port, const std::function<bool()>& written)
{
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  const Traffic traffic{port, "count", 50};
  REQUIRE(eventually(written));
  // The count is shown about once a second once packets flow.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  capture.signal(SIGINT);
  return capture.wait();
}

}  // namespace

TEST_CASE("rpcap-capture: writing to a file on a terminal shows the live count", "[e2e][capture][terminal]")
{
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  TempDir dir;
  const std::string file = dir.path() + "/out.pcap";
  Background capture{{program("rpcap-capture"), "-w", file, "lo", traffic_filter(port)}, Stderr::terminal};
  const auto r = feed_and_stop(capture, port, [&] {
    return std::filesystem::exists(file) && std::filesystem::file_size(file) > 24;
  });
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("\rGot ") != std::string::npos);
  CHECK(r.err.find("packets captured") != std::string::npos);
}

TEST_CASE("rpcap-capture: into a pipe the live count stays off the terminal unless -v asks for it",
          "[e2e][capture][terminal]")
{
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  TempDir dir;
  // Standard output is a file here; what counts is -w -, the stream that a pipe to tcpdump takes.
  for (const bool verbose : {false, true}) {
    std::vector<std::string> argv{program("rpcap-capture"), "-w", "-", "lo", traffic_filter(port)};
    if (verbose) { argv.insert(argv.begin() + 1, "-v"); }
    Background capture{argv, Stderr::terminal};
    const auto r = feed_and_stop(capture, port, [&] { return capture.out().size() > 24; });
    INFO("-v: " << verbose << "\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK((r.err.find("Got ") != std::string::npos) == verbose);
    CHECK(r.err.find("packets captured") != std::string::npos);  // the statistics all the same
  }
}

TEST_CASE("rpcap-capture: -q shows neither the count nor the statistics, and -q with -v is refused",
          "[e2e][capture][terminal]")
{
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  TempDir dir;
  const std::string file = dir.path() + "/out.pcap";
  Background capture{{program("rpcap-capture"), "-q", "-w", file, "lo", traffic_filter(port)}, Stderr::terminal};
  const auto r = feed_and_stop(capture, port, [&] {
    return std::filesystem::exists(file) && std::filesystem::file_size(file) > 24;
  });
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  const auto both = run({program("rpcap-capture"), "-q", "-v", "-w", file, "lo"});
  CHECK(both.exit_code == 2);
  CHECK(both.err == "rpcap-capture: error: --quiet excludes -v (see --help)\n");
}

TEST_CASE("rpcap-capture: on a terminal, a started capture that sees nothing says once what it waits for",
          "[e2e][capture][terminal]")
{
  if (!can_capture()) { return; }
  const UdpPort quiet;  // nobody sends to it
  Background capture{{program("rpcap-capture"), "-w", "-", "lo", traffic_filter(quiet.port())}, Stderr::terminal};
  REQUIRE(eventually([&] { return capture.err().find("waiting for packets") != std::string::npos; }, 15000));
  CHECK(capture.err().find("rpcap-capture: info: waiting for packets on lo...") != std::string::npos);
  capture.signal(SIGINT);
  const auto r = capture.wait();
  CHECK(r.exit_code == 0);
  CHECK(occurrences(r.err, "waiting for packets") == 1);
}

TEST_CASE("rpcap-capture: SIGHUP re-reads -F's file and the running remote capture takes the new filter",
          "[e2e][capture][signals]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto first = traffic_port();
  const UdpPort second;
  TempDir dir;
  const std::string filter = dir.write("filter", traffic_filter(first) + "\n");
  const std::string out = dir.path() + "/out.pcap";
  Background capture{{program("rpcap-capture"), "-F", filter, "-U", "-w", out,
                      "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo"}};
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGHUP); }));
  auto packets = [&] { return records_in(out); };
  {
    const Traffic t{first, "first-filter-traffic", 20};
    REQUIRE(eventually([&] { return std::filesystem::exists(out) && packets() >= 1; }));
  }
  // A filter that does not compile is reported; the running one stays.
  dir.write("filter", "udp dst port nonsense-words\n");
  capture.signal(SIGHUP);
  REQUIRE(eventually([&] { return capture.err().find("refused") != std::string::npos; }));
  CHECK(capture.err().find("SIGHUP: filter \"udp dst port nonsense-words\" refused: ") != std::string::npos);
  // The new filter: the second port's packets come, the first's no longer.
  dir.write("filter", traffic_filter(second.port()) + "\n");
  capture.signal(SIGHUP);
  REQUIRE(eventually([&] { return capture.err().find("SIGHUP: filter now") != std::string::npos; }));
  CHECK(capture.err().find("SIGHUP: filter now \"" + traffic_filter(second.port()) + "\"") != std::string::npos);
  const std::size_t before = packets();
  {
    const Traffic t{second.port(), "second-filter-traffic", 20};
    REQUIRE(eventually([&] { return packets() > before; }));
  }
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // The first port's packets, then the second's: none of the first after the new filter took.
  const auto records = record_data(out);
  auto has = [](const std::string& bytes, const char* payload) { return bytes.find(payload) != std::string::npos; };
  REQUIRE_FALSE(records.empty());
  CHECK(has(records.front(), "first-filter-traffic"));
  CHECK(has(records.back(), "second-filter-traffic"));
  bool seen_second = false;
  for (const auto& bytes : records) {
    seen_second = seen_second || has(bytes, "second-filter-traffic");
    if (seen_second) { CHECK_FALSE(has(bytes, "first-filter-traffic")); }
  }
}

TEST_CASE("rpcap-capture: without -F a hang-up ends the capture as it ends tcpdump", "[e2e][capture][signals]")
{
  if (!can_capture()) { return; }
  Background capture{{program("rpcap-capture"), "-w", "-", "lo", traffic_filter(traffic_port())}};
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  CHECK_FALSE(catches_signal(capture.pid(), SIGHUP));
  capture.signal(SIGHUP);
  CHECK(capture.wait().exit_code == 128 + SIGHUP);
}

TEST_CASE("rpcapd: SIGUSR1 logs every session's capture statistics and the daemon goes on",
          "[e2e][rpcapd][signals]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Background capture{{program("rpcap-capture"), "-w", "-", "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo",
                      traffic_filter(port)}};
  {
    const Traffic t{port, "stats", 20};
    REQUIRE(eventually([&] { return capture.out().size() > 24; }));
  }
  REQUIRE(::kill(d.pid(), SIGUSR1) == 0);
  REQUIRE(eventually([&] { return d.log().find("statistics: capture on \"lo\"") != std::string::npos; }));
  CHECK(d.log().find("SIGUSR1: 1 passive session(s)") != std::string::npos);
  CHECK(d.log().find(" packets sent, ") != std::string::npos);
  // Still serving: the capture ends cleanly and a new client is answered.
  capture.signal(SIGINT);
  CHECK(capture.wait().exit_code == 0);
  const auto ls = run({program("rpcap-ls"), "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/"});
  CHECK(ls.exit_code == 0);
  CHECK(d.stop(SIGTERM) == 0);
}
