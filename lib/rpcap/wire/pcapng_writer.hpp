// SPDX-License-Identifier: BSD-3-Clause
// A pcapng stream (the format of Wireshark, tshark -w and mergecap, see
// docs/pcapng.md): one section header naming the capturing host and
// program, an Interface Description Block per source of packets (link type,
// snaplen, name, description, filter, timestamp resolution), Enhanced
// Packet Blocks, and Interface Statistics Blocks with a source's counters.
// Unlike classic pcap, one stream can hold packets of several interfaces
// with different link types and timestamp resolutions.
//
// Blocks are written in this host's byte order (the section header's
// byte-order magic tells readers which), through a StreamBuffer: few
// system calls, flushed when full or when the caller's timer says so.
// For rotation, restart() begins a new file with the same section header
// and every interface described again, so each file stands on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/bytes.hpp"
#include "rpcap/wire/stream_buffer.hpp"

namespace rpcap {

// The units of an interface's timestamps: 10^-6 or 10^-9 seconds (if_tsresol).
enum class TsResolution : std::uint8_t { micro = 6, nano = 9 };

// Timestamp units per second at `res`.
constexpr std::uint64_t ticks_per_second(TsResolution res)
{
  return res == TsResolution::nano ? 1000000000ull : 1000000ull;
}

// The Section Header Block's options (empty: left out).
struct PcapngSection {
  std::string hardware;     // shb_hardware: the capturing host's machine
  std::string os;           // shb_os: its operating system
  std::string application;  // shb_userappl: the program that wrote the file
};

// An Interface Description Block.
struct PcapngInterface {
  int linktype{1};
  std::uint32_t snaplen{0};
  std::string name;         // if_name (empty: left out)
  std::string description;  // if_description (empty: left out)
  std::string filter;       // if_filter, a pcap-filter(7) expression (empty: left out)
  TsResolution resolution{TsResolution::micro};  // if_tsresol
};

// An Interface Statistics Block: the counters known, at time `timestamp`
// (in the interface's units, as every time here).
struct PcapngStatistics {
  std::uint64_t timestamp{0};
  std::optional<std::uint64_t> start;         // isb_starttime
  std::optional<std::uint64_t> end;           // isb_endtime
  std::optional<std::uint64_t> ifrecv;        // isb_ifrecv: seen by the capture
  std::optional<std::uint64_t> ifdrop;        // isb_ifdrop: dropped by the interface
  std::optional<std::uint64_t> filteraccept;  // isb_filteraccept: accepted by the filter
  std::optional<std::uint64_t> osdrop;        // isb_osdrop: dropped by the OS (buffer full)
  std::optional<std::uint64_t> usrdeliv;      // isb_usrdeliv: delivered to this file
  std::string comment;                        // opt_comment
};

class PcapngWriter {
public:
  using Flush = StreamBuffer::Flush;

  // Write to `fd` (not owned). Nothing is written until begin().
  explicit PcapngWriter(int fd, Flush mode = Flush::buffered, std::size_t buffer_size = 256 * 1024);

  // Write the section header and flush it.
  Status begin(const PcapngSection& section);
  // Describe one more interface (an IDB) and return its number, which
  // write() and write_statistics() take. After begin().
  Result<std::uint32_t> add_interface(const PcapngInterface& iface);
  // Add one packet (an EPB) of interface `iface` captured at `timestamp`
  // (in that interface's units), `len` bytes long on the wire, of which
  // `data` was captured; `comment`, if any, becomes its opt_comment.
  Status write(std::uint32_t iface, std::uint64_t timestamp, std::uint32_t len, ByteView data,
               std::string_view comment = {});
  // Add an interface's statistics (an ISB).
  Status write_statistics(std::uint32_t iface, const PcapngStatistics& stats);
  // Write out everything buffered.
  Status flush();
  // An existing file is emptied only when the first bytes go to it
  // (StreamBuffer::truncate_on_first_write).
  void truncate_on_first_write() noexcept { m_out.truncate_on_first_write(); }
  // Flush, then go on in `fd` (not owned) as a new file: the section
  // header and every interface's description again, same numbers.
  Status restart(int fd);

  // Bytes of the current file so far.
  std::uint64_t file_bytes() const noexcept { return m_out.file_bytes(); }
  const std::vector<PcapngInterface>& interfaces() const noexcept { return m_interfaces; }
  std::uint64_t packets() const noexcept { return m_packets; }
  bool begun() const noexcept { return m_begun; }
  std::size_t buffered() const noexcept { return m_out.buffered(); }

private:
  void put_section();
  void put_interface(const PcapngInterface& iface);

  StreamBuffer m_out;
  PcapngSection m_section;
  std::vector<PcapngInterface> m_interfaces;
  std::uint64_t m_packets{0};
  bool m_begun{false};
};

}  // namespace rpcap
