// SPDX-License-Identifier: BSD-3-Clause
// Where a client's password comes from. Never the command line, which other
// users can read in the process list: a file, the environment, or the
// terminal with echo off. The programs decide which, with credentials_for().
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rpcap/base/error.hpp"

namespace rpcap {

// A user name and password for RPCAP password authentication (AUTH_REQ type 1).
struct Credentials {
  std::string username;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

// The first line of file `path`, without its line end ("\n" or "\r\n").
// Fails with `config` (quoting `path`) if it cannot be read or is empty.
Result<std::string> read_password_file(const std::string& path);

// Ask for a password on the controlling terminal (/dev/tty) with `prompt`
// and echo off, and read one line. Fails with `io` if there is no terminal.
Result<std::string> prompt_password(std::string_view prompt);

// Where the password may come from, in the order credentials_for() tries them.
struct PasswordSources {
  std::string password_file;                // read_password_file() when not empty
  std::optional<std::string> env_password;  // the value of RPCAP_PASSWORD, if set
  bool may_prompt{false};                   // ask on /dev/tty (stdin is a terminal)
};

// The credentials for `user`: none when `user` is empty (NULL
// authentication), else the password from the first source in
// `sources` that is given. Fails with `usage` if none is.
Result<std::optional<Credentials>> credentials_for(const std::string& user, const PasswordSources& sources);

}  // namespace rpcap
