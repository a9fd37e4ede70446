// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/client/source_list.hpp"

using namespace rpcap;

TEST_CASE("source list: a source per line with its own options, comments and blank lines skipped", "[sources]")
{
  auto list = parse_source_list("# sources\n"
                                "rpcaps://a/eth0 user=alice password-file=/p/a pin=AB:CD\n"
                                "\n"
                                "   rpcap://b/eth0   # no options\n"
                                "lo ca=/etc/ca.pem cert=c.pem key=k.pem\n",
                                "s.list");
  REQUIRE(list.has_value());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].source == "rpcaps://a/eth0");
  CHECK((*list)[0].line == 2);
  CHECK((*list)[0].options == std::map<std::string, std::string>{{"user", "alice"}, {"password-file", "/p/a"}, {"pin", "AB:CD"}});
  CHECK((*list)[1].source == "rpcap://b/eth0");
  CHECK((*list)[1].options.empty());
  CHECK((*list)[2].options.at("ca") == "/etc/ca.pem");
}

TEST_CASE("source list: mistakes name the file and the line", "[sources]")
{
  auto unknown = parse_source_list("lo\nrpcap://a/eth0 password=secret\n", "s.list");
  REQUIRE(!unknown);
  CHECK(unknown.error().kind == ErrorKind::usage);
  CHECK(unknown.error().message == "s.list:2: unknown key \"password\" (keys: user, password-file, ca, pin, cert, key)");
  auto bare = parse_source_list("rpcap://a/eth0 alice\n", "s.list");
  REQUIRE(!bare);
  CHECK(bare.error().message == "s.list:1: \"alice\" is not KEY=VALUE (keys: user, password-file, ca, pin, cert, key)");
  auto twice = parse_source_list("rpcap://a/eth0 user=a user=b\n", "s.list");
  REQUIRE(!twice);
  CHECK(twice.error().message == "s.list:1: user is given twice");
  auto empty = parse_source_list("# nothing\n\n", "s.list");
  REQUIRE(!empty);
  CHECK(empty.error().message == "s.list: no source in it");
}
