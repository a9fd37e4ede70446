// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/client/capture_run.hpp"

#include <poll.h>

#include <chrono>
#include <cerrno>
#include <cstring>

#include "rpcap/net/capture.hpp"
#include "rpcap/net/socket.hpp"

namespace rpcap {
namespace {

using Clock = std::chrono::steady_clock;

// Installs a filter expression in a running capture.
using FilterInstaller = std::function<Status(const std::string& filter)>;

// The periodic work of every capture loop: flush on the timer, progress once
// a second, statistics on request, a new filter on request.
class Ticker {
public:
  Ticker(const CaptureRunOptions& opts, PacketOutput& out, const RunSignals& sig, const RunCallbacks& cb,
         FilterInstaller install)
      : m_opts(opts), m_out(out), m_sig(sig), m_cb(cb), m_install(std::move(install))
  {
  }

  // Returns the output error, if the output failed.
  Status tick(const std::function<void()>& refresh_totals, CaptureTotals& totals)
  {
    const auto now = Clock::now();
    if (m_out.buffered() > 0 && now - m_last_flush >= std::chrono::milliseconds(m_opts.flush_ms)) {
      m_last_flush = now;
      if (auto st = m_out.flush(); !st) { return st; }
    } else if (m_out.buffered() == 0) {
      m_last_flush = now;
    }
    if (m_cb.on_progress && now - m_last_progress >= std::chrono::seconds(1)) {
      m_last_progress = now;
      m_cb.on_progress(m_out.packets());
    }
    if (raised(m_sig.report)) {
      m_sig.report->store(0);
      refresh_totals();
      totals.written = m_out.packets();
      if (m_cb.on_report) { m_cb.on_report(totals); }
    }
    if (raised(m_sig.reload)) {
      m_sig.reload->store(0);
      if (m_cb.on_reload) {
        if (auto filter = m_cb.on_reload(); filter) {
          const Status installed = m_install(*filter);
          if (m_cb.on_filter) { m_cb.on_filter(*filter, installed); }
        }
      }
    }
    return {};
  }

private:
  const CaptureRunOptions& m_opts;
  PacketOutput& m_out;
  const RunSignals& m_sig;
  const RunCallbacks& m_cb;
  FilterInstaller m_install;
  Clock::time_point m_last_flush{Clock::now()};
  Clock::time_point m_last_progress{Clock::now()};
};

class WritingSink final : public PacketSink {
public:
  WritingSink(PacketOutput& out, std::uint64_t limit) : m_out(out), m_limit(limit) {}
  void on_packet(const PacketInfo& info, const std::uint8_t* data) override
  {
    if (m_failed || (m_limit != 0 && m_out.packets() >= m_limit)) { return; }
    if (auto st = m_out.write(info.ts_sec, info.ts_usec, info.len, ByteView{data, info.caplen}); !st) {
      m_failed = std::move(st).error();
    }
  }
  std::optional<Error> m_failed;

private:
  PacketOutput& m_out;
  std::uint64_t m_limit;
};

// A local device's description as libpcap lists it; a file's is its path.
std::string local_description(const Source& src)
{
  if (src.kind == SourceKind::file) { return {}; }
  auto list = list_local_interfaces();
  if (!list) { return {}; }
  for (const auto& i : *list) {
    if (i.name == src.name) { return i.description; }
  }
  return {};
}

Result<RunEnd> run_local(const CaptureRunOptions& opts, PacketOutput& out, CaptureTotals& totals,
                         const RunSignals& sig, const RunCallbacks& cb)
{
  const bool file = opts.source.kind == SourceKind::file;
  std::unique_ptr<CaptureHandle> cap;
  if (file) {
    auto h = open_savefile(opts.source.name, opts.nano);
    if (!h) { return std::move(h).error(); }
    cap = std::move(*h);
  } else {
    auto backend = make_pcap_backend();
    CaptureParams p;
    p.device = opts.source.name;
    p.snaplen = opts.snaplen;
    p.promisc = opts.promisc;
    p.nano = opts.nano;
    if (opts.buffer_bytes > 0) { p.buffer_size = opts.buffer_bytes; }
    auto h = backend->open(p);
    if (!h) { return std::move(h).error(); }
    cap = std::move(*h);
  }
  if (!opts.filter.empty()) {
    auto f = compile_filter(opts.filter, cap->linktype(), static_cast<int>(cap->snaplen()));
    if (!f) { return std::move(f).error(); }
    if (auto st = cap->set_filter(*f); !st) { return std::move(st).error(); }
  }
  if (cb.on_open) {
    if (auto st = cb.on_open(); !st) { return std::move(st).error(); }
  }
  StreamFormat format;
  format.linktype = cap->linktype();
  format.snaplen = file ? cap->snaplen() : opts.snaplen;
  format.resolution = cap->nano() ? TsResolution::nano : TsResolution::micro;
  if (out.wants_description()) { format.description = local_description(opts.source); }
  if (auto st = out.begin(format); !st) { return output_failed(st.error()); }
  WritingSink sink{out, opts.count};
  Ticker ticker{opts, out, sig, cb, [&cap](const std::string& filter) -> Status {
                  auto f = compile_filter(filter, cap->linktype(), static_cast<int>(cap->snaplen()));
                  if (!f) { return std::move(f).error(); }
                  return cap->set_filter(*f);
                }};
  auto refresh = [&] {
    if (!file) {
      if (auto st = cap->stats(); st) { totals.local = *st; }
    }
  };
  // However a run that began ends, its statistics say what it wrote and saw.
  auto ended = [&](Result<RunEnd> end) {
    refresh();
    totals.written = out.packets();
    return end;
  };
  for (;;) {
    if (raised(sig.stop) || (opts.count != 0 && out.packets() >= opts.count)) { break; }
    if (!file) {
      pollfd p{cap->selectable_fd(), POLLIN, 0};
      if (::poll(&p, 1, opts.flush_ms) < 0 && errno != EINTR) {
        (void)out.flush();
        return ended(make_error(ErrorKind::io, std::string{"poll: "} + std::strerror(errno)));
      }
    }
    auto n = cap->dispatch(sink, 0);
    if (!n) {
      (void)out.flush();
      return ended(std::move(n).error());
    }
    if (sink.m_failed) { return ended(output_failed(*sink.m_failed)); }
    if (file && *n == 0) { break; }
    if (auto st = ticker.tick(refresh, totals); !st) { return ended(output_failed(st.error())); }
  }
  if (auto st = out.flush(); !st) { return ended(output_failed(st.error())); }
  return ended(RunEnd::done);
}

}  // namespace

Result<RunEnd> output_failed(const Error& e)
{
  if (e.message.find("Broken pipe") != std::string::npos) { return RunEnd::reader_gone; }
  return e;
}

Result<RunEnd> run_session_capture(ClientSession& session, const CaptureRunOptions& opts, PacketOutput& out,
                                   CaptureTotals& totals, const RunSignals& sig, const RunCallbacks& cb)
{
  std::string description;
  if (out.wants_description()) {
    // Asked before the capture, as a user's listing would. A daemon that
    // cannot list its interfaces still captures: no description then.
    if (auto list = session.list_interfaces(opts.source.name); list && !list->empty()) {
      description = list->front().description;
    }
  }
  auto opened = session.open(opts.source.name);
  if (!opened) { return std::move(opened).error(); }
  const int linktype = opened->linktype;
  StartOptions start;
  start.snaplen = opts.snaplen;
  start.promisc = opts.promisc;
  start.udp = opts.udp;
  start.receive_buffer = opts.buffer_bytes;
  start.data_ports = opts.data_ports;
  if (!opts.filter.empty()) {
    auto f = compile_filter(opts.filter, linktype, static_cast<int>(opts.snaplen));
    if (!f) { return std::move(f).error(); }
    start.filter = std::move(*f);
  }
  if (opts.exclude_self) {
    // The control connection is known already: exclude it from the first
    // packet on (the data connection follows once it exists, below).
    const std::string text = exclude_self_filter(session.control_fd(), -1, opts.filter);
    if (auto f = compile_filter(text, linktype, static_cast<int>(opts.snaplen)); f && !text.empty()) {
      start.filter = std::move(*f);
    }
  }
  if (opts.sampling) {
    if (auto st = session.set_sampling(opts.sampling->method, opts.sampling->value); !st) { return std::move(st).error(); }
  }
  if (auto st = session.start_capture(start); !st) { return std::move(st).error(); }
  if (opts.exclude_self) {
    // Our own control and data connections must not be captured (a capture
    // of lo through a daemon on 127.0.0.1 would otherwise feed itself).
    const std::string text = exclude_self_filter(session.control_fd(), session.data_fd(), opts.filter);
    if (!text.empty()) {
      if (auto f = compile_filter(text, linktype, static_cast<int>(opts.snaplen)); f) {
        if (auto st = session.update_filter(*f); !st) { return std::move(st).error(); }
      }
      // A link type without IP (compile fails) cannot carry our connections.
    }
  }
  if (cb.on_open) {
    if (auto st = cb.on_open(); !st) { return std::move(st).error(); }
  }
  StreamFormat format;
  format.linktype = linktype;
  format.snaplen = opts.snaplen;
  // In the daemon's byte order if it told us it differs (see PcapWriter::begin).
  if (session.byte_order() == AuthReply::ByteOrder::swapped) { format.order = PcapWriter::Order::swapped; }
  format.description = std::move(description);
  if (auto st = out.begin(format); !st) { return output_failed(st.error()); }

  std::optional<Error> write_error;
  // Packets go out from the session's receive buffer where they can (no
  // copy), until the session reuses it.
  PacketCallback handler{[&](const PacketHeader& h, ByteView data) {
                           if (write_error || (opts.count != 0 && out.packets() >= opts.count)) { return; }
                           if (auto st = out.write_borrowed(h.ts_sec, h.ts_usec, h.len, data); !st) {
                             write_error = std::move(st).error();
                           }
                         },
                         [&] {
                           if (auto st = out.release(); !st && !write_error) { write_error = std::move(st).error(); }
                         }};
  Ticker ticker{opts, out, sig, cb, [&](const std::string& filter) -> Status {
                  // The session's own connections stay excluded, as at the start.
                  const std::string text = opts.exclude_self
                                               ? exclude_self_filter(session.control_fd(), session.data_fd(), filter)
                                               : filter;
                  auto f = compile_filter(text.empty() ? filter : text, linktype, static_cast<int>(opts.snaplen));
                  if (!f) { return std::move(f).error(); }
                  return session.update_filter(*f);
                }};
  auto refresh = [&] {
    if (auto st = session.stats(); st) { totals.remote = *st; }
    totals.udp_lost = session.udp_lost();
  };
  // An output that failed ends a run whose daemon is well: its statistics
  // still say what was written and what the daemon saw.
  auto output_ended = [&](const Error& e) {
    totals.written = out.packets();
    refresh();
    return output_failed(e);
  };
  for (;;) {
    if (raised(sig.stop) || (opts.count != 0 && out.packets() >= opts.count)) { break; }
    auto n = session.read_packets(handler, opts.flush_ms);
    if (write_error) { return output_ended(*write_error); }
    if (!n) {
      // The daemon or the network died: keep every packet received.
      totals.written = out.packets();
      (void)out.flush();
      return std::move(n).error();
    }
    // Nothing more at once: the stream is idle, so what is buffered goes out
    // now rather than on the timer (a lone packet reaches the pipe at once;
    // under load the data keeps coming and writes stay large).
    if (*n > 0 && out.buffered() > 0 && !session.data_waiting()) {
      if (auto st = out.flush(); !st) { return output_ended(st.error()); }
    }
    if (auto st = ticker.tick(refresh, totals); !st) { return output_ended(st.error()); }
  }
  if (auto st = out.flush(); !st) { return output_ended(st.error()); }
  totals.written = out.packets();
  refresh();
  session.close();
  return RunEnd::done;
}

std::string exclude_self_filter(int control_fd, int data_fd, const std::string& user)
{
  auto local = local_address(control_fd);
  auto peer = peer_address(control_fd);
  if (!local || !peer) { return {}; }
  std::string excl = "not (host " + local->host() + " and host " + peer->host() + " and port "
                     + std::to_string(local->port()) + " and port " + std::to_string(peer->port()) + ")";
  if (data_fd >= 0) {
    if (auto d = local_address(data_fd); d) {
      excl += " and not (host " + local->host() + " and host " + peer->host() + " and port "
              + std::to_string(d->port()) + ")";
    }
  }
  return user.empty() ? excl : "(" + user + ") and " + excl;
}

Result<RunEnd> run_capture(const CaptureRunOptions& opts, PacketOutput& out, CaptureTotals& totals,
                           const RunSignals& signals, const RunCallbacks& callbacks)
{
  if (opts.source.kind == SourceKind::remote) {
    auto session = ClientSession::connect(opts.source, opts.client);
    if (!session) { return std::move(session).error(); }
    return run_session_capture(*session, opts, out, totals, signals, callbacks);
  }
  return run_local(opts, out, totals, signals, callbacks);
}

}  // namespace rpcap
