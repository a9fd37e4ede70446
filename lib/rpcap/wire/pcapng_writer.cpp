// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/wire/pcapng_writer.hpp"

#include <algorithm>
#include <cstring>

namespace rpcap {
namespace {

// Block types and option codes of the pcapng specification (docs/pcapng.md).
constexpr std::uint32_t k_shb = 0x0A0D0D0A;
constexpr std::uint32_t k_idb = 0x00000001;
constexpr std::uint32_t k_isb = 0x00000005;
constexpr std::uint32_t k_epb = 0x00000006;
constexpr std::uint32_t k_byte_order_magic = 0x1A2B3C4D;

constexpr std::uint16_t opt_endofopt = 0;
constexpr std::uint16_t opt_comment = 1;
constexpr std::uint16_t shb_hardware = 2;
constexpr std::uint16_t shb_os = 3;
constexpr std::uint16_t shb_userappl = 4;
constexpr std::uint16_t if_name = 2;
constexpr std::uint16_t if_description = 3;
constexpr std::uint16_t if_tsresol = 9;
constexpr std::uint16_t if_filter = 11;
constexpr std::uint16_t isb_starttime = 2;
constexpr std::uint16_t isb_endtime = 3;
constexpr std::uint16_t isb_ifrecv = 4;
constexpr std::uint16_t isb_ifdrop = 5;
constexpr std::uint16_t isb_filteraccept = 6;
constexpr std::uint16_t isb_osdrop = 7;
constexpr std::uint16_t isb_usrdeliv = 8;

// The longest option value: its length is a 16-bit field.
constexpr std::size_t k_max_option = 0xffff;

std::size_t padding(std::size_t n) { return (4 - n % 4) % 4; }

// Append `v` in this host's byte order (the section's, by its magic).
template <typename T>
void put(ByteQueue& out, T v)
{
  out.append(&v, sizeof v);
}

// A 64-bit timestamp as pcapng splits it: the upper 32 bits first.
struct SplitTime {
  std::uint32_t high;
  std::uint32_t low;
};
SplitTime split_time(std::uint64_t t) { return {static_cast<std::uint32_t>(t >> 32), static_cast<std::uint32_t>(t)}; }
void put_time(ByteQueue& out, std::uint64_t t)
{
  const SplitTime s = split_time(t);
  put(out, s.high);
  put(out, s.low);
}

// One block appended to a buffer: its type and a length patched in at the
// end, the body, the options, and the length again.
class Block {
public:
  Block(ByteQueue& out, std::uint32_t type) : m_out(out), m_start(out.size())
  {
    put(m_out, type);
    put<std::uint32_t>(m_out, 0);
  }
  ByteQueue& body() { return m_out; }
  void option(std::uint16_t code, ByteView value)
  {
    const std::size_t n = std::min(value.size(), k_max_option);
    put(m_out, code);
    put(m_out, static_cast<std::uint16_t>(n));
    m_out.append(value.data(), n);
    m_out.append_zeros(padding(n));
    m_options = true;
  }
  void option(std::uint16_t code, std::string_view text)
  {
    if (!text.empty()) { option(code, ByteView{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}); }
  }
  void option_u64(std::uint16_t code, std::optional<std::uint64_t> v)
  {
    if (v) {
      std::uint8_t b[8];
      std::memcpy(b, &*v, sizeof b);
      option(code, ByteView{b, sizeof b});
    }
  }
  void option_time(std::uint16_t code, std::optional<std::uint64_t> t)
  {
    if (t) {
      const SplitTime s = split_time(*t);
      const std::uint32_t b[2] = {s.high, s.low};
      option(code, ByteView{reinterpret_cast<const std::uint8_t*>(b), sizeof b});
    }
  }
  // Close the options (if any) and the block.
  void finish()
  {
    if (m_options) {
      put(m_out, opt_endofopt);
      put<std::uint16_t>(m_out, 0);
    }
    const auto total = static_cast<std::uint32_t>(m_out.size() - m_start + 4);
    put(m_out, total);
    std::memcpy(m_out.data() + m_start + 4, &total, 4);
  }

private:
  ByteQueue& m_out;
  std::size_t m_start;
  bool m_options{false};
};

}  // namespace

PcapngWriter::PcapngWriter(int fd, Flush mode, std::size_t buffer_size) : m_out(fd, mode, buffer_size) {}

void PcapngWriter::put_section()
{
  Block b{m_out.bytes(), k_shb};
  put(b.body(), k_byte_order_magic);
  put<std::uint16_t>(b.body(), 1);  // major version
  put<std::uint16_t>(b.body(), 0);  // minor version
  put<std::uint64_t>(b.body(), ~std::uint64_t{0});  // section length: not known
  b.option(shb_hardware, m_section.hardware);
  b.option(shb_os, m_section.os);
  b.option(shb_userappl, m_section.application);
  b.finish();
}

void PcapngWriter::put_interface(const PcapngInterface& iface)
{
  Block b{m_out.bytes(), k_idb};
  put(b.body(), static_cast<std::uint16_t>(iface.linktype));
  put<std::uint16_t>(b.body(), 0);
  put(b.body(), iface.snaplen);
  b.option(if_name, iface.name);
  b.option(if_description, iface.description);
  const std::uint8_t res = static_cast<std::uint8_t>(iface.resolution);
  b.option(if_tsresol, ByteView{&res, 1});
  if (!iface.filter.empty()) {
    // The first byte says what follows: 0, a libpcap filter string.
    Bytes f{0};
    f.insert(f.end(), iface.filter.begin(), iface.filter.end());
    b.option(if_filter, ByteView{f.data(), f.size()});
  }
  b.finish();
}

Status PcapngWriter::begin(const PcapngSection& section)
{
  m_begun = true;
  m_section = section;
  put_section();
  return m_out.flush();
}

Result<std::uint32_t> PcapngWriter::add_interface(const PcapngInterface& iface)
{
  m_interfaces.push_back(iface);
  put_interface(iface);
  if (auto st = m_out.record_done(); !st) { return std::move(st).error(); }
  return static_cast<std::uint32_t>(m_interfaces.size() - 1);
}

Status PcapngWriter::write(std::uint32_t iface, std::uint64_t timestamp, std::uint32_t len, ByteView data,
                           std::string_view comment)
{
  ByteQueue& out = m_out.bytes();
  const auto caplen = static_cast<std::uint32_t>(data.size());
  if (comment.empty()) {
    // The common case in one go: a fixed header, the bytes, the padding and
    // the trailing length.
    const auto total = static_cast<std::uint32_t>(32 + caplen + padding(caplen));
    const SplitTime t = split_time(timestamp);
    const std::uint32_t hdr[7] = {k_epb, total, iface, t.high, t.low, caplen, len};
    std::uint8_t* at = out.grow(total);
    std::memcpy(at, hdr, sizeof hdr);
    at += sizeof hdr;
    if (caplen > 0) { std::memcpy(at, data.data(), caplen); }
    at += caplen;
    std::memset(at, 0, padding(caplen));
    std::memcpy(at + padding(caplen), &total, sizeof total);
  } else {
    Block b{out, k_epb};
    put(out, iface);
    put_time(out, timestamp);
    put(out, caplen);
    put(out, len);
    out.append(data.data(), caplen);
    out.append_zeros(padding(caplen));
    b.option(opt_comment, comment);
    b.finish();
  }
  ++m_packets;
  return m_out.record_done();
}

Status PcapngWriter::write_statistics(std::uint32_t iface, const PcapngStatistics& s)
{
  Block b{m_out.bytes(), k_isb};
  put(b.body(), iface);
  put_time(b.body(), s.timestamp);
  b.option(opt_comment, s.comment);
  b.option_time(isb_starttime, s.start);
  b.option_time(isb_endtime, s.end);
  b.option_u64(isb_ifrecv, s.ifrecv);
  b.option_u64(isb_ifdrop, s.ifdrop);
  b.option_u64(isb_filteraccept, s.filteraccept);
  b.option_u64(isb_osdrop, s.osdrop);
  b.option_u64(isb_usrdeliv, s.usrdeliv);
  b.finish();
  return m_out.record_done();
}

Status PcapngWriter::flush() { return m_out.flush(); }

Status PcapngWriter::restart(int fd)
{
  if (auto st = m_out.switch_to(fd); !st) { return st; }
  put_section();
  for (const auto& iface : m_interfaces) { put_interface(iface); }
  return m_out.flush();
}

}  // namespace rpcap
