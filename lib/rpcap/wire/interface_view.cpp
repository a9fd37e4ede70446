// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/interface_view.hpp"

#include "rpcap/base/text.hpp"

#include <bit>
#include <cstdio>

#include "rpcap/base/json.hpp"

namespace rpcap {

std::vector<ListedInterface> listed_interfaces(const Source& listing, std::vector<Interface> list)
{
  std::vector<ListedInterface> out;
  out.reserve(list.size());
  for (auto& ifc : list) {
    out.push_back(ListedInterface{format_source(remote_interface_source(listing, ifc.name)), std::move(ifc)});
  }
  return out;
}
namespace {

// `s` with control bytes as \xNN.
std::string printable(std::string_view s) { return escape_control(s); }

std::string hex(std::uint32_t v)
{
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

const char* family_name(AddrFamily f) { return f == AddrFamily::ipv6 ? "ipv6" : "ipv4"; }

std::string address_line(const IfAddress& a)
{
  std::string line = a.addr.family == AddrFamily::ipv6 ? "inet6 " : "inet ";
  line += a.addr.to_string();
  if (a.netmask.family != AddrFamily::none) {
    const int prefix = prefix_length(a.netmask);
    line += prefix >= 0 ? "/" + std::to_string(prefix) : " netmask " + a.netmask.to_string();
  }
  if (a.broadaddr.family != AddrFamily::none) { line += " broadcast " + a.broadaddr.to_string(); }
  if (a.dstaddr.family != AddrFamily::none) { line += " destination " + a.dstaddr.to_string(); }
  return line;
}

void json_address(JsonWriter& w, const SockAddr& a)
{
  if (a.family == AddrFamily::none) {
    w.null();
  } else {
    w.value(a.to_string());
  }
}

}  // namespace

std::vector<std::string> interface_flag_names(std::uint32_t flags)
{
  std::vector<std::string> out;
  if ((flags & if_flags::loopback) != 0) { out.emplace_back("loopback"); }
  if ((flags & if_flags::up) != 0) { out.emplace_back("up"); }
  if ((flags & if_flags::running) != 0) { out.emplace_back("running"); }
  if ((flags & if_flags::wireless) != 0) { out.emplace_back("wireless"); }
  switch (flags & if_flags::status_mask) {
  case if_flags::status_connected: out.emplace_back("connected"); break;
  case if_flags::status_disconnected: out.emplace_back("disconnected"); break;
  case if_flags::status_not_applicable: out.emplace_back("status-not-applicable"); break;
  default: break;
  }
  constexpr std::uint32_t k_known = if_flags::loopback | if_flags::up | if_flags::running | if_flags::wireless
                                    | if_flags::status_mask;
  for (std::uint32_t rest = flags & ~k_known; rest != 0; rest &= rest - 1) {
    out.push_back(hex(rest & (~rest + 1)));
  }
  return out;
}

int prefix_length(const SockAddr& mask)
{
  std::size_t bytes = 0;
  if (mask.family == AddrFamily::ipv4) { bytes = 4; }
  if (mask.family == AddrFamily::ipv6) { bytes = 16; }
  if (bytes == 0) { return -1; }
  int prefix = 0;
  bool ended = false;
  for (std::size_t i = 0; i < bytes; ++i) {
    const std::uint8_t b = mask.addr[i];
    const int ones = std::countl_one(b);
    if (ended && b != 0) { return -1; }
    if (ones < 8 && static_cast<std::uint8_t>(b << ones) != 0) { return -1; }  // a 1 after a 0
    prefix += ones;
    if (ones < 8) { ended = true; }
  }
  return prefix;
}

std::string interfaces_names(const std::vector<ListedInterface>& list)
{
  std::string out;
  for (const auto& l : list) { out += printable(l.source) + "\n"; }
  return out;
}

namespace {

// tcpdump -D's words for `flags`: the set bits of Up, Running, Loopback and
// Wireless in that order ("none" if there is none), then the connection
// status in the words for a wireless link or a wired one.
std::string tcpdump_flag_words(std::uint32_t flags)
{
  std::string out;
  auto add = [&out](const char* word) { out += (out.empty() ? "" : ", ") + std::string{word}; };
  if ((flags & if_flags::up) != 0) { add("Up"); }
  if ((flags & if_flags::running) != 0) { add("Running"); }
  if ((flags & if_flags::loopback) != 0) { add("Loopback"); }
  if ((flags & if_flags::wireless) != 0) { add("Wireless"); }
  if (out.empty()) { out = "none"; }
  const bool wireless = (flags & if_flags::wireless) != 0;
  switch (flags & if_flags::status_mask) {
  case if_flags::status_connected: add(wireless ? "Associated" : "Connected"); break;
  case if_flags::status_disconnected: add(wireless ? "Not associated" : "Disconnected"); break;
  case if_flags::status_not_applicable: break;
  default: add(wireless ? "Association status unknown" : "Connection status unknown"); break;
  }
  return out;
}

}  // namespace

std::string interfaces_numbered(const std::vector<ListedInterface>& list)
{
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const Interface& ifc = list[i].interface;
    out += std::to_string(i + 1) + "." + printable(list[i].source);
    if (!ifc.description.empty()) { out += " (" + printable(ifc.description) + ")"; }
    if (ifc.flags != 0) { out += " [" + tcpdump_flag_words(ifc.flags) + "]"; }
    out += "\n";
  }
  return out;
}

std::string interfaces_long(const std::vector<ListedInterface>& list)
{
  std::string out;
  for (const auto& l : list) {
    const Interface& ifc = l.interface;
    out += printable(l.source) + "\n";
    if (!ifc.description.empty()) { out += "  description: " + printable(ifc.description) + "\n"; }
    out += "  flags: " + hex(ifc.flags);
    const auto names = interface_flag_names(ifc.flags);
    for (std::size_t i = 0; i < names.size(); ++i) { out += (i == 0 ? " (" : ", ") + names[i]; }
    out += names.empty() ? "\n" : ")\n";
    for (const auto& a : ifc.addresses) {
      if (a.addr.family == AddrFamily::none) { continue; }
      out += "  " + address_line(a) + "\n";
    }
  }
  return out;
}

namespace {

void write_interfaces(JsonWriter& w, const std::vector<ListedInterface>& list)
{
  w.begin_array();
  for (const auto& l : list) {
    const Interface& ifc = l.interface;
    w.begin_object();
    w.key("source").value(l.source);
    w.key("name").value(ifc.name);
    w.key("description");
    if (ifc.description.empty()) {
      w.null();
    } else {
      w.value(ifc.description);
    }
    w.key("flags").value(std::uint64_t{ifc.flags});
    w.key("flag_names").begin_array();
    for (const auto& n : interface_flag_names(ifc.flags)) { w.value(n); }
    w.end_array();
    w.key("addresses").begin_array();
    for (const auto& a : ifc.addresses) {
      if (a.addr.family == AddrFamily::none) { continue; }
      w.begin_object();
      w.key("family").value(family_name(a.addr.family));
      w.key("address").value(a.addr.to_string());
      w.key("netmask");
      json_address(w, a.netmask);
      w.key("prefix");
      if (const int p = prefix_length(a.netmask); p >= 0) {
        w.value(p);
      } else {
        w.null();
      }
      w.key("broadaddr");
      json_address(w, a.broadaddr);
      w.key("dstaddr");
      json_address(w, a.dstaddr);
      w.end_object();
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
}

}  // namespace

std::string interfaces_json(const std::vector<ListedInterface>& list)
{
  JsonWriter w;
  write_interfaces(w, list);
  return w.str() + "\n";
}

std::string daemon_interfaces_line(const std::string& daemon, const std::vector<ListedInterface>& list)
{
  std::string out = printable(daemon);
  for (const auto& l : list) { out += " " + printable(l.interface.name); }
  return out + "\n";
}

std::string daemon_interfaces_json(const std::string& daemon, const std::vector<ListedInterface>& list)
{
  JsonWriter w;
  w.begin_object();
  w.key("daemon").value(daemon);
  w.key("interfaces");
  write_interfaces(w, list);
  w.end_object();
  return w.str() + "\n";
}

}  // namespace rpcap
