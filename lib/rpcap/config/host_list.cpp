// SPDX-License-Identifier: BSD-3-Clause
// Host lists: -l and -a on the command line, and the HostListFile.
#include "rpcap/config/config.hpp"

#include <algorithm>
#include <filesystem>

#include "rpcap/base/file.hpp"
#include "rpcap/base/text.hpp"
#include "rpcap/config/values.hpp"

namespace rpcap {
namespace {

constexpr std::string_view k_host_list_separators = " ,;\r\n";  // libpcap RPCAP_HOSTLIST_SEP

}  // namespace

using namespace conf;

std::vector<std::string> split_host_list(std::string_view list)
{
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t end = std::min(list.find_first_of(k_host_list_separators, i), list.size());
    if (end > i) { out.emplace_back(list.substr(i, end - i)); }
    i = end + 1;
  }
  return out;
}

Result<std::vector<ActiveClient>> parse_active_list(std::string_view list)
{
  auto fail = [&](const std::string& problem) {
    return make_error(ErrorKind::usage, "active client list " + quote(list) + ": " + problem);
  };
  auto tokens = split_host_list(list);
  if (tokens.empty()) { return fail("no host"); }
  if ((tokens.size() + 1) / 2 > k_max_active_clients) {
    return fail(too_many_targets());
  }
  std::vector<ActiveClient> out;
  for (std::size_t i = 0; i < tokens.size(); i += 2) {
    ActiveClient target{tokens[i], std::string(k_default_active_port)};
    if (i + 1 < tokens.size() && !iequals(tokens[i + 1], "DEFAULT")) { target.port = tokens[i + 1]; }
    if (auto problem = host_problem(target.host)) { return fail(*problem); }
    if (auto problem = port_problem(target.port)) { return fail(*problem); }
    out.push_back(std::move(target));
  }
  return out;
}

HostListParse parse_host_list(std::string_view text, std::string_view path)
{
  HostListParse result;
  Diagnostics diag(path, result.errors);
  std::size_t chars = 0;
  for_each_line(text, diag, [&](std::size_t lineno, std::string_view line) {
    auto tokens = split_blanks(trim_trailing_blanks(line.substr(0, line.find('#'))));
    if (tokens.empty()) { return; }
    if (tokens.size() > 1) {
      diag.add(lineno, "unexpected " + quote(tokens[1]) + " after " + quote(tokens[0]) + "; give one host per line");
      return;
    }
    if (tokens[0].find_first_of(",;") != std::string_view::npos) {
      diag.add(lineno, quote(tokens[0]) + " is not one host; give one host per line");
      return;
    }
    if (auto problem = host_problem(tokens[0])) {
      diag.add(lineno, *problem);
      return;
    }
    std::size_t added = tokens[0].size() + (result.hosts.empty() ? 0 : 1);
    if (chars + added > k_max_host_list_chars) {
      diag.add(lineno, host_list_too_long());
      return;
    }
    chars += added;
    result.hosts.emplace_back(tokens[0]);
  });
  return result;
}

Result<std::vector<std::string>> load_host_list(const std::string& path)
{
  auto text = read_file(path, k_max_config_bytes);
  if (!text) { return std::move(text).error(); }
  auto parsed = parse_host_list(*text, path);
  if (!parsed.errors.empty()) { return join_errors(parsed.errors); }
  return std::move(parsed.hosts);
}

// The -l lists and files as one allow list; every entry must resolve.
Result<HostAllowList> allow_list_of(const std::vector<std::string>& lists)
{
  std::vector<std::string> hosts;
  for (const auto& list : lists) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(list, ec)) {
      auto loaded = load_host_list(list);
      if (!loaded) { return std::move(loaded).error(); }
      if (loaded->empty()) { return make_error(ErrorKind::usage, "-l \"" + list + "\": the file names no host"); }
      hosts.insert(hosts.end(), loaded->begin(), loaded->end());
      continue;
    }
    auto split = split_host_list(list);
    if (split.empty()) { return make_error(ErrorKind::usage, "-l \"" + list + "\" names no host"); }
    hosts.insert(hosts.end(), split.begin(), split.end());
  }
  std::vector<Error> errors;
  auto allow = HostAllowList::resolve(hosts, errors);
  if (!errors.empty()) { return make_error(ErrorKind::usage, "-l: " + errors.front().message); }
  return allow;
}

}  // namespace rpcap
