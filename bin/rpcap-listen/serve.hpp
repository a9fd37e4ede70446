// SPDX-License-Identifier: BSD-3-Clause
// rpcap-listen's modes: what it does with each daemon that calls in.
//
//   wait     log in to each daemon that calls in, print its address, close;
//            done when the HOSTs (or --daemons N, default 1) have called in
//   ls       log in, list the interfaces, print one line, close; repeat
//   capture  log in, capture IFACE into a pcap stream (one daemon), or with
//            %h in -w into a file per daemon (a child process each)
//   exec     run COMMAND per daemon (a child each) with the connection on
//            descriptor 3 and the daemon's address in the environment
//
// wait and ls serve one daemon at a time, each bounded by --timeout.
// Sessions end without CLOSE (see ClientSession::attach), so that every
// daemon, libpcap's too, calls back.
#pragma once

#include <chrono>
#include <csignal>

#include <CLI/CLI.hpp>

#include "rpcap-listen/cli.hpp"
#include "rpcap/client/capture_run.hpp"
#include "rpcap/net/listener.hpp"

namespace rpcap::listen {

// What the modes need besides the options.
struct Context {
  const CLI::App& app;                      // for messages
  const cli::listen::Options& opts;
  ActiveListener& listener;
  SignalFlag* stop{nullptr};    // SIGINT, SIGTERM seen
  SignalFlag* report{nullptr};  // SIGUSR1 seen (capture)
  // Until the first daemon calls in, a line on a terminal now and then
  // says that it still waits (none once one came, or off a terminal).
  bool announced{false};  // "listening on ..." was said
  bool waiting_notes{false};
  std::chrono::steady_clock::time_point last_note{std::chrono::steady_clock::now()};
};

// Run the mode the options name; returns the exit status.
int serve(Context& ctx);

}  // namespace rpcap::listen
