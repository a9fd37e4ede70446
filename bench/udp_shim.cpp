// SPDX-License-Identifier: BSD-3-Clause
// rpcap-bench-udp.so: makes an unmodified libpcap client ask for the UDP data
// channel, for scripts/bench's libpcap-udp case; built for the benchmark only.
//
// tcpdump 4.99.3 opens rpcap:// sources with pcap_open() and fixed flags, and
// has no option for PCAP_OPENFLAG_DATATX_UDP. Preloaded (LD_PRELOAD) into a
// tcpdump that links libpcap dynamically, this pcap_open() adds the flag and
// calls libpcap's, so the reference client itself is what gets measured.
#include <dlfcn.h>
#include <pcap/pcap.h>

#include <cstdio>

namespace {

using PcapOpen = pcap_t* (*)(const char*, int, int, int, pcap_rmtauth*, char*);

}  // namespace

extern "C" pcap_t* pcap_open(const char* source, int snaplen, int flags, int read_timeout, pcap_rmtauth* auth,
                             char* errbuf)
{
  // the next definition in lookup order: libpcap's
  auto* next = reinterpret_cast<PcapOpen>(::dlsym(RTLD_NEXT, "pcap_open"));
  if (next == nullptr) {
    std::snprintf(errbuf, PCAP_ERRBUF_SIZE, "rpcap-bench-udp: no pcap_open() after this one to call");
    return nullptr;
  }
  return next(source, snaplen, flags | PCAP_OPENFLAG_DATATX_UDP, read_timeout, auth, errbuf);
}
