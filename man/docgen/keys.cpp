// SPDX-License-Identifier: BSD-3-Clause
// The daemon's config keys in rpcapd.conf(5), from the settings table
// (lib/rpcap/config/settings.cpp): each "@KEY Name@" line of the page
// becomes the key's paragraph head, and after the hand-written prose that
// follows it comes one line with its switches, range and default, so that
// the page cannot drift from what the parser, the checks and the options do.
#include <regex>
#include <stdexcept>

#include "rpcap/config/settings.hpp"
#include "writers.hpp"

namespace rpcap::docgen {
namespace {

using K = Setting::Kind;

std::string lower(std::string_view s)
{
  std::string out{s};
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') { c = static_cast<char>(c - 'A' + 'a'); }
  }
  return out;
}

// ".BI "Key = " value", as the kind of value reads.
std::string head(const Setting& s)
{
  const std::string key{s.key};
  switch (s.kind) {
  case K::hosts: return ".BI \"" + key + " = \" host\n";
  case K::targets: return ".BI \"" + key + " = \" \"host\" \", \" port\n";
  case K::yes_no: return ".BR \"" + key + " = YES\" | NO\n";
  case K::family: return ".BR \"" + key + " = any\" | ipv4 | ipv6\n";
  case K::host: return ".BI \"" + key + " = \" host\n";
  case K::port: return ".BI \"" + key + " = \" port\n";
  case K::path: return ".BI \"" + key + " = \" path\n";
  case K::group: return ".BI \"" + key + " = \" group\n";
  case K::port_range: return ".BI \"" + key + " = \" low\\-high\n";
  case K::number: return ".BI \"" + key + " = \" " + (s.value_name == "KIB" ? "KiB" : lower(s.value_name)) + "\n";
  }
  return {};
}

// "\fB\-l\fR, \fB\-\-hosts\fR" for "-l,--hosts"; "A|B" lists both.
std::string switches(std::string_view option)
{
  std::string out;
  std::size_t i = 0;
  while (i < option.size()) {
    const std::size_t end = std::min(option.find_first_of(",|", i), option.size());
    if (!out.empty()) { out += ", "; }
    out += "\\fB" + roff_escape(option.substr(i, end - i)) + "\\fR";
    i = end + 1;
  }
  return out;
}

// The facts line: "Switch: ...; from MIN to MAX; default: X."
std::string facts(const Setting& s)
{
  static const DaemonConfig defaults;
  std::string out;
  if (!s.option.empty()) { out += (s.kind == K::family ? "Switches: " : "Switch: ") + switches(s.option) + "; "; }
  if (s.kind == K::number) { out += "from " + std::to_string(s.min) + " to " + std::to_string(s.max) + "; "; }
  const std::string value = s.kind == K::hosts || s.kind == K::targets ? "" : value_text(s, defaults);
  out += "default: " + (value.empty() ? roff_escape(s.unset) : "\\fB" + roff_escape(value) + "\\fR") + ".\n";
  out[0] = static_cast<char>(out[0] - (out[0] >= 'a' && out[0] <= 'z' ? 'a' - 'A' : 0));
  return out;
}

// What show_config_json() writes for `s`, in a few words.
std::string json_type(const Setting& s)
{
  switch (s.kind) {
  case K::hosts: return "an array of strings";
  case K::targets: return "an array of objects with \\fBhost\\fR and \\fBport\\fR, strings";
  case K::yes_no: return "true or false";
  case K::number: return "a number";
  case K::family: return "\\fBany\\fR, \\fBipv4\\fR or \\fBipv6\\fR";
  case K::port: return "a string: a number or a service name";
  case K::host:
  case K::path:
  case K::group:
  case K::port_range: break;
  }
  return s.unset.empty() ? "a string" : "a string, or null: " + roff_escape(s.unset);
}

}  // namespace

std::string roff_show_json_members()
{
  std::string out;
  for (const auto& s : daemon_settings()) {
    out += ".TP\n.B " + roff_escape(s.json) + "\n" + json_type(s) + " (\\fB" + roff_escape(s.key) + "\\fR)\n";
  }
  return out;
}

std::string roff_keys(const std::string& text, const std::string& where)
{
  static const std::regex key_line{"^@KEY ([A-Za-z]+)@$"};
  const auto table = daemon_settings();
  std::size_t next = 0;         // the table entry the next @KEY must name
  const Setting* open = nullptr;  // the key whose prose is being copied
  std::string out;
  auto close = [&] {
    if (open != nullptr) { out += ".br\n" + facts(*open); }
    open = nullptr;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    std::smatch m;
    if (std::regex_match(line, m, key_line)) {
      close();
      if (next >= table.size() || table[next].key != m.str(1)) {
        throw std::runtime_error(where + ": @KEY " + m.str(1) + "@: expected "
                                 + (next < table.size() ? "@KEY " + std::string{table[next].key} + "@" : "no more keys")
                                 + " (the keys of lib/rpcap/config/settings.cpp, in its order)");
      }
      open = &table[next++];
      out += ".TP\n" + head(*open);
      continue;
    }
    if (line.starts_with(".SS") || line.starts_with(".SH")) { close(); }
    out += line;
    if (nl < text.size()) { out += '\n'; }
  }
  close();
  if (next != 0 && next != table.size()) {
    throw std::runtime_error(where + ": no @KEY " + std::string{table[next].key} + "@ (every key of "
                             "lib/rpcap/config/settings.cpp needs one, in its order)");
  }
  return out;
}

}  // namespace rpcap::docgen
