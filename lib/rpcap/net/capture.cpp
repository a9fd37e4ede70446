// SPDX-License-Identifier: BSD-3-Clause
#include "rpcap/net/capture.hpp"

#include <pcap/pcap.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>

namespace rpcap {
namespace {

SockAddr to_sockaddr(const sockaddr* sa)
{
  if (sa == nullptr) { return {}; }
  if (sa->sa_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(sa);
    std::array<std::uint8_t, 4> a{};
    std::memcpy(a.data(), &s4->sin_addr, 4);
    return SockAddr::ipv4(a);
  }
  if (sa->sa_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
    std::array<std::uint8_t, 16> a{};
    std::memcpy(a.data(), &s6->sin6_addr, 16);
    return SockAddr::ipv6(a, s6->sin6_scope_id);
  }
  return {};
}

struct PcapCloser {
  void operator()(pcap_t* p) const noexcept { pcap_close(p); }
};
using PcapPtr = std::unique_ptr<pcap_t, PcapCloser>;

// The bpf_program view of `filter`'s instructions (no copy of the header fields).
std::vector<bpf_insn> to_bpf(const Filter& filter)
{
  std::vector<bpf_insn> insns(filter.insns.size());
  for (std::size_t i = 0; i < insns.size(); ++i) {
    insns[i].code = filter.insns[i].code;
    insns[i].jt = filter.insns[i].jt;
    insns[i].jf = filter.insns[i].jf;
    insns[i].k = filter.insns[i].k;
  }
  return insns;
}

// Open `device` with pcap_create (never a URL); `what` names the step in errors.
Result<PcapPtr> create_activated(const CaptureParams& p)
{
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapPtr h{pcap_create(p.device.c_str(), errbuf)};
  if (!h) { return make_error(ErrorKind::io, "open \"" + p.device + "\": " + errbuf); }
  pcap_set_snaplen(h.get(), static_cast<int>(p.snaplen));
  pcap_set_promisc(h.get(), p.promisc ? 1 : 0);
  pcap_set_timeout(h.get(), p.timeout_ms);
  if (p.buffer_size > 0) { pcap_set_buffer_size(h.get(), p.buffer_size); }
  // A device that cannot give nanoseconds keeps microseconds; nano() tells.
  if (p.nano) { (void)pcap_set_tstamp_precision(h.get(), PCAP_TSTAMP_PRECISION_NANO); }
  const int rc = pcap_activate(h.get());
  if (rc < 0) {
    std::string why = rc == PCAP_ERROR ? pcap_geterr(h.get()) : pcap_statustostr(rc);
    if (rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED) {
      const char* detail = pcap_geterr(h.get());
      // libpcap's detail, unless it only says the status again.
      if (detail != nullptr && *detail != '\0' && why != detail) { why += std::string{" ("} + detail + ")"; }
    }
    return make_error(ErrorKind::io, "open \"" + p.device + "\": " + why);
  }
  return h;
}

class PcapHandle final : public CaptureHandle {
public:
  explicit PcapHandle(PcapPtr h) : m_h(std::move(h)) {}

  int linktype() const override { return pcap_datalink(m_h.get()); }
  std::uint32_t snaplen() const override { return static_cast<std::uint32_t>(pcap_snapshot(m_h.get())); }
  int buffer_size() const override { return pcap_bufsize(m_h.get()); }
  int selectable_fd() const override { return pcap_get_selectable_fd(m_h.get()); }
  bool nano() const override { return pcap_get_tstamp_precision(m_h.get()) == PCAP_TSTAMP_PRECISION_NANO; }

  Status set_filter(const Filter& filter) override
  {
    if (filter.insns.empty()) { return make_error(ErrorKind::malformed, "the filter program is empty"); }
    auto insns = to_bpf(filter);
    if (bpf_validate(insns.data(), static_cast<int>(insns.size())) == 0) {
      return make_error(ErrorKind::malformed, "the filter contains bogus instructions");
    }
    bpf_program prog{static_cast<unsigned>(insns.size()), insns.data()};
    if (pcap_setfilter(m_h.get(), &prog) != 0) {
      return make_error(ErrorKind::io, std::string{"install filter: "} + pcap_geterr(m_h.get()));
    }
    return {};
  }

  Result<int> dispatch(PacketSink& sink, int max) override
  {
    const int n = pcap_dispatch(m_h.get(), max == 0 ? -1 : max, &PcapHandle::callback,
                                reinterpret_cast<u_char*>(&sink));
    if (n == PCAP_ERROR) { return make_error(ErrorKind::io, std::string{"capture: "} + pcap_geterr(m_h.get())); }
    return n < 0 ? 0 : n;
  }

  void break_loop() override { pcap_breakloop(m_h.get()); }

  Result<CaptureStats> stats() override
  {
    pcap_stat st{};
    if (pcap_stats(m_h.get(), &st) != 0) {
      return make_error(ErrorKind::io, std::string{"statistics: "} + pcap_geterr(m_h.get()));
    }
    return CaptureStats{st.ps_recv, st.ps_drop, st.ps_ifdrop};
  }

private:
  static void callback(u_char* user, const pcap_pkthdr* h, const u_char* data)
  {
    auto* sink = reinterpret_cast<PacketSink*>(user);
    PacketInfo info{static_cast<std::uint32_t>(h->ts.tv_sec), static_cast<std::uint32_t>(h->ts.tv_usec), h->caplen,
                    h->len};
    sink->on_packet(info, data);
  }

  PcapPtr m_h;
};

class PcapBackend final : public CaptureBackend {
public:
  Result<std::vector<Interface>> list_interfaces() override
  {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_if_t* all = nullptr;
    if (pcap_findalldevs(&all, errbuf) != 0) {
      return make_error(ErrorKind::io, std::string{"list interfaces: "} + errbuf);
    }
    std::vector<Interface> out;
    for (pcap_if_t* d = all; d != nullptr; d = d->next) {
      Interface ifc;
      ifc.name = d->name;
      ifc.description = d->description != nullptr ? d->description : "";
      ifc.flags = d->flags;
      for (pcap_addr_t* a = d->addresses; a != nullptr; a = a->next) {
        if (a->addr == nullptr || (a->addr->sa_family != AF_INET && a->addr->sa_family != AF_INET6)) { continue; }
        ifc.addresses.push_back(IfAddress{to_sockaddr(a->addr), to_sockaddr(a->netmask),
                                          to_sockaddr(a->broadaddr), to_sockaddr(a->dstaddr)});
      }
      out.push_back(std::move(ifc));
    }
    pcap_freealldevs(all);
    return out;
  }

  Result<int> probe_linktype(const std::string& device) override
  {
    CaptureParams p;
    p.device = device;
    p.snaplen = 128;
    p.buffer_size = 0;
    auto h = create_activated(p);
    if (!h) { return std::move(h).error(); }
    return pcap_datalink(h->get());
  }

  Result<std::unique_ptr<CaptureHandle>> open(const CaptureParams& params) override
  {
    auto h = create_activated(params);
    if (!h) { return std::move(h).error(); }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    if (pcap_setnonblock(h->get(), 1, errbuf) != 0) {
      return make_error(ErrorKind::io, "open \"" + params.device + "\": " + errbuf);
    }
    return std::unique_ptr<CaptureHandle>{std::make_unique<PcapHandle>(std::move(*h))};
  }
};

}  // namespace

std::unique_ptr<CaptureBackend> make_pcap_backend() { return std::make_unique<PcapBackend>(); }

Result<std::unique_ptr<CaptureHandle>> open_savefile(const std::string& path, bool nano)
{
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  PcapPtr h{pcap_open_offline_with_tstamp_precision(
      path.c_str(), nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO, errbuf)};
  if (!h) { return make_error(ErrorKind::io, "open \"" + path + "\": " + errbuf); }
  return std::unique_ptr<CaptureHandle>{std::make_unique<PcapHandle>(std::move(h))};
}

Result<Filter> compile_filter(const std::string& expression, int linktype, int snaplen)
{
  PcapPtr dead{pcap_open_dead(linktype, snaplen)};
  if (!dead) { return make_error(ErrorKind::io, "compile filter: cannot create a compiler handle"); }
  bpf_program prog{};
  if (pcap_compile(dead.get(), &prog, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    return make_error(ErrorKind::usage, "filter \"" + expression + "\": " + pcap_geterr(dead.get()));
  }
  Filter f;
  f.insns.reserve(prog.bf_len);
  for (unsigned i = 0; i < prog.bf_len; ++i) {
    const bpf_insn& in = prog.bf_insns[i];
    f.insns.push_back(BpfInsn{in.code, in.jt, in.jf, in.k});
  }
  pcap_freecode(&prog);
  return f;
}

Status check_filter_compiles(const std::string& expression, int snaplen)
{
  auto ethernet = compile_filter(expression, DLT_EN10MB, snaplen);
  if (ethernet) { return {}; }
  // The other link types, for a filter that is not for Ethernet; these
  // compiles fail in microseconds unless a name is looked up.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
  for (int linktype = 0; linktype <= DLT_MATCHING_MAX; ++linktype) {
    if (linktype == DLT_EN10MB) { continue; }
    if (compile_filter(expression, linktype, snaplen)) { return {}; }
    if (std::chrono::steady_clock::now() > give_up) { return {}; }
  }
  return std::move(ethernet).error();
}

namespace {

// The opcodes libpcap's bpf_filter() runs. bpf_validate() checks jumps,
// memory slots and the final return but lets some unknown opcodes
// through, and bpf_filter() aborts the process on those (when the kernel
// refuses the program, libpcap filters in user space).
bool is_known_bpf_opcode(std::uint16_t code)
{
  if (code > 0xff) { return false; }
  switch (code & 0x07) {
  case BPF_LD:
    switch (BPF_MODE(code)) {
    case BPF_ABS:
    case BPF_IND: return BPF_SIZE(code) == BPF_W || BPF_SIZE(code) == BPF_H || BPF_SIZE(code) == BPF_B;
    case BPF_IMM:
    case BPF_MEM:
    case BPF_LEN: return BPF_SIZE(code) == BPF_W;
    default: return false;
    }
  case BPF_LDX:
    return code == (BPF_LDX | BPF_W | BPF_IMM) || code == (BPF_LDX | BPF_W | BPF_MEM)
           || code == (BPF_LDX | BPF_W | BPF_LEN) || code == (BPF_LDX | BPF_B | BPF_MSH);
  case BPF_ST: return code == BPF_ST;
  case BPF_STX: return code == BPF_STX;
  case BPF_ALU:
    if (BPF_OP(code) == BPF_NEG) { return code == (BPF_ALU | BPF_NEG); }
    switch (BPF_OP(code)) {
    case BPF_ADD: case BPF_SUB: case BPF_MUL: case BPF_DIV: case BPF_MOD: case BPF_OR:
    case BPF_AND: case BPF_XOR: case BPF_LSH: case BPF_RSH:
      return (code & ~(BPF_CLASS(code) | BPF_OP(code) | BPF_SRC(code))) == 0;
    default: return false;
    }
  case BPF_JMP:
    if (BPF_OP(code) == BPF_JA) { return code == (BPF_JMP | BPF_JA); }
    switch (BPF_OP(code)) {
    case BPF_JEQ: case BPF_JGT: case BPF_JGE: case BPF_JSET:
      return (code & ~(BPF_CLASS(code) | BPF_OP(code) | BPF_SRC(code))) == 0;
    default: return false;
    }
  case BPF_RET: return code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_X) || code == (BPF_RET | BPF_A);
  case BPF_MISC: return code == (BPF_MISC | BPF_TAX) || code == (BPF_MISC | BPF_TXA);
  }
  return false;
}

}  // namespace

bool is_valid_bpf(const Filter& filter)
{
  if (filter.insns.empty()) { return false; }
  for (const auto& in : filter.insns) {
    if (!is_known_bpf_opcode(in.code)) { return false; }
  }
  auto insns = to_bpf(filter);
  return bpf_validate(insns.data(), static_cast<int>(insns.size())) != 0;
}

std::string linktype_name(int linktype)
{
  const char* name = pcap_datalink_val_to_name(linktype);
  return name != nullptr ? name : std::to_string(linktype);
}

}  // namespace rpcap
