// SPDX-License-Identifier: BSD-3-Clause
// Local packet capture through libpcap, behind interfaces the daemon's
// session logic uses, so that logic can be tested without a device.
// This module is the only one that includes <pcap.h>.
//
// Devices are opened by name with pcap_create(), which never interprets a
// URL (libpcap's legacy open routines follow rpcap:// strings: bug B28).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/protocol.hpp"

namespace rpcap {

// What a packet looks like to a sink: the pcap header fields and the bytes.
struct PacketInfo {
  std::uint32_t ts_sec{0};
  std::uint32_t ts_usec{0};  // nanoseconds from a capture opened with `nano`
  std::uint32_t caplen{0};
  std::uint32_t len{0};
};

class PacketSink {
public:
  virtual ~PacketSink() = default;
  // Called for each packet; `data` holds `info.caplen` bytes, valid only during the call.
  virtual void on_packet(const PacketInfo& info, const std::uint8_t* data) = 0;
};

struct CaptureParams {
  std::string device;
  std::uint32_t snaplen{k_max_snaplen};
  bool promisc{false};
  // Longest time a captured packet may wait in the kernel before it is handed
  // over; bounds the latency of a lone packet.
  int timeout_ms{50};
  // Kernel capture buffer in bytes (0: libpcap's default); sized for bursts.
  int buffer_size{32 << 20};
  // Timestamps in nanoseconds (PacketInfo::ts_usec holds them), where the
  // device can give them; see CaptureHandle::nano().
  bool nano{false};
};

struct CaptureStats {
  std::uint32_t received{0};         // ps_recv
  std::uint32_t dropped{0};          // ps_drop: by the kernel, buffer full
  std::uint32_t if_dropped{0};       // ps_ifdrop: by the interface or driver
};

// An open, active capture.
class CaptureHandle {
public:
  virtual ~CaptureHandle() = default;
  virtual int linktype() const = 0;
  virtual std::uint32_t snaplen() const = 0;
  // The kernel buffer size in bytes, as STARTCAP_REPLY reports it.
  virtual int buffer_size() const = 0;
  // A descriptor that polls readable when packets are waiting; -1 if none.
  virtual int selectable_fd() const = 0;
  // True if the timestamps handed over are in nanoseconds.
  virtual bool nano() const = 0;
  // Install `filter` after checking it is a valid BPF program.
  virtual Status set_filter(const Filter& filter) = 0;
  // Hand every packet waiting (at most `max`, 0 = all) to `sink` without
  // blocking; returns how many were handed over.
  virtual Result<int> dispatch(PacketSink& sink, int max) = 0;
  // Called from a sink's on_packet(): dispatch() returns after this packet,
  // and the next dispatch() goes on with the packets still waiting.
  virtual void break_loop() = 0;
  virtual Result<CaptureStats> stats() = 0;
};

// Where captures come from: the local devices, or a fake in tests.
class CaptureBackend {
public:
  virtual ~CaptureBackend() = default;
  // Every local capture device, with its IPv4 and IPv6 addresses.
  virtual Result<std::vector<Interface>> list_interfaces() = 0;
  // The link type `device` captures with (OPEN_REPLY), without keeping it open.
  virtual Result<int> probe_linktype(const std::string& device) = 0;
  virtual Result<std::unique_ptr<CaptureHandle>> open(const CaptureParams& params) = 0;
};

// The backend over the local machine's devices through libpcap.
std::unique_ptr<CaptureBackend> make_pcap_backend();

// Open the capture file at `path` (pcap or pcapng) for reading: dispatch()
// hands over its records in order and returns 0 at the end; it has no
// selectable descriptor and no statistics. With `nano`, timestamps come in
// nanoseconds (libpcap scales a microsecond file's).
Result<std::unique_ptr<CaptureHandle>> open_savefile(const std::string& path, bool nano = false);

// Compile filter `expression` for link type `linktype` and `snaplen`, as a
// client does before sending it (optimised, netmask unknown).
Result<Filter> compile_filter(const std::string& expression, int linktype, int snaplen);

// Check, before any source is opened, that filter `expression` compiles
// for some link type: Ethernet first, else any other libpcap knows (some
// filters, "wlan type mgt", are for one kind of link). Fails with
// Ethernet's error (ErrorKind::usage) when it compiles for none, which is
// what a syntax error does. When compiling is slow (a host name that does
// not resolve is looked up each time) it gives up after a fraction of a
// second and succeeds: each source's own compile then says it.
Status check_filter_compiles(const std::string& expression, int snaplen);

// True if `filter` is a BPF program the kernel and libpcap may run safely.
bool is_valid_bpf(const Filter& filter);

// libpcap's name of `linktype` ("EN10MB"), or its number as text.
std::string linktype_name(int linktype);

}  // namespace rpcap
