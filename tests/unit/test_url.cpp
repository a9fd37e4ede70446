// SPDX-License-Identifier: BSD-3-Clause
#include <catch2/catch.hpp>

#include <cstddef>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "rpcap/wire/url.hpp"

using namespace rpcap;

namespace Catch {
template <>
struct StringMaker<Source> {
  static std::string convert(const Source& s)
  {
    static constexpr const char* k_kinds[] = {"local", "file", "remote"};
    std::ostringstream out;
    out << "{" << k_kinds[static_cast<int>(s.kind)] << (s.tls ? " tls" : "") << " host=\"" << s.host
        << "\" port=\"" << s.port << "\" name=\"" << s.name << "\"}";
    return out.str();
  }
};
}  // namespace Catch

namespace {

Source local(std::string name)
{
  Source s;
  s.name = std::move(name);
  return s;
}

Source file(std::string path)
{
  Source s;
  s.kind = SourceKind::file;
  s.name = std::move(path);
  return s;
}

Source remote(std::string host, std::string port, std::string name, bool tls = false)
{
  Source s;
  s.kind = SourceKind::remote;
  s.tls = tls;
  s.host = std::move(host);
  s.port = std::move(port);
  s.name = std::move(name);
  return s;
}

struct Accept {
  std::string input;
  Source expected;
  std::string canonical;
  SourceUse use{SourceUse::open};
};

struct Refuse {
  std::string input;
  std::string message;
  SourceUse use{SourceUse::open};
};

// Check `c` parses to its fields, formats to its canonical text, and that the
// canonical text parses back to the same fields.
void check_accepts(const Accept& c)
{
  INFO("input: \"" << c.input << "\"");
  const auto got = parse_source(c.input, c.use);
  if (!got) { FAIL("refused: " << got.error().message); }
  CHECK(*got == c.expected);
  const auto text = format_source(*got);
  CHECK(text == c.canonical);
  const auto again = parse_source(text, c.use);
  if (!again) { FAIL("canonical form refused: " << again.error().message); }
  CHECK(*again == *got);
}

void check_refuses(const Refuse& c)
{
  INFO("input: \"" << c.input << "\"");
  const auto got = parse_source(c.input, c.use);
  if (got) { FAIL("accepted as " << Catch::StringMaker<Source>::convert(*got)); }
  CHECK(got.error().kind == ErrorKind::usage);
  CHECK(got.error().message == c.message);
}

}  // namespace

TEST_CASE("url: every allowed adapter string of the WinPcap table parses", "[url]")
{
  const std::vector<Accept> cases = {
    {"file://filename", file("filename"), "file://filename"},
    {"rpcap://host.foo.bar/adaptername", remote("host.foo.bar", "", "adaptername"),
     "rpcap://host.foo.bar/adaptername"},
    {"rpcap://host.foo.bar:1234/adaptername", remote("host.foo.bar", "1234", "adaptername"),
     "rpcap://host.foo.bar:1234/adaptername"},
    {"rpcap://10.11.12.13/adaptername", remote("10.11.12.13", "", "adaptername"),
     "rpcap://10.11.12.13/adaptername"},
    {"rpcap://10.11.12.13:1234/adaptername", remote("10.11.12.13", "1234", "adaptername"),
     "rpcap://10.11.12.13:1234/adaptername"},
    // Brackets around IPv4 are allowed but not canonical.
    {"rpcap://[10.11.12.13]:1234/adaptername", remote("10.11.12.13", "1234", "adaptername"),
     "rpcap://10.11.12.13:1234/adaptername"},
    {"rpcap://[1:2:3::4]/adaptername", remote("1:2:3::4", "", "adaptername"), "rpcap://[1:2:3::4]/adaptername"},
    {"rpcap://[1:2:3::4]:1234/adaptername", remote("1:2:3::4", "1234", "adaptername"),
     "rpcap://[1:2:3::4]:1234/adaptername"},
    // Local adapters: the canonical local form is the bare name.
    {"rpcap://adaptername", local("adaptername"), "adaptername"},
    {"adaptername", local("adaptername"), "adaptername"},
  };
  for (const auto& c : cases) { check_accepts(c); }
}

TEST_CASE("url: the refused WinPcap strings and the (NULL) row give clear errors", "[url]")
{
  const std::vector<Refuse> cases = {
    {"rpcap://", "source \"rpcap://\": no device named (the first local adapter cannot be opened this way)"},
    {"rpcap://hostname/", "source \"rpcap://hostname/\": names no interface on host \"hostname\": add /IFACE "
                          "(\"rpcap-ls rpcap://hostname/\" lists them)"},
    {"rpcap://192.0.2.7:2002", "source \"rpcap://192.0.2.7:2002\": names no interface: add /IFACE for one of the "
                               "daemon's at \"192.0.2.7:2002\" (\"rpcap-ls rpcap://192.0.2.7:2002/\" lists them)"},
    {"rpcap://[::1]:2002", "source \"rpcap://[::1]:2002\": names no interface: add /IFACE for one of the "
                           "daemon's at \"[::1]:2002\" (\"rpcap-ls rpcap://[::1]:2002/\" lists them)"},
    {"rpcap://[::1]", "source \"rpcap://[::1]\": names no interface: add /IFACE for one of the daemon's at "
                      "\"[::1]\" (\"rpcap-ls rpcap://[::1]/\" lists them)"},
    {"rpcap://10.1.2.3", "source \"rpcap://10.1.2.3\": names no interface: add /IFACE for one of the daemon's at "
                         "\"10.1.2.3\" (\"rpcap-ls rpcap://10.1.2.3/\" lists them)"},
    // (NULL) opened the first adapter in WinPcap; we require an explicit device.
    {"", "empty source: name a device, a file:// path or an rpcap:// URL"},
  };
  for (const auto& c : cases) { check_refuses(c); }
}

TEST_CASE("url: libpcap grammar, findalldevs names and scheme spellings", "[url]")
{
  const std::vector<Accept> cases = {
    // A ":" not followed by "//" belongs to a local device name.
    {"eth0:1", local("eth0:1"), "eth0:1"},
    {"/dev/odd:name", local("/dev/odd:name"), "/dev/odd:name"},
    {"\\Device\\NPF_{4E27-AB}", local("\\Device\\NPF_{4E27-AB}"), "\\Device\\NPF_{4E27-AB}"},
    // Names pcap_findalldevs_ex gives for local and remote interfaces.
    {"rpcap://eth0", local("eth0"), "eth0"},
    {"rpcap://127.0.0.1:2002/eth0", remote("127.0.0.1", "2002", "eth0"), "rpcap://127.0.0.1:2002/eth0"},
    {"rpcap://[::1]:2002/lo", remote("::1", "2002", "lo"), "rpcap://[::1]:2002/lo"},
    // No "/" after the scheme: a local device, unless it is written as a host (refused below).
    {"rpcap://x:", local("x:"), "x:"},
    {"rpcap://rpcap:x", local("rpcap:x"), "rpcap://rpcap:x"},
    // TLS: rpcaps:// for remote; "rpcaps://dev" is local without TLS, as in libpcap.
    {"rpcaps://host/eth0", remote("host", "", "eth0", true), "rpcaps://host/eth0"},
    {"rpcaps://[::1]:2002/eth0", remote("::1", "2002", "eth0", true), "rpcaps://[::1]:2002/eth0"},
    {"rpcaps://eth0", local("eth0"), "eth0"},
    // Schemes are case-insensitive (libpcap's quirk would make this a local device).
    {"RPCAP://host/eth0", remote("host", "", "eth0"), "rpcap://host/eth0"},
    {"RpCaPs://Host.Example/eth0", remote("Host.Example", "", "eth0", true), "rpcaps://Host.Example/eth0"},
    {"RPCAP://eth0", local("eth0"), "eth0"},
    {"FILE://x.pcap", file("x.pcap"), "file://x.pcap"},
    // The remote path is everything after the first "/", without decoding.
    {"rpcap://host/dev/with/slashes", remote("host", "", "dev/with/slashes"), "rpcap://host/dev/with/slashes"},
    {"rpcap://host/a%20b", remote("host", "", "a%20b"), "rpcap://host/a%20b"},
    {"rpcap://host//eth0", remote("host", "", "/eth0"), "rpcap://host//eth0"},
    {"rpcap://win/\\Device\\NPF_{1234}", remote("win", "", "\\Device\\NPF_{1234}"),
     "rpcap://win/\\Device\\NPF_{1234}"},
    {"rpcap://host/\xc3\xa9th0", remote("host", "", "\xc3\xa9th0"), "rpcap://host/\xc3\xa9th0"},
    {"file:///tmp/a b.pcap", file("/tmp/a b.pcap"), "file:///tmp/a b.pcap"},
    // Hosts and ports.
    {"rpcap://host_name-1.example:rpcap/eth0", remote("host_name-1.example", "rpcap", "eth0"),
     "rpcap://host_name-1.example:rpcap/eth0"},
    {"rpcap://h:1/eth0", remote("h", "1", "eth0"), "rpcap://h:1/eth0"},
    {"rpcap://h:65535/eth0", remote("h", "65535", "eth0"), "rpcap://h:65535/eth0"},
    {"rpcap://h:x11_ssh/eth0", remote("h", "x11_ssh", "eth0"), "rpcap://h:x11_ssh/eth0"},
    {"rpcap://h:2-rpcap/eth0", remote("h", "2-rpcap", "eth0"), "rpcap://h:2-rpcap/eth0"},
    {"rpcap://h:02002/eth0", remote("h", "02002", "eth0"), "rpcap://h:02002/eth0"},
    {"rpcap://[fe80::1%eth0]:2002/eth0", remote("fe80::1%eth0", "2002", "eth0"),
     "rpcap://[fe80::1%eth0]:2002/eth0"},
    {"rpcap://[::ffff:10.1.2.3]/eth0", remote("::ffff:10.1.2.3", "", "eth0"), "rpcap://[::ffff:10.1.2.3]/eth0"},
  };
  for (const auto& c : cases) { check_accepts(c); }
}

TEST_CASE("url: listing takes rpcap:// for local and rpcap://host/ for remote interfaces", "[url]")
{
  const auto list = SourceUse::list;
  const std::vector<Accept> cases = {
    {"rpcap://", local(""), "rpcap://", list},
    {"rpcaps://", local(""), "rpcap://", list},
    {"", local(""), "rpcap://", list},
    {"rpcap://hostname/", remote("hostname", "", ""), "rpcap://hostname/", list},
    {"rpcap://[1:2:3::4]:1234/", remote("1:2:3::4", "1234", ""), "rpcap://[1:2:3::4]:1234/", list},
    {"rpcaps://host:2002/", remote("host", "2002", "", true), "rpcaps://host:2002/", list},
    // A listing ignores an adapter name; it is kept.
    {"rpcap://host/eth0", remote("host", "", "eth0"), "rpcap://host/eth0", list},
    {"file:///var/captures/", file("/var/captures/"), "file:///var/captures/", list},
  };
  for (const auto& c : cases) { check_accepts(c); }

  const std::vector<Refuse> refused = {
    {"rpcap://host",
     "source \"rpcap://host\": names the local device \"host\", which cannot be listed (write "
     "\"rpcap://host/\" to list a remote host, or \"rpcap://\" for local interfaces)",
     list},
    {"rpcaps://10.0.0.5:2002",
     "source \"rpcaps://10.0.0.5:2002\": names the local device \"10.0.0.5:2002\", which cannot be listed "
     "(write \"rpcaps://10.0.0.5:2002/\" to list a remote host, or \"rpcap://\" for local interfaces)",
     list},
    {"eth0",
     "source \"eth0\": names the local device \"eth0\", which cannot be listed (write \"rpcap://host/\" to "
     "list a remote host, or \"rpcap://\" for local interfaces)",
     list},
    {"rpcap://[::1/", "source \"rpcap://[::1/\": IP literal has no closing \"]\"", list},
    {"rpcap://host:0/", "source \"rpcap://host:0/\": port \"0\" is out of range (1-65535)", list},
  };
  for (const auto& c : refused) { check_refuses(c); }
}

TEST_CASE("url: malformed sources give exact errors", "[url]")
{
  const std::vector<Refuse> cases = {
    // IP literals.
    {"rpcap://[::1/eth0", "source \"rpcap://[::1/eth0\": IP literal has no closing \"]\""},
    {"rpcap://[::1]x/eth0", "source \"rpcap://[::1]x/eth0\": unexpected text \"x\" after IP literal \"[::1]\""},
    {"rpcap://[::1]]/eth0", "source \"rpcap://[::1]]/eth0\": unexpected text \"]\" after IP literal \"[::1]\""},
    {"rpcap://[]/eth0", "source \"rpcap://[]/eth0\": empty IP literal \"[]\""},
    {"rpcap://[]:2002/eth0", "source \"rpcap://[]:2002/eth0\": empty IP literal \"[]\""},
    {"rpcap://[1:2:3:::4]/eth0", "source \"rpcap://[1:2:3:::4]/eth0\": \"1:2:3:::4\" is not a valid IPv6 address"},
    {"rpcap://[10.11.12]/eth0", "source \"rpcap://[10.11.12]/eth0\": \"10.11.12\" is not a valid IPv4 address"},
    {"rpcap://[host.foo.bar]/eth0",
     "source \"rpcap://[host.foo.bar]/eth0\": \"host.foo.bar\" is not a valid IPv4 address"},
    {"rpcap://[fe80::1%]/eth0", "source \"rpcap://[fe80::1%]/eth0\": invalid zone \"\" in IPv6 address \"fe80::1%\""},
    {"rpcap://[fe80::1%e h]/eth0",
     "source \"rpcap://[fe80::1%e h]/eth0\": invalid zone \"e h\" in IPv6 address \"fe80::1%e h\""},
    {"rpcap://[10.1.2.3%eth0]/eth0",
     "source \"rpcap://[10.1.2.3%eth0]/eth0\": \"10.1.2.3%eth0\" is not a valid IPv4 address"},
    {"rpcap://1:2:3::4/eth0",
     "source \"rpcap://1:2:3::4/eth0\": an IPv6 address must be in brackets, as in \"[1:2:3::4]\""},
    {"rpcap://fe80::1%eth0/eth0",
     "source \"rpcap://fe80::1%eth0/eth0\": an IPv6 address must be in brackets, as in \"[fe80::1%eth0]\""},
    {"rpcap://host:80:90/eth0",
     "source \"rpcap://host:80:90/eth0\": port \"80:90\" is neither a number nor a service name"},
    // Hosts.
    {"rpcap:///eth0", "source \"rpcap:///eth0\": no host name"},
    {"rpcap://:2002/eth0", "source \"rpcap://:2002/eth0\": no host name"},
    {"rpcap://ho st/eth0", "source \"rpcap://ho st/eth0\": invalid character \" \" in host name \"ho st\""},
    {"rpcap://h%41/eth0", "source \"rpcap://h%41/eth0\": invalid character \"%\" in host name \"h%41\""},
    {"rpcap://user@host/eth0",
     "source \"rpcap://user@host/eth0\": user information \"user\" is not supported in a source"},
    {"rpcap://u:p@[::1]:2002/eth0",
     "source \"rpcap://u:p@[::1]:2002/eth0\": user information \"u:p\" is not supported in a source"},
    // Ports.
    {"rpcap://host:/eth0", "source \"rpcap://host:/eth0\": empty port after \":\""},
    {"rpcap://[::1]:/eth0", "source \"rpcap://[::1]:/eth0\": empty port after \":\""},
    {"rpcap://host:0/eth0", "source \"rpcap://host:0/eth0\": port \"0\" is out of range (1-65535)"},
    {"rpcap://host:00/eth0", "source \"rpcap://host:00/eth0\": port \"00\" is out of range (1-65535)"},
    {"rpcap://host:65536/eth0", "source \"rpcap://host:65536/eth0\": port \"65536\" is out of range (1-65535)"},
    {"rpcap://host:99999/eth0", "source \"rpcap://host:99999/eth0\": port \"99999\" is out of range (1-65535)"},
    {"rpcap://h:123456789012345678901234567890/e",
     "source \"rpcap://h:123456789012345678901234567890/e\": port \"123456789012345678901234567890\" is out of "
     "range (1-65535)"},
    {"rpcap://host:12.5/eth0",
     "source \"rpcap://host:12.5/eth0\": port \"12.5\" is neither a number nor a service name"},
    {"rpcap://host:-1/eth0", "source \"rpcap://host:-1/eth0\": port \"-1\" is neither a number nor a service name"},
    {"rpcap://host:-rpcap/eth0",
     "source \"rpcap://host:-rpcap/eth0\": port \"-rpcap\" is neither a number nor a service name"},
    {"rpcap://host:1-2/eth0", "source \"rpcap://host:1-2/eth0\": port \"1-2\" is neither a number nor a service name"},
    {"rpcap://[::1]:+80/eth0",
     "source \"rpcap://[::1]:+80/eth0\": port \"+80\" is neither a number nor a service name"},
    // Schemes.
    {"http://host/eth0", "source \"http://host/eth0\": unsupported scheme \"http\" (expected rpcap, rpcaps or file)"},
    {"rpcapp://host/eth0",
     "source \"rpcapp://host/eth0\": unsupported scheme \"rpcapp\" (expected rpcap, rpcaps or file)"},
    {"xyz://eth0", "source \"xyz://eth0\": unsupported scheme \"xyz\" (expected rpcap, rpcaps or file)"},
    {"://eth0", "source \"://eth0\": no scheme before \"://\""},
    {"rpcap:/host/eth0", "source \"rpcap:/host/eth0\": \"rpcap:\" must be followed by \"//\""},
    {"rpcaps:host", "source \"rpcaps:host\": \"rpcaps:\" must be followed by \"//\""},
    {"File:x.pcap", "source \"File:x.pcap\": \"File:\" must be followed by \"//\""},
    {"file://", "source \"file://\": no file path after \"file://\""},
    {"rpcaps://", "source \"rpcaps://\": no device named (the first local adapter cannot be opened this way)"},
    // Control characters and NUL, shown escaped.
    {"eth\x01", "source \"eth\\x01\": control character \\x01 at offset 3"},
    {std::string("eth\0" "0", 5), "source \"eth\\x000\": control character \\x00 at offset 3"},
    {"rpcap://host/eth0\n", "source \"rpcap://host/eth0\\x0a\": control character \\x0a at offset 17"},
    {"file://a\x7f", "source \"file://a\\x7f\": control character \\x7f at offset 8"},
    {"rpcap://ho\tst/eth0", "source \"rpcap://ho\\x09st/eth0\": control character \\x09 at offset 10"},
  };
  for (const auto& c : cases) { check_refuses(c); }
}

TEST_CASE("url: sources longer than 1024 characters are refused", "[url]")
{
  const std::string prefix = "rpcap://host/";
  const std::string longest = prefix + std::string(k_max_source_length - prefix.size(), 'a');
  REQUIRE(longest.size() == 1024);
  check_accepts({longest, remote("host", "", longest.substr(prefix.size())), longest});
  check_refuses({longest + "a", "source is 1025 characters long (the limit is 1024)"});
  check_refuses({std::string(5000, 'x'), "source is 5000 characters long (the limit is 1024)"});
}

TEST_CASE("url: format_source writes canonical forms from fields", "[url]")
{
  CHECK(format_source(remote("1:2:3::4", "", "eth0")) == "rpcap://[1:2:3::4]/eth0");
  CHECK(format_source(remote("fe80::1%eth0", "2002", "lo")) == "rpcap://[fe80::1%eth0]:2002/lo");
  CHECK(format_source(remote("10.0.0.5", "2002", "eth0", true)) == "rpcaps://10.0.0.5:2002/eth0");
  CHECK(format_source(remote("host", "", "")) == "rpcap://host/");
  CHECK(format_source(local("eth0")) == "eth0");
  CHECK(format_source(local("")) == "rpcap://");
  CHECK(format_source(local("file:x")) == "rpcap://file:x");
  CHECK(format_source(file("/tmp/x.pcap")) == "file:///tmp/x.pcap");
}

TEST_CASE("url: remote_interface_source names listed interfaces as libpcap does", "[url]")
{
  const auto listed = [](std::string_view listing, std::string_view ifname) {
    const auto src = parse_source(listing, SourceUse::list);
    REQUIRE(src);
    return remote_interface_source(*src, ifname);
  };
  // Host and port as written (an omitted port stays omitted), TLS kept.
  CHECK(listed("rpcap://127.0.0.1:2002/", "eth0") == remote("127.0.0.1", "2002", "eth0"));
  CHECK(format_source(listed("rpcap://127.0.0.1:2002/", "eth0")) == "rpcap://127.0.0.1:2002/eth0");
  CHECK(format_source(listed("rpcap://host.example/", "eth0")) == "rpcap://host.example/eth0");
  CHECK(format_source(listed("rpcaps://[::1]:rpcap/", "lo")) == "rpcaps://[::1]:rpcap/lo");
  CHECK(format_source(listed("RPCAP://[10.1.2.3]/", "any")) == "rpcap://10.1.2.3/any");
  CHECK(format_source(listed("rpcap://win/", "\\Device\\NPF_{1}")) == "rpcap://win/\\Device\\NPF_{1}");
  // A name given in the listing source is replaced.
  CHECK(listed("rpcap://host/old", "new") == remote("host", "", "new"));
  // Local and savefile-directory listings.
  CHECK(listed("rpcap://", "eth0") == local("eth0"));
  CHECK(listed("rpcaps://", "eth0") == local("eth0"));
  CHECK(listed("file:///var/cap/", "a.pcap") == file("/var/cap/a.pcap"));
  CHECK(listed("file:///var/cap", "a.pcap") == file("/var/cap/a.pcap"));
  // Every listed source opens as the same interface.
  const auto opened = parse_source(format_source(listed("rpcap://[1:2:3::4]:1234/", "eth0")));
  REQUIRE(opened);
  CHECK(*opened == remote("1:2:3::4", "1234", "eth0"));
}

TEST_CASE("url: random input never crashes the parser and accepted input round-trips", "[url]")
{
  // Pieces that steer random strings into the interesting branches.
  static const std::vector<std::string> k_pieces = {
    "rpcap://", "rpcaps://", "file://", "RPCAP://", "rpcap:", "://", "[", "]", ":", "/", "@", "%",
    "::1", "1:2:3::4", "10.1.2.3", "host", "eth0", "2002", "0", "65536", "rpcap", "-", "_", ".", " ",
  };
  std::mt19937 rng{20240611};
  std::uniform_int_distribution<int> byte{0, 255};
  std::uniform_int_distribution<int> length{0, 40};
  std::uniform_int_distribution<std::size_t> piece{0, k_pieces.size() - 1};
  std::uniform_int_distribution<int> coin{0, 3};
  std::size_t accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text;
    const int n = length(rng);
    for (int j = 0; j < n; ++j) {
      if (coin(rng) == 0) {
        text += static_cast<char>(byte(rng));
      } else {
        text += k_pieces[piece(rng)];
      }
    }
    for (const auto use : {SourceUse::open, SourceUse::list}) {
      const auto got = parse_source(text, use);
      if (!got) { continue; }
      ++accepted;
      const auto canonical = format_source(*got);
      const auto again = parse_source(canonical, use);
      if (!again || !(*again == *got) || format_source(*again) != canonical) {
        FAIL("round trip of \"" << text << "\" via \"" << canonical << "\" failed");
      }
    }
  }
  CHECK(accepted > 100);  // the pieces do reach the accepting paths
}
