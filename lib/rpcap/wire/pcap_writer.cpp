// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/pcap_writer.hpp"

#include <algorithm>
#include <cstring>

namespace rpcap {
namespace {

// Append `v` in this host's byte order, or the other one.
template <typename T>
void put(Bytes& out, T v, bool swapped)
{
  std::uint8_t b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  if (swapped) { std::reverse(b, b + sizeof v); }
  out.insert(out.end(), b, b + sizeof v);
}

}  // namespace

PcapWriter::PcapWriter(int fd, Flush mode, std::size_t buffer_size) : m_out(fd, mode, buffer_size) {}

Status PcapWriter::begin(int linktype, std::uint32_t snaplen, Order order, bool nano)
{
  m_begun = true;
  m_swapped = order == Order::swapped;
  m_linktype = linktype;
  m_snaplen = snaplen;
  m_nano = nano;
  put_header();
  return flush();
}

void PcapWriter::put_header()
{
  Bytes& b = m_out.bytes();
  put<std::uint32_t>(b, m_nano ? 0xa1b23c4d : 0xa1b2c3d4, m_swapped);
  put<std::uint16_t>(b, 2, m_swapped);
  put<std::uint16_t>(b, 4, m_swapped);
  put<std::int32_t>(b, 0, m_swapped);   // thiszone
  put<std::uint32_t>(b, 0, m_swapped);  // sigfigs
  put<std::uint32_t>(b, m_snaplen, m_swapped);
  put<std::uint32_t>(b, static_cast<std::uint32_t>(m_linktype), m_swapped);
}

Status PcapWriter::restart(int fd)
{
  if (auto st = m_out.switch_to(fd); !st) { return st; }
  put_header();
  return flush();
}

void PcapWriter::put_record_header(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, std::size_t caplen)
{
  // One record header in the file's byte order, appended at once.
  std::uint32_t hdr[4] = {ts_sec, ts_usec, static_cast<std::uint32_t>(caplen), len};
  if (m_swapped) {
    for (auto& v : hdr) { v = __builtin_bswap32(v); }
  }
  const auto* h = reinterpret_cast<const std::uint8_t*>(hdr);
  Bytes& b = m_out.bytes();
  b.insert(b.end(), h, h + sizeof hdr);
}

Status PcapWriter::write(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data)
{
  put_record_header(ts_sec, ts_usec, len, data.size());
  Bytes& b = m_out.bytes();
  b.insert(b.end(), data.begin(), data.end());
  ++m_packets;
  return m_out.record_done();
}

Status PcapWriter::write_borrowed(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data)
{
  // Below this a copy costs less than a piece of a writev() of its own.
  constexpr std::size_t k_min_borrowed = 512;
  if (data.size() < k_min_borrowed) { return write(ts_sec, ts_usec, len, data); }
  put_record_header(ts_sec, ts_usec, len, data.size());
  m_out.append_borrowed(data);
  ++m_packets;
  return m_out.record_done();
}

Status PcapWriter::flush() { return m_out.flush(); }

}  // namespace rpcap
