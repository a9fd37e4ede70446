// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf: generate, check and show rpcapd config files.
#include <fstream>
#include <iostream>

#include "common/tool.hpp"
#include "rpcap-conf/cli.hpp"
#include "rpcap/config.hpp"
#include "rpcap/config_view.hpp"

namespace {

using namespace rpcap;

int generate(const CLI::App& app, const cli::conf::Options& opts)
{
  auto cfg = config_from_flags(opts.daemon);
  if (!cfg) { return tool::report(app, cfg.error()); }
  auto text = write_config(*cfg);
  if (!text) { return tool::report(app, text.error()); }
  if (opts.output.empty()) {
    std::cout << *text << std::flush;
    return std::cout ? tool::exit_ok : tool::exit_failure;
  }
  std::ofstream out{opts.output, std::ios::binary | std::ios::trunc};
  out << *text;
  out.close();
  if (!out) { return tool::report(app, make_error(ErrorKind::io, "write \"" + opts.output + "\" failed")); }
  return tool::exit_ok;
}

// Each problem of `path` and of the host-list file it names, as "file:line: message".
std::vector<std::string> problems_of(const std::string& path)
{
  auto cfg = load_config(path);
  if (!cfg) { return {cfg.error().message}; }
  std::vector<std::string> out;
  if (!cfg->host_list_file.empty()) {
    if (auto hosts = load_host_list(cfg->host_list_file); !hosts) { out.push_back(hosts.error().message); }
  }
  return out;
}

int check(const cli::conf::Options& opts)
{
  int rc = tool::exit_ok;
  for (const auto& path : opts.files) {
    for (const auto& p : problems_of(path)) {
      std::cerr << p << "\n";
      rc = tool::exit_failure;
    }
  }
  return rc;
}

int show(const CLI::App& app, const cli::conf::Options& opts)
{
  auto cfg = load_config(opts.show_file);
  if (!cfg) {
    tool::error(app.get_name(), cfg.error().message);
    return tool::exit_failure;
  }
  std::cout << (opts.json ? show_config_json(*cfg) : show_config_text(*cfg)) << std::flush;
  return tool::exit_ok;
}

}  // namespace

int main(int argc, char** argv)
{
  cli::conf::Options opts;
  CLI::App app{"", "rpcap-conf"};
  cli::conf::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }
  if (app.got_subcommand("generate")) { return generate(app, opts); }
  if (app.got_subcommand("check")) { return check(opts); }
  return show(app, opts);
}
