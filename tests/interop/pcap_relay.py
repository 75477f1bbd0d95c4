#!/usr/bin/python3
"""A TCP relay on 127.0.0.1 that records what it forwards as a pcap file, without privileges.

    pcap_relay.py OUT.pcap SERVER_PORT [--connections N] [--max-frag N] [--timeout S]

Listens on an ephemeral port of 127.0.0.1 and prints that port on a line of its own once it
accepts connections. Each accepted connection is relayed to 127.0.0.1:SERVER_PORT, byte for byte
in both directions, and recorded as a TCP stream from the client's port to SERVER_PORT: Ethernet,
IPv4 and TCP headers are synthesized with a three-way handshake, consistent sequence and
acknowledgement numbers, payload cut into segments of at most 1460 bytes, correct IPv4 and TCP
checksums, and a FIN from each side as it closes. The relay exits 0 once N connections (default
1) have closed in both directions, and 1 after S seconds (default 60) or on any error.

--max-frag N rewrites max_xmit_frag and max_recv_frag of every bind and alter_context PDU the
client sends (DCE/RPC connection-oriented PDUs, C706 12.6.4.3) to N, so that a server that takes
the smaller of its own limit and the client's uses N; the capture holds the rewritten bytes,
which are what the server received. Python standard library only."""
import argparse
import selectors
import socket
import struct
import sys
import time

MSS = 1460
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
LOOPBACK = socket.inet_aton("127.0.0.1")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    """A pcap file (microsecond timestamps, Ethernet link type), flushed after every packet so
    that a relay that is killed leaves a readable file."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.ip_id = 0

    def tcp(self, sport, dport, seq, ack, flags, payload=b""):
        hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                          5 << 4, flags, 65535, 0, 0)
        pseudo = LOOPBACK + LOOPBACK + struct.pack("!BBH", 0, 6, len(hdr) + len(payload))
        csum = checksum(pseudo + hdr + payload)
        hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(hdr) + len(payload), self.ip_id,
                         0x4000, 64, 6, 0, LOOPBACK, LOOPBACK)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        frame = b"\0\0\0\0\0\2" + b"\0\0\0\0\0\1" + b"\x08\x00" + ip + hdr + payload
        now = time.time()
        self.f.write(struct.pack("<IIII", int(now), int(now % 1 * 1e6), len(frame), len(frame)))
        self.f.write(frame)
        self.f.flush()


class Side:
    """One direction's TCP state as the capture tells it: the next sequence number this side
    sends, and whether it has sent its FIN."""

    def __init__(self, port, isn):
        self.port = port
        self.seq = isn
        self.fin = False


class Conn:
    """One relayed connection: the client's socket, the server's, and the recorded stream."""

    def __init__(self, pcap, client, server, server_port, max_frag):
        self.pcap = pcap
        self.sock = {"c": client, "s": server}
        self.side = {"c": Side(client.getpeername()[1], 0x10000000),
                     "s": Side(server_port, 0x20000000)}
        self.max_frag = max_frag
        self.pending = b""  # client bytes held until a whole PDU is in (only with max_frag)
        c, s = self.side["c"], self.side["s"]
        pcap.tcp(c.port, s.port, c.seq, 0, SYN)
        pcap.tcp(s.port, c.port, s.seq, c.seq + 1, SYN | ACK)
        c.seq += 1
        s.seq += 1
        pcap.tcp(c.port, s.port, c.seq, s.seq, ACK)

    def other(self, d):
        return "s" if d == "c" else "c"

    def record(self, d, data):
        me, peer = self.side[d], self.side[self.other(d)]
        for i in range(0, len(data), MSS):
            seg = data[i:i + MSS]
            self.pcap.tcp(me.port, peer.port, me.seq, peer.seq, PSH | ACK, seg)
            me.seq += len(seg)

    def rewrite(self, data):
        """Cuts the client's bytes into whole PDUs and rewrites the fragment sizes of binds."""
        self.pending += data
        out = b""
        while len(self.pending) >= 16:
            little = self.pending[4] & 0xF0 == 0x10
            frag_len = struct.unpack("<H" if little else ">H", self.pending[8:10])[0]
            if frag_len < 16 or len(self.pending) < frag_len:
                break
            pdu = bytearray(self.pending[:frag_len])
            self.pending = self.pending[frag_len:]
            if pdu[2] in (11, 14) and frag_len >= 20:
                pdu[16:20] = struct.pack("<HH" if little else ">HH", self.max_frag, self.max_frag)
            out += bytes(pdu)
        return out

    def forward(self, d):
        """Moves what is readable on side d to the other side; False once d has closed."""
        try:
            data = self.sock[d].recv(65536)
        except ConnectionError:
            data = b""
        if not data:
            self.close_side(d)
            return False
        if d == "c" and self.max_frag:
            data = self.rewrite(data)
        if data:
            self.record(d, data)
            self.sock[self.other(d)].sendall(data)
        return True

    def close_side(self, d):
        me, peer = self.side[d], self.side[self.other(d)]
        if d == "c" and self.pending:
            self.record(d, self.pending)
            self.sock["s"].sendall(self.pending)
            self.pending = b""
        self.pcap.tcp(me.port, peer.port, me.seq, peer.seq, FIN | ACK)
        me.seq += 1
        me.fin = True
        try:
            self.sock[self.other(d)].shutdown(socket.SHUT_WR)
        except OSError:
            pass
        if peer.fin:
            self.pcap.tcp(peer.port, me.port, peer.seq, me.seq, ACK)

    def done(self):
        return self.side["c"].fin and self.side["s"].fin


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("server_port", type=int)
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--max-frag", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()

    pcap = Pcap(args.pcap)
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ, None)
    print(lsock.getsockname()[1], flush=True)

    deadline = time.monotonic() + args.timeout
    finished = 0
    while finished < args.connections:
        left = deadline - time.monotonic()
        if left <= 0:
            print("pcap_relay: timed out", file=sys.stderr)
            return 1
        for key, _ in sel.select(left):
            if key.data is None:
                client, _ = lsock.accept()
                server = socket.create_connection(("127.0.0.1", args.server_port), timeout=10)
                server.settimeout(None)
                conn = Conn(pcap, client, server, args.server_port, args.max_frag)
                sel.register(client, selectors.EVENT_READ, (conn, "c"))
                sel.register(server, selectors.EVENT_READ, (conn, "s"))
                continue
            conn, d = key.data
            if not conn.forward(d):
                sel.unregister(conn.sock[d])
                if conn.done():
                    conn.sock["c"].close()
                    conn.sock["s"].close()
                    finished += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
