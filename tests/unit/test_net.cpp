// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include "rpcap/net/capture.hpp"
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

TEST_CASE("net: port ranges are LO-HI or one port, and nothing else", "[net]")
{
  CHECK(*parse_port_range("50000-50009") == PortRange{50000, 50009});
  CHECK(*parse_port_range("2002") == PortRange{2002, 2002});
  CHECK(parse_port_range("")->empty());
  CHECK(to_string(PortRange{50000, 50009}) == "50000-50009");
  CHECK(to_string(PortRange{7, 7}) == "7");
  CHECK(to_string(PortRange{}).empty());
  for (const char* bad : {"0", "0-5", "5-65536", "-5", "5-", "a-b", "1-2-3", " 5", "123456"}) {
    INFO(bad);
    auto r = parse_port_range(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == std::string{"\""} + bad + "\" is not a port range LO-HI (ports 1-65535) or one port");
  }
  CHECK(parse_port_range("9-1").error().message == "\"9-1\": the first port is above the last");
}

TEST_CASE("net: a port number above 65535 is refused, not taken modulo 65536 as getaddrinfo() would", "[net]")
{
  for (const char* port : {"65536", "99999", "4294967297"}) {
    INFO(port);
    auto r = listen_tcp("127.0.0.1", port, AddressFamily::ipv4);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::usage);
    CHECK(r.error().message == std::string{"resolve 127.0.0.1:"} + port + ": port out of range (0-65535)");
  }
  CHECK(resolve("127.0.0.1", "65535", AddressFamily::ipv4, false));
}

TEST_CASE("net: a range whose every port is listened on gives no listener, and says so", "[net]")
{
  auto any = resolve("127.0.0.1", "0", AddressFamily::ipv4, true);
  REQUIRE(any.has_value());
  // A port this process listens on: a range of it alone is all in use.
  auto first = listen_in_range(any->front(), PortRange{});
  REQUIRE(first.has_value());
  const auto held = local_address(first->get())->port();
  auto taken = listen_in_range(any->front(), PortRange{held, held});
  REQUIRE_FALSE(taken.has_value());
  CHECK(taken.error().kind == ErrorKind::busy);
  CHECK(taken.error().message == "every data port (" + std::to_string(held) + ") is in use by other captures");
}

TEST_CASE("net: data sockets bind an IPv4-mapped address, as a dual-stack listener reports an IPv4 peer's", "[net]")
{
  auto mapped = resolve("::ffff:127.0.0.1", "0", AddressFamily::any, true);
  REQUIRE(mapped.has_value());
  REQUIRE(mapped->front().family() == AF_INET6);
  auto listening = listen_in_range(mapped->front(), PortRange{});
  REQUIRE(listening.has_value());
  const auto port = local_address(listening->get())->port();
  // Reachable from the IPv4 side, as the client of such a daemon connects.
  auto connected = connect_tcp("127.0.0.1", std::to_string(port), AddressFamily::ipv4, 2000);
  CHECK(connected.has_value());
  auto udp = bind_udp_in_range(mapped->front(), PortRange{});
  CHECK(udp.has_value());
}

TEST_CASE("net: a filter is refused before capturing only when it compiles for no link type", "[net]")
{
  // Ethernet's, and filters for other links: "wlan" for 802.11, "ifname" for pflog, "sio" for SS7.
  for (const char* ok : {"", "udp dst port 53", "wlan type mgt", "ifname eth0", "sio 3", "len > 10"}) {
    INFO(ok);
    CHECK(check_filter_compiles(ok, 262144));
  }
  struct Bad {
    const char* filter;
    const char* error;
  };
  for (const auto& [filter, error] : {Bad{"bogus filter", "can't parse filter expression: syntax error"},
                                      Bad{"tcp port", "can't parse filter expression: syntax error"},
                                      Bad{"port 99999", "illegal port number 99999 > 65535"}}) {
    INFO(filter);
    auto st = check_filter_compiles(filter, 262144);
    REQUIRE_FALSE(st);
    CHECK(st.error().kind == ErrorKind::usage);
    CHECK(st.error().message == std::string{"filter \""} + filter + "\": " + error);
  }
}
