// SPDX-License-Identifier: BSD-3-Clause
// rpcap-capture's command line: capture from one source or several into a
// pcap or pcapng stream, with tcpdump's spelling of the options tcpdump has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rpcap/wire/url.hpp"

#include <CLI/CLI.hpp>

#include "common/capture_options.hpp"
#include "common/client_options.hpp"
#include "rpcap/client/merged_capture.hpp"

namespace rpcap::cli::capture {

struct Options {
  std::string source;                // SOURCE (with -i: the first FILTER word)
  std::vector<std::string> sources;  // -i SOURCE, repeatable
  std::string sources_file;          // --sources FILE
  bool pcapng{false};                // --pcapng
  bool reconnect{false};             // --reconnect
  unsigned merge_window_ms{static_cast<unsigned>(k_default_merge_window.count())};  // --merge-window
  std::string precision{"micro"};    // --time-stamp-precision
  bool list_interfaces{false};       // -D
  std::string list_remote;           // --list-remote-interfaces SOURCE
  std::string relinquish_user;       // -Z USER
  tool::CaptureFlags capture;        // FILTER -F -c -s -p -U -w --udp --sampling --include-self -q
  tool::ClientFlags client;          // -u --password-file --timeout -4 -6 --fd
};

void define_cli(CLI::App& app, Options& opts);

// A source to capture, as the command line and --sources name it.
struct PlannedSource {
  std::string name;          // as written
  Source source;
  tool::ClientFlags client;  // the command line's login and TLS options, with its --sources line's
  bool own_login{false};     // its --sources line set some of them
};

// What -D or --list-remote-interfaces lists: this host (no SOURCE), or the
// daemon of the SOURCE given (as SOURCE, -i or with the option).
Result<Source> listing_source(const Options& opts);

// The sources the command line names: the -i ones, else SOURCE, then those
// of --sources. With -i or --sources, SOURCE (if any) is the first FILTER
// word and goes back there.
Result<std::vector<PlannedSource>> plan_sources(Options& opts);

}  // namespace rpcap::cli::capture
