// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap-listen/serve.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/capture_options.hpp"
#include "common/tool.hpp"
#include "rpcap/client/capture_run.hpp"
#include "rpcap/client/daemon_call.hpp"
#include "rpcap/base/children.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/base/deadline.hpp"
#include "rpcap/wire/interface_view.hpp"
#include "rpcap/wire/pcap_writer.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap::listen {
namespace {

using Clock = std::chrono::steady_clock;
using cli::listen::Mode;

// The longest wait between looks at signals and children.
constexpr int k_tick_ms = 200;
// How often a terminal hears that no daemon has called in yet.
constexpr auto k_waiting_note_every = std::chrono::seconds(10);
// How long children get to end after SIGTERM before SIGKILL.
constexpr auto k_child_grace = std::chrono::milliseconds(10000);

std::string prog(const Context& ctx) { return ctx.app.get_name(); }

bool stopped(const Context& ctx) { return ctx.stop != nullptr && *ctx.stop != 0; }

std::string describe_s(double s)
{
  std::string t = std::to_string(s);
  t.erase(t.find_last_not_of('0') + 1);
  if (!t.empty() && t.back() == '.') { t.pop_back(); }
  return t + " s";
}

// The time the listener may still wait for daemons (--deadline; 0: no limit).
Deadline listen_deadline(double seconds)
{
  return Deadline{seconds > 0 ? static_cast<int>(std::min(seconds * 1000, 2e9)) : -1};
}

// Write `text` to standard output at once: each line a daemon's, for
// scripts reading as they come. False (and the reason said) if it cannot be.
bool emit(const Context& ctx, const std::string& text)
{
  auto st = tool::write_output(text);
  if (!st) { tool::error(prog(ctx), st.error().message); }
  return static_cast<bool>(st);
}

Result<ClientOptions> login(const Context& ctx)
{
  auto opts = tool::client_options(ctx.opts.client, ctx.opts.tls);
  if (!opts) { return opts; }
  opts->tls = ctx.opts.tls;
  // Refused before any daemon calls in, rather than for each one.
  if (auto st = check_credentials(*opts, opts->tls, "--tls (daemons running rpcapd -S)"); !st) {
    return std::move(st).error();
  }
  return opts;
}

// Wait for the next daemon, telling of refused ones; nullopt when nothing
// came within one tick (the caller looks at signals and the deadline).
Result<std::optional<IncomingDaemon>> next_daemon(Context& ctx, const Deadline& deadline)
{
  if (!ctx.announced) {
    // Once the mode's own checks passed: a usage error stays the only line.
    ctx.announced = true;
    tool::info(prog(ctx), "listening on " + ctx.listener.where() + " for daemons (rpcapd -a)");
  }
  if (ctx.waiting_notes && Clock::now() - ctx.last_note >= k_waiting_note_every) {
    ctx.last_note = Clock::now();
    tool::info(prog(ctx), "still waiting: no daemon has called in on " + ctx.listener.where() + " yet");
  }
  auto d = ctx.listener.next(deadline.left_ms(k_tick_ms), [&](const SockAddress& peer) {
    tool::warning(prog(ctx), "refused a daemon from " + peer.to_string() + ": not in the -l list");
  });
  if (d && *d) { ctx.waiting_notes = false; }
  return d;
}

// ---------------------------------------------------------------------------
// wait

int serve_wait(Context& ctx)
{
  const auto& opts = ctx.opts;
  auto copts = login(ctx);
  if (!copts) { return tool::report(ctx.app, copts.error()); }
  struct Awaited {
    std::string name;
    HostAllowList matcher;
    bool seen{false};
  };
  std::vector<Awaited> awaited;
  for (const auto& h : opts.hosts) {
    std::vector<Error> errors;
    auto m = HostAllowList::resolve({h}, errors);
    if (!errors.empty()) { return tool::report(ctx.app, make_error(ErrorKind::usage, errors.front().message)); }
    awaited.push_back(Awaited{h, std::move(m)});
  }
  const std::uint64_t wanted = opts.daemons == 0 ? 1 : opts.daemons;  // without HOSTs
  std::set<std::string> seen;  // distinct daemon addresses that logged in
  const Deadline deadline = listen_deadline(opts.deadline_s);
  auto done = [&] {
    if (awaited.empty()) { return seen.size() >= wanted; }
    return std::all_of(awaited.begin(), awaited.end(), [](const Awaited& a) { return a.seen; });
  };
  while (!done() && !stopped(ctx) && !deadline.passed()) {
    auto d = next_daemon(ctx, deadline);
    if (!d) { return tool::report(ctx.app, d.error()); }
    if (!*d) { continue; }
    const SockAddress peer = (*d)->peer;
    // Every HOST this daemon is (two names may be one daemon).
    std::vector<Awaited*> matches;
    for (auto& a : awaited) {
      if (!a.seen && a.matcher.allows(peer)) { matches.push_back(&a); }
    }
    if (!awaited.empty() && matches.empty()) { continue; }  // not one we wait for, or seen already: closed
    auto session = ClientSession::attach(std::move((*d)->conn), *copts);
    if (!session) {
      tool::warning(prog(ctx), session.error().message);
      continue;
    }
    session->close();
    for (auto* a : matches) { a->seen = true; }
    if (seen.insert(peer.host()).second && !emit(ctx, peer.host() + "\n")) { return tool::exit_failure; }
  }
  if (done()) { return tool::exit_ok; }
  std::string why = stopped(ctx) ? "interrupted" : "deadline of " + describe_s(opts.deadline_s) + " passed";
  if (awaited.empty()) {
    tool::error(prog(ctx), why + ": " + std::to_string(seen.size()) + " of " + std::to_string(wanted)
                               + " daemons called in");
  } else {
    std::string missing;
    for (const auto& a : awaited) {
      if (!a.seen) { missing += (missing.empty() ? "" : ", ") + a.name; }
    }
    tool::error(prog(ctx), why + ": still waiting for " + missing);
  }
  return tool::exit_failure;
}

// ---------------------------------------------------------------------------
// ls

int serve_ls(Context& ctx)
{
  const auto& opts = ctx.opts;
  auto copts = login(ctx);
  if (!copts) { return tool::report(ctx.app, copts.error()); }
  std::uint64_t served = 0;
  const Deadline deadline = listen_deadline(opts.deadline_s);
  while ((opts.daemons == 0 || served < opts.daemons) && !stopped(ctx) && !deadline.passed()) {
    auto d = next_daemon(ctx, deadline);
    if (!d) { return tool::report(ctx.app, d.error()); }
    if (!*d) { continue; }
    const std::string host = (*d)->peer.host();
    auto session = ClientSession::attach(std::move((*d)->conn), *copts);
    if (!session) {
      tool::warning(prog(ctx), session.error().message);
      continue;
    }
    auto list = session->list_interfaces();
    session->close();
    if (!list) {
      tool::warning(prog(ctx), list.error().message);
      continue;
    }
    Source daemon;
    daemon.kind = SourceKind::remote;
    daemon.host = host;
    const auto listed = listed_interfaces(daemon, std::move(*list));
    if (!emit(ctx, opts.json ? daemon_interfaces_json(host, listed) : daemon_interfaces_line(host, listed))) {
      return tool::exit_failure;
    }
    ++served;
  }
  if (opts.daemons != 0 && served < opts.daemons && !stopped(ctx)) {
    tool::error(prog(ctx), "deadline of " + describe_s(opts.deadline_s) + " passed: " + std::to_string(served)
                               + " of " + std::to_string(opts.daemons) + " daemons listed");
    return tool::exit_failure;
  }
  return tool::exit_ok;  // a stop signal, or --daemons reached
}

// ---------------------------------------------------------------------------
// capture

// Capture from the daemon on `conn` into `out`, as rpcap-capture does;
// `label` prefixes the statistics ("" for a lone capture).
int capture_from(Context& ctx, IncomingDaemon d, tool::Destination& out, const std::string& label)
{
  const auto& flags = ctx.opts.capture;
  auto copts = login(ctx);
  if (!copts) { return tool::report(ctx.app, copts.error()); }
  Source src;
  src.kind = SourceKind::remote;
  src.host = d.peer.host();
  src.name = ctx.opts.interface;
  auto run = tool::capture_run_options(flags, src);
  if (!run) { return tool::report(ctx.app, run.error()); }
  auto session = ClientSession::attach(std::move(d.conn), *copts);
  if (!session) { return tool::report(ctx.app, session.error()); }
  // A lone capture reports as rpcap-capture's; several at once only their statistics.
  auto report = label.empty() ? tool::capture_output(flags, out, format_source(src))
                              : tool::CaptureOutput{out, label, false, ""};
  return tool::capture_to_output(ctx.app, flags, *run, &*session, report, RunSignals{ctx.stop, ctx.report});
}

// One capture: the first daemon that calls in and logs in.
int serve_one_capture(Context& ctx)
{
  auto out = tool::open_destination(ctx.opts.capture, ctx.opts.capture.output);
  if (!out) { return tool::report(ctx.app, out.error()); }
  const Deadline deadline = listen_deadline(ctx.opts.deadline_s);
  while (!stopped(ctx) && !deadline.passed()) {
    auto d = next_daemon(ctx, deadline);
    if (!d) { return tool::report(ctx.app, d.error()); }
    if (!*d) { continue; }
    // Other daemons are refused by the kernel from now on, and call again later.
    ctx.listener.close();
    return capture_from(ctx, std::move(**d), *out, "");
  }
  tool::error(prog(ctx), (stopped(ctx) ? std::string{"interrupted"}
                                       : "deadline of " + describe_s(ctx.opts.deadline_s) + " passed")
                             + ": no daemon called in");
  return tool::exit_failure;
}

// ---------------------------------------------------------------------------
// capture --merge: every daemon that calls in, one stream

int serve_merged_capture(Context& ctx)
{
  const auto& opts = ctx.opts;
  if (per_daemon_output(opts.capture.output)) {
    return tool::report(ctx.app, make_error(ErrorKind::usage, "--merge writes one stream: -w cannot hold %h"));
  }
  auto copts = login(ctx);
  if (!copts) { return tool::report(ctx.app, copts.error()); }
  auto merged = tool::merged_capture_options({}, opts.capture);
  auto out = tool::open_destination(opts.capture, opts.capture.output);
  if (!out) { return tool::report(ctx.app, out.error()); }
  merged.section = host_section(tool::version_text(ctx.app.get_name()));
  const Deadline deadline = listen_deadline(opts.deadline_s);
  std::uint64_t served = 0;
  bool listen_failed = false;
  // In a thread of the capture's: the next daemon that calls in and logs in.
  merged.more_sources = [&](const SignalFlag& stop) -> std::optional<MergedSource> {
    while ((opts.daemons == 0 || served < opts.daemons) && stop.load() == 0 && !stopped(ctx) && !deadline.passed()) {
      auto d = next_daemon(ctx, deadline);
      if (!d) {
        tool::error(prog(ctx), d.error().message);
        listen_failed = true;
        break;
      }
      if (!*d) { continue; }
      Source src;
      src.kind = SourceKind::remote;
      src.tls = opts.tls;
      src.host = (*d)->peer.host();
      src.name = opts.interface;
      auto session = ClientSession::attach(std::move((*d)->conn), *copts);
      if (!session) {
        tool::warning(prog(ctx), session.error().message);
        continue;
      }
      auto run = tool::capture_run_options(opts.capture, src);
      if (!run) { break; }  // checked before the first daemon: cannot happen
      ++served;
      return MergedSource{std::move(*run), format_source(src), std::make_shared<ClientSession>(std::move(*session))};
    }
    ctx.listener.close();
    return std::nullopt;
  };
  // The flags' mistakes (filter file, sampling) before any daemon calls in.
  if (auto check = tool::capture_run_options(opts.capture, Source{}); !check) {
    return tool::report(ctx.app, check.error());
  }
  const int status = tool::merged_capture_to_output(ctx.app, opts.capture, merged,
                                                    tool::capture_output(opts.capture, *out, "the daemons"),
                                                    RunSignals{ctx.stop, ctx.report});
  if (served == 0 && !listen_failed && !stopped(ctx)) {
    tool::error(prog(ctx), "deadline of " + describe_s(opts.deadline_s) + " passed: no daemon called in");
    return tool::exit_failure;
  }
  return listen_failed ? tool::exit_failure : status;
}

// ---------------------------------------------------------------------------
// A child process per daemon: capture with %h, exec

// The child's work for daemon `d`, calling in for the `call`th time; returns its exit status.
int child_work(Context& ctx, IncomingDaemon d, unsigned call)
{
  const std::string host = d.peer.host();
  if (ctx.opts.mode == Mode::exec) {
    // The command gets the signals' default actions, as any command would.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGUSR1, SIG_DFL);
    std::signal(SIGPIPE, SIG_DFL);
    const auto [status, message] = exec_with_connection(ctx.opts.command, d);
    tool::error(prog(ctx), message);
    ::_exit(status);
  }
  // A daemon that calls in again gets a new file, not its last one overwritten.
  auto out = tool::open_destination(ctx.opts.capture, output_for(ctx.opts.capture.output, host, call));
  if (!out) { return tool::report(ctx.app, out.error()); }
  return capture_from(ctx, std::move(d), *out, host);
}

int serve_forked(Context& ctx)
{
  const auto& opts = ctx.opts;
  Children children;  // labelled with the daemon's address
  bool failed = false;
  auto reap = [&] {
    for (const auto& ended : children.reap()) {
      if (ended.label.empty() || (WIFEXITED(ended.status) && WEXITSTATUS(ended.status) == 0)) { continue; }
      failed = true;
      const std::string what = opts.mode == Mode::exec ? "the command for " : "the capture from ";
      tool::warning(prog(ctx), what + ended.label + " " + describe_status(ended.status));
    }
  };
  std::uint64_t served = 0;
  const Deadline deadline = listen_deadline(opts.deadline_s);
  std::map<std::string, unsigned> calls;  // daemon address → times it called in
  // SIGUSR1 asks every running capture for its statistics.
  auto pass_on_report = [&] {
    if (ctx.report != nullptr && *ctx.report != 0) {
      ctx.report->store(0);
      children.signal(SIGUSR1);
    }
  };
  while ((opts.daemons == 0 || served < opts.daemons) && !stopped(ctx) && !deadline.passed()) {
    reap();
    pass_on_report();
    auto d = next_daemon(ctx, deadline);
    if (!d) {
      tool::error(prog(ctx), d.error().message);
      failed = true;
      break;
    }
    if (!*d) { continue; }
    std::cout.flush();
    std::cerr.flush();
    const std::string host = (*d)->peer.host();
    const unsigned call = ++calls[host];
    const pid_t pid = children.spawn(host, [&] {
      ctx.listener.close();
      return child_work(ctx, std::move(**d), call);
    });
    if (pid < 0) {
      tool::warning(prog(ctx), std::string{"fork: "} + std::strerror(errno) + "; closing the daemon's connection");
      --calls[host];
      continue;
    }
    ++served;
  }
  ctx.listener.close();
  const bool deadline_short = opts.daemons != 0 && served < opts.daemons && !stopped(ctx);
  if (deadline_short) {
    tool::error(prog(ctx), "deadline of " + describe_s(opts.deadline_s) + " passed: " + std::to_string(served)
                               + " of " + std::to_string(opts.daemons) + " daemons called in");
  }
  // Wait for the children; a stop request is passed on to them.
  bool forwarded = false;
  while (!children.empty()) {
    if (stopped(ctx) && !forwarded) {
      children.terminate(k_child_grace);
      forwarded = true;
    }
    reap();
    pass_on_report();
    if (!children.empty()) { ::usleep(k_tick_ms * 1000); }
  }
  if (served == 0 && !failed && !stopped(ctx) && !deadline_short) {
    tool::error(prog(ctx), "deadline of " + describe_s(opts.deadline_s) + " passed: no daemon called in");
    return tool::exit_failure;
  }
  return failed || deadline_short ? tool::exit_failure : tool::exit_ok;
}

}  // namespace

int serve(Context& ctx)
{
  // The daemons' certificates are checked over --tls only: without it
  // --pin and the like would be dropped without a word.
  if (auto st = tool::check_tls_options(ctx.opts.client, ctx.opts.tls, "only with --tls (daemons running rpcapd -S)");
      !st) {
    return tool::report(ctx.app, st.error());
  }
  switch (ctx.opts.mode) {
  case Mode::wait: return serve_wait(ctx);
  case Mode::ls: return serve_ls(ctx);
  case Mode::capture:
    // A filter that compiles for no link type, before any daemon calls in.
    if (auto st = tool::check_filter(ctx.opts.capture); !st) { return tool::report(ctx.app, st.error()); }
    if (ctx.opts.merge) { return serve_merged_capture(ctx); }
    if (per_daemon_output(ctx.opts.capture.output)) { return serve_forked(ctx); }
    return serve_one_capture(ctx);
  case Mode::exec: return serve_forked(ctx);
  }
  return tool::exit_failure;
}

}  // namespace rpcap::listen
