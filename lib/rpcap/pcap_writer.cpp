// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/pcap_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rpcap {
namespace {

// Append `v` in this host's byte order, as pcap files are written.
template <typename T>
void put_native(Bytes& out, T v)
{
  std::uint8_t b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.insert(out.end(), b, b + sizeof v);
}

}  // namespace

PcapWriter::PcapWriter(int fd, Flush mode, std::size_t buffer_size) : m_fd(fd), m_mode(mode), m_limit(buffer_size)
{
  m_buf.reserve(buffer_size + 65536);
}

Status PcapWriter::begin(int linktype, std::uint32_t snaplen)
{
  m_begun = true;
  put_native<std::uint32_t>(m_buf, 0xa1b2c3d4);
  put_native<std::uint16_t>(m_buf, 2);
  put_native<std::uint16_t>(m_buf, 4);
  put_native<std::int32_t>(m_buf, 0);   // thiszone
  put_native<std::uint32_t>(m_buf, 0);  // sigfigs
  put_native<std::uint32_t>(m_buf, snaplen);
  put_native<std::uint32_t>(m_buf, static_cast<std::uint32_t>(linktype));
  return flush();
}

Status PcapWriter::write(std::uint32_t ts_sec, std::uint32_t ts_usec, std::uint32_t len, ByteView data)
{
  // One record header in this host's byte order, then the bytes: two
  // appends, no per-field growth checks.
  const std::uint32_t hdr[4] = {ts_sec, ts_usec, static_cast<std::uint32_t>(data.size()), len};
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
