// SPDX-License-Identifier: BSD-3-Clause
#include "common/client_options.hpp"

#include "common/daemon_options.hpp"
#include "common/tool.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <errno.h>  // program_invocation_short_name
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace rpcap::tool {
namespace {

void add_login_options(CLI::App& app, ClientFlags& flags)
{
  auto* user = app.add_option("-u,--user", flags.user, "log in as USER with a password (default: no authentication)")
                   ->type_name("USER");
  app.add_option("--password-file", flags.password_file, "read the password from the first line of FILE")
      ->type_name("FILE")
      ->needs(user);
  app.add_option("--timeout", flags.timeout_s, "give up on a connection or a reply after SECONDS")
      ->type_name("SECONDS")
      ->check(seconds_between(0.001, 86400))
      ->capture_default_str();
  add_number_option(app, setting_of(&DaemonConfig::keepalive), flags.keepalive_s);
  add_number_option(app, setting_of(&DaemonConfig::user_timeout), flags.user_timeout_s,
                    "give the daemon up when what was sent to it, keepalive probes included, stays unacknowledged "
                    "for SECONDS (TCP_USER_TIMEOUT; 0: the kernel's, about 15 minutes)");
}

void add_tls_options(CLI::App& app, ClientFlags& flags)
{
  auto* ca = app.add_option("--ca", flags.ca_file,
                            "rpcaps://: trust the CA certificates in FILE (PEM) instead of the system's trust store")
                 ->type_name("FILE");
  auto* pin = app.add_option("--pin", flags.pin,
                             "rpcaps://: trust exactly the certificate with this SHA-256 fingerprint (hex, colons "
                             "allowed; rpcap-conf tls-cert prints it), whoever signed it")
                  ->type_name("SHA256");
  auto* insecure = app.add_flag("--insecure", flags.insecure,
                                "rpcaps://: do not verify the daemon's certificate (anyone on the path can read and "
                                "change the session)");
  pin->excludes(ca);
  insecure->excludes(ca)->excludes(pin);
  auto* cert = app.add_option("--cert", flags.cert_file,
                              "rpcaps://: present the certificate in FILE (PEM) to a daemon that asks for one "
                              "(rpcapd --client-ca)")
                   ->type_name("FILE");
  app.add_option("--key", flags.key_file, "the private key of --cert (PEM)")->type_name("FILE")->needs(cert);
  app.add_flag("--allow-plaintext-password", flags.allow_plaintext_password,
               "send the password of -u over rpcap:// without TLS, in clear text");
}

}  // namespace

void add_client_options(CLI::App& app, ClientFlags& flags, unsigned sets)
{
  if ((sets & login_options) != 0) { add_login_options(app, flags); }
  if ((sets & connect_options) != 0) {
    auto* v4 = app.add_flag("-4,--ipv4", flags.ipv4, "connect over IPv4 only");
    app.add_flag("-6,--ipv6", flags.ipv6, "connect over IPv6 only")->excludes(v4);
  }
  if ((sets & tls_options) != 0) { add_tls_options(app, flags); }
  if ((sets & attach_option) != 0) {
    app.add_option("--fd", flags.fd,
                   "speak RPCAP over descriptor N, a connection a daemon made in active mode (as rpcap-listen "
                   "exec passes it), instead of connecting")
        ->type_name("N")
        ->check(tool::whole_between(0, 1u << 20));
  }
}

Status check_tls_options(const ClientFlags& flags, bool tls, std::string_view to_what)
{
  if (tls) { return {}; }
  std::vector<std::string> given;
  if (!flags.ca_file.empty()) { given.emplace_back("--ca"); }
  if (!flags.pin.empty()) { given.emplace_back("--pin"); }
  if (flags.insecure) { given.emplace_back("--insecure"); }
  if (!flags.cert_file.empty()) { given.emplace_back("--cert"); }
  if (!flags.key_file.empty()) { given.emplace_back("--key"); }
  if (given.empty()) { return {}; }
  std::string names;
  for (std::size_t i = 0; i < given.size(); ++i) {
    names += (i == 0 ? "" : i + 1 == given.size() ? " and " : ", ") + given[i];
  }
  return make_error(ErrorKind::usage, names + (given.size() == 1 ? " applies " : " apply ") + std::string{to_what});
}

Result<ClientSession> open_session(const ClientFlags& flags, const Source& src)
{
  auto opts = client_options(flags, src.tls);
  if (!opts) { return std::move(opts).error(); }
  if (flags.fd < 0) { return ClientSession::connect(src, *opts); }
  // rpcaps:// over --fd: we are the TLS client on the daemon's connection,
  // and the source's host, if any, is the name its certificate must hold.
  opts->tls = src.tls;
  opts->tls_name = src.host;
  // The session owns the descriptor from here on: its close() is the end
  // of the connection. Not passed on to programs this one might run.
  if (::fcntl(flags.fd, F_SETFD, FD_CLOEXEC) != 0) {
    return make_error(ErrorKind::usage, "--fd " + std::to_string(flags.fd) + ": " + std::strerror(errno));
  }
  Fd conn{flags.fd};
  int type = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(conn.get(), SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) {
    return make_error(ErrorKind::usage, "--fd " + std::to_string(flags.fd) + " is not a TCP connection");
  }
  return ClientSession::attach(std::move(conn), *opts);
}

Result<Source> source_over_fd(const Source& parsed)
{
  if (parsed.kind == SourceKind::file) {
    return make_error(ErrorKind::usage, "--fd takes an interface of the daemon, not a file:// source");
  }
  Source src;
  src.kind = SourceKind::remote;
  src.tls = parsed.tls;
  src.host = parsed.kind == SourceKind::remote ? parsed.host : "";
  src.name = parsed.name;
  return src;
}

Result<Source> listing_source(const std::string& text, const ClientFlags& flags)
{
  const bool over_fd = flags.fd >= 0;
  const bool bare = over_fd && text.find("://") == std::string::npos;
  auto src = text.empty() ? Result<Source>{Source{}} : parse_source(text, bare ? SourceUse::open : SourceUse::list);
  if (!src || !over_fd) { return src; }
  return source_over_fd(*src);
}

Result<ClientOptions> client_options(const ClientFlags& flags, bool tls)
{
  ClientOptions opts;
  opts.tls_settings.ca_file = flags.ca_file;
  opts.tls_settings.insecure = flags.insecure;
  opts.tls_settings.cert_file = flags.cert_file;
  opts.tls_settings.key_file = flags.key_file;
  if (!flags.pin.empty()) {
    auto pin = parse_pin(flags.pin);
    if (!pin) { return make_error(ErrorKind::usage, "--pin: " + pin.error().message); }
    opts.tls_settings.pin = *pin;
  }
  opts.allow_plaintext_password = flags.allow_plaintext_password;
  if (tls && flags.insecure) {
    warning(program_invocation_short_name,
            "--insecure: the daemon's certificate is not verified; anyone on the path can read and change the session");
  }
  const char* env = std::getenv("RPCAP_PASSWORD");
  auto creds = credentials_for(flags.user, PasswordSources{flags.password_file,
                                                           env != nullptr ? std::optional<std::string>{env} : std::nullopt,
                                                           ::isatty(STDIN_FILENO) == 1});
  if (!creds) { return std::move(creds).error(); }
  opts.credentials = std::move(*creds);
  opts.timeout_ms = static_cast<int>(std::lround(flags.timeout_s * 1000));
  opts.keepalive = Keepalive{flags.keepalive_s, flags.user_timeout_s};
  opts.family = flags.ipv4 ? AddressFamily::ipv4 : flags.ipv6 ? AddressFamily::ipv6 : AddressFamily::any;
  return opts;
}

Result<std::vector<ListedInterface>> list_interfaces(const ClientFlags& flags, Source src)
{
  if (src.kind == SourceKind::file) {
    return make_error(ErrorKind::usage, "source \"" + format_source(src) + "\": listing savefiles is not supported");
  }
  if (auto st = check_tls_options(flags, src.tls); !st) { return std::move(st).error(); }
  if (src.kind == SourceKind::local) {
    auto list = list_local_interfaces();
    if (!list) { return std::move(list).error(); }
    return listed_interfaces(src, std::move(*list));
  }
  auto session = open_session(flags, src);
  if (!session) { return std::move(session).error(); }
  if (src.host.empty()) {
    // Over --fd without a label: name the interfaces after the daemon's address.
    if (auto named = parse_source(session->daemon_name(), SourceUse::list); named) { src.host = named->host; }
  }
  auto list = session->list_interfaces(src.name);
  if (!list) { return std::move(list).error(); }
  return listed_interfaces(src, std::move(*list));
}

}  // namespace rpcap::tool
