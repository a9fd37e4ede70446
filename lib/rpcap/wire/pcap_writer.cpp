// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/pcap_writer.hpp"

#include <algorithm>
#include <cstring>

namespace rpcap {
namespace {

// Append `v` in this host's byte order, or the other one.
template <typename T>
void put(ByteQueue& out, T v, bool swapped)
{
  std::uint8_t b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  if (swapped) { std::reverse(b, b + sizeof v); }
  out.append(b, sizeof v);
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
  ByteQueue& b = m_out.bytes();
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

Status PcapWriter::flush() { return m_out.flush(); }

}  // namespace rpcap
