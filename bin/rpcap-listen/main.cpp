// SPDX-License-Identifier: BSD-3-Clause
// rpcap-listen: wait for daemons that connect in active mode (rpcapd -a),
// from behind the firewalls that keep us from connecting to them, and use
// each one from the shell:
//   rpcap-listen wait probe1 && rpcap-listen capture eth0 | tcpdump -r -
#include <csignal>
#include <filesystem>

#include "common/capture_options.hpp"
#include "common/tool.hpp"
#include "rpcap-listen/cli.hpp"
#include "rpcap-listen/serve.hpp"
#include "rpcap/config/config.hpp"
#include "rpcap/net/listener.hpp"

namespace {

using namespace rpcap;

// The -l lists and files as one allow list; every entry must resolve.
Result<HostAllowList> allow_list(const std::vector<std::string>& lists)
{
  std::vector<std::string> hosts;
  for (const auto& list : lists) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(list, ec)) {
      auto loaded = load_host_list(list);
      if (!loaded) { return std::move(loaded).error(); }
      if (loaded->empty()) { return make_error(ErrorKind::usage, "-l \"" + list + "\": the file names no host"); }
      hosts.insert(hosts.end(), loaded->begin(), loaded->end());
      continue;
    }
    auto split = split_host_list(list);
    if (split.empty()) { return make_error(ErrorKind::usage, "-l \"" + list + "\" names no host"); }
    hosts.insert(hosts.end(), split.begin(), split.end());
  }
  std::vector<Error> errors;
  auto allow = HostAllowList::resolve(hosts, errors);
  if (!errors.empty()) { return make_error(ErrorKind::usage, "-l: " + errors.front().message); }
  return allow;
}

}  // namespace

int main(int argc, char** argv)
{
  cli::listen::Options opts;
  CLI::App app{"", "rpcap-listen"};
  cli::listen::define_cli(app, opts);
  if (auto rc = tool::parse(app, argc, argv)) { return *rc; }

  auto allow = allow_list(opts.allow);
  if (!allow) { return tool::report(app, allow.error()); }
  const AddressFamily family = opts.ipv4 ? AddressFamily::ipv4 : opts.ipv6 ? AddressFamily::ipv6 : AddressFamily::any;
  auto listener = ActiveListener::open(opts.bind, opts.port, family, std::move(*allow));
  if (!listener) { return tool::report(app, listener.error()); }

  const RunSignals signals = tool::install_capture_signals();
  listen::Context ctx{app, opts, *listener, signals.stop, signals.report};
  return listen::serve(ctx);
}
