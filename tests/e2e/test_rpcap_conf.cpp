// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf as a user runs it: exact output, exact error lines, exit codes.
#include <catch2/catch.hpp>

#include <filesystem>

#include "support/process.hpp"

using namespace rpcap::test;

namespace {

RunResult conf(std::vector<std::string> args, const std::string& input = {})
{
  args.insert(args.begin(), program("rpcap-conf"));
  return run(args, input);
}

// A file as libpcap 1.10.3's `rpcapd -n -l host1,host2 -a 127.0.0.1,2003 -s FILE`
// writes it: tests/vectors/config/ holds the recorded ones.
const char* const k_libpcap_example = "# rpcapd settings\n"
                                      "PassiveClient = 192.0.2.10\n"
                                      "PassiveClient = analyst.example.org     # second allowed host\n"
                                      "ActiveClient = 198.51.100.7, 2003\n"
                                      "ActiveClient = collector.example.net;DEFAULT\n"
                                      "NullAuthPermit = NO\n";

}  // namespace

TEST_CASE("rpcap-conf: generate writes what the switches say, and show reads it back", "[e2e][conf]")
{
  TempDir dir;
  const std::string file = dir.path() + "/rpcapd.conf";
  auto g = conf({"generate", "-n", "-l", "analyst1,analyst2", "-a", "192.0.2.1,2003", "-a", "collector,DEFAULT",
                 "-p", "3002", "-4", "--idle-timeout", "0", "-o", file});
  CHECK(g.err.empty());
  REQUIRE(g.exit_code == 0);
  CHECK(g.out.empty());

  auto s = conf({"show", file});
  CHECK(s.exit_code == 0);
  CHECK(s.out
        == "PassiveClient = analyst1\n"
           "PassiveClient = analyst2\n"
           "ActiveClient = 192.0.2.1, 2003\n"
           "ActiveClient = collector, 2003\n"
           "NullAuthPermit = YES\n"
           "# ListenAddress: every local address\n"
           "ListenPort = 3002\n"
           "AddressFamily = ipv4\n"
           "ActiveOnly = NO\n"
           "# HostListFile: none\n"
           "MaxSessions = 64\n"
           "MaxSessionsPerHost = 48\n"
           "MaxUnauthenticated = 1024\n"
           "MaxUnauthenticatedPerSource = 32\n"
           "FirstMessageTimeout = 10\n"
           "AuthTimeout = 90\n"
           "IdleTimeout = 0\n"
           "# CaptureGroup: none, only root may capture after a login\n"
           "Keepalive = 30\n"
           "UserTimeout = 60\n"
           "DataTimeout = 10\n"
           "MaxLoginDelay = 30\n"
           "CaptureBuffer = 32768\n"
           "# DataPorts: none, any port the kernel picks\n"
           "Tls = NO\n"
           "# TlsKey: none\n"
           "# TlsCert: none\n"
           "# TlsClientCa: none, client certificates are not asked for\n");

  auto c = conf({"check", file});
  CHECK(c.exit_code == 0);
  CHECK(c.out.empty());
  CHECK(c.err.empty());
}

TEST_CASE("rpcap-conf: generate to stdout uses libpcap's syntax", "[e2e][conf]")
{
  auto g = conf({"generate", "-l", "10.0.0.1"});
  REQUIRE(g.exit_code == 0);
  CHECK(g.out.find("\nPassiveClient = 10.0.0.1\n") != std::string::npos);
  CHECK(g.out.find("\nNullAuthPermit = NO\n") != std::string::npos);
  // nothing but libpcap's keys when every extended setting is at its default
  CHECK(g.out.find("ListenPort") == std::string::npos);
}

TEST_CASE("rpcap-conf: show reads libpcap's example file", "[e2e][conf]")
{
  TempDir dir;
  const auto file = dir.write("libpcap.conf", k_libpcap_example);
  auto s = conf({"show", "--json", file});
  CHECK(s.err.empty());
  CHECK(s.exit_code == 0);
  CHECK(s.out
        == R"({"passive_clients":["192.0.2.10","analyst.example.org"],"active_clients":[{"host":"198.51.100.7","port":"2003"},{"host":"collector.example.net","port":"2003"}],"null_auth":false,"listen_address":null,"port":"2002","address_family":"any","active_only":false,"host_list_file":null,"max_sessions":64,"max_sessions_per_host":48,"max_unauthenticated":1024,"max_unauthenticated_per_source":32,"first_message_timeout":10,"auth_timeout":90,"idle_timeout":180,"capture_group":null,"keepalive":30,"user_timeout":60,"data_timeout":10,"max_login_delay":30,"capture_buffer":32768,"data_ports":null,"tls":false,"tls_key":null,"tls_cert":null,"tls_client_ca":null})"
           "\n");
}

TEST_CASE("rpcap-conf: show output is itself a config with the same settings", "[e2e][conf]")
{
  TempDir dir;
  const auto file = dir.write("libpcap.conf", k_libpcap_example);
  auto first = conf({"show", file});
  REQUIRE(first.exit_code == 0);
  const auto again = dir.write("again.conf", first.out);
  auto second = conf({"show", again});
  CHECK(second.exit_code == 0);
  CHECK(second.out == first.out);
}

TEST_CASE("rpcap-conf: check reports every problem as file:line: message and exits 1", "[e2e][conf]")
{
  TempDir dir;
  const auto bad = dir.write("bad.conf", "# comment\n"
                                         "NullAuthPermit = maybe\n"
                                         "ListenAdress = 10.0.0.1\n"
                                         "PassiveClient = host, 2002\n");
  const auto good = dir.write("good.conf", k_libpcap_example);
  auto c = conf({"check", good, bad});
  CHECK(c.exit_code == 1);
  CHECK(c.out.empty());
  CHECK(c.err.find(bad + ":2: NullAuthPermit: \"maybe\" is not YES or NO\n") != std::string::npos);
  CHECK(c.err.find(bad + ":3: unknown key \"ListenAdress\" (did you mean \"ListenAddress\"?)\n")
        != std::string::npos);
  CHECK(c.err.find(bad + ":4: ") != std::string::npos);
  CHECK(c.err.find(good) == std::string::npos);
}

TEST_CASE("rpcap-conf: check names the line of the key of every file that cannot be used", "[e2e][conf]")
{
  TempDir dir;
  const auto file = dir.write("c.conf", "# files that are not there\n"
                                        "HostListFile = /nonexistent/hosts\n"
                                        "Tls = YES\n"
                                        "TlsKey = /nonexistent/key.pem\n"
                                        "TlsCert = /nonexistent/cert.pem\n");
  auto c = conf({"check", file});
  CHECK(c.exit_code == 1);
  CHECK(c.err.find(file + ":2: HostListFile: ") != std::string::npos);
  CHECK(c.err.find(file + ":4: TlsKey: \"/nonexistent/key.pem\": No such file or directory\n") != std::string::npos);
  CHECK(c.err.find(file + ":5: TlsCert: \"/nonexistent/cert.pem\": No such file or directory\n") != std::string::npos);
  CHECK(lines_of(c.err).size() == 3);
}

TEST_CASE("rpcap-conf: generate refuses TLS files that do not exist, or writes them with --force and a warning",
          "[e2e][conf]")
{
  TempDir dir;
  const std::string out = dir.path() + "/rpcapd.conf";
  auto refused = conf({"generate", "-S", "-K", "/nonexistent/key.pem", "-X", "/etc/hostname", "-o", out});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err == "rpcap-conf: error: -K \"/nonexistent/key.pem\": No such file or directory (--force writes the "
                       "file all the same)\n");
  CHECK_FALSE(std::filesystem::exists(out));
  auto forced = conf({"generate", "--force", "-S", "-K", "/nonexistent/key.pem", "-X", "/etc/hostname", "-o", out});
  CHECK(forced.exit_code == 0);
  CHECK(forced.err == "rpcap-conf: warning: -K \"/nonexistent/key.pem\": No such file or directory; rpcapd needs it "
                      "before it starts\n");
  CHECK(read_file(out).find("TlsKey = /nonexistent/key.pem") != std::string::npos);
}

TEST_CASE("rpcap-conf: check also checks the host-list file a config names", "[e2e][conf]")
{
  TempDir dir;
  const auto hosts = dir.write("hosts", "analyst1\nbad host name\n");
  const auto file = dir.write("c.conf", "HostListFile = " + hosts + "\n");
  auto c = conf({"check", file});
  CHECK(c.exit_code == 1);
  CHECK(c.err.rfind(hosts + ":2: ", 0) == 0);
}

TEST_CASE("rpcap-conf: usage errors are one line on stderr and exit 2", "[e2e][conf]")
{
  auto none = conf({});
  CHECK(none.exit_code == 2);
  CHECK(none.err == "rpcap-conf: error: A subcommand is required (see --help)\n");

  auto both = conf({"generate", "-4", "-6"});
  CHECK(both.exit_code == 2);
  CHECK(both.err == "rpcap-conf: error: --ipv4 excludes --ipv6 (see --help)\n");

  auto port = conf({"generate", "-a", "collector,99999"});
  CHECK(port.exit_code == 2);
  CHECK(port.err == "rpcap-conf: error: active client list \"collector,99999\": \"99999\" is not a port number "
                    "(1-65535) or service name\n");

  auto range = conf({"generate", "--max-sessions", "0"});
  CHECK(range.exit_code == 2);
  CHECK(range.err.rfind("rpcap-conf: error: --max-sessions: ", 0) == 0);
  CHECK(range.err.find('\n') == range.err.size() - 1);

  auto missing = conf({"check", "/nonexistent/rpcapd.conf"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/nonexistent/rpcapd.conf") != std::string::npos);
}

TEST_CASE("rpcap-conf: tls-cert refuses a --key and a --cert that are the same file and writes nothing",
          "[e2e][conf][tls]")
{
  TempDir dir;
  const auto key = dir.write("k.pem", "the old key\n");
  auto same = conf({"tls-cert", "--key", key, "--cert", key, "--host", "127.0.0.1", "--force"});
  CHECK(same.exit_code == 2);
  CHECK(same.err == "rpcap-conf: error: --key \"" + key + "\" and --cert \"" + key + "\" name the same file\n");
  CHECK(same.out.empty());
  CHECK(read_file(key) == "the old key\n");

  // Through a symbolic link, and spelt two ways before either exists.
  const std::string link = dir.path() + "/link.pem";
  std::filesystem::create_symlink(key, link);
  auto linked = conf({"tls-cert", "--key", key, "--cert", link, "--host", "127.0.0.1", "--force"});
  CHECK(linked.exit_code == 2);
  CHECK(read_file(key) == "the old key\n");
  const std::string fresh = dir.path() + "/fresh.pem";
  auto spelt = conf({"tls-cert", "--key", fresh, "--cert", dir.path() + "/./fresh.pem", "--host", "127.0.0.1"});
  CHECK(spelt.exit_code == 2);
  CHECK(lines_of(spelt.err).size() == 1);
  CHECK_FALSE(std::filesystem::exists(fresh));
}

TEST_CASE("rpcap-conf: tls-cert writes both files or neither", "[e2e][conf][tls]")
{
  namespace fs = std::filesystem;
  TempDir dir;
  auto entries = [&] { return std::distance(fs::directory_iterator{dir.path()}, {}); };

  // --force, and the certificate cannot be written: the existing key stays.
  const auto key = dir.write("k2.pem", "the old key\n");
  auto no_dir = conf({"tls-cert", "--key", key, "--cert", "/nonexistent/c.pem", "--host", "127.0.0.1", "--force"});
  CHECK(no_dir.exit_code == 1);
  CHECK(no_dir.err == "rpcap-conf: error: write \"/nonexistent/c.pem\": No such file or directory\n");
  CHECK(read_file(key) == "the old key\n");
  CHECK(entries() == 1);  // no temporary file left

  // No --force, and the certificate exists: no key is written either, so
  // the next run does not stop at a key left behind.
  const std::string new_key = dir.path() + "/new-key.pem";
  const auto cert = dir.write("c.pem", "the old certificate\n");
  auto exists = conf({"tls-cert", "--key", new_key, "--cert", cert, "--host", "127.0.0.1"});
  CHECK(exists.exit_code == 1);
  CHECK(exists.err == "rpcap-conf: error: write \"" + cert + "\": File exists (--force replaces it)\n");
  CHECK_FALSE(fs::exists(new_key));
  CHECK(read_file(cert) == "the old certificate\n");
  CHECK(entries() == 2);

  // With --force both are replaced, the key with mode 0600 whatever it had.
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  auto forced = conf({"tls-cert", "--key", key, "--cert", cert, "--host", "127.0.0.1", "--force"});
  INFO(forced.err);
  CHECK(forced.exit_code == 0);
  CHECK(read_file(key).starts_with("-----BEGIN PRIVATE KEY-----\n"));
  CHECK(read_file(cert).starts_with("-----BEGIN CERTIFICATE-----\n"));
  CHECK((fs::status(key).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(entries() == 2);
}

TEST_CASE("rpcap-conf: --help goes to stdout with exit 0", "[e2e][conf]")
{
  auto h = conf({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.err.empty());
  CHECK(h.out.find("generate") != std::string::npos);
  auto gh = conf({"generate", "--help"});
  CHECK(gh.exit_code == 0);
  CHECK(gh.out.find("--null-auth") != std::string::npos);
  auto v = conf({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("rpcap-conf ", 0) == 0);
}
