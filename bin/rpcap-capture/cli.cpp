// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-capture/cli.hpp"

#include <optional>
#include <utility>

#include "common/tool.hpp"
#include "rpcap/base/file.hpp"
#include "rpcap/client/source_list.hpp"

namespace rpcap::cli::capture {
namespace {

// The largest --sources file read (a list of sources is a few lines).
constexpr std::size_t k_max_source_list = 1u << 20;

}  // namespace

void define_cli(CLI::App& app, Options& opts)
{
  app.description("capture packets from remote rpcapd daemons, local interfaces or files, and write a pcap "
                  "stream (pcapng, merged in time order, for several sources)");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "where to capture: rpcap://HOST[:PORT]/IFACE, a local interface (IFACE or rpcap://IFACE), "
                 "or file://PATH; with --fd, the daemon's interface IFACE. Only without -i and --sources: with "
                 "either, this argument is the first word of FILTER")
      ->type_name("SOURCE");
  app.add_option("-i,--interface", opts.sources,
                 "capture from SOURCE (as above); repeat it to capture from several sources at once into one "
                 "pcapng stream, merged in time order; every positional argument is then FILTER")
      ->type_name("SOURCE")
      ->allow_extra_args(false);  // one SOURCE per -i: what follows is FILTER
  tool::add_capture_options(app, opts.capture,
                            "write to FILE (\"-\": standard output, refused when it is a terminal)");
  app.add_option("-Z,--relinquish-privileges", opts.relinquish_user,
                 "as root, once the source is open (and the output file made, which USER then owns), become "
                 "USER for good: its user and group ids, no capabilities (as tcpdump -Z); files opened later "
                 "(-C, -G) are opened as USER. One source, classic pcap only; without root it does nothing")
      ->type_name("USER");
  app.add_option("--sources", opts.sources_file,
                 "capture from the sources FILE lists too, one per line, each with its own login and TLS "
                 "options: SOURCE [user=NAME] [password-file=FILE] [ca=FILE] [pin=PIN] [cert=FILE] [key=FILE]")
      ->type_name("FILE")
      ->check(CLI::ExistingFile);
  app.add_flag("--pcapng", opts.pcapng,
               "write pcapng (an interface block per source, with its name, description and filter, and "
               "statistics blocks) even for one source; always so for several");
  app.add_flag("--reconnect", opts.reconnect,
               "open a source that fails again after 1, 2, 4... (at most " + std::to_string(k_max_reconnect_wait.count())
                   + ") seconds, until the capture ends; the gap is recorded in the stream, which is pcapng");
  app.add_option("--merge-window", opts.merge_window_ms,
                 "several sources: how long a packet may wait for the other sources' earlier packets, in "
                 "milliseconds; a packet that comes later still is written, out of order, and counted")
      ->type_name("MS")
      ->check(tool::whole_between(0, 60000))
      ->capture_default_str();
  app.add_option("--time-stamp-precision", opts.precision,
                 "local and file sources: timestamps in microseconds or nanoseconds, as tcpdump's option "
                 "(remote sources always have microseconds)")
      ->type_name("micro|nano")
      ->check(CLI::IsMember({"micro", "nano"}))
      ->capture_default_str();
  auto* list = app.add_flag("-D,--list-interfaces", opts.list_interfaces,
                            "print the interfaces, numbered as tcpdump -D prints them, and exit: this host's, or "
                            "with SOURCE (rpcap://HOST[:PORT]/) the daemon's, by the source strings that capture "
                            "from them");
  app.add_option("--list-remote-interfaces", opts.list_remote,
                 "print the interfaces of the daemon at SOURCE (rpcap://HOST[:PORT]/), numbered, and exit, as "
                 "tcpdump's option")
      ->type_name("SOURCE")
      ->excludes(list);
  tool::add_client_options(app, opts.client);
}

namespace {

// `flags` with the options of a --sources line.
tool::ClientFlags with_line(tool::ClientFlags flags, const SourceEntry& e)
{
  for (const auto& [key, value] : e.options) {
    if (key == "user") { flags.user = value; }
    if (key == "password-file") { flags.password_file = value; }
    if (key == "ca") { flags.ca_file = value; }
    if (key == "pin") { flags.pin = value; }
    if (key == "cert") { flags.cert_file = value; }
    if (key == "key") { flags.key_file = value; }
  }
  return flags;
}

}  // namespace

Result<Source> listing_source(const Options& opts)
{
  const char* flag = opts.list_interfaces ? "-D" : "--list-remote-interfaces";
  if (!opts.sources_file.empty()) {
    return make_error(ErrorKind::usage, std::string{flag} + ": lists one daemon's interfaces; --sources names several");
  }
  std::vector<std::string> named;
  if (!opts.list_remote.empty()) { named.push_back(opts.list_remote); }
  if (!opts.source.empty()) { named.push_back(opts.source); }
  named.insert(named.end(), opts.sources.begin(), opts.sources.end());
  if (named.size() + opts.capture.filter.size() > 1) {
    return make_error(ErrorKind::usage, std::string{flag} + ": give one SOURCE at most, and no FILTER");
  }
  const std::string text = named.empty() ? std::string{} : named.front();
  auto src = tool::listing_source(text, opts.client);
  if (!opts.list_remote.empty() && (!src || src->kind != SourceKind::remote) && opts.client.fd < 0) {
    return make_error(ErrorKind::usage, "--list-remote-interfaces: \"" + text + "\" is not a daemon; give rpcap://HOST[:PORT]/");
  }
  return src;
}

Result<std::vector<PlannedSource>> plan_sources(Options& opts)
{
  std::vector<std::pair<std::string, std::optional<SourceEntry>>> named;
  const bool listed = !opts.sources.empty() || !opts.sources_file.empty();
  if (!listed) {
    if (opts.source.empty()) {
      return make_error(ErrorKind::usage, "no source: name one as SOURCE, with -i SOURCE (repeatable) or --sources FILE");
    }
    named.emplace_back(opts.source, std::nullopt);
  } else if (!opts.source.empty()) {
    if (!opts.capture.filter_file.empty()) {
      return make_error(ErrorKind::usage, "-F: a filter file and FILTER words cannot be given together");
    }
    opts.capture.filter.insert(opts.capture.filter.begin(), opts.source);
    opts.source.clear();
  }
  for (const auto& s : opts.sources) { named.emplace_back(s, std::nullopt); }
  if (!opts.sources_file.empty()) {
    auto text = read_file(opts.sources_file, k_max_source_list);
    if (!text) { return make_error(ErrorKind::usage, "--sources: " + text.error().message); }
    auto entries = parse_source_list(*text, opts.sources_file);
    if (!entries) { return std::move(entries).error(); }
    for (auto& e : *entries) { named.emplace_back(e.source, std::move(e)); }
  }
  if (named.size() > 1 && opts.client.fd >= 0) {
    return make_error(ErrorKind::usage, "--fd: a connection from one daemon is one source; give one source only");
  }
  std::vector<PlannedSource> out;
  for (const auto& [name, entry] : named) {
    auto src = parse_source(name, SourceUse::open);
    if (!src) {
      if (entry) {
        return make_error(ErrorKind::usage, opts.sources_file + ":" + std::to_string(entry->line) + ": "
                                                + src.error().message);
      }
      return std::move(src).error();
    }
    if (opts.client.fd >= 0) {
      src = tool::source_over_fd(*src);
      if (!src) { return std::move(src).error(); }
    }
    if (entry && !src->tls) {
      // A line's TLS options would be dropped without a word on rpcap://.
      for (const char* key : {"ca", "pin", "cert", "key"}) {
        if (entry->options.count(key) == 0) { continue; }
        return make_error(ErrorKind::usage, opts.sources_file + ":" + std::to_string(entry->line) + ": " + key
                                                + "= applies to rpcaps:// sources only");
      }
    }
    const bool own = entry && !entry->options.empty();
    out.push_back(PlannedSource{name, *src, own ? with_line(opts.client, *entry) : opts.client, own});
  }
  return out;
}

}  // namespace rpcap::cli::capture
