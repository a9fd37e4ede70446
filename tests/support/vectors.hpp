// SPDX-License-Identifier: BSD-3-Clause
// Golden vectors recorded from the reference peers (tests/vectors/*.hex):
// annotated hex, `#` starts a comment, one message per file.
#pragma once

#include <string>
#include <vector>

#include "rpcap/wire/bytes.hpp"

namespace rpcap::test {

// The bytes of tests/vectors/`name`.hex; fails the current test if the file
// is missing or holds anything but hex digits, blanks and comments.
Bytes load_vector(const std::string& name);
// Annotated hex with comments removed, then decoded; empty on bad input.
Bytes parse_annotated_hex(const std::string& text);
// The names (without .hex) of every vector file.
std::vector<std::string> vector_names();

}  // namespace rpcap::test
