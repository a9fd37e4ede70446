// SPDX-License-Identifier: BSD-3-Clause
#include "support/vectors.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rpcap::test {
namespace {

std::filesystem::path vectors_dir() { return std::filesystem::path{RPCAP_TESTS_DIR} / "vectors"; }

}  // namespace

Bytes parse_annotated_hex(const std::string& text)
{
  std::string hex;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);) {
    hex += line.substr(0, line.find('#'));
    hex += '\n';
  }
  return from_hex(hex);
}

Bytes load_vector(const std::string& name)
{
  const auto path = vectors_dir() / (name + ".hex");
  std::ifstream in{path};
  INFO("vector file " << path.string());
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  Bytes bytes = parse_annotated_hex(text.str());
  REQUIRE_FALSE(bytes.empty());
  return bytes;
}

std::vector<std::string> vector_names()
{
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator{vectors_dir()}) {
    if (e.path().extension() == ".hex") { names.push_back(e.path().stem().string()); }
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace rpcap::test
