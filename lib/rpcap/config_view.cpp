// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/config_view.hpp"

#include "rpcap/json.hpp"

namespace rpcap {
namespace {

const char* yes_no(bool b) { return b ? "YES" : "NO"; }

void line(std::string& out, std::string_view key, std::string_view value)
{
  out.append(key).append(" = ").append(value).append("\n");
}

}  // namespace

std::string show_config_text(const DaemonConfig& cfg)
{
  std::string out;
  if (cfg.passive_clients.empty()) { out += "# PassiveClient: none listed, every host may connect\n"; }
  for (const auto& h : cfg.passive_clients) { line(out, "PassiveClient", h); }
  if (cfg.active_clients.empty()) { out += "# ActiveClient: none, no active connections\n"; }
  for (const auto& a : cfg.active_clients) { line(out, "ActiveClient", a.host + ", " + a.port); }
  line(out, "NullAuthPermit", yes_no(cfg.null_auth));
  if (cfg.listen_address.empty()) {
    out += "# ListenAddress: every local address\n";
  } else {
    line(out, "ListenAddress", cfg.listen_address);
  }
  line(out, "ListenPort", cfg.port);
  line(out, "AddressFamily", to_string(cfg.family));
  line(out, "ActiveOnly", yes_no(cfg.active_only));
  if (cfg.host_list_file.empty()) {
    out += "# HostListFile: none\n";
  } else {
    line(out, "HostListFile", cfg.host_list_file);
  }
  line(out, "MaxSessions", std::to_string(cfg.max_sessions));
  line(out, "MaxSessionsPerHost", std::to_string(cfg.max_sessions_per_host));
  line(out, "MaxUnauthenticated", std::to_string(cfg.max_unauthenticated));
  line(out, "MaxUnauthenticatedPerSource", std::to_string(cfg.max_unauthenticated_per_source));
  line(out, "FirstMessageTimeout", std::to_string(cfg.first_message_timeout));
  line(out, "AuthTimeout", std::to_string(cfg.auth_timeout));
  line(out, "IdleTimeout", std::to_string(cfg.idle_timeout));
  if (cfg.capture_group.empty()) {
    out += "# CaptureGroup: none, only root may capture after a login\n";
  } else {
    line(out, "CaptureGroup", cfg.capture_group);
  }
  line(out, "Keepalive", std::to_string(cfg.keepalive));
  line(out, "UserTimeout", std::to_string(cfg.user_timeout));
  line(out, "DataTimeout", std::to_string(cfg.data_timeout));
  line(out, "MaxLoginDelay", std::to_string(cfg.max_login_delay));
  line(out, "CaptureBuffer", std::to_string(cfg.capture_buffer_kib));
  line(out, "Tls", yes_no(cfg.tls));
  auto path = [&](std::string_view key, const std::string& value, std::string_view none) {
    if (value.empty()) {
      out.append("# ").append(key).append(": ").append(none).append("\n");
    } else {
      line(out, key, value);
    }
  };
  path("TlsKey", cfg.tls_key, "none");
  path("TlsCert", cfg.tls_cert, "none");
  path("TlsClientCa", cfg.tls_client_ca, "none, client certificates are not asked for");
  return out;
}

std::string show_config_json(const DaemonConfig& cfg)
{
  JsonWriter w;
  w.begin_object();
  w.key("passive_clients").begin_array();
  for (const auto& h : cfg.passive_clients) { w.value(h); }
  w.end_array();
  w.key("active_clients").begin_array();
  for (const auto& a : cfg.active_clients) {
    w.begin_object().key("host").value(a.host).key("port").value(a.port).end_object();
  }
  w.end_array();
  w.key("null_auth").value(cfg.null_auth);
  w.key("listen_address");
  cfg.listen_address.empty() ? w.null() : w.value(cfg.listen_address);
  w.key("port").value(cfg.port);
  w.key("address_family").value(to_string(cfg.family));
  w.key("active_only").value(cfg.active_only);
  w.key("host_list_file");
  cfg.host_list_file.empty() ? w.null() : w.value(cfg.host_list_file);
  w.key("max_sessions").value(cfg.max_sessions);
  w.key("max_sessions_per_host").value(cfg.max_sessions_per_host);
  w.key("max_unauthenticated").value(cfg.max_unauthenticated);
  w.key("max_unauthenticated_per_source").value(cfg.max_unauthenticated_per_source);
  w.key("first_message_timeout").value(cfg.first_message_timeout);
  w.key("auth_timeout").value(cfg.auth_timeout);
  w.key("idle_timeout").value(cfg.idle_timeout);
  w.key("capture_group");
  cfg.capture_group.empty() ? w.null() : w.value(cfg.capture_group);
  w.key("keepalive").value(cfg.keepalive);
  w.key("user_timeout").value(cfg.user_timeout);
  w.key("data_timeout").value(cfg.data_timeout);
  w.key("max_login_delay").value(cfg.max_login_delay);
  w.key("capture_buffer").value(cfg.capture_buffer_kib);
  w.key("tls").value(cfg.tls);
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"tls_key", &cfg.tls_key},
                            {"tls_cert", &cfg.tls_cert},
                            {"tls_client_ca", &cfg.tls_client_ca}}) {
    w.key(key);
    value->empty() ? w.null() : w.value(*value);
  }
  w.end_object();
  return w.str() + "\n";
}

}  // namespace rpcap
