// SPDX-License-Identifier: BSD-3-Clause
// One capture from any source into a packet output (a pcap stream, or one
// source's share of a merged pcapng stream): what rpcap-capture does.
// A remote source goes through a ClientSession (the filter is compiled here
// for the remote link type and sent, so only matching packets cross the
// network; the session's own RPCAP traffic is excluded, as libpcap does);
// a local device is captured with libpcap directly; a file:// source is
// read and written out again. Output is flushed on a short timer so a
// reading pipe stays live.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "rpcap/client/output_files.hpp"
#include "rpcap/client/session.hpp"
#include "rpcap/net/capture.hpp"
#include "rpcap/wire/pcap_writer.hpp"
#include "rpcap/wire/pcapng_writer.hpp"
#include "rpcap/wire/url.hpp"

namespace rpcap {

struct CaptureRunOptions {
  Source source;
  std::string filter;          // a pcap-filter(7) expression; empty: everything
  std::uint32_t snaplen{k_max_snaplen};
  bool promisc{true};
  std::uint64_t count{0};      // stop after this many packets; 0: no limit
  bool udp{false};             // remote: UDP data channel
  std::optional<SetSamplingRequest> sampling;
  bool exclude_self{true};     // remote: filter out this session's own connections
  int flush_ms{100};           // longest a packet waits in the output buffer
  bool nano{false};            // local and file: nanosecond timestamps where the source has them
  // Local: libpcap's capture buffer; remote: the receive buffer of the data
  // connection here (RPCAP cannot ask for the daemon's). Bytes; 0: default.
  int buffer_bytes{0};
  PortRange data_ports;        // remote: where this side's data socket waits (UDP, active mode)
  ClientOptions client;
};

// What a capture saw, for the statistics printed at the end (and on SIGUSR1).
struct CaptureTotals {
  std::uint64_t written{0};                 // packets written to the output
  std::optional<StatsReply> remote;         // the daemon's counters
  std::optional<CaptureStats> local;        // libpcap's counters of a local capture
  std::uint64_t udp_lost{0};                // UDP data: PACKETs lost on the way
};

// A flag a signal handler sets and capture threads read (lock-free, so
// async-signal-safe).
using SignalFlag = std::atomic<int>;
static_assert(SignalFlag::is_always_lock_free);

// Signals the caller's handlers record; the run checks them between reads.
struct RunSignals {
  SignalFlag* stop{nullptr};    // SIGINT, SIGTERM: end cleanly
  SignalFlag* report{nullptr};  // SIGUSR1: call on_report, then clear it
  SignalFlag* reload{nullptr};  // SIGHUP: install the filter on_reload gives, then clear it
};

// True if `flag` is set (a null flag never is).
inline bool raised(const SignalFlag* flag) { return flag != nullptr && flag->load(std::memory_order_relaxed) != 0; }

// What an output needs to know of a capture before its first packet.
struct StreamFormat {
  int linktype{1};
  std::uint32_t snaplen{k_max_snaplen};
  PcapWriter::Order order{PcapWriter::Order::native};  // remote: the daemon's byte order
  TsResolution resolution{TsResolution::micro};        // the units of write()'s `ts_frac`
  std::string description;  // the interface's description, if the output wants_description()
};

// Where a capture's packets go.
class PacketOutput {
public:
  virtual ~PacketOutput() = default;
  // True if begin() wants StreamFormat::description (a remote capture asks
  // the daemon for it: one more request).
  virtual bool wants_description() const { return false; }
  // The capture started; packets follow.
  virtual Status begin(const StreamFormat& format) = 0;
  // One packet: its timestamp (seconds and fraction in the format's units),
  // its length on the wire, the bytes captured.
  virtual Status write(std::uint32_t ts_sec, std::uint32_t ts_frac, std::uint32_t len, ByteView data) = 0;
  // The same for `data` that stays valid until release(): an output may
  // write it from where it is instead of copying it.
  virtual Status write_borrowed(std::uint32_t ts_sec, std::uint32_t ts_frac, std::uint32_t len, ByteView data)
  {
    return write(ts_sec, ts_frac, len, data);
  }
  // The bytes given to write_borrowed() are about to change.
  virtual Status release() { return {}; }
  // Hand on everything buffered (the run calls it on its short timer and
  // whenever the source goes idle).
  virtual Status flush() = 0;
  virtual std::uint64_t packets() const = 0;
  virtual std::size_t buffered() const = 0;
};

// A classic pcap stream as the output of one capture, into `files` (a new
// file when one is due) if there are any.
class PcapOutput final : public PacketOutput {
public:
  explicit PcapOutput(PcapWriter& writer, OutputFiles* files = nullptr) : m_w(writer), m_files(files) {}
  Status begin(const StreamFormat& f) override
  {
    return m_w.begin(f.linktype, f.snaplen, f.order, f.resolution == TsResolution::nano);
  }
  Status write(std::uint32_t ts_sec, std::uint32_t ts_frac, std::uint32_t len, ByteView data) override
  {
    if (m_files != nullptr) {
      if (auto st = m_files->rotate_if_due(m_w); !st) { return st; }
    }
    return m_w.write(ts_sec, ts_frac, len, data);
  }
  Status write_borrowed(std::uint32_t ts_sec, std::uint32_t ts_frac, std::uint32_t len, ByteView data) override
  {
    if (m_files != nullptr) {
      if (auto st = m_files->rotate_if_due(m_w); !st) { return st; }
    }
    return m_w.write_borrowed(ts_sec, ts_frac, len, data);
  }
  Status release() override { return m_w.release(); }
  Status flush() override { return m_w.flush(); }
  std::uint64_t packets() const override { return m_w.packets(); }
  std::size_t buffered() const override { return m_w.buffered(); }

private:
  PcapWriter& m_w;
  OutputFiles* m_files;
};

struct RunCallbacks {
  std::function<void(const CaptureTotals&)> on_report;    // statistics asked for
  std::function<void(std::uint64_t written)> on_progress; // about once a second
  // Reload asked for: the new filter expression, or nullopt to keep the
  // running one (the callback says why). on_filter then hears whether the
  // capture took it; a filter refused leaves the running one in place.
  std::function<std::optional<std::string>()> on_reload;
  std::function<void(const std::string& filter, const Status& installed)> on_filter;
  // The source is open (a local device with its filter installed, a file,
  // or a remote session whose capture started, its data connection made),
  // no packet read yet: rpcap-capture -Z gives up root here. A failure ends
  // the run.
  std::function<Status()> on_open;
};

// How a capture ended.
enum class RunEnd {
  done,         // the count was reached, the file ended, or a stop signal
  reader_gone,  // the output's reader went away (EPIPE): a normal end for pipes
};

// How an output failure ends a run: a reader that went away (EPIPE) is a
// normal end for a pipe; anything else (a full disk) is the error.
Result<RunEnd> output_failed(const Error& e);

// Capture as `opts` says into `out` until the count, the end of a file, a
// stop signal, or the reader going away. Fails when the source cannot be
// opened or dies mid-capture; every packet received before is written out
// and flushed first, and `totals` then holds what was seen.
Result<RunEnd> run_capture(const CaptureRunOptions& opts, PacketOutput& out, CaptureTotals& totals,
                           const RunSignals& signals, const RunCallbacks& callbacks);

// The same over an established session (connected or attached, see
// ClientSession): capture its daemon's device `opts.source.name`. The
// session is closed at the end of a clean run.
Result<RunEnd> run_session_capture(ClientSession& session, const CaptureRunOptions& opts, PacketOutput& out,
                                   CaptureTotals& totals, const RunSignals& signals, const RunCallbacks& callbacks);

// The filter that excludes a session's own connections: the control
// connection (both ends) and the data connection's local port, as libpcap's
// NOCAPTURE_RPCAP builds it, joined to `user` with "and". Empty if the
// addresses cannot be read.
std::string exclude_self_filter(int control_fd, int data_fd, const std::string& user);

}  // namespace rpcap
