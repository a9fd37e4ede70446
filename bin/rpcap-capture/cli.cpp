// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-capture/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::capture {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("capture packets from remote rpcapd daemons, local interfaces or files, and write a pcap "
                  "stream (pcapng, merged in time order, for several sources)");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "where to capture: rpcap://HOST[:PORT]/IFACE, a local interface (IFACE or rpcap://IFACE), "
                 "or file://PATH; with --fd, the daemon's interface IFACE. Without -i only")
      ->type_name("SOURCE");
  app.add_option("-i,--interface", opts.sources,
                 "capture from SOURCE (as above); repeat it to capture from several sources at once into one "
                 "pcapng stream, merged in time order; every positional argument is then FILTER")
      ->type_name("SOURCE")
      ->allow_extra_args(false);  // one SOURCE per -i: what follows is FILTER
  tool::add_capture_options(app, opts.capture,
                            "write to FILE (\"-\": standard output, refused when it is a terminal)");
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
      ->check(CLI::Range(0u, 60000u))
      ->capture_default_str();
  app.add_option("--time-stamp-precision", opts.precision,
                 "local and file sources: timestamps in microseconds or nanoseconds, as tcpdump's option "
                 "(remote sources always have microseconds)")
      ->type_name("micro|nano")
      ->check(CLI::IsMember({"micro", "nano"}))
      ->capture_default_str();
  tool::add_client_options(app, opts.client);
}

Result<std::vector<std::string>> source_list(Options& opts)
{
  if (opts.sources.empty()) {
    if (opts.source.empty()) {
      return make_error(ErrorKind::usage, "no source: name one as SOURCE, or with -i SOURCE (repeatable)");
    }
    return std::vector<std::string>{opts.source};
  }
  if (!opts.source.empty()) {
    if (!opts.capture.filter_file.empty()) {
      return make_error(ErrorKind::usage, "-F: a filter file and FILTER words cannot be given together");
    }
    opts.capture.filter.insert(opts.capture.filter.begin(), opts.source);
    opts.source.clear();
  }
  if (opts.sources.size() > 1 && opts.client.fd >= 0) {
    return make_error(ErrorKind::usage, "--fd: a connection from one daemon is one source; give -i once");
  }
  return opts.sources;
}

}  // namespace rpcap::cli::capture
