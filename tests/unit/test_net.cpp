// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/net/socket.hpp"

using namespace rpcap;

namespace {

SockAddress addr(const std::string& host, const std::string& port = "1")
{
  auto r = resolve(host, port, AddressFamily::any, false);
  REQUIRE(r.has_value());
  REQUIRE_FALSE(r->empty());
  return r->front();
}

}  // namespace

TEST_CASE("net: an IPv4-mapped IPv6 address is the same host as its IPv4 address", "[net]")
{
  CHECK(addr("::ffff:127.0.0.1").same_host(addr("127.0.0.1", "2002")));
  CHECK(addr("127.0.0.1").same_host(addr("::ffff:127.0.0.1")));
  CHECK_FALSE(addr("127.0.0.2").same_host(addr("::ffff:127.0.0.1")));
  CHECK_FALSE(addr("::1").same_host(addr("127.0.0.1")));
  CHECK(addr("::ffff:127.0.0.1").host() == "127.0.0.1");
  CHECK(addr("::1", "2002").to_string() == "[::1]:2002");
}

TEST_CASE("net: the allow list matches addresses of either family and allows nobody when nothing resolves", "[net]")
{
  std::vector<Error> errors;
  auto list = HostAllowList::resolve({"127.0.0.1", "::1"}, errors);
  CHECK(errors.empty());
  CHECK(list.allows(addr("127.0.0.1", "40000")));
  CHECK(list.allows(addr("::ffff:127.0.0.1")));
  CHECK(list.allows(addr("::1")));
  CHECK_FALSE(list.allows(addr("127.0.0.2")));

  auto none = HostAllowList::resolve({"no-such-host.invalid"}, errors);
  CHECK(errors.size() == 1);
  CHECK_FALSE(none.empty());
  CHECK_FALSE(none.allows(addr("127.0.0.1")));
  CHECK(HostAllowList{}.allows(addr("127.0.0.1")));
}
