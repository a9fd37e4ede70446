// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/source_list.hpp"

#include <algorithm>
#include <sstream>
#include <string>

namespace rpcap {

namespace {

// "(keys: user, password-file, ...)", from k_source_keys.
std::string known_keys()
{
  std::string keys;
  for (const auto k : k_source_keys) { keys += (keys.empty() ? "" : ", ") + std::string{k}; }
  return " (keys: " + keys + ")";
}

}  // namespace

Result<std::vector<SourceEntry>> parse_source_list(std::string_view text, std::string_view file)
{
  std::vector<SourceEntry> out;
  std::istringstream in{std::string{text}};
  unsigned number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto fail = [&](const std::string& what) {
      return make_error(ErrorKind::usage, std::string{file} + ":" + std::to_string(number) + ": " + what);
    };
    std::istringstream words{line};
    SourceEntry e;
    e.line = number;
    if (!(words >> e.source) || e.source.front() == '#') { continue; }
    for (std::string w; words >> w;) {
      if (w.front() == '#') { break; }
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        return fail("\"" + w + "\" is not KEY=VALUE" + known_keys());
      }
      const std::string key = w.substr(0, eq);
      if (std::find(std::begin(k_source_keys), std::end(k_source_keys), key) == std::end(k_source_keys)) {
        return fail("unknown key \"" + key + "\"" + known_keys());
      }
      if (!e.options.emplace(key, w.substr(eq + 1)).second) { return fail(key + " is given twice"); }
    }
    out.push_back(std::move(e));
  }
  if (out.empty()) { return make_error(ErrorKind::usage, std::string{file} + ": no source in it"); }
  return out;
}

}  // namespace rpcap
