// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture -Z USER, as tcpdump -Z: root only until the source is open,
// then USER for good (ids, groups, no capabilities), the output file USER's.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/daemon.hpp"
#include "support/pcap_file.hpp"
#include "support/process.hpp"

using namespace rpcap;
using namespace rpcap::test;

namespace {

// The account the tests give root up for; every Debian system has it.
constexpr const char* k_user = "nobody";

struct Ids {
  uid_t uid;
  gid_t gid;
};

Ids ids_of(const char* user)
{
  const passwd* pw = ::getpwnam(user);
  REQUIRE(pw != nullptr);
  return {pw->pw_uid, pw->pw_gid};
}

// Once `capture` runs as `ids` (all four user ids), check the rest of what
// -Z promises: USER's group alone, no capability, no way back through execve.
void check_given_up(const Background& capture, const Ids& ids)
{
  const std::string uid = std::to_string(ids.uid);
  const std::string all = uid + " " + uid + " " + uid + " " + uid;
  REQUIRE(eventually([&] { return uids_of(capture.pid()) == all; }));
  const std::string gid = std::to_string(ids.gid);
  CHECK(status_field(capture.pid(), "Gid") == gid + "\t" + gid + "\t" + gid + "\t" + gid);
  CHECK(status_field(capture.pid(), "CapPrm") == "0000000000000000");
  CHECK(status_field(capture.pid(), "CapEff") == "0000000000000000");
  CHECK(status_field(capture.pid(), "NoNewPrivs") == "1");
}

// Run `argv`, an rpcap-capture -Z that writes `port`'s test traffic into
// `out` packet by packet: once it gave root up (check_given_up), feed it
// until `out` holds two packets, stop it, and return `out`'s owner.
uid_t owner_after_capture(const std::vector<std::string>& argv, std::uint16_t port, const std::string& out,
                          const Ids& ids)
{
  Background capture{argv};
  check_given_up(capture, ids);
  {
    const Traffic t{port, "relinquished", 20};
    REQUIRE(eventually([&] { return records_in(out) >= 2; }));
  }
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  CHECK(st.st_gid == ids.gid);
  return st.st_uid;
}

}  // namespace

TEST_CASE("rpcap-capture: -Z gives up root once the local device is open, and the new file is USER's",
          "[e2e][capture][privileges]")
{
  if (!can_capture()) { return; }
  const Ids nobody = ids_of(k_user);
  const auto port = traffic_port();
  TempDir dir;
  const std::string out = dir.path() + "/local.pcap";
  CHECK(owner_after_capture({program("rpcap-capture"), "-Z", k_user, "-U", "-w", out, "lo", traffic_filter(port)}, port,
                            out, nobody)
        == nobody.uid);
}

TEST_CASE("rpcap-capture: -Z with a remote source reads the session's packets as USER, the daemon untouched",
          "[e2e][capture][privileges]")
{
  if (!can_capture()) { return; }
  const Ids nobody = ids_of(k_user);
  Daemon d{Daemon::ours({"-n"})};
  const auto port = traffic_port();
  TempDir dir;
  const std::string out = dir.path() + "/remote.pcap";
  CHECK(owner_after_capture({program("rpcap-capture"), "-Z", k_user, "-U", "-w", out,
                             "rpcap://127.0.0.1:" + std::to_string(d.port()) + "/lo", traffic_filter(port)},
                            port, out, nobody)
        == nobody.uid);
  CHECK(uids_of(d.pid()) == "0 0 0 0");
}

TEST_CASE("rpcap-capture: -Z an existing file keeps its owner, and -C's files are USER's",
          "[e2e][capture][privileges]")
{
  if (!can_capture()) { return; }
  const Ids nobody = ids_of(k_user);
  const auto port = traffic_port();
  TempDir dir;
  // The later files are made by USER: the directory must let USER in.
  REQUIRE(::chmod(dir.path().c_str(), 0777) == 0);
  const std::string kept = dir.write("kept.pcap", "old contents");
  {
    Background capture{{program("rpcap-capture"), "-Z", k_user, "-U", "-c", "2", "-w", kept, "lo", traffic_filter(port)}};
    check_given_up(capture, nobody);
    const Traffic t{port, "into-an-existing-file", 20};
    const auto r = capture.wait();
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
  struct stat st {};
  REQUIRE(::stat(kept.c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK(records_in(kept) == 2);
  // -C 1: a new file every million bytes; 1400-byte packets fill three soon.
  const std::string ring = dir.path() + "/ring.pcap";
  Background capture{{program("rpcap-capture"), "-Z", k_user, "-C", "1", "-w", ring, "lo", traffic_filter(port)}};
  check_given_up(capture, nobody);
  {
    const Traffic t{port, std::string(1400, 'r'), 1};
    REQUIRE(eventually([&] { return std::filesystem::exists(ring + "2"); }));
  }
  capture.signal(SIGINT);
  const auto r = capture.wait();
  INFO(r.err);
  CHECK(r.exit_code == 0);
  for (const std::string& name : {ring, ring + "1", ring + "2"}) {
    REQUIRE(::stat(name.c_str(), &st) == 0);
    INFO(name);
    CHECK(st.st_uid == nobody.uid);
  }
}

TEST_CASE("rpcap-capture: -Z mistakes are usage errors", "[e2e][capture][privileges]")
{
  auto unknown = run({program("rpcap-capture"), "-Z", "no-such-user-here", "-w", "/dev/null", "lo"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err == "rpcap-capture: error: -Z: there is no user \"no-such-user-here\"\n");
  auto several = run({program("rpcap-capture"), "-Z", k_user, "-w", "/dev/null", "-i", "lo", "-i", "lo"});
  CHECK(several.exit_code == 2);
  CHECK(several.err.find("-Z takes one source") != std::string::npos);
  auto reconnect = run({program("rpcap-capture"), "-Z", k_user, "--reconnect", "-w", "/dev/null", "lo"});
  CHECK(reconnect.exit_code == 2);
}

TEST_CASE("rpcap-capture: after -Z, a -C file USER may not make ends the run with its name, and the statistics "
          "count what was written",
          "[e2e][capture][privileges]")
{
  if (!can_capture()) { return; }
  const Ids nobody = ids_of(k_user);
  const auto port = traffic_port();
  TempDir dir;  // root's, mode 0700: USER may not make files in it
  const std::string ring = dir.path() + "/ring.pcap";
  Background capture{{program("rpcap-capture"), "-Z", k_user, "-C", "1", "-w", ring, "lo", traffic_filter(port)}};
  check_given_up(capture, nobody);
  RunResult r;
  {
    const Traffic t{port, std::string(1400, 'r'), 1};
    r = capture.wait();
  }
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("rpcap-capture: error: open \"" + ring + "1\": Permission denied\n") != std::string::npos);
  const std::size_t written = records_in(ring);
  CHECK(written > 0);
  const std::string line = std::to_string(written) + " packets captured\n";
  CHECK((r.err.compare(0, line.size(), line) == 0 || r.err.find("\n" + line) != std::string::npos));
  CHECK(r.err.find(" packets received by filter\n") != std::string::npos);
}
