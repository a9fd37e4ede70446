// SPDX-License-Identifier: BSD-3-Clause
// What every program shares: parsing the command line with CLI11, printing
// messages with the program's prefix, and the exit codes scripts rely on.
// This is the only place that prints diagnostics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "rpcap/base/error.hpp"

namespace rpcap::tool {

// Exit statuses shared by every program (each man page's EXIT STATUS).
enum ExitCode : int {
  exit_ok = 0,       // success
  exit_failure = 1,  // the operation failed: network, remote refusal, capture, bad file
  exit_usage = 2,    // a usage error: flag, source string, configuration
};

// Parse `argv` into `app`. Returns nullopt to go on, or the status to exit
// with: 0 after --help or --version (printed on stdout; 1 if it cannot
// be), 2 after a usage error (one line on stderr: "prog: error: ...").
std::optional<int> parse(CLI::App& app, int argc, char** argv);

// Print "prog: error: message" for `err` and return its exit status: 2 for
// usage and config errors, 1 for everything else.
int report(const CLI::App& app, const Error& err);

// Write `text` to standard output at once (after what std::cout holds).
// Fails (ErrorKind::io, "standard output: CAUSE") when it cannot be
// written: a full disk, a closed descriptor, a reader that went away.
Status write_output(std::string_view text);

// Write `text` to standard output: exit_ok, or exit_failure after
// "prog: error: standard output: CAUSE" when it could not be written.
int output(const CLI::App& app, std::string_view text);

// Print "prog: error: `msg`", "prog: warning: `msg`" or "prog: info: `msg`" on stderr.
void error(std::string_view prog, std::string_view msg);
void warning(std::string_view prog, std::string_view msg);
void info(std::string_view prog, std::string_view msg);

// A check that an option's value is a number of seconds from `min` to
// `max`, fractions allowed, with a readable message otherwise.
CLI::Validator seconds_between(double min, double max);

// A check that an option's value is a whole number from `min` to `max`,
// with a short message in the user's words otherwise ("must be at least 1",
// "must be from 0 to 262144"), not CLI11's range of doubles.
CLI::Validator whole_between(std::uint64_t min, std::uint64_t max = UINT64_MAX);

// A check that an option's value is a port to listen on: a number from 0
// (any free port) to 65535 or a service name, as rpcapd -p takes it.
// getaddrinfo() would take "99999" as port 34463 (modulo 65536).
CLI::Validator listening_port();

// The text of the --version output of program `prog`.
std::string version_text(std::string_view prog);

}  // namespace rpcap::tool
