// SPDX-License-Identifier: BSD-3-Clause
// The options of a capture into a pcap stream, shared by rpcap-capture and
// `rpcap-listen capture` so that both spell, document and complete them
// alike (tcpdump's spelling where tcpdump has the option), and what turns
// them into a run: the filter text, the sampling, the output descriptor and
// the statistics printed at the end.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/client_options.hpp"
#include "rpcap/base/account.hpp"
#include "rpcap/client/capture_run.hpp"
#include "rpcap/client/merged_capture.hpp"

namespace rpcap::tool {

struct CaptureFlags {
  std::vector<std::string> filter;   // FILTER words, joined with blanks
  std::string filter_file;           // -F
  std::uint64_t count{0};            // -c
  std::uint32_t snaplen{k_max_snaplen};     // -s
  bool no_promisc{false};            // -p
  bool packet_buffered{false};       // -U
  unsigned buffer_kib{0};            // -B: capture (local) or receive (remote) buffer, KiB
  std::string output{"-"};           // -w
  bool udp{false};                   // --udp
  std::string data_ports;            // --data-ports LO-HI
  std::string sampling;              // --sampling every:N | after-ms:N
  bool include_self{false};          // --include-self
  bool quiet{false};                 // -q: no statistics at the end
  bool verbose{false};               // -v: the live count even into a pipe
  unsigned file_size_mb{0};          // -C: a new file after this many millions of bytes
  unsigned rotate_seconds{0};        // -G: a new file this often
  unsigned file_count{0};            // -W: files kept
  std::string post_rotate;           // -z: command run on each complete file
};

// Add FILTER, -F -c -s -p -U -w -C -G -W -z --udp --sampling --include-self
// -q to `app`; `output_help` describes -w.
void add_capture_options(CLI::App& app, CaptureFlags& flags, const std::string& output_help);

// The filter expression: -F's file with line breaks as blanks, or the FILTER words.
Result<std::string> filter_text(const CaptureFlags& flags);

// The filter the flags give, checked once before any source is opened:
// one that compiles for no link type (a syntax error) is a usage error
// then, whatever the sources (check_filter_compiles()).
Status check_filter(const CaptureFlags& flags);

// --sampling's request; nullopt without --sampling.
Result<std::optional<SetSamplingRequest>> parse_sampling(const std::string& text);

// The run the flags ask for, of `source` (filter, sampling, count, ...).
Result<CaptureRunOptions> capture_run_options(const CaptureFlags& flags, const Source& source);

// Install the signal handling of a capturing program and return its flags:
// SIGINT and SIGTERM set `stop`, SIGUSR1 sets `report` (without SA_RESTART,
// so a wait in progress returns at once), SIGPIPE is ignored (a reader that
// goes away is seen as EPIPE); with `reload_filter` (-F), SIGHUP sets
// `reload` (else it keeps its default: a hang-up ends the program). The
// flags are the program's, one set.
RunSignals install_capture_signals(bool reload_filter = false);

// The statistics at the end of a capture, in tcpdump's wording (so that
// scripts that read tcpdump's read these), one line each, each after
// "`label`: " when `label` is not empty.
std::string capture_statistics(const CaptureTotals& totals, bool udp, const std::string& label = "");

// Where a capture's stream goes: one descriptor, or files that rotate.
struct Destination {
  int fd{-1};
  std::unique_ptr<OutputFiles> files;  // -C or -G: the files, whose first is `fd`
  std::string created;   // the file this run created: removed unless kept (the capture began)
  bool existing{false};  // a file that was there: emptied only once the capture begins

  Destination(int fd_, std::unique_ptr<OutputFiles> files_, std::string created_, bool existing_)
      : fd(fd_), files(std::move(files_)), created(std::move(created_)), existing(existing_)
  {
  }
  Destination(Destination&& o) noexcept
      : fd(o.fd), files(std::move(o.files)), created(std::exchange(o.created, {})), existing(o.existing)
  {
  }
  Destination& operator=(Destination&&) = delete;
  // A failed run leaves no file behind that it made.
  ~Destination()
  {
    if (!created.empty()) { (void)::unlink(created.c_str()); }
  }
  void keep() noexcept { created.clear(); }
};

// The destination the flags give for a stream to `path`: standard output
// for "-" (refused when it is a terminal), the file `path` (opened, not
// emptied: a capture that cannot start leaves it as it was, as tcpdump
// does), or with -C or -G the first of the files (usage errors for -W or -z
// without them, or for a rotation to standard output).
Result<Destination> open_destination(const CaptureFlags& flags, const std::string& path);

// Where a capture goes and how it reports, besides the flags.
struct CaptureOutput {
  Destination& to;           // the stream (open_destination())
  std::string label;         // prefixes the statistics lines: the daemon, when there are several
  bool live_count{false};    // "Got N" on standard error while capturing
  std::string waiting_for;   // the sources named once when nothing comes for a while; empty: never
};

// What a capture into `to` of `sources` says on standard error as it runs
// (no label): the live count with -v, or into a file (never a pipe, whose
// reader's lines would mix with it) while standard error is a terminal; and
// on a terminal, once, that it waits for packets when none came for a few
// seconds. -q says neither.
CaptureOutput capture_output(const CaptureFlags& flags, Destination& to, const std::string& sources);

// Capture `run` (over `session`, or from a local device or file when null)
// into `out` as the flags say (-U, -q): statistics on SIGUSR1 and at the end
// of a capture that began, and a reader that went away reported. Returns
// the exit status.
// `on_open`, if set, runs once the source is open (RunCallbacks::on_open).
int capture_to_output(const CLI::App& app, const CaptureFlags& flags, const CaptureRunOptions& run,
                      ClientSession* session, const CaptureOutput& out, const RunSignals& signals,
                      std::function<Status()> on_open = {});

// -Z USER (tcpdump's --relinquish-privileges): USER's account, looked up
// before anything is opened (a usage error if there is none), or nullopt
// when the program does not run as root (as tcpdump, -Z then does nothing).
Result<std::optional<Account>> relinquish_account(const std::string& user);
// Give the output file this run made (`to`: -w FILE new, or the first of
// -C/-G's files) to `account`, then become `account` for good, with no
// capabilities (become_user()): files opened later are opened as that user.
Status relinquish_privileges(const Account& account, const Destination& to);

// The merged run of `sources` (each with its run's client options set) as
// the flags say: -c counts the packets of all sources together.
MergedCaptureOptions merged_capture_options(std::vector<MergedSource> sources, const CaptureFlags& flags);

// Capture `merged` into a pcapng stream on `out` as the flags say: a failed
// source named on stderr at once (the others go on), statistics per source
// (each line after its name) on SIGUSR1 and at the end, then the totals of
// the stream. Returns the exit status: 1 if a source failed, 2 if every
// source failed with a usage error before it captured (as one source's
// would be).
int merged_capture_to_output(const CLI::App& app, const CaptureFlags& flags, const MergedCaptureOptions& merged,
                             const CaptureOutput& out, const RunSignals& signals);

}  // namespace rpcap::tool
