// SPDX-License-Identifier: BSD-3-Clause
#include "common/capture_options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <iostream>

#include "common/tool.hpp"
#include "rpcap/base/file.hpp"
#include "rpcap/base/text.hpp"
#include "rpcap/net/capture.hpp"

namespace rpcap::tool {
namespace {

// The largest filter file -F reads (a filter is a line or two).
constexpr std::size_t k_max_filter_file = 1u << 20;

SignalFlag g_stop{0};    // SIGINT, SIGTERM
SignalFlag g_report{0};  // SIGUSR1
SignalFlag g_reload{0};  // SIGHUP, with -F

extern "C" void on_stop(int) { g_stop.store(1); }
extern "C" void on_report(int) { g_report.store(1); }
extern "C" void on_reload(int) { g_reload.store(1); }

void handle(int sig, void (*fn)(int))
{
  struct sigaction sa {};
  sa.sa_handler = fn;
  sigemptyset(&sa.sa_mask);
  ::sigaction(sig, &sa, nullptr);
}

using Clock = std::chrono::steady_clock;

// SIGHUP with -F: the filter file read again; nullopt (and the reason on
// stderr) if it cannot be. Empty without -F.
std::function<std::optional<std::string>()> filter_reloader(const std::string& prog, const CaptureFlags& flags)
{
  if (flags.filter_file.empty()) { return {}; }
  return [prog, flags]() -> std::optional<std::string> {
    auto text = filter_text(flags);
    if (!text) {
      error(prog, "SIGHUP: " + text.error().message + "; keeping the running filter");
      return std::nullopt;
    }
    return *text;
  };
}

// What came of installing a re-read filter, after "`label`: " if there is one.
void report_filter(const std::string& prog, const std::string& label, const std::string& filter, const Status& installed)
{
  const std::string who = label.empty() ? "" : label + ": ";
  const std::string shown = filter.empty() ? "(none: every packet)" : "\"" + filter + "\"";
  if (installed) {
    info(prog, who + "SIGHUP: filter now " + shown);
  } else {
    error(prog, who + "SIGHUP: filter " + shown + " refused: " + installed.error().message
                    + "; keeping the running filter");
  }
}

// How long a started capture may see no packet before it says it waits.
constexpr auto k_waiting_note_after = std::chrono::seconds(3);

// The progress callback of a capture that reports as `out` says: the live
// count, and the note that it is waiting; empty if it says nothing.
std::function<void(std::uint64_t)> progress_of(const std::string& prog, const CaptureOutput& out)
{
  if (!out.live_count && out.waiting_for.empty()) { return {}; }
  // Progress comes about once a second from the moment the capture started.
  auto started = std::make_shared<std::optional<Clock::time_point>>();
  return [prog, started, live = out.live_count, waiting_for = out.waiting_for](std::uint64_t n) mutable {
    if (!waiting_for.empty() && n == 0) {
      const auto now = Clock::now();
      if (!*started) {
        *started = now - std::chrono::seconds(1);
      } else if (now - **started >= k_waiting_note_after) {
        if (live) { std::cerr << "\r"; }
        info(prog, "waiting for packets on " + waiting_for + "...");
        waiting_for.clear();
      }
    }
    if (n != 0) { waiting_for.clear(); }
    if (live) { std::cerr << "\rGot " << n << std::flush; }
  };
}

// After a capture: the files closed (-z run on the last), and the file
// kept if the capture began (else the Destination removes one it created).
void finish_destination(Destination& to, bool begun)
{
  if (to.files) { to.files->close(); }
  if (begun) { to.keep(); }
}

}  // namespace

RunSignals install_capture_signals(bool reload_filter)
{
  handle(SIGINT, on_stop);
  handle(SIGTERM, on_stop);
  handle(SIGUSR1, on_report);
  std::signal(SIGPIPE, SIG_IGN);
  if (!reload_filter) { return RunSignals{&g_stop, &g_report}; }
  handle(SIGHUP, on_reload);
  return RunSignals{&g_stop, &g_report, &g_reload};
}

void add_capture_options(CLI::App& app, CaptureFlags& flags, const std::string& output_help)
{
  auto* words = app.add_option("FILTER", flags.filter, "a pcap-filter(7) expression, as tcpdump takes it")
                    ->type_name("FILTER");
  app.add_option("-F", flags.filter_file, "read the filter expression from FILE")
      ->type_name("FILE")
      ->check(CLI::ExistingFile)
      ->excludes(words);
  app.add_option("-c", flags.count, "exit after writing COUNT packets")->type_name("COUNT")->check(whole_between(1));
  app.add_option("-s,--snapshot-length", flags.snaplen,
                 "keep at most SNAPLEN bytes of each packet (0: " + std::to_string(k_max_snaplen) + ")")
      ->type_name("SNAPLEN")
      ->check(whole_between(0, k_max_snaplen))
      ->capture_default_str();
  app.add_flag("-p,--no-promiscuous-mode", flags.no_promisc, "do not put the interface into promiscuous mode");
  app.add_flag("-U,--packet-buffered", flags.packet_buffered, "write each packet out as soon as it arrives");
  app.add_option("-B,--buffer-size", flags.buffer_kib,
                 "local: libpcap's capture buffer, in KiB (default " + std::to_string(CaptureParams{}.buffer_size / 1024)
                     + "); remote: the receive buffer of the data connection on this side, in KiB (RPCAP has no "
                       "field for the daemon's buffer; default: the kernel's, larger for --udp)")
      ->type_name("KIB")
      ->check(whole_between(1, 1048576));
  app.add_option("-w", flags.output, output_help)->type_name("FILE")->capture_default_str();
  app.add_option("-C", flags.file_size_mb,
                 "start a new file once the current one holds more than SIZE million bytes: FILE, FILE1, "
                 "FILE2... (as tcpdump)")
      ->type_name("SIZE")
      ->check(whole_between(1, 1000000));
  app.add_option("-G", flags.rotate_seconds,
                 "start a new file every SECONDS; FILE is a strftime(3) pattern (e.g. cap-%Y%m%d-%H%M%S.pcap)")
      ->type_name("SECONDS")
      ->check(whole_between(1, 31536000));
  app.add_option("-W", flags.file_count,
                 "with -C or -G: keep at most COUNT files (a ring buffer; with -C the names are FILE0 to "
                 "FILE<COUNT-1>)")
      ->type_name("COUNT")
      ->check(whole_between(1, 1000000));
  app.add_option("-z", flags.post_rotate, "with -C or -G: run COMMAND FILE on each file once it is complete")
      ->type_name("COMMAND");
  app.add_flag("--udp", flags.udp, "remote: receive the packets over UDP instead of a TCP connection");
  app.add_option("--data-ports", flags.data_ports,
                 "remote: where the daemon sends to this side (UDP data, and TCP from a daemon that called in: "
                 "--fd, rpcap-listen), take a port from LO to HI, so that a firewall opens those only")
      ->type_name("LO-HI");
  app.add_option("--sampling", flags.sampling,
                 "remote: keep one packet out of every N (every:N), or the first after each N ms (after-ms:N)")
      ->type_name("every:N|after-ms:N");
  app.add_flag("--include-self", flags.include_self,
               "remote: also capture this session's own RPCAP connections (excluded by default)");
  auto* quiet = app.add_flag("-q,--quiet", flags.quiet, "print no statistics at the end, and no live count");
  app.add_flag("-v", flags.verbose,
               "show the live count of packets written (\"Got N\") on standard error even when writing to a "
               "pipe; without -v it is shown only when writing to a file with standard error on a terminal")
      ->excludes(quiet);
}

Result<std::optional<SetSamplingRequest>> parse_sampling(const std::string& text)
{
  if (text.empty()) { return std::optional<SetSamplingRequest>{}; }
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string number = colon == std::string::npos ? "" : text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long n = std::strtoul(number.c_str(), &end, 10);
  const bool numeric = !number.empty() && *end == '\0' && number[0] != '-' && n >= 1 && n <= 0xffffffffUL;
  if ((kind == "every" || kind == "after-ms") && numeric) {
    return std::optional<SetSamplingRequest>{SetSamplingRequest{
        kind == "every" ? SetSamplingRequest::Method::every_nth : SetSamplingRequest::Method::first_after_ms,
        static_cast<std::uint32_t>(n)}};
  }
  return make_error(ErrorKind::usage, "--sampling \"" + text + "\": expected every:N or after-ms:N with N >= 1");
}

Result<std::string> filter_text(const CaptureFlags& flags)
{
  if (!flags.filter_file.empty()) {
    auto read = read_file(flags.filter_file, k_max_filter_file);
    if (!read) { return make_error(ErrorKind::usage, "filter file: " + read.error().message); }
    std::string text;
    for (char c : *read) { text += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c; }
    text.erase(text.find_last_not_of(' ') + 1);  // the final newline says nothing
    return text;
  }
  std::string text;
  for (const auto& w : flags.filter) { text += (text.empty() ? "" : " ") + w; }
  return text;
}

Status check_filter(const CaptureFlags& flags)
{
  auto filter = filter_text(flags);
  if (!filter) { return std::move(filter).error(); }
  if (filter->empty()) { return {}; }
  return check_filter_compiles(*filter, static_cast<int>(clamp_snaplen(flags.snaplen)));
}

Result<CaptureRunOptions> capture_run_options(const CaptureFlags& flags, const Source& source)
{
  auto filter = filter_text(flags);
  if (!filter) { return std::move(filter).error(); }
  auto sampling = parse_sampling(flags.sampling);
  if (!sampling) { return std::move(sampling).error(); }
  auto ports = parse_port_range(flags.data_ports);
  if (!ports) { return make_error(ErrorKind::usage, "--data-ports " + ports.error().message); }
  CaptureRunOptions run;
  run.data_ports = *ports;
  run.source = source;
  run.filter = std::move(*filter);
  run.snaplen = clamp_snaplen(flags.snaplen);
  run.promisc = !flags.no_promisc;
  run.count = flags.count;
  run.udp = flags.udp;
  run.sampling = *sampling;
  run.exclude_self = !flags.include_self;
  run.buffer_bytes = static_cast<int>(flags.buffer_kib * 1024u);
  return run;
}

Result<Destination> open_destination(const CaptureFlags& flags, const std::string& path)
{
  RotationOptions r;
  r.path = path;
  r.max_bytes = std::uint64_t{flags.file_size_mb} * 1000000u;
  r.period = std::chrono::seconds(flags.rotate_seconds);
  r.max_files = flags.file_count;
  r.post_command = flags.post_rotate;
  if (!r.rotates()) {
    if (flags.file_count != 0 || !flags.post_rotate.empty()) {
      return make_error(ErrorKind::usage, std::string{flags.file_count != 0 ? "-W" : "-z"} + " needs -C or -G");
    }
    if (path == "-") {
      if (::isatty(STDOUT_FILENO) == 1) {
        return make_error(ErrorKind::usage,
                          "refusing to write pcap data to a terminal; redirect standard output or use -w FILE");
      }
      return Destination{STDOUT_FILENO, nullptr, "", false};
    }
    auto file = open_output_file(path);
    if (!file) { return std::move(file).error(); }
    const bool created = file->created;
    return Destination{file->fd.release(), nullptr, created ? path : "", file->existing};
  }
  if (path == "-") { return make_error(ErrorKind::usage, "-C and -G need -w FILE: standard output cannot rotate"); }
  auto files = OutputFiles::open(r, std::time(nullptr));
  if (!files) { return std::move(files).error(); }
  const int fd = (*files)->fd();
  std::string created = (*files)->first_created() ? (*files)->path() : "";
  const bool existing = (*files)->first_existing();
  return Destination{fd, std::move(*files), std::move(created), existing};
}

CaptureOutput capture_output(const CaptureFlags& flags, Destination& to, const std::string& sources)
{
  const bool terminal = !flags.quiet && ::isatty(STDERR_FILENO) == 1;
  struct stat st {};
  const bool into_file = flags.output != "-" && ::fstat(to.fd, &st) == 0 && S_ISREG(st.st_mode);
  return CaptureOutput{to, "", flags.verbose || (terminal && into_file), terminal ? sources : ""};
}

std::string capture_statistics(const CaptureTotals& t, bool udp, const std::string& label)
{
  if (!label.empty()) {
    std::string prefixed;
    const std::string text = capture_statistics(t, udp);
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t nl = text.find('\n', start);
      prefixed += label + ": " + text.substr(start, nl - start + 1);
      start = nl + 1;
    }
    return prefixed;
  }
  std::string s = std::to_string(t.written) + " packets captured\n";
  if (t.remote) {
    s += std::to_string(t.remote->ifrecv) + " packets received by filter\n";
    s += std::to_string(t.remote->krnldrop) + " packets dropped by kernel\n";
    s += std::to_string(t.remote->ifdrop) + " packets dropped by interface\n";
    s += std::to_string(t.remote->svrcapt) + " packets sent by the daemon\n";
  }
  if (t.local) {
    s += std::to_string(t.local->received) + " packets received by filter\n";
    s += std::to_string(t.local->dropped) + " packets dropped by kernel\n";
    s += std::to_string(t.local->if_dropped) + " packets dropped by interface\n";
  }
  if (udp) { s += std::to_string(t.udp_lost) + " packets lost on the UDP data channel\n"; }
  return s;
}

Result<std::optional<Account>> relinquish_account(const std::string& user)
{
  auto account = find_account(user);
  if (!account) { return std::move(account).error(); }
  if (!*account) { return make_error(ErrorKind::usage, "-Z: there is no user " + quote_text(user, 64)); }
  if (::geteuid() != 0) { return std::optional<Account>{}; }
  return account;
}

Status relinquish_privileges(const Account& account, const Destination& to)
{
  if (!to.created.empty() && ::fchown(to.fd, account.uid, account.gid) != 0) {
    return make_error(ErrorKind::io, "-Z: give the output file to user " + quote_text(account.name, 64) + ": " + std::strerror(errno));
  }
  if (auto st = become_user(account.name, false); !st) {
    return make_error(ErrorKind::io, "-Z: " + st.error().message);
  }
  return {};
}

int capture_to_output(const CLI::App& app, const CaptureFlags& flags, const CaptureRunOptions& run,
                      ClientSession* session, const CaptureOutput& out, const RunSignals& signals,
                      std::function<Status()> on_open)
{
  auto statistics = [&](const CaptureTotals& t) { std::cerr << capture_statistics(t, flags.udp, out.label) << std::flush; };
  RunCallbacks cb;
  cb.on_report = statistics;
  cb.on_progress = progress_of(app.get_name(), out);
  cb.on_reload = filter_reloader(app.get_name(), flags);
  cb.on_filter = [&](const std::string& filter, const Status& installed) {
    report_filter(app.get_name(), out.label, filter, installed);
  };
  cb.on_open = std::move(on_open);
  PcapWriter writer{out.to.fd, flags.packet_buffered ? PcapWriter::Flush::per_packet : PcapWriter::Flush::buffered};
  if (out.to.existing) { writer.truncate_on_first_write(); }
  PcapOutput pcap{writer, out.to.files.get()};
  CaptureTotals totals;
  auto end = session != nullptr ? run_session_capture(*session, run, pcap, totals, signals, cb)
                                : run_capture(run, pcap, totals, signals, cb);
  finish_destination(out.to, writer.begun());
  if (out.live_count) { std::cerr << "\r"; }
  // Statistics for a capture that ran; a failure to start is only its error line.
  if (!flags.quiet && writer.begun()) { statistics(totals); }
  if (!end) { return report(app, end.error()); }
  if (*end == RunEnd::reader_gone) {
    // The session was closed cleanly; a script still learns that the
    // capture did not end by itself, as tcpdump's SIGPIPE death tells it.
    error(app.get_name(), "output: the reader went away (Broken pipe)");
    return exit_failure;
  }
  return exit_ok;
}

MergedCaptureOptions merged_capture_options(std::vector<MergedSource> sources, const CaptureFlags& flags)
{
  MergedCaptureOptions merged;
  merged.sources = std::move(sources);
  merged.count = flags.count;
  return merged;
}

int merged_capture_to_output(const CLI::App& app, const CaptureFlags& flags, const MergedCaptureOptions& merged,
                             const CaptureOutput& out, const RunSignals& signals)
{
  const std::string prog = app.get_name();
  auto statistics = [&](const SourceReport& r) {
    std::cerr << capture_statistics(r.totals, flags.udp, r.name) << std::flush;
  };
  MergedCallbacks cb;
  cb.on_report = statistics;
  cb.on_failed = [&](const SourceReport& r) {
    if (out.live_count) { std::cerr << "\r"; }
    // A session's errors start with its daemon ("rpcap://h:2002/: "), which the name holds already.
    std::string message = r.error->message;
    if (const auto colon = message.find(": "); colon != std::string::npos && colon > 0
        && r.name.compare(0, colon, message, 0, colon) == 0) {
      message.erase(0, colon + 2);
    }
    std::string what = r.name + ": " + message;
    if (r.retry_in.count() != 0) {
      what += "; trying again in " + std::to_string(r.retry_in.count()) + " s";
    } else if (r.others_go_on) {
      what += " (the other sources go on)";
    }
    error(prog, what);
  };
  cb.on_resumed = [&](const SourceReport& r) {
    if (out.live_count) { std::cerr << "\r"; }
    info(prog, r.name + ": capturing again (the gap is recorded in the stream)");
  };
  cb.on_progress = progress_of(prog, out);
  cb.on_reload = filter_reloader(prog, flags);
  cb.on_filter = [&](const SourceReport& r, const std::string& filter, const Status& installed) {
    report_filter(prog, r.name, filter, installed);
  };
  PcapngWriter writer{out.to.fd, flags.packet_buffered ? PcapngWriter::Flush::per_packet : PcapngWriter::Flush::buffered};
  if (out.to.existing) { writer.truncate_on_first_write(); }
  MergedTotals totals;
  MergedCaptureOptions opts = merged;
  opts.files = out.to.files.get();
  auto end = run_merged_capture(opts, writer, totals, signals, cb);
  finish_destination(out.to, writer.begun());
  if (out.live_count) { std::cerr << "\r"; }
  // As for one source: a run in which no source began says only why.
  if (!flags.quiet && writer.begun()) {
    for (const auto& r : totals.sources) {
      if (r.began) { statistics(r); }
    }
    if (totals.sources.size() > 1) {
      std::cerr << totals.written << " packets captured from " << totals.sources.size() << " sources\n"
                << totals.late << " packets written out of time order (a source lagged past the merge window)\n"
                << std::flush;
    }
  }
  if (!end) { return report(app, end.error()); }
  if (*end == RunEnd::reader_gone) {
    error(prog, "output: the reader went away (Broken pipe)");
    return exit_failure;
  }
  // Every source refused for the same kind of reason a lone source's
  // usage error is (a filter none of their link types takes): status 2.
  const bool usage = !totals.sources.empty()
                     && std::all_of(totals.sources.begin(), totals.sources.end(), [](const SourceReport& r) {
                          return !r.began && r.error && r.error->kind == ErrorKind::usage;
                        });
  if (usage) { return exit_usage; }
  for (const auto& r : totals.sources) {
    if (r.error) { return exit_failure; }
  }
  return exit_ok;
}

}  // namespace rpcap::tool
