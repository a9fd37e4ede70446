// SPDX-License-Identifier: BSD-3-Clause
// Interface listings (rpcap-ls): names, long form and JSON, exactly; flag
// names, prefix lengths, and names from a hostile daemon.
#include <catch2/catch.hpp>

#include "rpcap/wire/interface_view.hpp"

using namespace rpcap;

namespace {

std::vector<ListedInterface> sample()
{
  IfAddress v4;
  v4.addr = SockAddr::ipv4({192, 0, 2, 7});
  v4.netmask = SockAddr::ipv4({255, 255, 255, 0});
  v4.broadaddr = SockAddr::ipv4({192, 0, 2, 255});
  IfAddress v6;
  v6.addr = SockAddr::ipv6({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 2);
  v6.netmask = SockAddr::ipv6({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0});
  IfAddress ptp;
  ptp.addr = SockAddr::ipv4({10, 0, 0, 1});
  ptp.netmask = SockAddr::ipv4({255, 0, 255, 0});
  ptp.dstaddr = SockAddr::ipv4({10, 0, 0, 2});
  return {
    {"rpcap://h/eth0", Interface{"eth0", "", 0x16, {v4, v6}}},
    {"rpcap://h/tun0", Interface{"tun0", "VPN \"office\"", 0x46, {ptp}}},
  };
}

}  // namespace

TEST_CASE("interface_view: flag names", "[interface_view][ls]")
{
  using V = std::vector<std::string>;
  CHECK(interface_flag_names(0) == V{});
  CHECK(interface_flag_names(0x37) == V{"loopback", "up", "running", "status-not-applicable"});
  CHECK(interface_flag_names(0x16) == V{"up", "running", "connected"});
  CHECK(interface_flag_names(0x28) == V{"wireless", "disconnected"});
  CHECK(interface_flag_names(0x80000046) == V{"up", "running", "0x40", "0x80000000"});
}

TEST_CASE("interface_view: prefix lengths", "[interface_view][ls]")
{
  CHECK(prefix_length(SockAddr::ipv4({255, 0, 0, 0})) == 8);
  CHECK(prefix_length(SockAddr::ipv4({255, 255, 255, 255})) == 32);
  CHECK(prefix_length(SockAddr::ipv4({0, 0, 0, 0})) == 0);
  CHECK(prefix_length(SockAddr::ipv4({255, 255, 240, 0})) == 20);
  CHECK(prefix_length(SockAddr::ipv4({255, 0, 255, 0})) == -1);
  CHECK(prefix_length(SockAddr::ipv4({255, 254, 1, 0})) == -1);
  CHECK(prefix_length(SockAddr::ipv4({0xd0, 0, 0, 0})) == -1);
  CHECK(prefix_length(SockAddr::ipv6({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})) == 64);
  CHECK(prefix_length(SockAddr{}) == -1);
}

TEST_CASE("interface_view: names, long and JSON forms", "[interface_view][ls]")
{
  const auto list = sample();
  CHECK(interfaces_names(list) == "rpcap://h/eth0\nrpcap://h/tun0\n");
  CHECK(interfaces_long(list)
        == "rpcap://h/eth0\n"
           "  flags: 0x16 (up, running, connected)\n"
           "  inet 192.0.2.7/24 broadcast 192.0.2.255\n"
           "  inet6 fe80::1%2/64\n"
           "rpcap://h/tun0\n"
           "  description: VPN \"office\"\n"
           "  flags: 0x46 (up, running, 0x40)\n"
           "  inet 10.0.0.1 netmask 255.0.255.0 destination 10.0.0.2\n");
  CHECK(interfaces_json(list)
        == R"([{"source":"rpcap://h/eth0","name":"eth0","description":null,"flags":22,"flag_names":["up","running","connected"],)"
           R"("addresses":[{"family":"ipv4","address":"192.0.2.7","netmask":"255.255.255.0","prefix":24,"broadaddr":"192.0.2.255","dstaddr":null},)"
           R"({"family":"ipv6","address":"fe80::1%2","netmask":"ffff:ffff:ffff:ffff::","prefix":64,"broadaddr":null,"dstaddr":null}]},)"
           R"({"source":"rpcap://h/tun0","name":"tun0","description":"VPN \"office\"","flags":70,"flag_names":["up","running","0x40"],)"
           R"("addresses":[{"family":"ipv4","address":"10.0.0.1","netmask":"255.0.255.0","prefix":null,"broadaddr":null,"dstaddr":"10.0.0.2"}]}])"
           "\n");
  CHECK(interfaces_names({}).empty());
  CHECK(interfaces_json({}) == "[]\n");
}

TEST_CASE("interface_view: the numbered form is tcpdump -D's", "[interface_view][ls]")
{
  const std::vector<ListedInterface> list = {
    {"rpcap://h/eth0", Interface{"eth0", "", 0x16, {}}},
    {"rpcap://h/any", Interface{"any", "Pseudo-device that captures on all interfaces", 0x36, {}}},
    {"rpcap://h/lo", Interface{"lo", "", 0x37, {}}},
    {"rpcap://h/wlan0", Interface{"wlan0", "", 0x2e, {}}},
    {"rpcap://h/bt0", Interface{"bt0", "", 0x08, {}}},
    {"rpcap://h/old0", Interface{"old0", "", 0x06, {}}},
    {"rpcap://h/nflog", Interface{"nflog", "Linux netfilter log (NFLOG) interface", 0x30, {}}},
    {"rpcap://h/none", Interface{"none", "", 0, {}}},
  };
  CHECK(interfaces_numbered(list)
        == "1.rpcap://h/eth0 [Up, Running, Connected]\n"
           "2.rpcap://h/any (Pseudo-device that captures on all interfaces) [Up, Running]\n"
           "3.rpcap://h/lo [Up, Running, Loopback]\n"
           "4.rpcap://h/wlan0 [Up, Running, Wireless, Not associated]\n"
           "5.rpcap://h/bt0 [Wireless, Association status unknown]\n"
           "6.rpcap://h/old0 [Up, Running, Connection status unknown]\n"
           "7.rpcap://h/nflog (Linux netfilter log (NFLOG) interface) [none]\n"
           "8.rpcap://h/none\n");
  CHECK(interfaces_numbered({}).empty());
  const std::vector<ListedInterface> hostile = {{"rpcap://h/ev\nil", Interface{"ev\nil", "a\x1b[2Jb", 0, {}}}};
  CHECK(interfaces_numbered(hostile) == "1.rpcap://h/ev\\x0ail (a\\x1b[2Jb)\n");
}

TEST_CASE("interface_view: control characters from a daemon cannot reach the terminal raw", "[interface_view][ls]")
{
  const std::vector<ListedInterface> list = {
    {"rpcap://h/ev\nil", Interface{"ev\nil", "\x1b]0;owned\x07", 0, {}}},
  };
  CHECK(interfaces_names(list) == "rpcap://h/ev\\x0ail\n");
  CHECK(interfaces_long(list) == "rpcap://h/ev\\x0ail\n  description: \\x1b]0;owned\\x07\n  flags: 0x0\n");
  CHECK(interfaces_json(list).find(R"("name":"ev\nil","description":"\u001b]0;owned\u0007")") != std::string::npos);
}
