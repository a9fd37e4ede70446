// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-capture/cli.hpp"

#include "common/tool.hpp"

namespace rpcap::cli::capture {

void define_cli(CLI::App& app, Options& opts)
{
  app.description("capture packets from a remote rpcapd, a local interface or a file, and write a pcap stream");
  app.set_version_flag("--version", tool::version_text(app.get_name()));
  app.add_option("SOURCE", opts.source,
                 "where to capture: rpcap://HOST[:PORT]/IFACE, a local interface (IFACE or rpcap://IFACE), "
                 "or file://PATH")
      ->type_name("SOURCE")
      ->required();
  auto* words = app.add_option("FILTER", opts.filter, "a pcap-filter(7) expression, as tcpdump takes it")
                    ->type_name("FILTER");
  app.add_option("-F", opts.filter_file, "read the filter expression from FILE")
      ->type_name("FILE")
      ->check(CLI::ExistingFile)
      ->excludes(words);
  app.add_option("-c", opts.count, "exit after writing COUNT packets")->type_name("COUNT")->check(CLI::PositiveNumber);
  app.add_option("-s", opts.snaplen, "keep at most SNAPLEN bytes of each packet (0: 262144)")
      ->type_name("SNAPLEN")
      ->check(CLI::Range(0u, 262144u))
      ->capture_default_str();
  app.add_flag("-p", opts.no_promisc, "do not put the interface into promiscuous mode");
  app.add_flag("-U", opts.packet_buffered, "write each packet out as soon as it arrives");
  app.add_option("-w", opts.output, "write to FILE (\"-\": standard output, refused when it is a terminal)")
      ->type_name("FILE")
      ->capture_default_str();
  app.add_flag("--udp", opts.udp, "remote: receive the packets over UDP instead of a TCP connection");
  app.add_option("--sampling", opts.sampling,
                 "remote: keep one packet out of every N (every:N), or the first after each N ms (after-ms:N)")
      ->type_name("every:N|after-ms:N");
  app.add_flag("--include-self", opts.include_self,
               "remote: also capture this session's own RPCAP connections (excluded by default)");
  tool::add_client_options(app, opts.client);
  app.add_flag("-q,--quiet", opts.quiet, "print no statistics at the end");
}

}  // namespace rpcap::cli::capture
