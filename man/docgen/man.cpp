// SPDX-License-Identifier: BSD-3-Clause
// The generated parts of a man page, in man(7) macros that groff and mandoc
// both know (.SY/.YS come from groff's an-ext, which mandoc implements too).
#include <algorithm>
#include <regex>
#include <set>

#include "writers.hpp"

namespace rpcap::docgen {
namespace {

bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// One line of prose: a line starting with "." or "'" would be a request.
std::string roff_line(std::string_view text)
{
  std::string out = roff_escape(text);
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) { out.insert(0, "\\&"); }
  return out + "\n";
}

// An option name, value name or command name: every hyphen is a minus sign.
std::string roff_name(std::string_view name)
{
  std::string out;
  for (char c : name) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}
// "\%" keeps a name from being hyphenated ("--max-ses-sions").
std::string bold(std::string_view name) { return "\\fB\\%" + roff_name(name) + "\\fR"; }
std::string italic(std::string_view name) { return "\\fI\\%" + roff_name(name) + "\\fR"; }

// `description` as a sentence: capitalised, with a final period.
std::string sentence(std::string_view description)
{
  std::string s(description);
  if (s.empty()) { return s; }
  if (s.front() >= 'a' && s.front() <= 'z') { s.front() = static_cast<char>(s.front() - 'a' + 'A'); }
  if (s.back() != '.' && s.back() != '?' && s.back() != '!') { s += '.'; }
  return s;
}

// A range validator's description (CLI11's "UINT in [1 - 10000]", or
// tool::whole_between's "1-10000" and ">=1") as "1 to 10000" or "at least
// 1"; any other check as it is worded.
std::string check_text(const std::string& check)
{
  static const std::regex range{R"(^\S+ in \[(.+) - (.+)\]$)"};
  static const std::regex whole{R"(^(\d+)-(\d+)$)"};
  static const std::regex at_least{R"(^>=(\d+)$)"};
  std::smatch m;
  if (std::regex_match(check, m, range) || std::regex_match(check, m, whole)) {
    return "Values: " + m[1].str() + " to " + m[2].str() + ".";
  }
  if (std::regex_match(check, m, at_least)) { return "Values: at least " + m[1].str() + "."; }
  return "Values: " + check + ".";
}

const Opt* find_option(const Command& cmd, const std::string& name)
{
  for (const auto& o : cmd.options) {
    if (o.preferred_name() == name) { return &o; }
  }
  return nullptr;
}

// "\fB-b\fR\ \fIADDRESS\fR": the shortest name and the value, kept on one line.
std::string synopsis_option(const Opt& o)
{
  std::string out = bold(o.shorts.empty() ? o.longs.front() : o.shorts.front());
  if (o.takes_value()) { out += "\\ " + italic(o.value); }
  return out;
}

// `item` in brackets, as one word groff never breaks: "\\%" goes before the
// "[" (a "\\%" inside a word marks a place where groff may break it).
std::string bracketed(std::string item)
{
  if (const auto at = item.find("\\%"); at != std::string::npos) { item.erase(at, 2); }
  return "\\%[" + item + "]";
}

std::string synopsis_positional(const Opt& p)
{
  std::string out = italic(p.positional);
  if (p.repeatable) { out += "\\ ..."; }
  return p.required ? out : bracketed(out);
}

// `parent_options`: the command above takes options of its own before this
// one's name (rpcap-listen's -b -p ...), shown as [OPTIONS].
void synopsis_of(const Command& cmd, std::string& out, bool parent_options = false)
{
  bool runnable = cmd.subcommands.empty() || !cmd.subcommand_required;
  if (runnable) {
    out += ".SY " + roff_name(cmd.path.front()) + "\n";
    if (parent_options) { out += bracketed(italic("OPTIONS")) + "\n"; }
    if (cmd.path.size() > 1) {
      std::vector<std::string> rest(cmd.path.begin() + 1, cmd.path.end());
      out += ".B " + roff_name(join(rest, " ")) + "\n";
    }
    std::set<std::string> done;
    for (const auto& o : cmd.options) {
      if (o.help || o.version || done.contains(o.preferred_name())) { continue; }
      done.insert(o.preferred_name());
      // Flags that exclude each other are shown as one choice: [-4 | -6].
      std::string item = synopsis_option(o);
      if (!o.takes_value()) {
        for (const auto& name : o.excludes) {
          const Opt* other = find_option(cmd, name);
          if (other != nullptr && !other->takes_value() && !done.contains(name)) {
            item += "\\ |\\ " + synopsis_option(*other);
            done.insert(name);
          }
        }
      }
      if (!o.required) { item = bracketed(item); }
      if (o.repeatable) { item += "\\ ..."; }
      out += item + "\n";
    }
    if (!cmd.subcommands.empty()) { out += bracketed(italic("COMMAND")) + "\n"; }
    for (const auto& p : cmd.positionals) { out += synopsis_positional(p) + "\n"; }
    out += ".YS\n";
  }
  const bool own_options = std::any_of(cmd.options.begin(), cmd.options.end(),
                                       [](const Opt& o) { return !o.help && !o.version; });
  for (const auto& sub : cmd.subcommands) { synopsis_of(sub, out, own_options && !runnable); }
}

void option_paragraph(const Opt& o, const Command& cmd, std::string& out)
{
  out += ".TP\n";
  if (o.positional.empty()) {
    std::vector<std::string> names;
    for (const auto& n : o.names()) { names.push_back(bold(n)); }
    out += join(names, ", ");
    if (o.takes_value()) { out += " " + italic(o.value); }
  } else {
    out += italic(o.positional);
    if (o.repeatable) { out += " ..."; }
  }
  out += "\n";
  out += roff_line(sentence(o.description));
  if (o.help && !cmd.subcommands.empty()) { out += "After a subcommand, print that subcommand's help.\n"; }
  for (const auto& c : o.checks) { out += roff_line(check_text(c)); }
  if (!o.default_value.empty()) { out += roff_line("Default: " + o.default_value + "."); }
  if (o.required && o.positional.empty()) { out += "Required.\n"; }
  if (!o.excludes.empty()) {
    std::vector<std::string> names;
    for (const auto& n : o.excludes) { names.push_back(bold(n)); }
    out += "Cannot be used with " + join(names, " or ") + ".\n";
  }
  if (!o.needs.empty()) {
    std::vector<std::string> names;
    for (const auto& n : o.needs) { names.push_back(bold(n)); }
    out += "Needs " + join(names, " and ") + ".\n";
  }
  if (!o.envname.empty()) { out += "The environment variable " + bold(o.envname) + " sets it too.\n"; }
}

// The options of `cmd`; a subcommand's --help is described once, at the top.
void options_of(const Command& cmd, std::string& out)
{
  bool top = cmd.path.size() == 1;
  for (const auto& o : cmd.options) {
    if (!top && o.help) { continue; }
    option_paragraph(o, cmd, out);
  }
  for (const auto& p : cmd.positionals) { option_paragraph(p, cmd, out); }
  for (const auto& sub : cmd.subcommands) {
    std::vector<std::string> rest(sub.path.begin() + 1, sub.path.end());
    out += ".SS \"" + replace_all(roff_name(join(rest, " ")), "\"", "\"\"") + "\"\n";
    out += roff_line(sentence(sub.description));
    options_of(sub, out);
  }
}

}  // namespace

std::string roff_escape(std::string_view text)
{
  std::string out;
  bool option_word = false;  // inside a word that is an option name ("-4", "--null-auth")
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      option_word = false;
    } else if (c == '-' && !option_word) {
      // A word starts an option if its first "-" follows a blank or an
      // opening quote or parenthesis and comes before a letter, a digit or "-".
      bool at_start = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '"'
                      || text[i - 1] == '\'' || text[i - 1] == '[';
      bool before_name = i + 1 < text.size() && (is_alnum(text[i + 1]) || text[i + 1] == '-');
      option_word = at_start && before_name;
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-' && option_word) {
      out += "\\-";
    } else {
      out += c;
    }
  }
  return out;
}

std::string roff_synopsis(const Command& cmd)
{
  std::string out;
  synopsis_of(cmd, out);
  return out;
}

std::string roff_options(const Command& cmd)
{
  std::string out;
  options_of(cmd, out);
  return out;
}

}  // namespace rpcap::docgen
