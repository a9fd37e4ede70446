// SPDX-License-Identifier: BSD-3-Clause
// docgen's view of a program's command line: a plain tree of commands and
// options read once from the CLI::App that the program's define_cli() built,
// so that the man page and the three completion writers share one reading of
// CLI11 (and none of them calls a CLI11 getter itself).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace rpcap::docgen {

// What a shell should offer for an option's value or a positional.
enum class Complete {
  nothing,      // a free value: offer nothing
  files,        // CLI::ExistingFile, a path validator, or a type name FILE ("LIST|FILE" too)
  directories,  // CLI::ExistingDirectory or a type name DIR
};

struct Opt {
  std::vector<std::string> shorts;  // "-b"
  std::vector<std::string> longs;   // "--bind"
  std::string positional;           // the name of a positional ("FILE"); empty for options
  std::string value;                // the value's type name ("ADDRESS"); empty for a flag
  std::string description;          // as given to CLI11: lowercase, no final period
  std::string default_value;        // get_default_str(), "" if none
  std::vector<std::string> checks;  // validator descriptions other than the path ones
  std::vector<std::string> excludes;  // the preferred name of each excluded option
  std::vector<std::string> needs;     // the preferred name of each needed option
  std::string envname;              // environment variable that sets it, or ""
  Complete complete{Complete::nothing};
  bool required{false};
  bool repeatable{false};  // takes a value and may be given more than once
  bool help{false};        // --help: documented once, not per subcommand
  bool version{false};     // --version

  bool takes_value() const { return !value.empty(); }
  // The name to refer to it by: the first long name, else the first short one.
  const std::string& preferred_name() const;
  // Every name, short ones first ("-b", "--bind").
  std::vector<std::string> names() const;
};

struct Command {
  std::string name;               // "rpcap-conf", "generate"
  std::vector<std::string> path;  // {"rpcap-conf", "generate"}
  std::string description;
  std::vector<Opt> options;       // in definition order, help first
  std::vector<Opt> positionals;   // in definition order
  std::vector<Command> subcommands;
  bool subcommand_required{false};
};

// Read `app` (and its subcommands, recursively) into a Command tree. Hidden
// options and subcommands (empty group) are left out, as CLI11's help does.
Command read_command(CLI::App& app);

// `description` shortened for the descriptions completion menus show: its
// first clause, up to "; ", a sentence's ". " or a ": " that introduces
// details, without " (...)" asides, and starting in lower case. A ": " after
// a head of a few words keeps the head as the context of what follows
// ("rpcaps://: trust exactly the certificate with this SHA-256 fingerprint").
std::string summary(std::string_view description);

// Helpers shared by the writers.
std::string join(const std::vector<std::string>& items, std::string_view separator);
std::string replace_all(std::string s, std::string_view from, std::string_view to);

}  // namespace rpcap::docgen
