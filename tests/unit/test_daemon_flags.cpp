// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/config/view.hpp"
#include "rpcap/config/flags.hpp"

using namespace rpcap;

TEST_CASE("daemon flags: defaults give the default configuration", "[config][flags]")
{
  auto cfg = config_from_flags(DaemonFlags{});
  REQUIRE(cfg.has_value());
  CHECK(*cfg == DaemonConfig{});
}

TEST_CASE("daemon flags: every -a adds its targets (libpcap lets the last one win)", "[config][flags]")
{
  DaemonFlags f;
  f.active_lists = {"192.0.2.1,2003", "collector,DEFAULT,backup,4000"};
  auto cfg = config_from_flags(f);
  REQUIRE(cfg.has_value());
  CHECK(cfg->active_clients
        == std::vector<ActiveClient>{{"192.0.2.1", "2003"}, {"collector", "2003"}, {"backup", "4000"}});
}

TEST_CASE("daemon flags: -l takes a file when one exists by that name, else a list", "[config][flags]")
{
  const std::string file = RPCAP_TESTS_DIR "/vectors/config/saved1.conf";  // any existing file
  DaemonFlags f;
  f.host_lists = {"analyst1, analyst2;analyst3", file, "10.0.0.1"};
  auto cfg = config_from_flags(f);
  REQUIRE(cfg.has_value());
  CHECK(cfg->passive_clients == std::vector<std::string>{"analyst1", "analyst2", "analyst3", "10.0.0.1"});
  CHECK(cfg->host_list_file == file);

  f.host_lists = {file, RPCAP_TESTS_DIR "/vectors/config/saved2.conf"};
  auto two = config_from_flags(f);
  REQUIRE_FALSE(two.has_value());
  CHECK(two.error().kind == ErrorKind::usage);
  CHECK(two.error().message
        == "-l \"" RPCAP_TESTS_DIR "/vectors/config/saved2.conf\": only one host-list file may be given (already \""
               + file + "\")");

  f.host_lists = {" , "};
  auto empty = config_from_flags(f);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().message == "-l \" , \" names no host");
}

TEST_CASE("daemon flags: -4 and -6 choose the family and exclude each other", "[config][flags]")
{
  DaemonFlags f;
  f.ipv6_only = true;
  CHECK(config_from_flags(f)->family == AddressFamily::ipv6);
  f.ipv4_only = true;
  auto both = config_from_flags(f);
  REQUIRE_FALSE(both.has_value());
  CHECK(both.error().message == "-4 and -6 exclude each other");
}

TEST_CASE("daemon flags: values the config file would refuse are refused", "[config][flags]")
{
  DaemonFlags f;
  f.port = "99999";
  auto r = config_from_flags(f);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == ErrorKind::usage);
  CHECK(r.error().message.find("99999") != std::string::npos);
}

TEST_CASE("config view: show text parses back to the same configuration", "[config][view]")
{
  DaemonConfig cfg;
  cfg.passive_clients = {"a", "b"};
  cfg.active_clients = {{"c", "2003"}};
  cfg.listen_address = "127.0.0.1";
  cfg.family = AddressFamily::ipv4;
  cfg.host_list_file = "/etc/rpcapd.hosts";
  cfg.idle_timeout = 0;
  cfg.capture_group = "pcap";
  auto parsed = parse_config(show_config_text(cfg), "show");
  CHECK(parsed.errors.empty());
  CHECK(parsed.config == cfg);
  auto defaults = parse_config(show_config_text(DaemonConfig{}), "show");
  CHECK(defaults.errors.empty());
  CHECK(defaults.config == DaemonConfig{});
}

TEST_CASE("config view: JSON has every setting, null for the unset ones", "[config][view]")
{
  DaemonConfig cfg;
  cfg.passive_clients = {"h\"x"};
  CHECK(show_config_json(cfg)
        == R"({"passive_clients":["h\"x"],"active_clients":[],"null_auth":false,"listen_address":null,)"
           R"("port":"2002","address_family":"any","active_only":false,"host_list_file":null,)"
           R"("max_sessions":64,"max_sessions_per_host":48,"max_unauthenticated":1024,"max_unauthenticated_per_source":32,"first_message_timeout":10,"auth_timeout":90,"idle_timeout":180,"capture_group":null,)"
           R"("keepalive":30,"user_timeout":60,"data_timeout":10,"max_login_delay":30,"capture_buffer":32768,"data_ports":null,"tls":false,"tls_key":null,"tls_cert":null,"tls_client_ca":null})"
           "\n");
}
