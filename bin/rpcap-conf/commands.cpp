// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-conf/commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/tool.hpp"
#include "rpcap/base/file.hpp"
#include "rpcap/config/settings.hpp"
#include "rpcap/config/view.hpp"
#include "rpcap/daemon/supervisor.hpp"
#include "rpcap/net/certificate.hpp"

namespace rpcap::conf {

int generate(const CLI::App& app, const Options& opts)
{
  auto cfg = config_from_flags(opts.daemon);
  if (cfg) {
    // The daemon would refuse to start on a file it cannot read: say so now.
    for (auto member : {&DaemonConfig::tls_key, &DaemonConfig::tls_cert, &DaemonConfig::tls_client_ca}) {
      const std::string& file = (*cfg).*member;
      if (file.empty() || ::access(file.c_str(), R_OK) == 0) { continue; }
      const std::string problem = name_of(key_of(member), Spelling::switches) + " \"" + file + "\": " + std::strerror(errno);
      if (!opts.keep_missing) {
        return tool::report(app, make_error(ErrorKind::usage, problem + " (--force writes the file all the same)"));
      }
      tool::warning(app.get_name(), problem + "; rpcapd needs it before it starts");
    }
  }
  auto text = cfg ? write_config(*cfg) : Result<std::string>{cfg.error()};
  if (!text) { return tool::report(app, text.error()); }
  if (opts.output.empty()) { return tool::output(app, *text); }
  auto st = write_file(opts.output, *text);
  return st ? tool::exit_ok : tool::report(app, st.error());
}

int check(const CLI::App&, const Options& opts)
{
  int rc = tool::exit_ok;
  for (const auto& path : opts.files) {
    for (const auto& p : config_file_problems(path)) {
      std::cerr << p << "\n";
      rc = tool::exit_failure;
    }
  }
  return rc;
}

// A config that cannot be read is a failure (1) here, not a usage error.
int show(const CLI::App& app, const Options& opts)
{
  auto cfg = load_config(opts.show_file);
  if (!cfg) {
    tool::error(app.get_name(), cfg.error().message);
    return tool::exit_failure;
  }
  return tool::output(app, opts.json ? show_config_json(*cfg) : show_config_text(*cfg));
}

int tls_cert(const CLI::App& app, const Options& opts)
{
  // One file for both would end up holding the certificate alone: the key lost.
  if (same_file(opts.key_file, opts.cert_file)) {
    return tool::report(app, make_error(ErrorKind::usage, "--key \"" + opts.key_file + "\" and --cert \""
                                                              + opts.cert_file + "\" name the same file"));
  }
  auto id = make_certificate(host_cert_spec(opts.hosts, opts.days));
  auto pin = id ? certificate_pin(id->cert_pem) : Result<Pin>{id.error()};
  if (!pin) { return tool::report(app, pin.error()); }
  // Both or neither: a key without its certificate is of no use, and would
  // stop the next run without --force. The key is readable by its owner only.
  auto st = write_new_files({{opts.key_file, id->key_pem, 0600}, {opts.cert_file, id->cert_pem, 0644}}, opts.force);
  if (!st) { return tool::report(app, st.error()); }
  return tool::output(app, format_pin(*pin) + "\n");
}

}  // namespace rpcap::conf
