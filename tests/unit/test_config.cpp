// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/config/config.hpp"

using namespace rpcap;
using namespace std::string_literals;

namespace Catch {
template <>
struct StringMaker<DaemonConfig> {
  static std::string convert(const DaemonConfig& c)
  {
    std::ostringstream out;
    out << "{active=[";
    for (const auto& a : c.active_clients) { out << a.host << "|" << a.port << " "; }
    out << "] passive=[";
    for (const auto& p : c.passive_clients) { out << p << " "; }
    out << "] null_auth=" << c.null_auth << " listen=\"" << c.listen_address << "\" port=\"" << c.port
        << "\" family=" << to_string(c.family) << " active_only=" << c.active_only << " hostfile=\""
        << c.host_list_file << "\" max_sessions=" << c.max_sessions << " auth_timeout=" << c.auth_timeout
        << " idle_timeout=" << c.idle_timeout << " keepalive=" << c.keepalive << " user_timeout=" << c.user_timeout
        << " data_timeout=" << c.data_timeout << " max_login_delay=" << c.max_login_delay
        << " per_host=" << c.max_sessions_per_host << " capture_buffer=" << c.capture_buffer_kib
        << " unauth=" << c.max_unauthenticated << " unauth_per_source=" << c.max_unauthenticated_per_source
        << " first_message=" << c.first_message_timeout << "}";
    return out.str();
  }
};
}  // namespace Catch

namespace {

std::vector<std::string> messages(const std::vector<Error>& errors)
{
  std::vector<std::string> out;
  for (const auto& e : errors) {
    CHECK(e.kind == ErrorKind::config);
    out.push_back(e.message);
  }
  return out;
}

// Parse `text` as "t.conf", requiring no errors.
DaemonConfig parse_ok(const std::string& text)
{
  auto parsed = parse_config(text, "t.conf");
  INFO(text);
  CHECK(messages(parsed.errors) == std::vector<std::string>{});
  return parsed.config;
}

// What libpcap 1.10.3's fileconf_save() writes, derived from its code
// (rpcapd/fileconf.c, Debian 1.10.3-1 source) for a config the recordings in
// tests/vectors/config/ do not cover: two hosts, DEFAULT among two targets.
// `rpcapd -n -l "analyst.example.org,192.0.2.10"
//        -a "198.51.100.7,DEFAULT,collector.example.net,2004" -s FILE`:
const std::string k_libpcap_saved =
  "# Configuration file help.\n"
  "\n"
  "# Hosts which are allowed to connect to this server (passive mode)\n"
  "# Format: PassiveClient = <name or address>\n"
  "\n"
  "PassiveClient = analyst.example.org\n"
  "PassiveClient = 192.0.2.10\n"
  "\n"
  "\n"
  "# Hosts to which this server is trying to connect to (active mode)\n"
  "# Format: ActiveClient = <name or address>, <port | DEFAULT>\n"
  "\n"
  "ActiveClient = 198.51.100.7, 2003\n"
  "ActiveClient = collector.example.net, 2004\n"
  "\n"
  "\n"
  "# Permit NULL authentication: YES or NO\n"
  "\n"
  "NullAuthPermit = YES\n";

// `rpcapd -s FILE` with no other option.
const std::string k_libpcap_saved_empty =
  "# Configuration file help.\n"
  "\n"
  "# Hosts which are allowed to connect to this server (passive mode)\n"
  "# Format: PassiveClient = <name or address>\n"
  "\n"
  "\n"
  "\n"
  "# Hosts to which this server is trying to connect to (active mode)\n"
  "# Format: ActiveClient = <name or address>, <port | DEFAULT>\n"
  "\n"
  "\n"
  "\n"
  "# Permit NULL authentication: YES or NO\n"
  "\n"
  "NullAuthPermit = NO\n";

DaemonConfig libpcap_saved_config()
{
  DaemonConfig c;
  c.passive_clients = {"analyst.example.org", "192.0.2.10"};
  c.active_clients = {{"198.51.100.7", "2003"}, {"collector.example.net", "2004"}};
  c.null_auth = true;
  return c;
}

}  // namespace

TEST_CASE("config: an empty file gives the defaults", "[config]")
{
  const DaemonConfig c = parse_ok("");
  CHECK(c == DaemonConfig{});
  CHECK(c.active_clients.empty());
  CHECK(c.passive_clients.empty());
  CHECK_FALSE(c.null_auth);
  CHECK(c.listen_address.empty());
  CHECK(c.port == "2002");
  CHECK(c.family == AddressFamily::any);
  CHECK_FALSE(c.active_only);
  CHECK(c.host_list_file.empty());
  CHECK(c.max_sessions == 64);
  CHECK(c.auth_timeout == 90);
  CHECK(c.idle_timeout == 180);
  CHECK(parse_ok("# only a comment\n\n   \n\t# indented comment\n") == DaemonConfig{});
}

TEST_CASE("config: every key sets its field", "[config]")
{
  struct Row {
    std::string text;
    DaemonConfig expected;
  };
  auto cfg = [](auto change) {
    DaemonConfig c;
    change(c);
    return c;
  };
  const std::vector<Row> rows = {
    {"PassiveClient = 192.0.2.1\n", cfg([](auto& c) { c.passive_clients = {"192.0.2.1"}; })},
    {"PassiveClient = a.example\nPassiveClient = ::1\n",
     cfg([](auto& c) { c.passive_clients = {"a.example", "::1"}; })},
    {"ActiveClient = h.example, 2004\n", cfg([](auto& c) { c.active_clients = {{"h.example", "2004"}}; })},
    {"ActiveClient = h,2004\n", cfg([](auto& c) { c.active_clients = {{"h", "2004"}}; })},
    {"ActiveClient = h;2004\n", cfg([](auto& c) { c.active_clients = {{"h", "2004"}}; })},
    {"ActiveClient = h 2004\n", cfg([](auto& c) { c.active_clients = {{"h", "2004"}}; })},
    {"ActiveClient = h ,\t2004\n", cfg([](auto& c) { c.active_clients = {{"h", "2004"}}; })},
    {"ActiveClient = h, DEFAULT\n", cfg([](auto& c) { c.active_clients = {{"h", "2003"}}; })},
    {"ActiveClient = h;default\n", cfg([](auto& c) { c.active_clients = {{"h", "2003"}}; })},
    {"ActiveClient = h, rpcap-active\n", cfg([](auto& c) { c.active_clients = {{"h", "rpcap-active"}}; })},
    {"ActiveClient = fe80::1%eth0, 65535\n", cfg([](auto& c) { c.active_clients = {{"fe80::1%eth0", "65535"}}; })},
    {"ActiveClient = a, 1\nActiveClient = b, 2\n",
     cfg([](auto& c) { c.active_clients = {{"a", "1"}, {"b", "2"}}; })},
    {"NullAuthPermit = YES\n", cfg([](auto& c) { c.null_auth = true; })},
    {"NullAuthPermit = yes\n", cfg([](auto& c) { c.null_auth = true; })},
    {"NullAuthPermit = NO\n", DaemonConfig{}},
    {"NullAuthPermit = No\n", DaemonConfig{}},
    {"ListenAddress = 127.0.0.1\n", cfg([](auto& c) { c.listen_address = "127.0.0.1"; })},
    {"ListenAddress = ::\n", cfg([](auto& c) { c.listen_address = "::"; })},
    {"ListenPort = 2002\n", DaemonConfig{}},
    {"ListenPort = 0\n", cfg([](auto& c) { c.port = "0"; })},  // any free port, for --ready-fd
    {"ListenPort = 1\n", cfg([](auto& c) { c.port = "1"; })},
    {"ListenPort = 65535\n", cfg([](auto& c) { c.port = "65535"; })},
    {"ListenPort = rpcap\n", cfg([](auto& c) { c.port = "rpcap"; })},
    {"ListenPort = http-alt\n", cfg([](auto& c) { c.port = "http-alt"; })},
    {"AddressFamily = ipv4\n", cfg([](auto& c) { c.family = AddressFamily::ipv4; })},
    {"AddressFamily = IPv6\n", cfg([](auto& c) { c.family = AddressFamily::ipv6; })},
    {"AddressFamily = any\n", DaemonConfig{}},
    {"ActiveClient = h, 2003\nActiveOnly = YES\n", cfg([](auto& c) {
       c.active_clients = {{"h", "2003"}};
       c.active_only = true;
     })},
    {"ActiveOnly = NO\n", DaemonConfig{}},
    {"HostListFile = /etc/rpcapd.hosts\n", cfg([](auto& c) { c.host_list_file = "/etc/rpcapd.hosts"; })},
    {"HostListFile = hosts.txt\n", cfg([](auto& c) { c.host_list_file = "hosts.txt"; })},
    {"MaxSessions = 1\n", cfg([](auto& c) { c.max_sessions = 1; })},
    {"MaxSessions = 10000\n", cfg([](auto& c) { c.max_sessions = 10000; })},
    {"AuthTimeout = 1\n", cfg([](auto& c) { c.auth_timeout = 1; })},
    {"AuthTimeout = 3600\n", cfg([](auto& c) { c.auth_timeout = 3600; })},
    {"IdleTimeout = 0\n", cfg([](auto& c) { c.idle_timeout = 0; })},
    {"IdleTimeout = 86400\n", cfg([](auto& c) { c.idle_timeout = 86400; })},
    {"IdleTimeout = 0060\n", cfg([](auto& c) { c.idle_timeout = 60; })},
    {"Keepalive = 0\n", cfg([](auto& c) { c.keepalive = 0; })},
    {"Keepalive = 86400\n", cfg([](auto& c) { c.keepalive = 86400; })},
    {"UserTimeout = 0\n", cfg([](auto& c) { c.user_timeout = 0; })},
    {"UserTimeout = 3\n", cfg([](auto& c) { c.user_timeout = 3; })},
    {"DataTimeout = 1\n", cfg([](auto& c) { c.data_timeout = 1; })},
    {"DataTimeout = 3600\n", cfg([](auto& c) { c.data_timeout = 3600; })},
    {"MaxLoginDelay = 1\n", cfg([](auto& c) { c.max_login_delay = 1; })},
    {"MaxLoginDelay = 3600\n", cfg([](auto& c) { c.max_login_delay = 3600; })},
    {"MaxSessionsPerHost = 1\n", cfg([](auto& c) { c.max_sessions_per_host = 1; })},
    {"MaxSessionsPerHost = 10000\n", cfg([](auto& c) { c.max_sessions_per_host = 10000; })},
    {"MaxUnauthenticated = 1\n", cfg([](auto& c) { c.max_unauthenticated = 1; })},
    {"MaxUnauthenticated = 65536\n", cfg([](auto& c) { c.max_unauthenticated = 65536; })},
    {"MaxUnauthenticatedPerSource = 1\n", cfg([](auto& c) { c.max_unauthenticated_per_source = 1; })},
    {"FirstMessageTimeout = 3600\n", cfg([](auto& c) { c.first_message_timeout = 3600; })},
    {"CaptureBuffer = 256\n", cfg([](auto& c) { c.capture_buffer_kib = 256; })},
    {"CaptureBuffer = 1048576\n", cfg([](auto& c) { c.capture_buffer_kib = 1048576; })},
    {"DataPorts = 50000-50009\n", cfg([](auto& c) { c.data_ports = "50000-50009"; })},
    {"DataPorts = 2003\n", cfg([](auto& c) { c.data_ports = "2003"; })},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    CHECK(parse_ok(row.text) == row.expected);
  }
}

TEST_CASE("config: comments, blanks, CRLF and a missing final newline", "[config]")
{
  DaemonConfig expected;
  expected.port = "2010";
  const std::vector<std::string> texts = {
    "ListenPort = 2010\n",
    "ListenPort=2010\n",
    "ListenPort\t=\t2010\t\n",
    "   \tListenPort = 2010   \n",
    "ListenPort = 2010 # the lab port\n",
    "ListenPort = 2010# no blank before the comment\n",
    "ListenPort = 2010\r\n",
    "ListenPort = 2010 # comment\r\n",
    "ListenPort = 2010",  // libpcap ignores an unterminated last line; we read it
    "ListenPort = 2010\r",
    "# header\n\n\nListenPort = 2010\n\n# trailer\n",
    "# header\r\n\r\nListenPort = 2010\r\n",
  };
  for (const auto& text : texts) {
    INFO(text);
    CHECK(parse_ok(text) == expected);
  }
  // A line of exactly 2046 characters is accepted (libpcap's limit).
  const std::string line = "ListenPort = 2010" + std::string(2046 - 17 - 2, ' ') + "#x";
  REQUIRE(line.size() == 2046);
  CHECK(parse_ok(line + "\n") == expected);
}

TEST_CASE("config: errors name the file, line, key and value", "[config]")
{
  struct Row {
    std::string text;
    std::vector<std::string> errors;
  };
  const std::string long_line = "# " + std::string(2045, 'x');  // 2047 characters
  const std::string long_host(256, 'h');
  const std::string long_path = "/" + std::string(1024, 'p');
  const std::vector<Row> rows = {
    // line structure
    {long_line + "\nListenPort = 1\n", {"t.conf:1: line is longer than 2046 characters"}},
    {"ListenPort = 1\0\n"s, {"t.conf:1: control character 0x00 at column 15"}},
    {"ListenPort = 1\x1b[2J\n", {"t.conf:1: control character 0x1b at column 15"}},
    {"ListenPort = 1\rX\n", {"t.conf:1: control character 0x0d at column 15"}},
    {"ListenPort = 1\x7f\n", {"t.conf:1: control character 0x7f at column 15"}},
    {"\xEF\xBB\xBFListenPort = 1\n", {"t.conf:1: the file starts with a UTF-8 byte order mark; save it without one"}},
    {"= 2002\n", {"t.conf:1: expected \"Name = value\", got \"= 2002\""}},
    {"2002\n", {"t.conf:1: expected \"Name = value\", got \"2002\""}},
    {"_Port = 2002\n", {"t.conf:1: expected \"Name = value\", got \"_Port = 2002\""}},
    {"ListenPort 2002\n", {"t.conf:1: expected \"=\" after \"ListenPort\", got \"2002\""}},
    {"ListenPort\n", {"t.conf:1: expected \"=\" after \"ListenPort\", got end of line"}},
    {"Listen.Port = 1\n", {"t.conf:1: expected \"=\" after \"Listen\", got \".Port = 1\""}},
    // keys
    {"ListenAdress = ::1\n", {"t.conf:1: unknown key \"ListenAdress\" (did you mean \"ListenAddress\"?)"}},
    {"listenport = 1\n", {"t.conf:1: unknown key \"listenport\" (did you mean \"ListenPort\"?)"}},
    {"NULLAUTHPERMIT = YES\n", {"t.conf:1: unknown key \"NULLAUTHPERMIT\" (did you mean \"NullAuthPermit\"?)"}},
    {"PasiveClent = h\n", {"t.conf:1: unknown key \"PasiveClent\" (did you mean \"PassiveClient\"?)"}},
    {"Port = 1\n", {"t.conf:1: unknown key \"Port\""}},
    {"SSL = YES\n", {"t.conf:1: unknown key \"SSL\""}},
    {"ListenPort = 1\n# x\nListenPort = 2\n", {"t.conf:3: duplicate key \"ListenPort\" (first given on line 1)"}},
    {"NullAuthPermit = NO\nNullAuthPermit = YES\n",
     {"t.conf:2: duplicate key \"NullAuthPermit\" (first given on line 1)"}},
    {"MaxSessions = 0\nMaxSessions = 5\n",
     {"t.conf:1: MaxSessions: \"0\" is not a number from 1 to 10000",
      "t.conf:2: duplicate key \"MaxSessions\" (first given on line 1)"}},
    {"ListenPort =\n", {"t.conf:1: ListenPort: missing value"}},
    {"ListenPort =   # nothing\n", {"t.conf:1: ListenPort: missing value"}},
    {"PassiveClient = \n", {"t.conf:1: PassiveClient: missing value"}},
    {"ActiveClient=#\n", {"t.conf:1: ActiveClient: missing value"}},
    // ports
    {"ListenPort = 99999\n", {"t.conf:1: ListenPort: \"99999\" is not a port number (0-65535) or service name"}},
    {"ListenPort = :2002\n", {"t.conf:1: ListenPort: \":2002\" is not a port number (0-65535) or service name"}},
    {"ListenPort = 65536\n", {"t.conf:1: ListenPort: \"65536\" is not a port number (0-65535) or service name"}},
    {"ListenPort = -1\n", {"t.conf:1: ListenPort: \"-1\" is not a port number (0-65535) or service name"}},
    {"ListenPort = 20.02\n", {"t.conf:1: ListenPort: \"20.02\" is not a port number (0-65535) or service name"}},
    {"ListenPort = DEFAULT\n", {"t.conf:1: ListenPort: \"DEFAULT\" is not a port number (0-65535) or service name"}},
    {"ListenPort = 2002 2003\n", {"t.conf:1: ListenPort: unexpected \"2003\" after \"2002\""}},
    // hosts and paths
    {"ListenAddress = caf\xc3\xa9\n", {"t.conf:1: ListenAddress: \"caf\\xc3\\xa9\" is not a host name or address"}},
    {"ListenAddress = a,b\n", {"t.conf:1: ListenAddress: \"a,b\" is not a host name or address"}},
    {"ListenAddress = " + long_host + "\n",
     {"t.conf:1: ListenAddress: \"" + std::string(64, 'h') + "...\" is longer than 255 characters"}},
    {"HostListFile = " + long_path + "\n", {"t.conf:1: HostListFile: path is longer than 1024 characters"}},
    {"HostListFile = /my hosts\n", {"t.conf:1: HostListFile: unexpected \"hosts\" after \"/my\""}},
    // booleans, enums, numbers
    {"NullAuthPermit = TRUE\n", {"t.conf:1: NullAuthPermit: \"TRUE\" is not YES or NO"}},
    {"NullAuthPermit = 1\n", {"t.conf:1: NullAuthPermit: \"1\" is not YES or NO"}},
    {"NullAuthPermit = YES please\n", {"t.conf:1: NullAuthPermit: unexpected \"please\" after \"YES\""}},
    {"ActiveOnly = Y\n", {"t.conf:1: ActiveOnly: \"Y\" is not YES or NO"}},
    {"AddressFamily = inet6\n", {"t.conf:1: AddressFamily: \"inet6\" is not any, ipv4 or ipv6"}},
    {"MaxSessions = 10001\n", {"t.conf:1: MaxSessions: \"10001\" is not a number from 1 to 10000"}},
    {"MaxSessions = 99999999999999999999\n",
     {"t.conf:1: MaxSessions: \"99999999999999999999\" is not a number from 1 to 10000"}},
    {"AuthTimeout = 0\n", {"t.conf:1: AuthTimeout: \"0\" is not a number from 1 to 3600"}},
    {"AuthTimeout = 3601\n", {"t.conf:1: AuthTimeout: \"3601\" is not a number from 1 to 3600"}},
    {"IdleTimeout = 86401\n", {"t.conf:1: IdleTimeout: \"86401\" is not a number from 0 to 86400"}},
    {"IdleTimeout = -5\n", {"t.conf:1: IdleTimeout: \"-5\" is not a number from 0 to 86400"}},
    {"IdleTimeout = 5s\n", {"t.conf:1: IdleTimeout: \"5s\" is not a number from 0 to 86400"}},
    {"IdleTimeout = +5\n", {"t.conf:1: IdleTimeout: \"+5\" is not a number from 0 to 86400"}},
    {"Keepalive = 86401\n", {"t.conf:1: Keepalive: \"86401\" is not a number from 0 to 86400"}},
    {"UserTimeout = 1m\n", {"t.conf:1: UserTimeout: \"1m\" is not a number from 0 to 86400"}},
    {"DataTimeout = 0\n", {"t.conf:1: DataTimeout: \"0\" is not a number from 1 to 3600"}},
    {"MaxLoginDelay = 0\n", {"t.conf:1: MaxLoginDelay: \"0\" is not a number from 1 to 3600"}},
    {"MaxSessionsPerHost = 0\n", {"t.conf:1: MaxSessionsPerHost: \"0\" is not a number from 1 to 10000"}},
    {"MaxUnauthenticated = 65537\n", {"t.conf:1: MaxUnauthenticated: \"65537\" is not a number from 1 to 65536"}},
    {"MaxUnauthenticatedPerSource = 0\n",
     {"t.conf:1: MaxUnauthenticatedPerSource: \"0\" is not a number from 1 to 65536"}},
    {"FirstMessageTimeout = 0\n", {"t.conf:1: FirstMessageTimeout: \"0\" is not a number from 1 to 3600"}},
    {"CaptureBuffer = 255\n", {"t.conf:1: CaptureBuffer: \"255\" is not a number from 256 to 1048576"}},
    {"CaptureBuffer = 1048577\n", {"t.conf:1: CaptureBuffer: \"1048577\" is not a number from 256 to 1048576"}},
    {"CaptureBuffer = 32M\n", {"t.conf:1: CaptureBuffer: \"32M\" is not a number from 256 to 1048576"}},
    {"DataPorts = 50009-50000\n", {"t.conf:1: DataPorts: \"50009-50000\": the first port is above the last"}},
    {"DataPorts = 1-70000\n", {"t.conf:1: DataPorts: \"1-70000\" is not a port range LO-HI (ports 1-65535) or one port"}},
    // PassiveClient takes exactly one host
    {"PassiveClient = host, 2002\n",
     {"t.conf:1: PassiveClient: \"host, 2002\" is not one host; PassiveClient takes one host and no port "
      "(libpcap would read \"2002\" as another host name)"}},
    {"PassiveClient = host,DEFAULT # as rpcapd-config(5) says\n",
     {"t.conf:1: PassiveClient: \"host,DEFAULT\" is not one host; PassiveClient takes one host and no port "
      "(libpcap would read \"DEFAULT\" as another host name)"}},
    {"PassiveClient = a;b\n",
     {"t.conf:1: PassiveClient: \"a;b\" is not one host; PassiveClient takes one host and no port "
      "(libpcap would read \"b\" as another host name)"}},
    {"PassiveClient = a b\n",
     {"t.conf:1: PassiveClient: unexpected \"b\" after \"a\"; PassiveClient takes one host per line "
      "(libpcap would ignore \"b\")"}},
    // ActiveClient takes a host and a port
    {"ActiveClient = h\n",
     {"t.conf:1: ActiveClient: no port after \"h\" (write \"h, 2003\" or \"h, DEFAULT\")"}},
    {"ActiveClient = h,\n",
     {"t.conf:1: ActiveClient: no port after \"h\" (write \"h, 2003\" or \"h, DEFAULT\")"}},
    {"ActiveClient = h # port in a comment, 2003\n",
     {"t.conf:1: ActiveClient: no port after \"h\" (write \"h, 2003\" or \"h, DEFAULT\")"}},
    {"ActiveClient = ,2003\n", {"t.conf:1: ActiveClient: missing host before \",2003\""}},
    {"ActiveClient = h,,2003\n", {"t.conf:1: ActiveClient: expected a port after \"h\", got \",2003\""}},
    {"ActiveClient = h, 2003, h2, 2004\n",
     {"t.conf:1: ActiveClient: unexpected \", h2, 2004\" after \"h, 2003\"; "
      "ActiveClient takes one host and one port per line"}},
    {"ActiveClient = h, 0\n", {"t.conf:1: ActiveClient: \"0\" is not a port number (1-65535) or service name"}},
    {"ActiveClient = h\xff, 1\n", {"t.conf:1: ActiveClient: \"h\\xff\" is not a host name or address"}},
    // whole-file checks
    {"ActiveOnly = YES\n",
     {"t.conf:1: ActiveOnly: YES needs at least one ActiveClient, or the daemon would serve nobody"}},
    // several errors: all of them, in line order
    {"ListenPort = 99999\nfoo\nNullAuthPermit = maybe\nPassiveClient = ok\nAuthTimeout = 0",
     {"t.conf:1: ListenPort: \"99999\" is not a port number (0-65535) or service name",
      "t.conf:2: expected \"=\" after \"foo\", got end of line",
      "t.conf:3: NullAuthPermit: \"maybe\" is not YES or NO",
      "t.conf:5: AuthTimeout: \"0\" is not a number from 1 to 3600"}},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    auto parsed = parse_config(row.text, "t.conf");
    CHECK(messages(parsed.errors) == row.errors);
  }
}

TEST_CASE("config: at most 10 active clients and 64000 characters of hosts", "[config]")
{
  std::string text;
  for (int i = 0; i < 11; ++i) { text += "ActiveClient = h" + std::to_string(i) + ", DEFAULT\n"; }
  auto parsed = parse_config(text, "t.conf");
  CHECK(messages(parsed.errors)
        == std::vector<std::string>{"t.conf:11: ActiveClient: more than 10 targets (libpcap's limit)"});
  CHECK(parsed.config.active_clients.size() == 10);

  // 250 hosts of 255 characters joined with commas: 250 * 256 - 1 = 63999.
  std::string hosts;
  for (int i = 0; i < 251; ++i) {
    std::string name = std::to_string(i);
    hosts += "PassiveClient = " + name + std::string(255 - name.size(), 'x') + "\n";
  }
  parsed = parse_config(hosts, "t.conf");
  CHECK(messages(parsed.errors)
        == std::vector<std::string>{
          "t.conf:251: PassiveClient: the host list is longer than 64000 characters (libpcap's limit)"});
  CHECK(parsed.config.passive_clients.size() == 250);
}

TEST_CASE("config: parsing stops after 100 errors", "[config]")
{
  std::string text;
  for (int i = 0; i < 500; ++i) { text += "bogus\n"; }
  auto parsed = parse_config(text, "t.conf");
  REQUIRE(parsed.errors.size() == 101);
  CHECK(parsed.errors[99].message == "t.conf:100: expected \"=\" after \"bogus\", got end of line");
  CHECK(parsed.errors[100].message == "t.conf: too many errors, stopping after 100");
}

TEST_CASE("config: the example file of the protocol reference", "[config]")
{
  const std::string text = "# rpcapd settings\n"
                           "PassiveClient = 192.0.2.10\n"
                           "PassiveClient = analyst.example.org     # second allowed host\n"
                           "ActiveClient = 198.51.100.7, 2003\n"
                           "ActiveClient = collector.example.net;DEFAULT\n"
                           "NullAuthPermit = NO\n";
  DaemonConfig expected;
  expected.passive_clients = {"192.0.2.10", "analyst.example.org"};
  expected.active_clients = {{"198.51.100.7", "2003"}, {"collector.example.net", "2003"}};
  CHECK(parse_ok(text) == expected);
}

TEST_CASE("config: reads what libpcap's rpcapd -s writes", "[config]")
{
  CHECK(parse_ok(k_libpcap_saved) == libpcap_saved_config());
  DaemonConfig empty_saved = parse_ok(k_libpcap_saved_empty);
  CHECK(empty_saved == DaemonConfig{});
}

TEST_CASE("config: writes libpcap's rpcapd -s layout byte for byte", "[config]")
{
  auto written = write_config(libpcap_saved_config());
  REQUIRE(written);
  CHECK(*written == k_libpcap_saved);
  auto written_empty = write_config(DaemonConfig{});
  REQUIRE(written_empty);
  CHECK(*written_empty == k_libpcap_saved_empty);
}

TEST_CASE("config: reads the files libpcap's rpcapd -s wrote and rewrites them byte for byte", "[config]")
{
  // tests/vectors/config/: recorded from rpcapd 1.10.3; COMMANDS has each
  // command line. The expected settings are built from those very arguments
  // with our -l/-a functions, so this also checks that we split them as
  // libpcap does.
  auto hosts = [](std::string_view l) { return split_host_list(l); };
  auto targets = [](std::string_view a) {
    auto parsed = parse_active_list(a);
    REQUIRE(parsed);
    return *parsed;
  };
  struct Row {
    std::string file;
    DaemonConfig expected;
  };
  std::vector<Row> rows(5);
  rows[0].file = "saved1.conf";  // -n -l host1,host2 -a 127.0.0.1,2003
  rows[0].expected.null_auth = true;
  rows[0].expected.passive_clients = hosts("host1,host2");
  rows[0].expected.active_clients = targets("127.0.0.1,2003");
  rows[1].file = "saved2.conf";  // no options
  rows[2].file = "saved3.conf";  // -l 'host1 host2;host3' -a 127.0.0.1,DEFAULT
  rows[2].expected.passive_clients = hosts("host1 host2;host3");
  rows[2].expected.active_clients = targets("127.0.0.1,DEFAULT");
  rows[3].file = "saved4.conf";  // -a 127.0.0.1,2003,127.0.0.2,2004
  rows[3].expected.active_clients = targets("127.0.0.1,2003,127.0.0.2,2004");
  rows[4].file = "saved5.conf";  // -n -a 127.0.0.1,2003 -a 127.0.0.3,2005: libpcap keeps the last (B12)
  rows[4].expected.null_auth = true;
  rows[4].expected.active_clients = targets("127.0.0.3,2005");
  CHECK(rows[0].expected.passive_clients == std::vector<std::string>{"host1", "host2"});
  CHECK(rows[2].expected.active_clients == std::vector<ActiveClient>{{"127.0.0.1", "2003"}});

  const std::filesystem::path dir = std::filesystem::path(RPCAP_TESTS_DIR) / "vectors" / "config";
  for (const auto& row : rows) {
    const auto path = (dir / row.file).string();
    INFO(path);
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto parsed = parse_config(text, path);
    CHECK(messages(parsed.errors) == std::vector<std::string>{});
    CHECK(parsed.config == row.expected);
    auto written = write_config(row.expected);
    REQUIRE(written);
    CHECK(*written == text);
  }
  // A new recording must be added to the table above.
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".conf") { ++files; }
  }
  CHECK(files == rows.size());
}

TEST_CASE("config: extended keys are written only when not default, in the settings table's order", "[config]")
{
  DaemonConfig c;
  c.listen_address = "192.0.2.1";
  c.family = AddressFamily::ipv6;
  c.idle_timeout = 0;
  auto written = write_config(c);
  REQUIRE(written);
  CHECK(*written
        == k_libpcap_saved_empty
             + "\n\n# Settings libpcap's rpcapd does not know (it reports them and ignores them)\n\n"
               "ListenAddress = 192.0.2.1\n"
               "AddressFamily = ipv6\n"
               "IdleTimeout = 0\n");

  DaemonConfig all;
  all.active_clients = {{"c.example", "2003"}};
  all.listen_address = "::1";
  all.port = "2012";
  all.family = AddressFamily::ipv4;
  all.active_only = true;
  all.host_list_file = "/etc/rpcapd.hosts";
  all.max_sessions = 5;
  all.auth_timeout = 10;
  all.idle_timeout = 20;
  all.keepalive = 5;
  all.user_timeout = 7;
  all.data_timeout = 3;
  all.max_login_delay = 60;
  all.max_sessions_per_host = 2;
  all.capture_buffer_kib = 4096;
  all.max_unauthenticated = 100;
  all.max_unauthenticated_per_source = 4;
  all.first_message_timeout = 5;
  all.data_ports = "50000-50009";
  written = write_config(all);
  REQUIRE(written);
  const std::string tail = "# Settings libpcap's rpcapd does not know (it reports them and ignores them)\n\n"
                           "ListenAddress = ::1\n"
                           "ListenPort = 2012\n"
                           "AddressFamily = ipv4\n"
                           "ActiveOnly = YES\n"
                           "HostListFile = /etc/rpcapd.hosts\n"
                           "MaxSessions = 5\n"
                           "MaxSessionsPerHost = 2\n"
                           "MaxUnauthenticated = 100\n"
                           "MaxUnauthenticatedPerSource = 4\n"
                           "FirstMessageTimeout = 5\n"
                           "AuthTimeout = 10\n"
                           "IdleTimeout = 20\n"
                           "Keepalive = 5\n"
                           "UserTimeout = 7\n"
                           "DataTimeout = 3\n"
                           "MaxLoginDelay = 60\n"
                           "CaptureBuffer = 4096\n"
                           "DataPorts = 50000-50009\n";
  CHECK(written->ends_with(tail));
  CHECK(parse_ok(*written) == all);
}

TEST_CASE("config: parse of write gives the config back", "[config]")
{
  std::mt19937 rng(20240521);  // fixed seed: the same configs every run
  auto pick = [&](unsigned n) { return static_cast<unsigned>(rng() % n); };
  const std::vector<std::string> hosts = {"192.0.2.1", "::1", "a.example.org", "fe80::1%eth0", "H-1_x", "10.0.0.255"};
  const std::vector<std::string> ports = {"1", "2003", "65535", "rpcap", "x11", "0080"};
  for (int round = 0; round < 500; ++round) {
    DaemonConfig c;
    for (unsigned i = pick(4); i > 0; --i) { c.passive_clients.push_back(hosts[pick(6)]); }
    for (unsigned i = pick(11); i > 0; --i) { c.active_clients.push_back({hosts[pick(6)], ports[pick(6)]}); }
    c.null_auth = pick(2) == 1;
    c.listen_address = pick(2) == 1 ? hosts[pick(6)] : "";
    c.port = ports[pick(6)];
    c.family = static_cast<AddressFamily>(pick(3));
    c.active_only = !c.active_clients.empty() && pick(2) == 1;
    c.host_list_file = pick(2) == 1 ? "/etc/hosts.allow" : "";
    c.max_sessions = 1 + pick(10000);
    c.auth_timeout = 1 + pick(3600);
    c.idle_timeout = pick(86401);
    c.keepalive = pick(86401);
    c.user_timeout = pick(86401);
    c.data_timeout = 1 + pick(3600);
    c.max_login_delay = 1 + pick(3600);
    c.max_sessions_per_host = 1 + pick(10000);
    c.capture_buffer_kib = 256 + pick(1048576 - 255);
    c.max_unauthenticated = 1 + pick(65536);
    c.max_unauthenticated_per_source = 1 + pick(65536);
    c.first_message_timeout = 1 + pick(3600);
    REQUIRE(check_config(c).empty());
    auto written = write_config(c);
    REQUIRE(written);
    CHECK(parse_ok(*written) == c);
    CHECK(*write_config(c) == *written);  // deterministic
  }
}

TEST_CASE("config: check_config and write_config refuse values a file cannot hold", "[config]")
{
  struct Row {
    DaemonConfig cfg;
    std::vector<std::string> errors;
  };
  auto cfg = [](auto change) {
    DaemonConfig c;
    change(c);
    return c;
  };
  const std::vector<Row> rows = {
    // a newline in a value would inject a setting into the written file
    {cfg([](auto& c) { c.passive_clients = {"h\nNullAuthPermit = YES"}; }),
     {"PassiveClient: \"h\\x0aNullAuthPermit = YES\" is not a host name or address"}},
    {cfg([](auto& c) { c.passive_clients = {"a,b"}; }), {"PassiveClient: \"a,b\" is not a host name or address"}},
    {cfg([](auto& c) { c.passive_clients = {""}; }), {"PassiveClient: missing host name or address"}},
    {cfg([](auto& c) { c.active_clients = {{"h", "DEFAULT"}}; }),
     {"ActiveClient: \"DEFAULT\" is not a port number (1-65535) or service name"}},
    {cfg([](auto& c) { c.active_clients = {{"h h", "0"}}; }),
     {"ActiveClient: \"h h\" is not a host name or address",
      "ActiveClient: \"0\" is not a port number (1-65535) or service name"}},
    {cfg([](auto& c) { c.active_clients.assign(11, ActiveClient{"h", "1"}); }),
     {"ActiveClient: more than 10 targets (libpcap's limit)"}},
    {cfg([](auto& c) { c.listen_address = "# x"; }), {"ListenAddress: \"# x\" is not a host name or address"}},
    {cfg([](auto& c) { c.port = "65536"; }),
     {"ListenPort: \"65536\" is not a port number (0-65535) or service name"}},
    {cfg([](auto& c) { c.port = ""; }), {"ListenPort: \"\" is not a port number (0-65535) or service name"}},
    {cfg([](auto& c) { c.host_list_file = "/a b"; }),
     {"HostListFile: \"/a b\" is not a path a config file can hold (no blanks, \"#\" or control characters)"}},
    {cfg([](auto& c) { c.host_list_file = "/a\r\nListenPort = 1"; }),
     {"HostListFile: \"/a\\x0d\\x0aListenPort = 1\" is not a path a config file can hold (no blanks, \"#\" or "
      "control characters)"}},
    {cfg([](auto& c) { c.max_sessions = 0; }), {"MaxSessions: \"0\" is not a number from 1 to 10000"}},
    {cfg([](auto& c) { c.auth_timeout = 3601; }), {"AuthTimeout: \"3601\" is not a number from 1 to 3600"}},
    {cfg([](auto& c) { c.idle_timeout = 86401; }), {"IdleTimeout: \"86401\" is not a number from 0 to 86400"}},
    {cfg([](auto& c) { c.data_timeout = 0; }), {"DataTimeout: \"0\" is not a number from 1 to 3600"}},
    {cfg([](auto& c) { c.max_login_delay = 3601; }), {"MaxLoginDelay: \"3601\" is not a number from 1 to 3600"}},
    {cfg([](auto& c) { c.max_sessions_per_host = 0; }), {"MaxSessionsPerHost: \"0\" is not a number from 1 to 10000"}},
    {cfg([](auto& c) { c.capture_buffer_kib = 100; }), {"CaptureBuffer: \"100\" is not a number from 256 to 1048576"}},
    {cfg([](auto& c) { c.active_only = true; }),
     {"ActiveOnly: YES needs at least one ActiveClient, or the daemon would serve nobody"}},
  };
  for (const auto& row : rows) {
    INFO(Catch::StringMaker<DaemonConfig>::convert(row.cfg));
    CHECK(messages(check_config(row.cfg)) == row.errors);
    auto written = write_config(row.cfg);
    REQUIRE_FALSE(written);
    CHECK(written.error().kind == ErrorKind::config);
    std::string joined;
    for (const auto& e : row.errors) { joined += (joined.empty() ? "" : "\n") + e; }
    CHECK(written.error().message == joined);
  }
  DaemonConfig too_many_hosts;
  too_many_hosts.passive_clients.assign(251, std::string(255, 'h'));
  CHECK(messages(check_config(too_many_hosts))
        == std::vector<std::string>{
          "PassiveClient: the host list is longer than 64000 characters (libpcap's limit)"});
}

TEST_CASE("config: split_host_list splits like libpcap's -l", "[config]")
{
  using V = std::vector<std::string>;
  CHECK(split_host_list("") == V{});
  CHECK(split_host_list(" ,;\r\n") == V{});
  CHECK(split_host_list("a") == V{"a"});
  CHECK(split_host_list("a,b;c d\re\nf") == V{"a", "b", "c", "d", "e", "f"});
  CHECK(split_host_list(",,a,,  b;;") == V{"a", "b"});
  CHECK(split_host_list("a\tb") == V{"a\tb"});  // tab is not a separator in libpcap
}

TEST_CASE("config: parse_active_list reads libpcap's -a list", "[config]")
{
  using V = std::vector<ActiveClient>;
  struct Row {
    std::string list;
    V expected;
  };
  const std::vector<Row> rows = {
    {"h,2004", {{"h", "2004"}}},
    {"h", {{"h", "2003"}}},  // missing port = 2003, as libpcap
    {"h,DEFAULT", {{"h", "2003"}}},
    {"h,default", {{"h", "2003"}}},
    {"a,1,b,2", {{"a", "1"}, {"b", "2"}}},
    {"a,1,b", {{"a", "1"}, {"b", "2003"}}},
    {"a 1;b\r\n2", {{"a", "1"}, {"b", "2"}}},
    {" ,a,,1, ", {{"a", "1"}}},
    {"a,DEFAULT,b,rpcap", {{"a", "2003"}, {"b", "rpcap"}}},
    {"1,2,3,4,5,6,7,8,9,10", {{"1", "2"}, {"3", "4"}, {"5", "6"}, {"7", "8"}, {"9", "10"}}},
  };
  for (const auto& row : rows) {
    INFO(row.list);
    auto parsed = parse_active_list(row.list);
    REQUIRE(parsed);
    CHECK(*parsed == row.expected);
  }
  std::string ten;
  for (int i = 0; i < 10; ++i) { ten += "h" + std::to_string(i) + ",1,"; }
  CHECK(parse_active_list(ten));

  struct Bad {
    std::string list;
    std::string error;
  };
  const std::vector<Bad> bad = {
    {"", "active client list \"\": no host"},
    {" ,; ", "active client list \" ,; \": no host"},
    {"h,99999", "active client list \"h,99999\": \"99999\" is not a port number (1-65535) or service name"},
    {"h,0", "active client list \"h,0\": \"0\" is not a port number (1-65535) or service name"},
    {"a.example,b.example", "active client list \"a.example,b.example\": \"b.example\" is not a port number "
                            "(1-65535) or service name"},
    {"h\t1", "active client list \"h\\x091\": \"h\\x091\" is not a host name or address"},
    {ten + "h10", "active client list \"" + ten + "h10\": more than 10 targets (libpcap's limit)"},
  };
  for (const auto& row : bad) {
    INFO(row.list);
    auto parsed = parse_active_list(row.list);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == ErrorKind::usage);
    CHECK(parsed.error().message == row.error);
  }
}

TEST_CASE("config: host list files hold one host per line", "[config]")
{
  auto ok = parse_host_list("# allowed hosts\n192.0.2.1\n  analyst.example.org   # desk\r\n\n::1", "hosts");
  CHECK(messages(ok.errors) == std::vector<std::string>{});
  CHECK(ok.hosts == std::vector<std::string>{"192.0.2.1", "analyst.example.org", "::1"});

  auto bad = parse_host_list("a b\nc,d\ne\xff\nok\n\x01\n", "hosts");
  CHECK(messages(bad.errors)
        == std::vector<std::string>{"hosts:1: unexpected \"b\" after \"a\"; give one host per line",
                                    "hosts:2: \"c,d\" is not one host; give one host per line",
                                    "hosts:3: \"e\\xff\" is not a host name or address",
                                    "hosts:5: control character 0x01 at column 1"});
  CHECK(bad.hosts == std::vector<std::string>{"ok"});
}

TEST_CASE("config: load_config and load_host_list read files", "[config]")
{
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("rpcap_test_config_" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };

  auto good = load_config(write("good.conf", "ListenPort = 2010\nHostListFile = /x\n"));
  REQUIRE(good);
  CHECK(good->port == "2010");
  CHECK(good->host_list_file == "/x");

  const std::string bad_path = write("bad.conf", "ListenPort = 99999\nBogus = 1\n");
  auto bad = load_config(bad_path);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::config);
  CHECK(bad.error().message
        == bad_path + ":1: ListenPort: \"99999\" is not a port number (0-65535) or service name\n" + bad_path
             + ":2: unknown key \"Bogus\"");

  const std::string missing = (dir / "missing.conf").string();
  auto absent = load_config(missing);
  REQUIRE_FALSE(absent);
  CHECK(absent.error().kind == ErrorKind::io);
  CHECK(absent.error().message == "open " + missing + ": No such file or directory");

  auto directory = load_config(dir.string());
  REQUIRE_FALSE(directory);
  CHECK(directory.error().kind == ErrorKind::io);
  CHECK(directory.error().message == "read " + dir.string() + ": Is a directory");

  const std::string huge = write("huge.conf", std::string(k_max_config_bytes + 1, '\n'));
  auto too_big = load_config(huge);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().kind == ErrorKind::config);
  CHECK(too_big.error().message == huge + ": file is larger than 1048576 bytes");

  auto hosts = load_host_list(write("hosts", "a\nb\n"));
  REQUIRE(hosts);
  CHECK(*hosts == std::vector<std::string>{"a", "b"});
  auto bad_hosts = load_host_list(write("bad_hosts", "a b\n"));
  REQUIRE_FALSE(bad_hosts);
  CHECK(bad_hosts.error().message
        == (dir / "bad_hosts").string() + ":1: unexpected \"b\" after \"a\"; give one host per line");

  fs::remove_all(dir);
}

TEST_CASE("config: random and mutated files never crash, and accepted ones round-trip", "[config]")
{
  std::mt19937 rng(0xc0ffee);  // fixed seed: reproducible
  const std::vector<std::string> seeds = {
    k_libpcap_saved,
    k_libpcap_saved_empty,
    "ListenAddress = ::1\nListenPort = 2012\nAddressFamily = ipv4\nActiveClient = h, 1\nActiveOnly = YES\n"
    "HostListFile = /h\nMaxSessions = 5\nAuthTimeout = 10\nIdleTimeout = 0 # c\r\n",
  };
  const std::string alphabet = "ActivePasiveClntNulAuthPrmLsdrFmyOHF =,;#\t\r\n0123456789YESNOipv46:./-_\x00\xff"s;
  std::size_t accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string text;
    if (round % 2 == 0) {
      // bit flips, deletions and insertions in a valid file
      text = seeds[rng() % seeds.size()];
      for (unsigned n = 1 + static_cast<unsigned>(rng() % 4); n > 0 && !text.empty(); --n) {
        std::size_t at = rng() % text.size();
        switch (rng() % 3) {
        case 0: text[at] = static_cast<char>(text[at] ^ static_cast<char>(1U << (rng() % 8))); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        default: text.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
        }
      }
    } else {
      // text from an alphabet that makes keys, separators and values likely
      for (std::size_t n = rng() % 300; n > 0; --n) { text += alphabet[rng() % alphabet.size()]; }
    }
    auto parsed = parse_config(text, "fuzz.conf");
    CHECK(parsed.errors.size() <= k_max_config_errors + 1);
    (void)parse_host_list(text, "fuzz.hosts");
    (void)split_host_list(text);
    (void)parse_active_list(text);
    if (parsed.errors.empty()) {
      // Whatever we accept, we can write, and read back unchanged.
      ++accepted;
      INFO(text);
      CHECK(check_config(parsed.config).empty());
      auto written = write_config(parsed.config);
      REQUIRE(written);
      CHECK(parse_ok(*written) == parsed.config);
    }
  }
  CHECK(accepted > 100);  // the mutations must reach the accepting paths too
}

TEST_CASE("config: CaptureGroup names the group whose members may capture", "[config]")
{
  auto ok = parse_config("CaptureGroup = pcap\n", "c.conf");
  CHECK(ok.errors.empty());
  CHECK(ok.config.capture_group == "pcap");
  auto written = write_config(ok.config);
  REQUIRE(written.has_value());
  CHECK(written->find("\nCaptureGroup = pcap\n") != std::string::npos);
  CHECK(parse_config(*written, "w.conf").config == ok.config);

  auto bad = parse_config("CaptureGroup = -x\nCaptureGroup = a\n", "c.conf");
  REQUIRE(bad.errors.size() == 2);
  CHECK(bad.errors[0].message == "c.conf:1: CaptureGroup: \"-x\" is not a group name");
}

TEST_CASE("config: the TLS keys, and what they need of each other", "[config][tls]")
{
  auto ok = parse_config("Tls = yes\nTlsKey = /etc/rpcapd/key.pem\nTlsCert = /etc/rpcapd/cert.pem\n"
                         "TlsClientCa = /etc/rpcapd/clients.pem\n",
                         "f");
  REQUIRE(ok.errors.empty());
  CHECK(ok.config.tls);
  CHECK(ok.config.tls_key == "/etc/rpcapd/key.pem");
  CHECK(ok.config.tls_cert == "/etc/rpcapd/cert.pem");
  CHECK(ok.config.tls_client_ca == "/etc/rpcapd/clients.pem");
  auto text = write_config(ok.config);
  REQUIRE(text);
  CHECK(text->find("Tls = YES\nTlsKey = /etc/rpcapd/key.pem\nTlsCert = /etc/rpcapd/cert.pem\n"
                   "TlsClientCa = /etc/rpcapd/clients.pem\n")
        != std::string::npos);
  CHECK(parse_config(*text, "w").config == ok.config);

  struct Case {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
    {"Tls = YES\nTlsKey = k.pem\n", "f:2: Tls: YES needs TlsKey and TlsCert (the key and certificate files, PEM)"},
    {"TlsClientCa = ca.pem\n", "f:1: TlsClientCa: client certificates need Tls = YES"},
    {"Tls = maybe\n", "f:1: Tls: \"maybe\" is not YES or NO"},
    {"TlsKey = a b\n", "f:1: TlsKey: unexpected \"b\" after \"a\""},
  };
  for (const auto& c : cases) {
    auto r = parse_config(c.text, "f");
    INFO(c.text);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].message == c.error);
  }
  DaemonConfig cfg;
  cfg.tls = true;
  auto errors = check_config(cfg);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "Tls: YES needs TlsKey and TlsCert (the key and certificate files, PEM)");
}
