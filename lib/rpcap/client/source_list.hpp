// SPDX-License-Identifier: BSD-3-Clause
// A list of capture sources with their own logins and TLS checks (the file
// of rpcap-capture --sources), for captures from several daemons that do
// not share one user, password or certificate. One source per line, then
// KEY=VALUE words that replace the command line's option of that name for
// that source only:
//
//   # SOURCE                     options
//   rpcaps://a.example.org/eth0  user=alice password-file=/home/alice/.rpcap-a pin=5C:0E:...
//   rpcap://b.example.org/eth0   user=bob password-file=/home/alice/.rpcap-b
//   eth1
//
// Keys: user, password-file, ca, pin, cert, key. Blank lines and lines that
// start with # are skipped. No password itself: a file that lists sources
// should not hold secrets (password-file names one that does).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"

namespace rpcap {

struct SourceEntry {
  std::string source;                         // as written
  std::map<std::string, std::string> options; // key -> value, only those given
  unsigned line{0};
};

// The keys a line may set.
inline constexpr std::string_view k_source_keys[] = {"user", "password-file", "ca", "pin", "cert", "key"};

// Parse `text`, the contents of `file` (named in errors: "FILE:3: ...").
// Usage errors for an unknown key, a word without "=", a key given twice.
Result<std::vector<SourceEntry>> parse_source_list(std::string_view text, std::string_view file);

}  // namespace rpcap
