// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config/view.hpp"

#include "rpcap/base/file.hpp"
#include "rpcap/base/json.hpp"
#include "rpcap/config/settings.hpp"

namespace rpcap {
namespace {

void line(std::string& out, std::string_view key, std::string_view value)
{
  out.append(key).append(" = ").append(value).append("\n");
}

}  // namespace

std::string show_config_text(const DaemonConfig& cfg)
{
  std::string out;
  auto unset = [&](const Setting& s) { out.append("# ").append(s.key).append(": ").append(s.unset).append("\n"); };
  for (const auto& s : daemon_settings()) {
    switch (s.kind) {
    case Setting::Kind::hosts:
      if (cfg.passive_clients.empty()) { unset(s); }
      for (const auto& h : cfg.passive_clients) { line(out, s.key, h); }
      break;
    case Setting::Kind::targets:
      if (cfg.active_clients.empty()) { unset(s); }
      for (const auto& a : cfg.active_clients) { line(out, s.key, a.host + ", " + a.port); }
      break;
    default:
      if (!s.unset.empty() && value_text(s, cfg).empty()) {
        unset(s);
      } else {
        line(out, s.key, value_text(s, cfg));
      }
      break;
    }
  }
  return out;
}

std::string show_config_json(const DaemonConfig& cfg)
{
  JsonWriter w;
  w.begin_object();
  for (const auto& s : daemon_settings()) {
    w.key(std::string{s.json});
    switch (s.kind) {
    case Setting::Kind::hosts:
      w.begin_array();
      for (const auto& h : cfg.passive_clients) { w.value(h); }
      w.end_array();
      break;
    case Setting::Kind::targets:
      w.begin_array();
      for (const auto& a : cfg.active_clients) {
        w.begin_object().key("host").value(a.host).key("port").value(a.port).end_object();
      }
      w.end_array();
      break;
    case Setting::Kind::yes_no: w.value(cfg.*s.flag); break;
    case Setting::Kind::number: w.value(cfg.*s.number); break;
    default:
      if (!s.unset.empty() && value_text(s, cfg).empty()) {
        w.null();
      } else {
        w.value(value_text(s, cfg));
      }
      break;
    }
  }
  w.end_object();
  return w.str() + "\n";
}

Status save_config(const std::string& path, const DaemonConfig& cfg)
{
  return write_file(path, "# rpcapd configuration, every setting (written by rpcapd -s; read with rpcapd -f)\n"
                              + show_config_text(cfg));
}

}  // namespace rpcap
