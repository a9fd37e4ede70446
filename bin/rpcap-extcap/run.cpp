// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-extcap/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"
#include "common/tool.hpp"
#include "rpcap/client/extcap.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/net/capture.hpp"
#include "rpcap/net/listener.hpp"

namespace rpcap::cli::extcap {
namespace ex = rpcap::extcap;
namespace {

// Link type a filter is checked for before the daemon is asked: Wireshark
// checks the filter while it is typed, before any connection, and Ethernet
// is what nearly every daemon's interfaces are. The capture compiles it
// again for the opened interface's real link type.
constexpr int k_check_linktype = 1;  // DLT_EN10MB

// The longest wait for a daemon between looks at the stop signal.
constexpr int k_tick_ms = 200;

// The session options of the interface's arguments: TLS checks, timeout,
// and the login (none for an empty user name).
Result<ClientOptions> session_options(const Options& opts)
{
  tool::ClientFlags flags;
  flags.timeout_s = opts.timeout_s;
  flags.ca_file = opts.ca_file;
  flags.pin = opts.pin;
  flags.allow_plaintext_password = opts.allow_plaintext_password;
  // A pin or CA given in the dialog with "Use TLS" unticked is a mistake to show, not a plaintext session.
  if (auto st = tool::check_tls_options(flags, opts.tls, "only with --tls"); !st) { return std::move(st).error(); }
  auto client = tool::client_options(flags, opts.tls);
  if (!client) { return std::move(client).error(); }
  if (!opts.username.empty()) { client->credentials = Credentials{opts.username, opts.password}; }
  client->tls = opts.tls;  // over a daemon's call (rpcap-active); rpcaps:// says it for rpcap
  return client;
}

// The daemon the `rpcap` interface's arguments name, with `device` as its interface.
Result<Source> passive_source(const Options& opts)
{
  if (opts.remote_host.empty()) {
    return make_error(ErrorKind::usage, "--remote-host is required: the daemon to capture from");
  }
  Source src;
  src.kind = SourceKind::remote;
  src.tls = opts.tls;
  src.host = opts.remote_host;
  src.port = std::to_string(opts.remote_port);
  src.name = opts.remote_interface;
  return src;
}

// The interface of the daemon that calls in (rpcap-active); its address is
// known only once it has.
Result<Source> active_source(const Options& opts)
{
  Source src;
  src.kind = SourceKind::remote;
  src.tls = opts.tls;
  src.name = opts.remote_interface;
  return src;
}

// The session with the first daemon that calls in on `listener`, waited
// for until a stop signal; the listener is closed then, so that other
// daemons are refused by the kernel (and call again later).
Result<ClientSession> first_daemon(ActiveListener& listener, const ClientOptions& client, const RunSignals& signals,
                                   unsigned port)
{
  while (*signals.stop == 0) {
    auto d = listener.next(k_tick_ms);
    if (!d) { return std::move(d).error(); }
    if (!*d) { continue; }
    listener.close();
    return ClientSession::attach(std::move((*d)->conn), client);
  }
  return make_error(ErrorKind::io, "stopped: no daemon called in on port " + std::to_string(port) +
                                       " (start it with rpcapd -a THIS_HOST," + std::to_string(port) + ")");
}

Result<ClientSession> connect_passive(const Options& opts)
{
  auto src = passive_source(opts);
  if (!src) { return std::move(src).error(); }
  auto client = session_options(opts);
  if (!client) { return std::move(client).error(); }
  return ClientSession::connect(*src, *client);
}

// The daemon's interfaces as selector values.
Result<std::string> reload(const Options& opts)
{
  // Refuse what cannot be reloaded before connecting anywhere.
  if (auto check = ex::reload_text(opts.interface, opts.reload_option, {}); !check) { return check; }
  auto session = connect_passive(opts);
  if (!session) { return std::move(session).error(); }
  auto devices = session->list_interfaces();
  if (!devices) { return std::move(devices).error(); }
  return ex::reload_text(opts.interface, opts.reload_option, *devices, opts.remote_interface);
}

// The capture filter compiled for the link type most daemons' interfaces
// have: fails with the compiler's message.
Status check_filter(const Options& opts)
{
  auto f = compile_filter(opts.capture_filter, k_check_linktype, static_cast<int>(clamp_snaplen(opts.snaplen)));
  if (!f) { return make_error(ErrorKind::usage, f.error().message); }
  return {};
}

// Wireshark's filter check: nothing on standard output if the filter is
// valid, else the compiler's message as the one line.
std::string filter_check_text(const Options& opts)
{
  auto st = check_filter(opts);
  return st ? std::string{} : st.error().message + "\n";
}

}  // namespace

int answer_query(const CLI::App& app, const Options& opts)
{
  Result<std::string> text = std::string{};
  switch (opts.mode) {
  case Mode::interfaces: text = ex::interfaces_text(RPCAP_VERSION); break;
  case Mode::version: text = ex::version_line(RPCAP_VERSION); break;
  case Mode::dlts: text = ex::dlts_text(opts.interface); break;
  case Mode::config: text = ex::config_text(opts.interface, opts.remote_interface); break;
  case Mode::reload: text = reload(opts); break;
  case Mode::check_filter: text = filter_check_text(opts); break;
  case Mode::none:
  case Mode::capture: break;
  }
  if (!text) { return tool::report(app, text.error()); }
  return tool::output(app, *text);
}

int capture(const CLI::App& app, const Options& opts)
{
  if (opts.interface != ex::k_passive && opts.interface != ex::k_active) {
    return tool::report(app, ex::dlts_text(opts.interface).error());
  }
  const bool active = opts.interface == ex::k_active;
  if (opts.remote_interface.empty()) {
    return tool::report(app, make_error(ErrorKind::usage,
                                        active ? "--remote-interface is required: the calling daemon's interface to capture"
                                               : "no interface: choose one in --remote-interface (Load lists the "
                                                 "daemon's) or type its name in --remote-interface-name"));
  }
  tool::CaptureFlags flags;
  if (!opts.capture_filter.empty()) { flags.filter = {opts.capture_filter}; }
  flags.snaplen = opts.snaplen;
  flags.no_promisc = !opts.promiscuous;
  flags.udp = opts.udp;
  flags.sampling = opts.sampling;
  auto src = active ? active_source(opts) : passive_source(opts);
  if (!src) { return tool::report(app, src.error()); }
  auto run = tool::capture_run_options(flags, *src);
  if (!run) { return tool::report(app, run.error()); }
  auto client = session_options(opts);
  if (!client) { return tool::report(app, client.error()); }
  // A password that would go in clear is refused before anything is opened.
  if (auto st = check_credentials(*client, opts.tls, "--tls"); !st) { return tool::report(app, st.error()); }
  // The filter is checked here too, so that a bad one is refused before
  // any connection; the session compiles it again for the real link type.
  if (auto st = check_filter(opts); !st) { return tool::report(app, st.error()); }
  // Listening before the fifo is opened: a port in use is reported at once.
  std::optional<ActiveListener> listener;
  if (active) {
    auto l = ActiveListener::open("", std::to_string(opts.listen_port), AddressFamily::any, HostAllowList{});
    if (!l) { return tool::report(app, l.error()); }
    listener.emplace(std::move(*l));
  }
  const auto signals = tool::install_capture_signals();
  // Wireshark waits for the fifo to be opened, and shows what went wrong
  // once this program exits.
  const int fd = ::open(opts.fifo.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return tool::report(app, make_error(ErrorKind::io, "open fifo \"" + opts.fifo + "\": " + std::strerror(errno)));
  }
  const Fd out_fd{fd};
  auto session = active ? first_daemon(*listener, *client, signals, opts.listen_port)
                        : ClientSession::connect(*src, *client);
  if (!session) { return tool::report(app, session.error()); }
  // pcapng, so that Wireshark shows the interface by the source's name (no
  // credentials in it) with the daemon's description of it.
  const std::string name = session->daemon_name() + opts.remote_interface;
  auto merged = tool::merged_capture_options(
      {MergedSource{std::move(*run), name, std::make_shared<ClientSession>(std::move(*session))}}, flags);
  merged.section = host_section(tool::version_text(app.get_name()));
  tool::Destination fifo{out_fd.get(), nullptr, "", false};
  const tool::CaptureOutput out{fifo, "", false, ""};
  return tool::merged_capture_to_output(app, flags, merged, out, signals);
}

}  // namespace rpcap::cli::extcap
