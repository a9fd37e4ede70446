// SPDX-License-Identifier: BSD-3-Clause
// rpcap-conf: generate, check and show rpcapd config files.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/tool.hpp"
#include "rpcap-conf/cli.hpp"
#include "rpcap/config/config.hpp"
#include "rpcap/config/view.hpp"
#include "rpcap/daemon/supervisor.hpp"
#include "rpcap/base/file.hpp"
#include "rpcap/net/tls.hpp"

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
  if (auto st = write_file(opts.output, *text); !st) { return tool::report(app, st.error()); }
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
  // The key and certificate must load as rpcapd will load them.
  if (auto tls = tls_context_for(*cfg); !tls) { out.push_back(path + ": " + tls.error().message); }
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

// Write `text` to a new file `path` with `mode` (replacing one only with `force`).
Status write_new_file(const std::string& path, const std::string& text, mode_t mode, bool force)
{
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  Fd fd{::open(path.c_str(), flags, mode)};
  if (!fd) {
    std::string cause = std::strerror(errno);
    if (errno == EEXIST) { cause += " (--force replaces it)"; }
    return make_error(ErrorKind::io, "write \"" + path + "\": " + cause);
  }
  // An existing file keeps its mode with O_TRUNC: a key must not stay readable.
  if (::fchmod(fd.get(), mode) != 0 || !write_all(fd.get(), text.data(), text.size(), -1)) {
    return make_error(ErrorKind::io, "write \"" + path + "\": " + std::strerror(errno));
  }
  return {};
}

int tls_cert(const CLI::App& app, const cli::conf::Options& opts)
{
  CertSpec spec;
  spec.hosts = opts.hosts;
  if (spec.hosts.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') { spec.hosts.emplace_back(name); }
  }
  spec.not_after_s = std::int64_t{opts.days} * 86400;
  auto id = make_certificate(spec);
  if (!id) { return tool::report(app, id.error()); }
  auto pin = certificate_pin(id->cert_pem);
  if (!pin) { return tool::report(app, pin.error()); }
  if (auto st = write_new_file(opts.key_file, id->key_pem, 0600, opts.force); !st) { return tool::report(app, st.error()); }
  if (auto st = write_new_file(opts.cert_file, id->cert_pem, 0644, opts.force); !st) {
    return tool::report(app, st.error());
  }
  std::cout << format_pin(*pin) << "\n" << std::flush;
  return std::cout ? tool::exit_ok : tool::exit_failure;
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
  if (app.got_subcommand("tls-cert")) { return tls_cert(app, opts); }
  return show(app, opts);
}
