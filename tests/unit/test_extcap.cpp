// SPDX-License-Identifier: BSD-3-Clause
// rpcap-extcap's answers to Wireshark's queries, line by line: Wireshark
// parses them strictly, and the call= names are the preference names users
// pass to tshark with -o.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rpcap/client/extcap.hpp"

using namespace rpcap;

namespace {

std::vector<std::string> lines(const std::string& text)
{
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto nl = text.find('\n', start);
    REQUIRE(nl != std::string::npos);  // every line ends with a newline
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix)
{
  std::vector<std::string> out;
  for (auto& l : lines(text)) {
    if (l.rfind(prefix, 0) == 0) { out.push_back(l); }
  }
  return out;
}

}  // namespace

TEST_CASE("extcap: the version and interfaces, as Wireshark parses them", "[extcap]")
{
  CHECK(extcap::version_line("1.2.3") == "extcap {version=1.2.3}{help=man:rpcap-extcap(1)}\n");
  CHECK(lines(extcap::interfaces_text("1.2.3")) ==
        std::vector<std::string>{
            "extcap {version=1.2.3}{help=man:rpcap-extcap(1)}",
            "interface {value=rpcap}{display=Remote capture (RPCAP)}",
            "interface {value=rpcap-active}{display=Remote capture, daemons calling in (RPCAP active mode)}",
        });
}

TEST_CASE("extcap: the link type is the remote interface's, for both interfaces", "[extcap]")
{
  CHECK(*extcap::dlts_text("rpcap") == "dlt {number=147}{name=rpcap}{display=The remote interface's link type}\n");
  CHECK(*extcap::dlts_text("rpcap-active") ==
        "dlt {number=147}{name=rpcap-active}{display=The remote interface's link type}\n");
  auto bad = extcap::dlts_text("eth0");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::usage);
  CHECK(bad.error().message == "unknown extcap interface \"eth0\" (expected \"rpcap\" or \"rpcap-active\")");
}

TEST_CASE("extcap: the passive interface's arguments, in the dialog's order, with the contract's call names",
          "[extcap]")
{
  auto text = extcap::config_text("rpcap");
  REQUIRE(text);
  const auto args = lines(*text);
  REQUIRE(args.size() == 14);
  CHECK(args[0] == "arg {number=0}{call=--remote-host}{display=Remote host}{type=string}{required=true}"
                   "{tooltip=The host name or address of the rpcapd to capture from}{group=Server}");
  CHECK(args[1] == "arg {number=1}{call=--remote-port}{display=Remote port}{type=unsigned}{default=2002}"
                   "{range=1,65535}{tooltip=The TCP port the daemon listens on}{group=Server}");
  // A selector, which Wireshark 4.0 knows (it refuses a dialog with an
  // editselector), and a field to type a name into when the list cannot be loaded.
  CHECK(args[2] == "arg {number=2}{call=--remote-interface}{display=Remote interface}{type=selector}"
                   "{reload=true}{placeholder=Load}"
                   "{tooltip=The daemon's interface to capture: press Load to list the daemon's interfaces}"
                   "{group=Server}");
  CHECK(args[3].rfind("arg {number=3}{call=--remote-interface-name}{display=Interface name, typed}{type=string}", 0)
        == 0);
  CHECK(args[5] == "arg {number=5}{call=--remote-password}{display=Password}{type=password}"
                   "{tooltip=The password of the user}{group=Authentication}");
  const std::vector<std::string> calls{"--remote-host", "--remote-port", "--remote-interface", "--remote-interface-name",
                                       "--remote-username",
                                       "--remote-password", "--allow-plaintext-password", "--tls", "--ca", "--pin",
                                       "--udp", "--snaplen", "--promiscuous", "--sampling"};
  for (std::size_t i = 0; i < calls.size(); ++i) {
    INFO(args[i]);
    CHECK(args[i].rfind("arg {number=" + std::to_string(i) + "}{call=" + calls[i] + "}", 0) == 0);
    CHECK(args[i].find("{tooltip=") != std::string::npos);
    CHECK(args[i].find("{group=") != std::string::npos);
  }
  CHECK(args[12].find("{type=boolflag}{default=true}") != std::string::npos);  // promiscuous unless unticked
  // The dialog's defaults and limits are the library's (written out in the table, checked here).
  const auto limit = std::to_string(k_max_snaplen);
  CHECK(args[11].find("{default=" + limit + "}{range=0," + limit + "}") != std::string::npos);
  CHECK(args[1].find("{default=" + std::to_string(extcap::k_default_port) + "}") != std::string::npos);
  CHECK(lines(*extcap::config_text("rpcap-active"))[0].find(
            "{default=" + std::to_string(extcap::k_default_listen_port) + "}") != std::string::npos);
}

TEST_CASE("extcap: an interface typed before stays in the selector", "[extcap]")
{
  auto text = extcap::config_text("rpcap", "eth{1}");
  REQUIRE(text);
  CHECK(lines_starting(*text, "value ") ==
        std::vector<std::string>{"value {arg=2}{value=eth(1)}{display=eth(1)}{default=true}"});
  CHECK(lines_starting(*extcap::config_text("rpcap"), "value ").empty());
}

TEST_CASE("extcap: the active interface listens and takes a typed interface name", "[extcap]")
{
  auto text = extcap::config_text("rpcap-active");
  REQUIRE(text);
  const auto args = lines(*text);
  REQUIRE(args.size() == 11);
  CHECK(args[0] == "arg {number=0}{call=--listen-port}{display=Listen port}{type=unsigned}{default=2003}"
                   "{range=1,65535}{tooltip=The TCP port to wait on for a daemon in active mode (rpcapd -a "
                   "HOST,PORT)}{group=Server}");
  CHECK(args[1] == "arg {number=1}{call=--remote-interface}{display=Remote interface}{type=string}{required=true}"
                   "{tooltip=The interface of the calling daemon to capture}{group=Server}");
  CHECK_FALSE(extcap::config_text("any"));
}

TEST_CASE("extcap: reloading the interface selector lists the daemon's interfaces", "[extcap]")
{
  const std::vector<Interface> devs{{"eth0", "Ethernet {uplink}\nport 1", 0, {}}, {"lo", "", 0, {}}};
  CHECK(lines(*extcap::reload_text("rpcap", "remote-interface", devs)) ==
        std::vector<std::string>{
            "value {arg=2}{value=eth0}{display=eth0: Ethernet (uplink) port 1}{default=true}",
            "value {arg=2}{value=lo}{display=lo}{default=false}",
        });
  // The chosen one stays the default; Wireshark may pass the call with its dashes.
  CHECK(lines(*extcap::reload_text("rpcap", "--remote-interface", devs, "lo")) ==
        std::vector<std::string>{
            "value {arg=2}{value=eth0}{display=eth0: Ethernet (uplink) port 1}{default=false}",
            "value {arg=2}{value=lo}{display=lo}{default=true}",
        });
  CHECK(extcap::reload_text("rpcap", "remote-interface", {}).value().empty());
  auto bad = extcap::reload_text("rpcap", "remote-host", devs);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "--extcap-reload-option \"remote-host\": interface \"rpcap\" has no values to reload for it");
  CHECK_FALSE(extcap::reload_text("rpcap-active", "remote-interface", devs));
}
