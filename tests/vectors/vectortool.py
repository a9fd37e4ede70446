#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for tests/vectors/record (standard library only).

  vectortool.py send-udp COUNT INTERVAL          datagrams "rpcap-vector-N" to 127.0.0.1:9
  vectortool.py raw SCENARIO PORT                 hand-made requests to a reference rpcapd
  vectortool.py extract WORKDIR OUTDIR            pcaps of the recording -> annotated .hex files
  vectortool.py check DIR                         parse every .hex file the way the tests do
  vectortool.py dump WORKDIR                      list every RPCAP message of every scenario

The raw scenarios only provoke the daemon's replies; the bytes they send are never used as
vectors. Every vector comes from the loopback capture, not from a socket buffer.
"""

import datetime
import glob
import json
import os
import re
import socket
import struct
import sys
import time

# --------------------------------------------------------------------------------------------
# RPCAP constants (wire values)

MSG_NAMES = {
    0x01: "ERROR", 0x02: "FINDALLIF_REQ", 0x03: "OPEN_REQ", 0x04: "STARTCAP_REQ",
    0x05: "UPDATEFILTER_REQ", 0x06: "CLOSE", 0x07: "PACKET", 0x08: "AUTH_REQ",
    0x09: "STATS_REQ", 0x0A: "ENDCAP_REQ", 0x0B: "SETSAMPLING_REQ",
    0x82: "FINDALLIF_REPLY", 0x83: "OPEN_REPLY", 0x84: "STARTCAP_REPLY",
    0x85: "UPDATEFILTER_REPLY", 0x88: "AUTH_REPLY", 0x89: "STATS_REPLY",
    0x8A: "ENDCAP_REPLY", 0x8B: "SETSAMPLING_REPLY",
}
ERROR_NAMES = {
    1: "NETW", 2: "INITTIMEOUT", 3: "AUTH", 4: "FINDALLIF", 5: "NOREMOTEIF", 6: "OPEN",
    7: "UPDATEFILTER", 8: "GETSTATS", 9: "READEX", 10: "HOSTNOAUTH", 11: "REMOTEACCEPT",
    12: "STARTCAPTURE", 13: "ENDCAPTURE", 14: "RUNTIMETIMEOUT", 15: "SETSAMPLING",
    16: "WRONGMSG", 17: "WRONGVER", 18: "AUTH_FAILED", 19: "TLS_REQUIRED", 20: "AUTH_TYPE_NOTSUP",
}
LINKTYPES = {0: "NULL", 1: "EN10MB (Ethernet)", 113: "LINUX_SLL", 276: "LINUX_SLL2"}


def hdr(ver, mtype, value, payload=b""):
    return struct.pack("!BBHI", ver, mtype, value, len(payload)) + payload


# --------------------------------------------------------------------------------------------
# send-udp: the traffic the captures see (loopback only)

def cmd_send_udp(count, interval):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(1, int(count) + 1):
        s.sendto(b"rpcap-vector-%d" % i, ("127.0.0.1", 9))
        time.sleep(float(interval))
    return 0


# --------------------------------------------------------------------------------------------
# raw: requests that no libpcap client sends, to record the daemon's error replies

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def recv_msg(sock):
    h = recv_exact(sock, 8)
    if len(h) < 8:
        return None
    ver, mtype, value, plen = struct.unpack("!BBHI", h)
    payload = recv_exact(sock, plen)
    print("  <- ver %d type 0x%02x (%s) value %d plen %d %r" % (
        ver, mtype, MSG_NAMES.get(mtype, "?"), value, plen, payload[:80]))
    return mtype, value, payload


def connect(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    return s


def auth_null(s):
    s.sendall(hdr(0, 0x08, 0, struct.pack("!HHHH", 0, 0, 0, 0)))
    m = recv_msg(s)
    if not m or m[0] != 0x88:
        raise SystemExit("raw: NULL authentication was refused")


def wait_closed(s):
    try:
        rest = s.recv(1)
    except socket.timeout:
        rest = b"(still open)"
    print("  connection closed by daemon" if rest == b"" else "  daemon kept the connection open")


def cmd_raw(scenario, port):
    print("raw %s on 127.0.0.1:%s" % (scenario, port))
    s = connect(port)
    s.settimeout(5)
    if scenario == "before-auth":
        s.sendall(hdr(0, 0x02, 0))              # FINDALLIF_REQ before AUTH_REQ -> ERROR 16
        recv_msg(s)
        s.sendall(hdr(0, 0x06, 0))              # CLOSE: the daemon closes silently
        wait_closed(s)
    elif scenario == "wrong-version":
        s.sendall(hdr(1, 0x08, 0, struct.pack("!HHHH", 0, 0, 0, 0)))  # ver 1 -> ERROR 17
        recv_msg(s)
        wait_closed(s)
    elif scenario == "unknown-type":
        auth_null(s)
        s.sendall(hdr(0, 0x20, 0))              # type 0x20 after auth -> ERROR 16, empty text
        recv_msg(s)
        wait_closed(s)
    elif scenario == "open-url":
        auth_null(s)
        s.sendall(hdr(0, 0x03, 0, b"rpcap://127.0.0.1:1/lo"))  # -> ERROR 6, never STARTCAP (B28)
        recv_msg(s)
        s.sendall(hdr(0, 0x06, 0))
        wait_closed(s)
    elif scenario == "endcap-no-capture":
        auth_null(s)
        s.sendall(hdr(0, 0x0A, 0))              # ENDCAP without a capture -> ERROR 13
        recv_msg(s)
        s.sendall(hdr(0, 0x06, 0))
        wait_closed(s)
    elif scenario == "tls-required":
        s.sendall(hdr(0, 0x08, 0, struct.pack("!HHHH", 0, 0, 0, 0)))  # plaintext on a -S daemon
        recv_msg(s)
        wait_closed(s)
    else:
        raise SystemExit("raw: unknown scenario %r" % scenario)
    s.close()
    return 0


# --------------------------------------------------------------------------------------------
# pcap reading and TCP reassembly (loopback captures from Debian's tcpdump: DLT_EN10MB)

class Conn:
    """One TCP connection: client = SYN sender. Payload reassembled per direction."""

    def __init__(self, key, first_ts):
        self.key = key                  # (client_ip, client_port, server_ip, server_port)
        self.first_ts = first_ts
        self.isn = {}                   # direction -> ISN
        self.segs = {"c2s": {}, "s2c": {}}

    def data(self, direction):
        segs = self.segs[direction]
        if not segs:
            return b""
        out = bytearray()
        base = self.isn.get(direction)
        if base is None:
            base = min(segs) - 1
        pos = 1
        for rel in sorted(segs):
            payload = segs[rel]
            if rel > pos:
                raise SystemExit("gap in TCP stream %r %s at %d" % (self.key, direction, pos))
            if rel + len(payload) > pos:
                out += payload[pos - rel:]
                pos = rel + len(payload)
        return bytes(out)


def read_pcap(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic = raw[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(endian + "I", raw[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, expected 1 (Ethernet, as on Linux lo)" % (path, linktype))
    off = 24
    while off + 16 <= len(raw):
        sec, frac, caplen, origlen = struct.unpack(endian + "IIII", raw[off:off + 16])
        frame = raw[off + 16:off + 16 + caplen]
        if caplen != origlen:
            raise SystemExit("%s: truncated frame (caplen %d < len %d)" % (path, caplen, origlen))
        yield sec + frac / (1e9 if nsec else 1e6), frame
        off += 16 + caplen


def parse_frame(frame):
    """-> (proto, src, sport, dst, dport, seq, flags, payload) or None."""
    etype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if etype == 0x0800:
        ihl = (p[0] & 0x0F) * 4
        total = struct.unpack("!H", p[2:4])[0]
        proto = p[9]
        src, dst = socket.inet_ntop(socket.AF_INET, p[12:16]), socket.inet_ntop(socket.AF_INET, p[16:20])
        l4 = p[ihl:total]
    elif etype == 0x86DD:
        plen = struct.unpack("!H", p[4:6])[0]
        proto = p[6]
        src, dst = socket.inet_ntop(socket.AF_INET6, p[8:24]), socket.inet_ntop(socket.AF_INET6, p[24:40])
        l4 = p[40:40 + plen]
    else:
        return None
    if proto == 6:
        sport, dport, seq = struct.unpack("!HHI", l4[:8])
        doff = (l4[12] >> 4) * 4
        flags = l4[13]
        return ("tcp", src, sport, dst, dport, seq, flags, l4[doff:])
    if proto == 17:
        sport, dport = struct.unpack("!HH", l4[:4])
        return ("udp", src, sport, dst, dport, 0, 0, l4[8:])
    return None


def load_capture(path):
    """-> (list of Conn in SYN order, list of UDP datagrams (ts, src, sport, dst, dport, payload))."""
    conns, order, udp = {}, [], []
    for ts, frame in read_pcap(path):
        r = parse_frame(frame)
        if not r:
            continue
        proto, src, sport, dst, dport, seq, flags, payload = r
        if proto == "udp":
            udp.append((ts, src, sport, dst, dport, payload))
            continue
        syn, ack = flags & 0x02, flags & 0x10
        if syn and not ack:
            key = (src, sport, dst, dport)
            c = Conn(key, ts)
            c.isn["c2s"] = seq
            conns[key] = c
            order.append(c)
            continue
        if (src, sport, dst, dport) in conns:
            c, direction = conns[(src, sport, dst, dport)], "c2s"
        elif (dst, dport, src, sport) in conns:
            c, direction = conns[(dst, dport, src, sport)], "s2c"
        else:
            continue                    # connection started before the capture: not ours
        if syn:
            c.isn["s2c"] = seq
            continue
        if payload:
            rel = (seq - c.isn[direction]) & 0xFFFFFFFF
            c.segs[direction].setdefault(rel, payload)
    return order, udp


def split_messages(data, direction):
    """Split a reassembled stream into RPCAP messages: list of (offset, bytes, note)."""
    out, off = [], 0
    while off + 8 <= len(data):
        plen = struct.unpack("!I", data[off + 4:off + 8])[0]
        end = off + 8 + plen
        note = ""
        # B1: a libpcap 1.10 client that never set a filter sends STARTCAP with plen 20 but
        # still writes the 8-byte instruction. Keep the 36 bytes it wrote together.
        if direction == "c2s" and data[off + 1] == 0x04 and plen == 20 and end + 8 <= len(data) \
                and struct.unpack("!I", data[off + 24:off + 28])[0] == 1:
            end += 8
            note = "b1"
        if end > len(data):
            out.append((off, data[off:], "truncated"))
            break
        out.append((off, data[off:end], note))
        off = end
    if off < len(data) and (not out or out[-1][2] != "truncated"):
        out.append((off, data[off:], "trailing"))
    return out


# --------------------------------------------------------------------------------------------
# annotation

def hexs(b):
    return " ".join("%02x" % x for x in b)


def grp(*parts):
    """Hex of several fields, each field's bytes contiguous: grp(b'\\x00', b'\\x08\\x00')."""
    return " ".join(p.hex() for p in parts)


def text_lines(b, label, width=16):
    lines = []
    for i in range(0, len(b), width):
        chunk = b[i:i + width]
        shown = chunk.decode("latin-1")
        shown = "".join(ch if 32 <= ord(ch) < 127 else "." for ch in shown)
        lines.append((hexs(chunk), '%s "%s"' % (label if i == 0 else "...", shown)))
    return lines


def data_lines(b, label, width=16):
    lines = []
    for i in range(0, len(b), width):
        lines.append((hexs(b[i:i + width]), label if i == 0 else ""))
    return lines


def zero_lines(n, label):
    lines = []
    for i in range(0, n, 16):
        lines.append((hexs(bytes(min(16, n - i))), label if i == 0 else ""))
    return lines


def header_line(m):
    ver, mtype, value, plen = struct.unpack("!BBHI", m[:8])
    name = MSG_NAMES.get(mtype, "type 0x%02x (unknown)" % mtype)
    vdesc = "value %d" % value
    if mtype == 0x01:
        vdesc = "value %d = error code %s" % (value, ERROR_NAMES.get(value, "?"))
    elif mtype == 0x82:
        vdesc = "value %d = interface count" % value
    return (grp(m[0:1], m[1:2], m[2:4], m[4:8]),
            "ver %d, %s (0x%02x), %s, plen %d" % (ver, name, mtype, vdesc, plen))


BPF_OPS = {
    0x06: "ret #k", 0x16: "ret a", 0x20: "ld [k]", 0x28: "ldh [k]", 0x30: "ldb [k]",
    0x40: "ld [x+k]", 0x48: "ldh [x+k]", 0x50: "ldb [x+k]", 0x00: "ld #k", 0x01: "ldx #k",
    0xb1: "ldxb 4*([k]&0xf)", 0x15: "jeq #k", 0x25: "jgt #k", 0x35: "jge #k", 0x45: "jset #k",
    0x54: "and #k", 0x74: "rsh #k", 0x64: "lsh #k", 0x04: "add #k", 0x07: "tax", 0x87: "txa",
    0x02: "st M[k]", 0x03: "stx M[k]", 0x60: "ld M[k]", 0x61: "ldx M[k]", 0x05: "ja k",
}


def filter_lines(b, trailing_note=None):
    ftype, reserved, nitems = struct.unpack("!HHI", b[:8])
    lines = [(grp(b[0:2], b[2:4], b[4:8]),
              "filter: type %d (%s), reserved 0x%04x%s, nitems %d" % (
                  ftype, "BPF" if ftype == 1 else "?", reserved,
                  " (uninitialised by the client, B3)" if reserved else "", nitems))]
    insns = b[8:]
    for i in range(0, len(insns) - len(insns) % 8, 8):
        code, jt, jf, k = struct.unpack("!HBBI", insns[i:i + 8])
        op = BPF_OPS.get(code, "op 0x%02x" % code)
        desc = "insn %d: code 0x%04x (%s), jt %d, jf %d, k %d" % (i // 8, code, op, jt, jf, k)
        if i == 0 and trailing_note:
            desc += "  " + trailing_note
        lines.append((grp(insns[i:i + 2], insns[i + 2:i + 3], insns[i + 3:i + 4], insns[i + 4:i + 8]), desc))
    if len(insns) % 8:
        lines += data_lines(insns[len(insns) - len(insns) % 8:], "partial instruction")
    return lines


def sockaddr_lines(b, role):
    fam = struct.unpack("!H", b[:2])[0]
    if fam == 0 and not any(b):
        return zero_lines(128, "%s: absent (128 zero bytes)" % role)
    if fam == 2:
        addr = socket.inet_ntop(socket.AF_INET, b[4:8])
        lines = [(grp(b[0:2], b[2:4], b[4:8]),
                  "%s: family 2 (IPv4), port %d, %s" % (role, struct.unpack("!H", b[2:4])[0], addr))]
        return lines + zero_lines(120, "(rest of the 128-byte slot: 120 zero bytes)") \
            if not any(b[8:]) else lines + data_lines(b[8:], "rest of slot (not all zero!)")
    if fam == 23:
        addr = socket.inet_ntop(socket.AF_INET6, b[8:24])
        scope = struct.unpack("!I", b[24:28])[0]
        lines = [(grp(b[0:2], b[2:4], b[4:8]),
                  "%s: family 23 (IPv6), port %d, flowinfo %d" % (
                      role, struct.unpack("!H", b[2:4])[0], struct.unpack("!I", b[4:8])[0])),
                 (hexs(b[8:24]), "address %s" % addr),
                 (hexs(b[24:28]), "scope id %d" % scope)]
        rest = b[28:]
        return lines + (zero_lines(100, "(rest of the 128-byte slot: 100 zero bytes)") if not any(rest)
                        else data_lines(rest, "rest of slot (not all zero!)"))
    return data_lines(b, "%s: family %d (not IPv4/IPv6)" % (role, fam))


def payload_lines(m, note=""):
    mtype = m[1]
    p = m[8:]
    L = []
    if mtype in (0x02, 0x06, 0x09, 0x0A, 0x85, 0x8A, 0x8B) or not p:
        if p:
            L += data_lines(p, "unexpected payload")
        return L
    if mtype == 0x01:
        return text_lines(p, "text") if p else L
    if mtype == 0x08:
        atype, res, l1, l2 = struct.unpack("!HHHH", p[:8])
        L.append((grp(p[0:2], p[2:4], p[4:6], p[6:8]),
                  "auth type %d (%s), reserved %d, slen1 %d, slen2 %d" % (
                      atype, {0: "NULL", 1: "password"}.get(atype, "?"), res, l1, l2)))
        if l1:
            L += text_lines(p[8:8 + l1], "username")
        if l2:
            L += text_lines(p[8 + l1:8 + l1 + l2], "password (clear text)")
        return L
    if mtype == 0x88:
        if len(p) >= 8:
            magic = p[4:8]
            order = {b"\xd4\xc3\xb2\xa1": "little-endian daemon", b"\xa1\xb2\xc3\xd4": "big-endian daemon"}
            L.append((grp(p[0:1], p[1:2], p[2:4], p[4:8]),
                      "minvers %d, maxvers %d, reserved, byte-order magic 0xA1B2C3D4 as %s" % (
                          p[0], p[1], order.get(bytes(magic), "unknown"))))
            return L + (data_lines(p[8:], "extra") if p[8:] else [])
        return data_lines(p, "version range")
    if mtype == 0x82:
        off = 0
        for i in range(struct.unpack("!H", m[2:4])[0]):
            namelen, desclen, flags, naddr, res = struct.unpack("!HHIHH", p[off:off + 12])
            L.append((grp(p[off:off + 2], p[off + 2:off + 4], p[off + 4:off + 8]),
                      "interface %d: namelen %d, desclen %d, flags 0x%x" % (i, namelen, desclen, flags)))
            L.append((grp(p[off + 8:off + 10], p[off + 10:off + 12]), "naddr %d, reserved %d" % (naddr, res)))
            off += 12
            L += text_lines(p[off:off + namelen], "name")
            off += namelen
            if desclen:
                L += text_lines(p[off:off + desclen], "description")
            off += desclen
            for a in range(naddr):
                for role in ("address", "netmask", "broadcast", "destination"):
                    L += sockaddr_lines(p[off:off + 128], "addr %d %s" % (a, role))
                    off += 128
        if off < len(p):
            L += data_lines(p[off:], "unparsed remainder")
        return L
    if mtype == 0x03:
        return text_lines(p, "device name")
    if mtype == 0x83:
        lt, tz = struct.unpack("!iI", p[:8])
        return [(grp(p[0:4], p[4:8]), "linktype %d (%s), tzoff %d" % (lt, LINKTYPES.get(lt, "?"), tz))]
    if mtype == 0x04:
        snap, tmo, flags, port = struct.unpack("!IIHH", p[:12])
        fl = [n for bit, n in ((1, "PROMISC"), (2, "DGRAM"), (4, "SERVEROPEN"), (8, "INBOUND"), (16, "OUTBOUND"))
              if flags & bit]
        L.append((grp(p[0:4], p[4:8]), "snaplen %d, read_timeout %d ms" % (snap, tmo)))
        L.append((grp(p[8:10], p[10:12]), "flags 0x%04x (%s), portdata %d" % (
            flags, "|".join(fl) or "none", port)))
        b1 = None
        if note == "b1":
            b1 = "<- the 8 bytes of this instruction lie BEYOND plen (bug B1)"
        return L + filter_lines(p[12:], b1)
    if mtype == 0x84:
        bufsize, port, res = struct.unpack("!iHH", p[:8])
        return [(grp(p[0:4], p[4:6], p[6:8]), "bufsize %d, portdata %d, reserved %d" % (bufsize, port, res))]
    if mtype == 0x05:
        return filter_lines(p)
    if mtype == 0x07:
        sec, usec, caplen, length, npkt = struct.unpack("!IIIII", p[:20])
        when = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        L.append((grp(p[0:4], p[4:8]), "ts_sec %d (%s UTC), ts_usec %d" % (sec, when, usec)))
        L.append((grp(p[8:12], p[12:16], p[16:20]), "caplen %d, len %d, npkt %d" % (caplen, length, npkt)))
        return L + data_lines(p[20:], "packet data (%d bytes, Ethernet frame as seen on lo)" % len(p[20:]))
    if mtype == 0x89:
        vals = struct.unpack("!IIII", p[:16])
        return [(grp(p[0:4], p[4:8], p[8:12], p[12:16]),
                 "ifrecv %d, ifdrop %d, krnldrop %d, svrcapt %d" % vals)]
    if mtype == 0x0B:
        method, r1, r2, value = struct.unpack("!BBHI", p[:8])
        v = "value %d" % value
        return [(grp(p[0:1], p[1:2], p[2:4], p[4:8]),
                 "method %d, reserved %d, reserved %d, %s" % (method, r1, r2, v))]
    return data_lines(p, "payload")


def render(name, m, title, notes, note=""):
    lines = ["# %s" % title]
    lines += ["# %s" % n for n in notes]
    lines.append("# %d bytes on the wire" % len(m))
    body = [header_line(m)] + payload_lines(m, note)
    width = max(len(h) for h, _ in body)
    for h, c in body:
        lines.append(("%-*s   # %s" % (width, h, c)) if c else h)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# extract: which recorded message becomes which vector

def conns_by_port(conns, port):
    return [c for c in conns if c.key[3] == int(port)]


def find(msgs, mtype, nth=0):
    hits = [m for m in msgs if m[1][1] == mtype]
    if len(hits) <= nth:
        raise LookupError("no message of type 0x%02x (#%d)" % (mtype, nth))
    return hits[nth]


def cmd_extract(work, outdir):
    meta = json.load(open(os.path.join(work, "meta.json")))
    date = meta["date"]
    ver = meta["versions"]
    caps = {}
    for scen in meta["scenarios"]:
        caps[scen] = load_capture(os.path.join(work, scen + ".pcap"))

    def control(scen, idx):
        conns, _ = caps[scen]
        cs = conns_by_port(conns, meta["scenarios"][scen]["port"])
        if idx >= len(cs):
            raise LookupError("%s: no control connection #%d" % (scen, idx))
        c = cs[idx]
        return split_messages(c.data("c2s"), "c2s"), split_messages(c.data("s2c"), "s2c"), c

    def data_conn(scen, port):
        conns, _ = caps[scen]
        for c in conns:
            if port in (c.key[1], c.key[3]) and c.key[3] != int(meta["scenarios"][scen]["port"]):
                return c
        raise LookupError("%s: no data connection on port %d" % (scen, port))

    made, missing = [], []
    os.makedirs(outdir, exist_ok=True)

    def emit(name, msg, title, source, extra=()):
        m, note = msg[1], msg[2]
        notes = ["recorded: %s, loopback, %s" % (source, date)] + list(extra)
        with open(os.path.join(outdir, name + ".hex"), "w") as f:
            f.write(render(name, m, title, notes, note))
        made.append(name)

    def attempt(name, fn):
        try:
            fn()
        except (LookupError, KeyError, IndexError, struct.error) as e:
            missing.append((name, str(e)))

    td = "reference tcpdump %s -> rpcapd %s" % (ver["tcpdump"], ver["libpcap"])
    rc = "tests/vectors/refclient (libpcap %s) -> rpcapd %s" % (ver["libpcap"], ver["libpcap"])
    raw = "hand-made request (vectortool.py raw) -> rpcapd %s" % ver["libpcap"]

    # --- reference tcpdump, passive, NULL auth
    def s_tcpdump():
        c2s, s2c, _ = control("tcpdump", 0)
        src = td + " (-n)"
        emit("auth_req_null", find(c2s, 0x08), "AUTH_REQ, NULL authentication", src)
        emit("auth_reply", find(s2c, 0x88), "AUTH_REPLY (libpcap 1.10.2+ form: version range and byte-order magic)", src)
        emit("open_req", find(c2s, 0x03), "OPEN_REQ for device \"lo\"", src)
        emit("open_reply", find(s2c, 0x83), "OPEN_REPLY for \"lo\"", src)
        sc = find(c2s, 0x04)
        emit("startcap_req_tcp", sc, "STARTCAP_REQ, passive TCP data connection, filter %r compiled by tcpdump"
             % meta["scenarios"]["tcpdump"]["filter"], src,
             ["command: tcpdump -i rpcap://127.0.0.1:PORT/lo -c 5 -w FILE '%s'" % meta["scenarios"]["tcpdump"]["filter"]])
        rep = find(s2c, 0x84)
        emit("startcap_reply", rep, "STARTCAP_REPLY, passive TCP: daemon listens on an ephemeral data port", src)
        dport = struct.unpack("!H", rep[1][12:14])[0]
        dc = data_conn("tcpdump", dport)
        pk = split_messages(dc.data("s2c"), "s2c")
        emit("packet", find(pk, 0x07), "PACKET, first message on the TCP data connection", src,
             ["captured frame: a UDP datagram \"rpcap-vector-N\" sent to 127.0.0.1:9 on lo"])
    attempt("tcpdump session", s_tcpdump)

    # --- refclient, passive, NULL auth: findall / capture tcp / capture udp / nofilter
    def s_findall():
        c2s, s2c, _ = control("refclient", 0)
        emit("findallif_req", find(c2s, 0x02), "FINDALLIF_REQ", rc + " (-n), pcap_findalldevs_ex")
        emit("findallif_reply", find(s2c, 0x82), "FINDALLIF_REPLY, the real interface list of the recording machine",
             rc + " (-n), pcap_findalldevs_ex",
             ["interface order is that of the daemon's pcap_findalldevs(); records are packed without padding"])
    attempt("findall", s_findall)

    def s_tcp():
        c2s, s2c, _ = control("refclient", 1)
        src = rc + " (-n), passive TCP"
        emit("updatefilter_req", find(c2s, 0x05), "UPDATEFILTER_REQ, pcap_setfilter(%r) during a capture"
             % meta["filter2"], src)
        emit("updatefilter_reply", find(s2c, 0x85), "UPDATEFILTER_REPLY", src)
        emit("stats_req", find(c2s, 0x09), "STATS_REQ (pcap_stats)", src)
        emit("stats_reply", find(s2c, 0x89), "STATS_REPLY during a capture", src)
        emit("close", find(c2s, 0x06), "CLOSE (pcap_close of a passive capture)", src)
    attempt("capture tcp", s_tcp)

    def s_udp():
        c2s, s2c, _ = control("refclient", 2)
        src = rc + " (-n), PCAP_OPENFLAG_DATATX_UDP"
        sc = find(c2s, 0x04)
        emit("startcap_req_udp", sc, "STARTCAP_REQ, UDP data (DGRAM): portdata = the client's UDP port", src)
        cport = struct.unpack("!H", sc[1][18:20])[0]
        _, udp = caps["refclient"]
        dgrams = [d for d in udp if d[4] == cport]
        if not dgrams:
            raise LookupError("no datagram to the client's UDP port %d" % cport)
        d = dgrams[0]
        emit("packet_udp", (0, d[5], ""), "PACKET, payload of one UDP datagram (one message per datagram)", src,
             ["datagram %s:%d -> %s:%d" % (d[1], d[2], d[3], d[4])])
    attempt("capture udp", s_udp)

    def s_nofilter():
        c2s, s2c, _ = control("refclient", 3)
        src = rc + " (-n), pcap_setsampling + first read without pcap_setfilter"
        emit("setsampling_req", find(c2s, 0x0B),
             "SETSAMPLING_REQ, pcap_setsampling method 1 (1 of every N), N = 10", src,
             ["bug B4: a little-endian libpcap 1.10 client transmits value 0 instead of 10"])
        emit("setsampling_reply", find(s2c, 0x8B), "SETSAMPLING_REPLY", src)
        emit("startcap_req_nofilter", find(c2s, 0x04),
             "STARTCAP_REQ without any pcap_setfilter: bug B1 (plen 20, but 28 payload bytes written)", src,
             ["this file holds all 36 bytes the client wrote in one send: header + 20 bytes within plen",
              "+ the 8-byte auto-generated 'ret #snaplen' instruction that plen does not count.",
              "rpcapd 1.10.3 replies ERROR 12 'Message payload is too short' and reads those 8",
              "bytes as the next header (type 0x06 CLOSE)."])
    attempt("nofilter", s_nofilter)

    # --- password daemon (no -n)
    def s_password():
        c2s, s2c, _ = control("password", 0)
        src = rc + " (no -n), pcap_findalldevs_ex with NULL auth"
        emit("error_null_auth_not_permitted", find(s2c, 0x01), "ERROR 18 in reply to a NULL AUTH_REQ", src)
        c2s, s2c, _ = control("password", 1)
        src = rc + " (no -n), password auth with a wrong password"
        emit("error_auth_failed", find(s2c, 0x01), "ERROR 18 in reply to a password AUTH_REQ with a wrong password", src)
        c2s, s2c, _ = control("password", 2)
        src = rc + " (no -n), password auth with the right password"
        emit("auth_req_password", find(c2s, 0x08),
             "AUTH_REQ, password authentication (throwaway local user, clear text)", src)
        find(s2c, 0x88)     # must have succeeded
    attempt("password", s_password)

    # --- active mode
    def s_active():
        conns, _ = caps["active"]
        cs = conns_by_port(conns, meta["scenarios"]["active"]["port"])
        c = cs[0]
        c2s = split_messages(c.data("c2s"), "c2s")   # TCP client = the daemon here
        s2c = split_messages(c.data("s2c"), "s2c")   # TCP server = the RPCAP client
        src = rc + " active mode (pcap_remoteact_accept) <- rpcapd %s -n -a 127.0.0.1,PORT" % ver["libpcap"]
        emit("startcap_req_active", find(s2c, 0x04),
             "STARTCAP_REQ, active mode: SERVEROPEN, portdata = the client's listening data port", src,
             ["in active mode the daemon opened the TCP connection; the RPCAP roles are unchanged"])
        emit("endcap_req", find(s2c, 0x0A), "ENDCAP_REQ (pcap_close of an active-mode capture)", src)
        emit("endcap_reply", find(c2s, 0x8A), "ENDCAP_REPLY", src)
    attempt("active", s_active)

    # --- raw protocol errors
    def s_raw():
        order = meta["scenarios"]["raw"]["sessions"]
        names = {
            "before-auth": ("error_before_auth", "ERROR 16 in reply to FINDALLIF_REQ sent before authentication",
                            "request: 00 02 0000 00000000 (FINDALLIF_REQ), no AUTH_REQ before it"),
            "wrong-version": ("error_wrong_version", "ERROR 17 in reply to an AUTH_REQ with ver 1",
                              "request: 01 08 0000 00000008 0000 0000 0000 0000; header ver echoes the request"),
            "unknown-type": ("error_unknown_type", "ERROR 16 in reply to message type 0x20 after authentication",
                             "request: 00 20 0000 00000000 after a NULL AUTH_REQ; empty text is bug B6"),
            "open-url": ("error_open_url", "ERROR 6 in reply to OPEN_REQ of a URL",
                         'request: OPEN_REQ "rpcap://127.0.0.1:1/lo" (CVE-2019-15164 check)'),
            "endcap-no-capture": ("error_endcap_no_capture", "ERROR 13 in reply to ENDCAP_REQ without a capture",
                                  "request: 00 0a 0000 00000000 after a NULL AUTH_REQ"),
        }
        for i, sess in enumerate(order):
            name, title, req = names[sess]
            c2s, s2c, _ = control("raw", i)
            emit(name, find(s2c, 0x01), title, raw + " (-n)", [req])
    attempt("raw", s_raw)

    def s_tls():
        if "tls" not in meta["scenarios"]:
            raise LookupError("TLS scenario not recorded")
        c2s, s2c, _ = control("tls", 0)
        emit("error_tls_required", find(s2c, 0x01), "ERROR 19: plaintext AUTH_REQ to a TLS-only daemon",
             raw + " -S -K key.pem -X cert.pem (self-signed)",
             ["request: NULL AUTH_REQ in plaintext; the error itself is sent in plaintext"])
    attempt("tls", s_tls)

    for name, why in missing:
        print("extract: not produced: %s: %s" % (name, why), file=sys.stderr)
    print("extract: wrote %d vectors to %s" % (len(made), outdir))
    return 1 if missing else 0


# --------------------------------------------------------------------------------------------
# check / dump

def parse_hex_file(path):
    text = "".join(line.split("#", 1)[0] + "\n" for line in open(path))
    if re.search(r"[^0-9a-fA-F\s]", text):
        raise ValueError("%s: characters other than hex digits and whitespace" % path)
    digits = re.sub(r"\s", "", text)
    if len(digits) % 2:
        raise ValueError("%s: odd number of hex digits" % path)
    return bytes.fromhex(digits)


def cmd_check(d):
    bad = 0
    for path in sorted(glob.glob(os.path.join(d, "*.hex"))):
        try:
            b = parse_hex_file(path)
            plen = struct.unpack("!I", b[4:8])[0]
            b1 = os.path.basename(path) == "startcap_req_nofilter.hex"
            expect = 8 + plen + (8 if b1 else 0)
            if len(b) != expect:
                raise ValueError("%s: %d bytes, header says %d" % (path, len(b), expect))
            print("ok %-40s %5d bytes  %s" % (os.path.basename(path), len(b), MSG_NAMES.get(b[1], "?")))
        except (ValueError, struct.error) as e:
            print("BAD %s" % e)
            bad += 1
    return 1 if bad else 0


def cmd_dump(work):
    meta = json.load(open(os.path.join(work, "meta.json")))
    for scen, info in meta["scenarios"].items():
        conns, udp = load_capture(os.path.join(work, scen + ".pcap"))
        print("== %s (port %s): %d TCP connections, %d UDP datagrams" % (scen, info["port"], len(conns), len(udp)))
        for c in conns:
            print("  conn %s:%d -> %s:%d" % c.key)
            for direction in ("c2s", "s2c"):
                data = c.data(direction)
                if c.key[3] == int(info["port"]) or direction == "c2s":
                    msgs = split_messages(data, direction)
                else:
                    msgs = split_messages(data, direction)[:3]
                for off, m, note in msgs:
                    t = MSG_NAMES.get(m[1], "0x%02x" % m[1]) if len(m) > 1 else "?"
                    print("    %s @%d %s %s%s" % (direction, off, t, hexs(m[:48]), " [%s]" % note if note else ""))
    return 0


def main(argv):
    if len(argv) >= 2:
        cmd, args = argv[1], argv[2:]
        if cmd == "send-udp" and len(args) == 2:
            return cmd_send_udp(*args)
        if cmd == "raw" and len(args) == 2:
            return cmd_raw(*args)
        if cmd == "extract" and len(args) == 2:
            return cmd_extract(*args)
        if cmd == "check" and len(args) == 1:
            return cmd_check(*args)
        if cmd == "dump" and len(args) == 1:
            return cmd_dump(*args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
