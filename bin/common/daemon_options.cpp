// SPDX-License-Identifier: BSD-3-Clause
#include "common/daemon_options.hpp"

#include "common/tool.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap::tool {
namespace {

using K = Setting::Kind;
using C = DaemonConfig;

// The part of "A|B" before the '|' (`second`: after it).
std::string part(std::string_view text, bool second)
{
  const auto bar = text.find('|');
  if (bar == std::string_view::npos) { return std::string{second ? "" : text}; }
  return std::string{second ? text.substr(bar + 1) : text.substr(0, bar)};
}

// Where a yes/no setting's switch is stored.
bool& flag_of(DaemonFlags& flags, const Setting& s)
{
  if (s.flag == &C::null_auth) { return flags.null_auth; }
  if (s.flag == &C::active_only) { return flags.active_only; }
  return flags.tls;
}

// Where a text setting's switch is stored.
std::string& text_of(DaemonFlags& flags, const Setting& s)
{
  if (s.text == &C::listen_address) { return flags.bind_address; }
  if (s.text == &C::port) { return flags.port; }
  if (s.text == &C::capture_group) { return flags.capture_group; }
  if (s.text == &C::data_ports) { return flags.data_ports; }
  if (s.text == &C::tls_key) { return flags.tls_key; }
  if (s.text == &C::tls_cert) { return flags.tls_cert; }
  return flags.tls_client_ca;
}

}  // namespace

CLI::Option* add_number_option(CLI::App& app, const Setting& s, unsigned& into, std::string_view help)
{
  return app.add_option(std::string{s.option}, into, std::string{help.empty() ? s.help : help})
      ->type_name(std::string{s.value_name})
      ->check(tool::whole_between(s.min, s.max))
      ->capture_default_str();
}

void add_daemon_options(CLI::App& app, DaemonFlags& flags)
{
  CLI::Option* tls = nullptr;
  for (const auto& s : daemon_settings()) {
    if (s.option.empty()) { continue; }
    const std::string name{s.option};
    const std::string help{s.help};
    const std::string value{s.value_name};
    switch (s.kind) {
    case K::hosts: app.add_option(name, flags.host_lists, help)->type_name(value)->allow_extra_args(false); break;
    case K::targets: app.add_option(name, flags.active_lists, help)->type_name(value)->allow_extra_args(false); break;
    case K::family: {
      auto* v4 = app.add_flag(part(s.option, false), flags.ipv4_only, part(s.help, false));
      auto* v6 = app.add_flag(part(s.option, true), flags.ipv6_only, part(s.help, true));
      v4->excludes(v6);
      break;
    }
    case K::yes_no: {
      auto* f = app.add_flag(name, flag_of(flags, s), help);
      if (s.flag == &C::tls) { tls = f; }
      break;
    }
    case K::number: add_number_option(app, s, flags.numbers.*s.number); break;
    case K::port: app.add_option(name, text_of(flags, s), help)->type_name(value)->capture_default_str(); break;
    case K::host:
    case K::path:
    case K::group:
    case K::port_range: {
      auto* o = app.add_option(name, text_of(flags, s), help)->type_name(value);
      // The TLS files without -S would be ignored: refused instead.
      const bool tls_file = s.text == &C::tls_key || s.text == &C::tls_cert || s.text == &C::tls_client_ca;
      if (tls_file && tls != nullptr) { o->needs(tls); }
      break;
    }
    }
  }
}

}  // namespace rpcap::tool
