// SPDX-License-Identifier: BSD-3-Clause
#include "model.hpp"

#include <algorithm>

namespace rpcap::docgen {
namespace {

// The most words before a description's first ": " that are only its
// context, not what the option does (summary()).
constexpr std::ptrdiff_t k_max_context_words = 4;

// The descriptions of `opt`'s validators, in the order get_type_name() appends
// them. CLI11 2.1.2 has no const accessor and no count, only an index that
// throws past the end.
std::vector<std::string> validator_descriptions(CLI::Option& opt)
{
  std::vector<std::string> out;
  for (int i = 0;; ++i) {
    const CLI::Validator* v = nullptr;
    try {
      v = opt.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    if (auto d = v->get_description(); !d.empty()) { out.push_back(d); }
  }
  return out;
}

Complete completion_of_validator(const std::string& description)
{
  // The descriptions of CLI::ExistingFile, ExistingDirectory, ExistingPath and NonexistentPath.
  if (description == "FILE" || description == "PATH(existing)" || description == "PATH(non-existing)") {
    return Complete::files;
  }
  if (description == "DIR") { return Complete::directories; }
  return Complete::nothing;
}

Opt read_option(CLI::Option& o, const CLI::App& app)
{
  Opt opt;
  for (const auto& s : o.get_snames()) { opt.shorts.push_back("-" + s); }
  for (const auto& l : o.get_lnames()) { opt.longs.push_back("--" + l); }
  if (o.get_positional()) { opt.positional = o.get_name(true); }
  opt.description = o.get_description();
  opt.default_value = o.get_default_str();
  opt.envname = o.get_envname();
  opt.required = o.get_required();
  opt.help = &o == app.get_help_ptr() || &o == app.get_help_all_ptr();
  opt.version = &o == app.get_version_ptr();

  // get_type_name() is the type name followed by ":" and each validator's
  // description; take the validators off the end instead of splitting at
  // ":" so that a type name such as HOST:PORT survives.
  std::string type = o.get_type_name();
  auto checks = validator_descriptions(o);
  for (auto it = checks.rbegin(); it != checks.rend(); ++it) {
    std::string suffix = ":" + *it;
    if (type.size() >= suffix.size() && type.ends_with(suffix)) { type.resize(type.size() - suffix.size()); }
  }
  if (o.get_items_expected_max() > 0) {
    opt.value = type.empty() ? "VALUE" : type;
    opt.repeatable = o.get_expected_max() > 1;
  }
  // A type name FILE, or one of whose alternatives is ("LIST|FILE"), takes a file name.
  for (std::size_t i = 0; i <= opt.value.size();) {
    std::size_t end = std::min(opt.value.find('|', i), opt.value.size());
    std::string_view alternative = std::string_view(opt.value).substr(i, end - i);
    if (alternative == "FILE") { opt.complete = Complete::files; }
    if (alternative == "DIR" && opt.complete == Complete::nothing) { opt.complete = Complete::directories; }
    i = end + 1;
  }
  for (const auto& c : checks) {
    if (auto complete = completion_of_validator(c); complete != Complete::nothing) {
      opt.complete = complete;
    } else {
      opt.checks.push_back(c);
    }
  }
  for (const CLI::Option* other : o.get_excludes()) { opt.excludes.push_back(other->get_name()); }
  for (const CLI::Option* other : o.get_needs()) { opt.needs.push_back(other->get_name()); }
  // std::set<Option*> orders by address; sort for output that does not change between runs.
  std::sort(opt.excludes.begin(), opt.excludes.end());
  std::sort(opt.needs.begin(), opt.needs.end());
  return opt;
}

Command read_command(CLI::App& app, std::vector<std::string> parent_path)
{
  Command cmd;
  cmd.name = app.get_name();
  cmd.path = std::move(parent_path);
  cmd.path.push_back(cmd.name);
  cmd.description = app.get_description();
  cmd.subcommand_required = app.get_require_subcommand_min() > 0;
  for (CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) { continue; }  // hidden
    Opt opt = read_option(*o, app);
    (opt.positional.empty() ? cmd.options : cmd.positionals).push_back(std::move(opt));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return !a->get_group().empty() && !a->get_disabled(); })) {
    cmd.subcommands.push_back(read_command(*sub, cmd.path));
  }
  return cmd;
}

}  // namespace

const std::string& Opt::preferred_name() const
{
  if (!longs.empty()) { return longs.front(); }
  if (!shorts.empty()) { return shorts.front(); }
  return positional;
}

std::vector<std::string> Opt::names() const
{
  std::vector<std::string> out = shorts;
  out.insert(out.end(), longs.begin(), longs.end());
  return out;
}

Command read_command(CLI::App& app) { return read_command(app, {}); }

std::string summary(std::string_view description)
{
  // Parenthesised asides go (with the blank before them), nested ones too; an
  // unclosed one runs to the end.
  std::string text;
  int depth = 0;
  for (std::size_t i = 0; i < description.size(); ++i) {
    const char c = description[i];
    if (c == '(' && (depth > 0 || (i > 0 && description[i - 1] == ' '))) {
      if (depth == 0) { text.pop_back(); }
      ++depth;
    } else if (depth > 0) {
      if (c == ')') { --depth; }
    } else {
      text += c;
    }
  }
  // The first ": " ends the summary only after a head long enough to say
  // something alone; a short head is the context the rest applies in
  // ("remote: receive...", "with -C or -G: keep...", "rpcaps://: trust...").
  std::size_t end = text.size();
  if (auto colon = text.find(": "); colon != std::string::npos) {
    const auto words = std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), ' ') + 1;
    end = words > k_max_context_words ? colon : std::min(end, text.find(": ", colon + 2));
  }
  end = std::min(end, text.find("; "));
  // A sentence ends at ". " before a capital ("IFACE. Without"), not at "4... seconds".
  for (std::size_t dot = text.find(". "); dot < end; dot = text.find(". ", dot + 1)) {
    if (dot + 2 < text.size() && text[dot + 2] >= 'A' && text[dot + 2] <= 'Z') {
      end = dot;
      break;
    }
  }
  std::string out = text.substr(0, end);
  // CLI11's own descriptions are capitalised ("Print this help message..."); ours are not.
  if (out.size() > 1 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  }
  return out;
}

std::string join(const std::vector<std::string>& items, std::string_view separator)
{
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) { out += separator; }
    out += items[i];
  }
  return out;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to)
{
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace rpcap::docgen
