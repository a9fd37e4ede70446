// SPDX-License-Identifier: BSD-3-Clause
// The texts docgen writes from a Command tree: the man page's generated parts
// and the three shell completions. Each is a pure function of the tree, so
// the output depends on nothing but the sources (docs.up_to_date diffs it).
#pragma once

#include <string>

#include "model.hpp"

namespace rpcap::docgen {

// The SYNOPSIS lines of `cmd`: one .SY block per runnable (sub)command.
std::string roff_synopsis(const Command& cmd);

// The OPTIONS section body of `cmd`: its options as .TP paragraphs, then one
// .SS subsection per subcommand.
std::string roff_options(const Command& cmd);

// `text` escaped for a roff text line: backslashes, and the hyphens of
// option names (which must print as minus signs, "\-").
std::string roff_escape(std::string_view text);

// `text` (a page, from `where`) with each "@KEY Name@" line made the head of
// that daemon key's paragraph and a line of its switches, range and default
// after the prose that follows (settings.hpp); the keys must come in the
// table's order, all of them or none. Throws std::runtime_error if not.
std::string roff_keys(const std::string& text, const std::string& where);

// The members of `rpcap-conf show --json`'s object, one ".TP" paragraph
// each with its JSON type, from the settings table (as show_config_json()
// writes them).
std::string roff_show_json_members();

// The completion scripts for program `cmd`; `page` ("rpcap-conf(1)") names
// its man page in the header comment.
std::string bash_completion(const Command& cmd, const std::string& page);
std::string zsh_completion(const Command& cmd, const std::string& page);
std::string fish_completion(const Command& cmd, const std::string& page);

}  // namespace rpcap::docgen
