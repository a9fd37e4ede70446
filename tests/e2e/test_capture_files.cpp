// SPDX-License-Identifier: BSD-3-Clause
// Files for long captures, as tcpdump makes them: -C (size), -G (time),
// -W (a ring of files), -z (a command on each complete file); every file
// readable on its own.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/daemon.hpp"
#include "support/pcapng_file.hpp"
#include "support/process.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// A -z command that appends the name of each file it is given to `log`.
std::string post_rotate_logger(const TempDir& dir, const std::string& log)
{
  const std::string path = dir.write("post-rotate.sh", "#!/bin/sh\necho \"$1\" >> '" + log + "'\n");
  REQUIRE(::chmod(path.c_str(), 0755) == 0);
  return path;
}

// The files in `dir` whose names start with `prefix`, sorted.
std::vector<std::string> files_starting(const std::string& dir, const std::string& prefix)
{
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename();
    if (name.rfind(prefix, 0) == 0) { out.push_back(name); }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// capinfos' packet count of `path`; fails the test if it cannot read the file.
std::size_t capinfos_packets(const std::string& path)
{
  const auto r = run({"/bin/sh", "-c", "capinfos -c -M '" + path + "'"});
  INFO(path << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("Number of packets:");
  REQUIRE(at != std::string::npos);
  return std::stoull(r.out.substr(at + 18));
}

}  // namespace

TEST_CASE("rpcap-capture: -C 1 -W 3 keeps a ring of three files of about a megabyte, each complete",
          "[e2e][capture][files]")
{
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  TempDir dir;
  const std::string log = dir.path() + "/done.log";
  const std::string ring = dir.path() + "/ring.pcap";
  Background capture{{program("rpcap-capture"), "-q", "-C", "1", "-W", "3", "-z", post_rotate_logger(dir, log), "-w",
                      ring, "lo", "udp dst port " + std::to_string(port)}};
  REQUIRE(eventually([&] { return std::filesystem::exists(ring + "0"); }));
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  // About 4.2 MB: four files' worth, so the ring wraps once; in bursts the
  // kernel's capture buffer holds.
  const std::string payload(1400, 'r');
  for (int burst = 0; burst < 30; ++burst) {
    send_udp(port, payload, 100);
    CHECK(eventually([&] { return std::filesystem::file_size(ring + "0") > 0; }));
  }
  CHECK(eventually([&] { return lines_of(read_file(log)).size() >= 3; }));  // three files done
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // Exactly the ring's names, no fourth file; each one readable on its own.
  CHECK(files_starting(dir.path(), "ring.pcap") == std::vector<std::string>{"ring.pcap0", "ring.pcap1", "ring.pcap2"});
  for (const char* n : {"0", "1", "2"}) {
    const std::string f = ring + n;
    CHECK(std::filesystem::file_size(f) <= 1000000 + 1500);
    CHECK(capinfos_packets(f) > 0);
  }
  // -z ran on every file once it was complete, the last one at the end.
  const auto done = lines_of(read_file(log));
  CHECK(done.size() >= 4);
  CHECK(std::find(done.begin(), done.end(), ring + "0") != done.end());
}

TEST_CASE("rpcap-capture: -G rotates a merged pcapng stream by time into strftime names, each file with its interfaces",
          "[e2e][capture][files][merge]")
{
  if (!can_capture()) { return; }
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  Traffic t{port, "by time"};
  TempDir dir;
  const std::string log = dir.path() + "/done.log";
  Background capture{{program("rpcap-capture"), "-q", "-G", "1", "-W", "2", "-z", post_rotate_logger(dir, log), "-w",
                      dir.path() + "/cap-%s.pcapng", "-i", "lo", "-i",
                      "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo", "udp dst port " + std::to_string(port)}};
  // Three files completed: the ring of two has dropped the oldest.
  CHECK(eventually([&] { return lines_of(read_file(log)).size() >= 3; }));
  REQUIRE(eventually([&] { return catches_signal(capture.pid(), SIGINT); }));
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err << "\nlog:\n" << read_file(log));
  CHECK(r.exit_code == 0);
  const auto files = files_starting(dir.path(), "cap-");
  CHECK(files.size() == 2);
  for (const auto& f : files) {
    INFO(f);
    const auto c = read_pcapng(dir.path() + "/" + f);
    CHECK(c.sections == 1);
    CHECK(c.interfaces.size() == 2);  // every file describes every interface again
    CHECK(capinfos_packets(dir.path() + "/" + f) == c.packets.size());
  }
}

TEST_CASE("rpcap-capture: rotation usage mistakes", "[e2e][capture][files]")
{
  auto w = run({program("rpcap-capture"), "-W", "3", "-w", "/dev/null", "lo"});
  CHECK(w.exit_code == 2);
  CHECK(w.err == "rpcap-capture: error: -W needs -C or -G\n");
  auto z = run({program("rpcap-capture"), "-z", "gzip", "-w", "/dev/null", "lo"});
  CHECK(z.exit_code == 2);
  CHECK(z.err == "rpcap-capture: error: -z needs -C or -G\n");
  auto out = run({program("rpcap-capture"), "-C", "1", "lo"});
  CHECK(out.exit_code == 2);
  CHECK(out.err.find("-C and -G need -w FILE") != std::string::npos);
  auto zero = run({program("rpcap-capture"), "-C", "0", "-w", "/dev/null", "lo"});
  CHECK(zero.exit_code == 2);
}

TEST_CASE("rpcap-capture: -w FILE, with -C or -G too, is untouched by a capture that cannot start, and not left behind",
          "[e2e][capture][files]")
{
  TempDir dir;
  const std::string precious = dir.write("precious.pcap", std::string(1480, 'p'));
  const std::string dead = "rpcap://127.0.0.1:" + std::to_string(closed_port()) + "/lo";
  auto one = run({program("rpcap-capture"), "-w", precious, dead});
  INFO(one.err);
  CHECK(one.exit_code == 1);
  CHECK(read_file(precious) == std::string(1480, 'p'));
  auto merged = run({program("rpcap-capture"), "-w", precious, "-i", dead, "-i", dead + "2"});
  INFO(merged.err);
  CHECK(merged.exit_code == 1);
  CHECK(read_file(precious) == std::string(1480, 'p'));
  // A file that was not there is not left behind, empty.
  const std::string fresh = dir.path() + "/fresh.pcap";
  CHECK(run({program("rpcap-capture"), "-w", fresh, dead}).exit_code == 1);
  CHECK(run({program("rpcap-capture"), "-w", fresh, "-i", dead, "-i", "no-such-interface0"}).exit_code == 1);
  CHECK_FALSE(std::filesystem::exists(fresh));
  // The first of the -C and -G files the same (tcpdump -C and -G empty it at once).
  for (const std::vector<std::string>& rotation :
       {std::vector<std::string>{"-C", "1"}, {"-G", "60"}, {"-C", "1", "-W", "3"}, {"-G", "60", "-W", "2"}}) {
    std::vector<std::string> args{program("rpcap-capture"), "-w", precious};
    args.insert(args.end(), rotation.begin(), rotation.end());
    args.push_back(dead);
    auto rotating = run(args);
    INFO(args[3] << " " << args[4] << ": " << rotating.err);
    CHECK(rotating.exit_code == 1);
    CHECK(read_file(precious) == std::string(1480, 'p'));
    args[2] = fresh;
    CHECK(run(args).exit_code == 1);
    CHECK(files_starting(dir.path(), "fresh") == std::vector<std::string>{});
  }
  // A capture that starts replaces the old contents entirely.
  if (!can_capture()) { return; }
  const auto port = traffic_port();
  Traffic t{port, "replaced"};
  auto ok = run({program("rpcap-capture"), "-q", "-c", "2", "-w", precious, "lo", "udp dst port " + std::to_string(port)});
  CHECK(ok.exit_code == 0);
  CHECK(capinfos_packets(precious) == 2);
  CHECK(read_file(precious).find("pppp") == std::string::npos);
}
