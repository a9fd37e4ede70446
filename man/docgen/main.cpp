// SPDX-License-Identifier: BSD-3-Clause
// docgen: every program's man page and bash, zsh and fish completions, made
// from the CLI::App its define_cli() builds, so that they cannot drift from
// the options (docs/architecture.md, "Where things go"). Build-only:
//
//   docgen --out DIR [--src MANDIR] [--strict]
//
// writes DIR/man/NAME.SECTION for each MANDIR/NAME.SECTION.in (filling
// @SYNOPSIS@ and @OPTIONS@ for a program, @VERSION@ everywhere) and
// DIR/completions/{bash/NAME,zsh/_NAME,fish/NAME.fish} for each program.
// `make docs` runs it with DIR = the source tree; the build, with DIR in the
// build tree; the ctest docs.up_to_date diffs the two.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "model.hpp"
#include "writers.hpp"

// Each program's define_cli(). To document a new program: include its cli.hpp
// here, add its line to k_programs below, and write man/NAME.SECTION.in.
// CMake needs nothing: rpcap_add_program() lists it in RPCAP_PROGRAMS, which
// links its NAME_cli library into docgen and makes `docgen --strict` (as
// `make docs` and the docs.up_to_date test run it) fail until the line is here.
#include "rpcap-conf/cli.hpp"
#include "rpcap-capture/cli.hpp"
#include "rpcap-extcap/cli.hpp"
#include "rpcap-listen/cli.hpp"
#include "rpcap-ls/cli.hpp"
#include "rpcapd/cli.hpp"

namespace {

namespace fs = std::filesystem;
using namespace rpcap::docgen;

// A program's CLI::App and the Options its callbacks point into; `app` is
// declared last so that it is destroyed first.
struct ProgramApp {
  std::shared_ptr<void> options;
  std::unique_ptr<CLI::App> app;
};

template <typename F>
struct OptionsOf;
template <typename O>
struct OptionsOf<void (*)(CLI::App&, O&)> {
  using type = O;
};

// Program `name`'s App, built as its main() builds it: `Define` with default Options.
template <auto Define>
ProgramApp make_app(const std::string& name)
{
  using Options = typename OptionsOf<decltype(Define)>::type;
  auto options = std::make_shared<Options>();
  auto app = std::make_unique<CLI::App>("", name);
  Define(*app, *options);
  return {options, std::move(app)};
}

struct Program {
  std::string_view name;  // bin/NAME, man/NAME.SECTION.in
  ProgramApp (*make)(const std::string& name);
};

// clang-format off
const Program k_programs[] = {
  {"rpcap-conf", make_app<rpcap::cli::conf::define_cli>},
  {"rpcap-capture", make_app<rpcap::cli::capture::define_cli>},
  {"rpcap-extcap", make_app<rpcap::cli::extcap::define_cli>},
  {"rpcap-listen", make_app<rpcap::cli::listen::define_cli>},
  {"rpcap-ls",   make_app<rpcap::cli::ls::define_cli>},
  {"rpcapd",     make_app<rpcap::cli::rpcapd::define_cli>},
};
// clang-format on

// A failure that ends the run: "docgen: error: message", exit status 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const fs::path& path)
{
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) { throw Failure("read " + path.string() + " failed"); }
  return text.str();
}

// Write `text` to `path` unless it already holds exactly that, so that a
// `make docs` that changes nothing leaves the source tree's times alone.
void write_file(const fs::path& path, const std::string& text)
{
  std::error_code ec;
  if (fs::exists(path, ec) && read_file(path) == text) { return; }
  fs::create_directories(path.parent_path(), ec);
  if (ec) { throw Failure("create " + path.parent_path().string() + ": " + ec.message()); }
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out << text;
  out.close();
  if (!out) { throw Failure("write " + path.string() + " failed"); }
}

// Replace the one `placeholder` in `text` (from `page`) with `value`.
std::string fill(std::string text, const std::string& page, std::string_view placeholder, const std::string& value)
{
  auto pos = text.find(placeholder);
  if (pos == std::string::npos || text.find(placeholder, pos + 1) != std::string::npos) {
    throw Failure(page + " must hold " + std::string(placeholder) + " exactly once");
  }
  std::string v = value;
  if (!v.empty() && v.back() == '\n') { v.pop_back(); }  // the placeholder's line has its own
  return text.replace(pos, placeholder.size(), v);
}

struct Page {
  std::string name;     // "rpcap-conf"
  std::string section;  // "1"
  fs::path source;      // MANDIR/rpcap-conf.1.in
  std::string file() const { return name + "." + section; }
};

// The hand-written pages in `dir`, sorted by name.
std::vector<Page> find_pages(const fs::path& dir)
{
  std::vector<Page> pages;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().filename().string();
    if (!file.ends_with(".in")) { continue; }
    std::string stem = file.substr(0, file.size() - 3);
    auto dot = stem.rfind('.');
    if (dot == std::string::npos || dot + 2 != stem.size() || stem[dot + 1] < '1' || stem[dot + 1] > '8') {
      throw Failure(entry.path().string() + ": expected NAME.SECTION.in with SECTION 1 to 8");
    }
    pages.push_back(Page{stem.substr(0, dot), stem.substr(dot + 1), entry.path()});
  }
  if (ec) { throw Failure("read directory " + dir.string() + ": " + ec.message()); }
  std::sort(pages.begin(), pages.end(), [](const Page& a, const Page& b) { return a.file() < b.file(); });
  return pages;
}

std::string render_page(const Page& page, const Command* program)
{
  const std::string where = "man/" + page.source.filename().string();
  std::string text = read_file(page.source);
  text = replace_all(std::move(text), "@VERSION@", RPCAP_VERSION);
  if (program != nullptr) {
    text = fill(text, where, "@SYNOPSIS@", roff_synopsis(*program));
    text = fill(text, where, "@OPTIONS@", roff_options(*program));
  } else if (text.find("@SYNOPSIS@") != std::string::npos || text.find("@OPTIONS@") != std::string::npos) {
    throw Failure(where + " has @SYNOPSIS@ or @OPTIONS@, but no program " + page.name
                  + " is in the table in man/docgen/main.cpp");
  }
  text = replace_all(std::move(text), "@SHOW_JSON_MEMBERS@\n", roff_show_json_members());
  try {
    text = roff_keys(text, where);
  } catch (const std::runtime_error& e) {
    throw Failure(e.what());
  }
  static const std::regex placeholder{"@[A-Z_]+@"};
  if (std::smatch m; std::regex_search(text, m, placeholder)) {
    throw Failure(where + ": unknown placeholder " + m.str());
  }
  return ".\\\" Generated by man/docgen from " + where + "; edit that file, then run 'make docs'.\n" + text;
}

// The programs the build defines (RPCAP_PROGRAMS in bin/CMakeLists.txt)
// that the table above lacks.
std::vector<std::string> undocumented_programs()
{
  std::vector<std::string> out;
  std::string built = RPCAP_DOC_PROGRAMS;
  for (std::size_t i = 0; i < built.size();) {
    std::size_t end = std::min(built.find(',', i), built.size());
    std::string name = built.substr(i, end - i);
    bool known = std::any_of(std::begin(k_programs), std::end(k_programs), [&](const Program& p) { return p.name == name; });
    if (!name.empty() && !known) { out.push_back(name); }
    i = end + 1;
  }
  return out;
}

int run(const fs::path& out_dir, const fs::path& src_dir, bool strict)
{
  for (const auto& name : undocumented_programs()) {
    std::cerr << "docgen: " << (strict ? "error" : "warning") << ": " << name
              << " is built but not in the table in man/docgen/main.cpp: it has no man page or completions\n";
    if (strict) { return 1; }
  }
  auto pages = find_pages(src_dir);
  // Each program's command tree; the App it was read from is no longer needed.
  std::vector<std::pair<std::string, Command>> programs;
  for (const auto& program : k_programs) {
    std::string name{program.name};
    auto built = program.make(name);
    programs.emplace_back(name, read_command(*built.app));
  }
  for (const auto& [name, cmd] : programs) {
    auto page = std::find_if(pages.begin(), pages.end(), [&](const Page& p) { return p.name == name; });
    if (page == pages.end()) { throw Failure("man/" + name + ".SECTION.in is missing; every program needs a page"); }
    std::string ref = name + "(" + page->section + ")";
    write_file(out_dir / "completions" / "bash" / name, bash_completion(cmd, ref));
    write_file(out_dir / "completions" / "zsh" / ("_" + name), zsh_completion(cmd, ref));
    write_file(out_dir / "completions" / "fish" / (name + ".fish"), fish_completion(cmd, ref));
  }
  for (const auto& page : pages) {
    auto program = std::find_if(programs.begin(), programs.end(), [&](const auto& p) { return p.first == page.name; });
    write_file(out_dir / "man" / page.file(), render_page(page, program == programs.end() ? nullptr : &program->second));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv)
{
  std::string out_dir;
  std::string src_dir = RPCAP_MAN_SOURCE_DIR;
  bool strict = false;
  CLI::App app{"write the man pages and shell completions of every program", "docgen"};
  app.add_option("--out", out_dir, "write DIR/man and DIR/completions")->type_name("DIR")->required();
  app.add_option("--src", src_dir, "read the hand-written NAME.SECTION.in pages from DIR")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_flag("--strict", strict, "fail if a program the build defines is not in docgen's table");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return run(out_dir, src_dir, strict);
  } catch (const Failure& e) {
    std::cerr << "docgen: error: " << e.what() << "\n";
    return 1;
  }
}
