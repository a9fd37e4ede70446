// SPDX-License-Identifier: BSD-3-Clause
// refclient: a small RPCAP client built on the reference libpcap 1.10.3 public API, used by
// tests/vectors/record to make the reference library put the messages on the wire that tcpdump
// never sends (FINDALLIF, SETSAMPLING, UDP data, UPDATEFILTER, STATS, password auth, active
// mode, and the B1 short-plen STARTCAP). It only calls documented pcap_* functions.
//
//   refclient findall SOURCE [USER PASSWORD]     pcap_findalldevs_ex (NULL auth without USER)
//   refclient capture URL tcp|udp               open, setfilter, read 3, UPDATEFILTER, read 2, stats, close
//   refclient nofilter URL                      open, setsampling(1 of 10), first read without a filter (B1)
//   refclient active PORT DEVICE                pcap_remoteact_accept on 127.0.0.1:PORT, then
//                                               findalldevs_ex + capture over that connection, ENDCAP, CLOSE
//
// Packets are expected to match `udp dst port 9` (the recording script sends such datagrams to
// 127.0.0.1). Exit status 0 on success, 1 on failure (the expected-error modes print and exit 0).
// Build: cc -I$REF/inst/include -o refclient refclient.c -L$REF/inst/lib -Wl,-rpath,$REF/inst/lib -lpcap

#define _DEFAULT_SOURCE 1  // u_char/u_int in pcap.h under -std=c11
#include <pcap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char k_filter1[] = "udp dst port 9";
static const char k_filter2[] = "udp dst port 9 and udp[8] == 0x72";  // payload starts with 'r'

static int list_devices(const char* source, struct pcap_rmtauth* auth)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t* devs = NULL;
  if (pcap_findalldevs_ex(source, auth, &devs, errbuf) != 0) {
    printf("findalldevs_ex failed: %s\n", errbuf);
    return 1;
  }
  for (pcap_if_t* d = devs; d; d = d->next) {
    int naddr = 0;
    for (pcap_addr_t* a = d->addresses; a; a = a->next) {
      ++naddr;
    }
    printf("dev %s flags 0x%x naddr %d desc %s\n", d->name, d->flags, naddr,
           d->description ? d->description : "(none)");
  }
  pcap_freealldevs(devs);
  return 0;
}

static int set_filter(pcap_t* p, const char* expr)
{
  struct bpf_program prog;
  if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
    printf("compile \"%s\" failed: %s\n", expr, pcap_geterr(p));
    return 1;
  }
  int rc = pcap_setfilter(p, &prog);
  if (rc != 0) {
    printf("setfilter \"%s\" failed: %s\n", expr, pcap_geterr(p));
  }
  pcap_freecode(&prog);
  return rc != 0;
}

// Read `want` packets, giving up after `tries` read timeouts.
static int read_packets(pcap_t* p, int want, int tries)
{
  int got = 0;
  while (got < want && tries-- > 0) {
    struct pcap_pkthdr* hdr;
    const u_char* data;
    int rc = pcap_next_ex(p, &hdr, &data);
    if (rc == 1) {
      ++got;
      printf("packet caplen %u len %u\n", hdr->caplen, hdr->len);
    } else if (rc < 0) {
      printf("read failed: %s\n", pcap_geterr(p));
      return -1;
    }
  }
  return got;
}

static int capture(const char* url, int udp)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  int flags = PCAP_OPENFLAG_PROMISCUOUS | (udp ? PCAP_OPENFLAG_DATATX_UDP : 0);
  pcap_t* p = pcap_open(url, 65535, flags, 1000, NULL, errbuf);
  if (!p) {
    printf("open failed: %s\n", errbuf);
    return 1;
  }
  int rc = 1;
  if (set_filter(p, k_filter1) == 0 && read_packets(p, 3, 40) == 3 && set_filter(p, k_filter2) == 0
      && read_packets(p, 2, 40) == 2) {
    struct pcap_stat st;
    if (pcap_stats(p, &st) == 0) {
      printf("stats recv %u drop %u ifdrop %u\n", st.ps_recv, st.ps_drop, st.ps_ifdrop);
      rc = 0;
    } else {
      printf("stats failed: %s\n", pcap_geterr(p));
    }
  }
  pcap_close(p);  // CLOSE
  return rc;
}

static int nofilter(const char* url)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* p = pcap_open(url, 65535, PCAP_OPENFLAG_PROMISCUOUS, 1000, NULL, errbuf);
  if (!p) {
    printf("open failed: %s\n", errbuf);
    return 1;
  }
  struct pcap_samp* samp = pcap_setsampling(p);
  samp->method = PCAP_SAMP_1_EVERY_N;
  samp->value = 10;
  // First read without any pcap_setfilter: SETSAMPLING, then STARTCAP with the short plen (B1);
  // rpcapd 1.10.3 answers with an error, so a failure here is the expected outcome.
  int got = read_packets(p, 1, 4);
  printf("nofilter read result %d\n", got);
  pcap_close(p);
  return 0;
}

static int active(const char* port, const char* device)
{
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  char host[1024] = "";
  struct pcap_rmtauth auth;
  memset(&auth, 0, sizeof auth);
  auth.type = RPCAP_RMTAUTH_NULL;
  printf("waiting for the daemon on 127.0.0.1:%s\n", port);
  fflush(stdout);
  SOCKET s = pcap_remoteact_accept("127.0.0.1", port, "", host, &auth, errbuf);
  if (s == INVALID_SOCKET || (int)s < 0) {
    printf("remoteact_accept failed: %s\n", errbuf);
    return 1;
  }
  printf("daemon connected from %s\n", host);

  char source[PCAP_BUF_SIZE + 16];
  snprintf(source, sizeof source, "rpcap://%s/", host);
  int rc = list_devices(source, &auth);  // FINDALLIF over the active connection

  char url[2 * PCAP_BUF_SIZE + 16];
  snprintf(url, sizeof url, "rpcap://%s/%s", host, device);
  pcap_t* p = pcap_open(url, 65535, 0, 1000, &auth, errbuf);
  if (!p) {
    printf("open failed: %s\n", errbuf);
    rc = 1;
  } else {
    if (set_filter(p, k_filter1) != 0 || read_packets(p, 3, 40) != 3) {
      rc = 1;
    }
    pcap_close(p);  // active mode: ENDCAP, waits for the reply, keeps the control connection
  }
  if (pcap_remoteact_close(host, errbuf) != 0) {  // CLOSE
    printf("remoteact_close failed: %s\n", errbuf);
    rc = 1;
  }
  pcap_remoteact_cleanup();
  return rc;
}

int main(int argc, char** argv)
{
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && strcmp(argv[1], "findall") == 0) {
    struct pcap_rmtauth auth;
    memset(&auth, 0, sizeof auth);
    if (argc >= 5) {
      auth.type = RPCAP_RMTAUTH_PWD;
      auth.username = argv[3];
      auth.password = argv[4];
    }
    return list_devices(argv[2], &auth);
  }
  if (argc == 4 && strcmp(argv[1], "capture") == 0) {
    return capture(argv[2], strcmp(argv[3], "udp") == 0);
  }
  if (argc == 3 && strcmp(argv[1], "nofilter") == 0) {
    return nofilter(argv[2]);
  }
  if (argc == 4 && strcmp(argv[1], "active") == 0) {
    return active(argv[2], argv[3]);
  }
  fprintf(stderr, "usage: refclient findall SOURCE [USER PASSWORD] | capture URL tcp|udp | "
                  "nofilter URL | active PORT DEVICE\n");
  return 2;
}
