// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/pcap_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

PcapWriter::PcapWriter(int fd, Flush mode, std::size_t buffer_size) : m_fd(fd), m_mode(mode), m_limit(buffer_size)
{
  m_buf.reserve(buffer_size + 65536);
}

Status PcapWriter::begin(int linktype, std::uint32_t snaplen, Order order)
{
  m_begun = true;
  m_swapped = order == Order::swapped;
  put<std::uint32_t>(m_buf, 0xa1b2c3d4, m_swapped);
  put<std::uint16_t>(m_buf, 2, m_swapped);
  put<std::uint16_t>(m_buf, 4, m_swapped);
  put<std::int32_t>(m_buf, 0, m_swapped);   // thiszone
  put<std::uint32_t>(m_buf, 0, m_swapped);  // sigfigs
  put<std::uint32_t>(m_buf, snaplen, m_swapped);
  put<std::uint32_t>(m_buf, static_cast<std::uint32_t>(linktype), m_swapped);
  return flush();
}

Status PcapWriter::write(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data)
{
  // One record header in the file's byte order, then the bytes: two
  // appends, no per-field growth checks.
  std::uint32_t hdr[4] = {ts_sec, ts_usec, static_cast<std::uint32_t>(data.size()), len};
  if (m_swapped) {
    for (auto& v : hdr) { v = __builtin_bswap32(v); }
  }
  const auto* h = reinterpret_cast<const std::uint8_t*>(hdr);
  m_buf.insert(m_buf.end(), h, h + sizeof hdr);
  m_buf.insert(m_buf.end(), data.begin(), data.end());
  ++m_packets;
  if (m_mode == Flush::per_packet || m_buf.size() >= m_limit) { return flush(); }
  return {};
}

Status PcapWriter::flush()
{
  if (m_failed) { return make_error(ErrorKind::io, "output: an earlier write failed"); }
  std::size_t done = 0;
  while (done < m_buf.size()) {
    const ssize_t n = ::write(m_fd, m_buf.data() + done, m_buf.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) { continue; }
    m_failed = true;
    const int err = n < 0 ? errno : EIO;
    m_buf.clear();
    return make_error(ErrorKind::io, std::string{"write output: "} + std::strerror(err));
  }
  m_buf.clear();
  return {};
}

}  // namespace rpcap
