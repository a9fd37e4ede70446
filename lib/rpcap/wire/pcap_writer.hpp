// SPDX-License-Identifier: BSD-3-Clause
// A classic pcap stream (the format tcpdump -w writes and tcpdump -r -,
// tshark and Wireshark read from a pipe), written to a descriptor with few
// system calls: records collect in a buffer that goes out when it is full,
// when flush() is called (the caller's short timer keeps pipes live), or
// after every packet in per-packet mode (-U).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>

#include "rpcap/base/error.hpp"
#include "rpcap/wire/bytes.hpp"
#include "rpcap/wire/stream_buffer.hpp"

namespace rpcap {

class PcapWriter {
public:
  using Flush = StreamBuffer::Flush;

  // Write to `fd` (not owned). Nothing is written until begin().
  explicit PcapWriter(int fd, Flush mode = Flush::buffered, std::size_t buffer_size = 256 * 1024);

  // The byte order of the file's headers.
  enum class Order { native, swapped };

  // Write the file header: magic 0xa1b2c3d4 (0xa1b23c4d with `nano`: the
  // records' second field holds nanoseconds), version 2.4, `snaplen` and
  // link type `linktype`, in this host's byte order or, with
  // Order::swapped, the other one; the record headers follow it. A remote
  // capture from a daemon of the other byte order is written in the
  // daemon's order: some link types (USB, NFLOG...) start each packet with
  // fields in the capturing host's order, and readers correct those when a
  // file's order differs from their own, as for any file written there.
  Status begin(int linktype, std::uint32_t snaplen, Order order = Order::native, bool nano = false);
  // Add one record: timestamp, captured and original length, the bytes.
  Status write(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data);
  // The same, but `data` stays where it is until release() (or a flush):
  // large packets go out from the caller's buffer without a copy.
  Status write_borrowed(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data);
  // The bytes given to write_borrowed() are about to change.
  Status release() { return m_out.release_borrowed(); }
  // Write out everything buffered.
  Status flush();
  // An existing file is emptied only when the first bytes go to it
  // (StreamBuffer::truncate_on_first_write).
  void truncate_on_first_write() noexcept { m_out.truncate_on_first_write(); }
  // Flush, then go on in `fd` (not owned) as a new file, its header written
  // again (file rotation). After begin().
  Status restart(int fd);
  // Bytes of the current file so far.
  std::uint64_t file_bytes() const noexcept { return m_out.file_bytes(); }

  std::uint64_t packets() const noexcept { return m_packets; }
  // True once begin() was called: the capture got as far as its output.
  bool begun() const noexcept { return m_begun; }
  std::size_t buffered() const noexcept { return m_out.buffered(); }

private:
  // A record header: seconds, fraction, captured and original length.
  static constexpr std::size_t k_record_header_size = 16;

  void put_header();
  void put_record_header(std::uint8_t* at, std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len,
                         std::size_t caplen) const;

  StreamBuffer m_out;
  int m_linktype{0};
  std::uint32_t m_snaplen{0};
  bool m_nano{false};
  std::uint64_t m_packets{0};
  bool m_begun{false};
  bool m_swapped{false};
};

// The per-packet calls, inline: they run once per packet.
inline void PcapWriter::put_record_header(std::uint8_t* at, std::uint32_t ts_sec, std::uint32_t ts_usec,
                                          std::uint32_t len, std::size_t caplen) const
{
  // One record header in the file's byte order, stored at once.
  std::uint32_t hdr[4] = {ts_sec, ts_usec, static_cast<std::uint32_t>(caplen), len};
  if (m_swapped) {
    for (auto& v : hdr) { v = __builtin_bswap32(v); }
  }
  std::memcpy(at, hdr, sizeof hdr);
}

inline Status PcapWriter::write(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data)
{
  // The header and the bytes in one piece of the buffer, filled in place.
  std::uint8_t* at = m_out.bytes().grow(k_record_header_size + data.size());
  put_record_header(at, ts_sec, ts_usec, len, data.size());
  if (!data.empty()) { std::memcpy(at + k_record_header_size, data.data(), data.size()); }
  ++m_packets;
  return m_out.record_done();
}

inline Status PcapWriter::write_borrowed(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len,
                                         ByteView data)
{
  // Below this a copy costs less than a piece of a writev() of its own.
  constexpr std::size_t k_min_borrowed = 512;
  if (data.size() < k_min_borrowed) { return write(ts_sec, ts_usec, len, data); }
  put_record_header(m_out.bytes().grow(k_record_header_size), ts_sec, ts_usec, len, data.size());
  m_out.append_borrowed(data);
  ++m_packets;
  return m_out.record_done();
}

}  // namespace rpcap
