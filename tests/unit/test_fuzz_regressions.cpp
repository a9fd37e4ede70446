// SPDX-License-Identifier: BSD-3-Clause
// The fuzz regression corpus on every build, with any compiler: each file
// in tests/fuzz-regressions/<target>/ goes through the body of that libFuzzer
// target (fuzz/targets.cpp), whose property checks fail the test instead of
// aborting. Files under <target>/known-bugs/ reproduce open library bugs and
// are skipped until the bug is fixed (then move them up a directory).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

// Not on unit_tests' include path: fuzz/ sits beside tests/, not inside it.
#include "../../fuzz/targets.hpp"

namespace fs = std::filesystem;

namespace {

struct PropertyBroken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_failure(const std::string& what) { throw PropertyBroken{what}; }

// Installs the throwing failure handler for one test case.
struct ThrowOnFailure {
  ThrowOnFailure() { rpcap::fuzz::set_failure_handler(throw_failure); }
  ~ThrowOnFailure() { rpcap::fuzz::set_failure_handler(nullptr); }
  ThrowOnFailure(const ThrowOnFailure&) = delete;
  ThrowOnFailure& operator=(const ThrowOnFailure&) = delete;
};

fs::path regressions_dir() { return fs::path{RPCAP_TESTS_DIR} / "fuzz-regressions"; }

// The regular files directly in `dir` (not known-bugs/), sorted.
std::vector<fs::path> inputs(const fs::path& dir)
{
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator{dir}) {
    if (e.is_regular_file()) { out.push_back(e.path()); }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::uint8_t> read_bytes(const fs::path& path)
{
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

}  // namespace

TEST_CASE("fuzz: every regression input passes its target", "[fuzz]")
{
  const ThrowOnFailure guard;
  for (const auto& target : rpcap::fuzz::targets()) {
    DYNAMIC_SECTION("target " << target.name)
    {
      const fs::path dir = regressions_dir() / target.name;
      INFO("regression directory " << dir.string());
      REQUIRE(fs::is_directory(dir));
      const auto files = inputs(dir);
      CHECK_FALSE(files.empty());
      for (const auto& file : files) {
        INFO("input " << file.string());
        const auto bytes = read_bytes(file);
        std::string broken;
        try {
          target.run(bytes.data(), bytes.size());
        } catch (const PropertyBroken& e) {
          broken = e.what();
        }
        CHECK(broken == "");
      }
    }
  }
}

TEST_CASE("fuzz: every regression directory belongs to a target", "[fuzz]")
{
  const auto targets = rpcap::fuzz::targets();
  for (const auto& e : fs::directory_iterator{regressions_dir()}) {
    const std::string name = e.path().filename().string();
    INFO("tests/fuzz-regressions/" << name);
    CHECK(e.is_directory());
    CHECK(std::any_of(targets.begin(), targets.end(), [&](const auto& t) { return name == t.name; }));
  }
}
