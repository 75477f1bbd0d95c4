#!/usr/bin/python3
"""Checks a capture of ridl traffic against Wireshark's DCE/RPC dissector.

    tshark_check.py SCENARIO CAPTURE.pcap SERVER_PORT
    tshark_check.py --self-test SCENARIO CAPTURE.pcap SERVER_PORT

Runs `tshark -T pdml` on the capture with the server port decoded as DCE/RPC and prints TAP
lines without numbers ("ok - ...", "not ok - ...", "# ..."), which the calling script numbers.
What it asserts, for every scenario:
  - tshark finds no malformed packet and no expert item of severity warning or error;
  - every PDU is version 5.0, little-endian/ASCII/IEEE, without authentication, and the PDUs'
    frag_length values add up to the TCP payload of the capture (nothing between or after PDUs);
  - the sequence of PDUs (direction, type, opnum, fragment position) is exactly the expected one;
  - every response or fault has the call_id of an earlier request on the same presentation
    context (tshark matches it to that request), and there are as many calls as replies;
  - bind and alter_context name the expected interface and NDR 2.0, bind_ack and
    alter_context_resp give the expected result and fragment sizes;
  - the stub data of every request and response (reassembled when fragmented) is byte for byte
    the NDR 2.0 encoding written out below, field by field (C706 chapter 14);
  - a fragmented call follows C706 12.6 / MS-RPCE 3.3.1.5: each fragment within the negotiated
    size, the stub data of all but the last a multiple of 8 bytes, and tshark reassembles them.
With --self-test, the capture is damaged first (the first bind_ack claims more results than it
carries) and the checker must report it as malformed: proof that the expert check can fail.
Python standard library only."""
import os
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NDR20 = ("8a885d04-1ceb-11c9-9fe8-08002b104860", "2")
CALC = ("8d1a2f44-5c1e-4e6b-9a3f-0b6c1d2e3f40", "1", "0")
INVENTORY = ("3c8e2d11-7a4f-4b9e-8d21-5f6a7b8c9d01", "1", "0")
NIL_UUID = "00000000-0000-0000-0000-000000000000"

PTYPES = {0: "request", 2: "response", 3: "fault", 11: "bind", 12: "bind_ack", 13: "bind_nak",
          14: "alter_context", 15: "alter_context_resp", 16: "auth3", 17: "shutdown",
          18: "co_cancel", 19: "orphaned"}
FRAG = {3: "", 1: " first", 0: " mid", 2: " last"}
# Expert severities (epan/proto.h PI_WARN, PI_ERROR).
PI_WARN = 0x00600000
PI_ERROR = 0x00800000
SEVERITY = {0x00100000: "Comment", 0x00200000: "Chat", 0x00400000: "Note", PI_WARN: "Warning",
            PI_ERROR: "Error"}
REF = "REF"  # in an expected stub: a 4-byte non-zero referent id (its value is the sender's)


def le32(*vals):
    return "".join(struct.pack("<I", v & 0xFFFFFFFF).hex() for v in vals)


def le64(v):
    return struct.pack("<q", v).hex()


def dbl(v):
    return struct.pack("<d", v).hex()


def flt(v):
    return struct.pack("<f", v).hex()


def cstring(s):
    """[string] char *: conformant varying, max_count = actual_count = length with the NUL."""
    b = s.encode() + b"\0"
    return le32(len(b), 0, len(b)) + b.hex()


def wstring(s):
    b = s.encode("utf-16-le") + b"\0\0"
    return le32(len(b) // 2, 0, len(b) // 2) + b.hex()


def pad(n):
    return "00" * n


# The calc sample (idl-samples/calc): what calc_client.c sends and calc_server.c answers.
CALC_STUBS = {
    # long Add([in] long a, [in] long b): Add(2, 40) = 42
    ("request", 0): [[le32(2, 40)]],
    ("response", 0): [[le32(42)]],
    # hyper Sum([in] long n, [in, size_is(n)] const long *values): a top-level pointer is [ref]:
    # no referent id; the conformant array is max_count then the elements. The hyper return
    # value starts the reply at offset 0 (8-aligned).
    ("request", 2): [[le32(10), le32(10), le32(*range(1, 11))]],
    ("response", 2): [[le64(55)]],
    # void Evaluate([in] calc_op op, [in] double a, [in] double b, [out] calc_result *result):
    # the enum is 16 bits, the doubles are 8-aligned.
    ("request", 3): [["0300", pad(6), dbl(6.0), dbl(7.0)]],
    # calc_result { hyper value; [string, unique] char *message; }: the struct, its embedded
    # pointer's referent id in place, then the deferred string.
    ("response", 3): [[le64(42), REF, cstring("product 42")]],
    ("request", 4): [[]],
    ("response", 4): [[]],
}

# Sum(1024, 1..1024), the largest call calc.idl allows (range(0, CALC_MAX_VALUES)).
SUM_STUBS = {
    ("request", 2): [[le32(1024), le32(1024), le32(*range(1, 1025))]],
    ("response", 2): [[le64(1024 * 1025 // 2)]],
    ("request", 4): [[]],
    ("response", 4): [[]],
}


def item(id_, price, kind, arm, shelf):
    """inventory's item { long id; [string] char *name; float price; quantity qty;
    [unique] long *shelf; } at an 8-aligned offset: id, name's referent id, price, 4 bytes of
    padding to the 8-aligned quantity { short kind; [switch_is(kind)] union value; }, whose
    union repeats the discriminant (switch_type short) before the arm, aligned to 8 (the
    union's largest arm), then shelf's referent id, then padding to 8 for the next item."""
    return [le32(id_), REF, flt(price), pad(4), struct.pack("<hh", kind, kind).hex(), pad(4),
            arm, shelf]


INVENTORY_STUBS = {
    # long AddItems(h, [in] long n, [in, size_is(n)] item *items, [out] hyper *total_count,
    # [out] double *total_kilograms): n, max_count, three items, then the embedded pointers'
    # referents in the order their ids appeared: name0, shelf0, name1, name2, note2.
    ("request", 0): [[le32(3), le32(3)]
                     + item(1, 0.25, 1, le64(5000000000), REF) + [pad(4)]
                     + item(2, 1.5, 2, dbl(12.5), le32(0)) + [pad(4)]
                     + item(3, 99.0, 3, REF, le32(0))
                     + [cstring("bolts"), pad(2), le32(17), cstring("flour"), pad(2),
                        cstring("vase"), pad(3), wstring("fragile")]],
    ("response", 0): [[le64(5000000000), dbl(12.5), le32(3)]],
    # long Find(h, [in, string] char *name, [out] item **found), for "bolts" and "nothing".
    ("request", 1): [[cstring("bolts")], [cstring("nothing")]],
    # found: a [ref] pointer to a unique pointer: the referent id, padding to the 8-aligned
    # item, the item, its deferred name and shelf, then the return value 0; then a NULL
    # pointer and -1.
    ("response", 1): [[REF, pad(4)] + item(1, 0.25, 1, le64(5000000000), REF)
                      + [cstring("bolts"), pad(2), le32(17), le32(0)],
                      [le32(0), le32(-1)]],
    ("request", 2): [[]],
    ("response", 2): [[]],
}

# impacket_context_client.py against the calc server: Add on the context alter_context added,
# an opnum calc does not have, Add on the first context, Shutdown.
CONTEXT_STUBS = {
    ("request", 0): [[le32(2, 40)], [le32(2, 40)]],
    ("response", 0): [[le32(42)], [le32(42)]],
    ("request", 9): [[]],
    ("request", 4): [[]],
    ("response", 4): [[]],
}


def calls(opnums):
    seq = []
    for op in opnums:
        seq += [">request %d" % op, "<response %d" % op]
    return seq


SCENARIOS = {
    "calc": {
        "what": "calc_client and calc_server",
        "sequence": [">bind", "<bind_ack"] + calls([0, 2, 3, 4]),
        "binds": [(CALC, 5840, 0)],
        "stubs": CALC_STUBS,
    },
    "calc-sum": {
        "what": "Sum of 1024 values in fragments of at most 2048 bytes",
        "sequence": [">bind", "<bind_ack", ">request 2 first", ">request 2 mid",
                     ">request 2 last", "<response 2"] + calls([4]),
        "binds": [(CALC, 2048, 0)],
        "stubs": SUM_STUBS,
        "fragmented": {"call": ("request", 2), "max": 2048, "count": 3},
    },
    "inventory": {
        "what": "inventory_client and inventory_server",
        "sequence": [">bind", "<bind_ack"] + calls([0, 1, 1, 2]),
        "binds": [(INVENTORY, 5840, 0)],
        "stubs": INVENTORY_STUBS,
    },
    "context": {
        "what": "python3-impacket and calc_server: alter_context and a fault",
        "sequence": [">bind", "<bind_ack", ">alter_context", "<alter_context_resp",
                     ">alter_context", "<alter_context_resp", ">request 0", "<response 0",
                     ">request 9", "<fault 9", ">request 0", "<response 0"] + calls([4]),
        # impacket proposes 4280; the second context asks for inventory, which calc_server
        # does not serve: provider rejection (2), abstract syntax not supported (1).
        "binds": [(CALC, 4280, 0), (INVENTORY, 4280, (2, 1)), (CALC, 4280, 0)],
        "stubs": CONTEXT_STUBS,
        # nca_s_op_rng_error, and the manager was never entered (C706 12.6.3.1, DID_NOT_EXECUTE).
        "faults": [(9, 0x1C010002, True)],
    },
}


class Pdu:
    def __init__(self, frame, to_server):
        self.frame = frame
        self.to_server = to_server
        self.f = {}          # field name -> list of "show" values, in document order
        self.stubs = []      # (size, hex) of dcerpc.stub_data fields attributed to this PDU
        self.reassembled = None

    def get(self, name, default=None):
        v = self.f.get(name)
        return v[0] if v else default

    def num(self, name, default=-1):
        v = self.get(name)
        return int(v, 0) if v not in (None, "") else default

    def label(self):
        t = PTYPES.get(self.num("dcerpc.pkt_type"), "type %s" % self.get("dcerpc.pkt_type"))
        s = (">" if self.to_server else "<") + t
        if t in ("request", "response", "fault"):
            s += " %s" % self.get("dcerpc.opnum", "?")
        return s + FRAG[self.num("dcerpc.cn_flags") & 3]


def collect(elem, into):
    for f in elem.iter("field"):
        into.setdefault(f.get("name"), []).append(f.get("show") or "")


def dissect(pcap, port):
    """The capture through tshark: (PDUs, expert items, TCP payload bytes)."""
    out = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-d", "tcp.port==%d,dcerpc" % port,
         "-o", "tcp.check_checksum:FALSE", "-o", "ip.check_checksum:FALSE", "-T", "pdml"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=True).stdout
    pdus, experts, payload = [], [], 0
    for packet in ET.fromstring(out):
        frame, to_server, cur = "?", False, None
        for proto in packet:
            name = proto.get("name")
            if name == "geninfo":
                frame = next(f.get("show") for f in proto if f.get("name") == "num")
            if name == "tcp":
                fields = {}
                collect(proto, fields)
                to_server = int(fields["tcp.dstport"][0]) == port
                payload += int(fields.get("tcp.len", ["0"])[0])
            if name == "dcerpc":
                cur = Pdu(frame, to_server)
                pdus.append(cur)
                collect(proto, cur.f)
            # Fields that tshark shows beside the PDU's tree (the stub data of a fragment, the
            # reassembly) come in wrappers right after the PDU they belong to.
            if cur is not None and name in ("dcerpc", "fake-field-wrapper"):
                for f in proto.iter("field"):
                    if f.get("name") == "dcerpc.stub_data":
                        cur.stubs.append((int(f.get("size")), f.get("value") or ""))
                    if f.get("name") == "dcerpc.reassembled.length":
                        cur.reassembled = int(f.get("show"))
            if name == "_ws.malformed":
                experts.append((frame, "malformed", PI_ERROR, proto.get("showname")))
            for e in proto.iter("field"):
                if e.get("name") != "_ws.expert":
                    continue
                sub = {}
                collect(e, sub)
                experts.append((frame, name, int(sub["_ws.expert.severity"][0]),
                                sub["_ws.expert.message"][0]))
    return pdus, experts, payload


def match_stub(expected, data):
    """Compares stub bytes (hex) with an expected list of hex chunks and REF tokens; returns
    None or where they first differ."""
    at = 0
    for tok in expected:
        if tok == REF:
            got = data[at:at + 8]
            if len(got) != 8 or got == "00000000":
                return "byte %d: referent id %r, expected a non-zero one" % (at // 2, got)
            at += 8
            continue
        got = data[at:at + len(tok)]
        if got != tok:
            i = next((i for i in range(0, len(tok), 2) if got[i:i + 2] != tok[i:i + 2]), 0)
            return "byte %d: %s..., expected %s..." % ((at + i) // 2, got[i:i + 16], tok[i:i + 16])
        at += len(tok)
    if at != len(data):
        return "%d bytes, expected %d" % (len(data) // 2, at // 2)
    return None


class Tap:
    def __init__(self):
        self.failed = False

    def check(self, what, problems):
        """ok when problems is empty; otherwise not ok, with each problem as a diagnostic."""
        print(("not ok" if problems else "ok") + " - " + what)
        for p in problems[:20]:
            print("#   " + p)
        self.failed = self.failed or bool(problems)


def check(scenario, pcap, port, tap):
    sc = SCENARIOS[scenario]
    what = sc["what"]
    pdus, experts, payload = dissect(pcap, port)

    bad = ["frame %s: %s %s: %s" % (fr, proto, SEVERITY.get(sev, hex(sev)), msg)
           for fr, proto, sev, msg in experts if sev >= PI_WARN]
    if not pdus:
        bad.append("no DCE/RPC PDU decoded")
    tap.check("%s: tshark decodes %d DCE/RPC PDUs, no malformed packet, no expert warning "
              "or error" % (what, len(pdus)), bad)
    for fr, proto, sev, msg in experts:
        if PI_WARN > sev >= 0x00400000 and proto != "tcp":
            print("#   note: frame %s: %s: %s" % (fr, proto, msg))

    bad = []
    for p in pdus:
        hdr = (p.get("dcerpc.ver"), p.get("dcerpc.ver_minor"), p.get("dcerpc.drep"),
               p.get("dcerpc.cn_auth_len"))
        if hdr != ("5", "0", "10:00:00:00", "0"):
            bad.append("frame %s %s: version, drep, auth_length %s" % (p.frame, p.label(), hdr))
    total = sum(p.num("dcerpc.cn_frag_len") for p in pdus)
    if total != payload:
        bad.append("the PDUs' frag_length add up to %d bytes, the TCP payload is %d"
                   % (total, payload))
    tap.check("%s: PDU headers are 5.0, little-endian ASCII IEEE, no auth, and frag_length "
              "covers all %d payload bytes" % (what, payload), bad)

    seq = [p.label() for p in pdus]
    tap.check("%s: the PDUs are %s" % (what, " ".join(sc["sequence"])),
              [] if seq == sc["sequence"] else ["got: " + " ".join(seq)])

    # Calls and replies: each reply answers the latest request with its call_id.
    bad, requests, ncalls, nreplies = [], {}, 0, 0
    for p in pdus:
        t = p.num("dcerpc.pkt_type")
        cid = p.num("dcerpc.cn_call_id")
        if t == 0:
            if p.num("dcerpc.cn_flags") & 1:
                requests[cid] = p
                ncalls += 1
        elif t in (2, 3):
            rq = requests.pop(cid, None)
            if p.num("dcerpc.cn_flags") & 1:
                nreplies += 1
            if rq is None:
                bad.append("frame %s: %s for call_id %d, which no request is waiting on"
                           % (p.frame, p.label(), cid))
                continue
            if p.num("dcerpc.cn_ctx_id") != rq.num("dcerpc.cn_ctx_id"):
                bad.append("frame %s: reply on context %d, request on %d"
                           % (p.frame, p.num("dcerpc.cn_ctx_id"), rq.num("dcerpc.cn_ctx_id")))
            if (p.get("dcerpc.request_in"), p.get("dcerpc.opnum")) != (rq.frame,
                                                                     rq.get("dcerpc.opnum")):
                bad.append("frame %s: tshark pairs the reply with frame %s opnum %s, expected %s "
                           "opnum %s" % (p.frame, p.get("dcerpc.request_in"), p.get("dcerpc.opnum"),
                                         rq.frame, rq.get("dcerpc.opnum")))
            if not p.num("dcerpc.cn_flags") & 2:
                requests[cid] = rq
    if requests:
        bad.append("no reply to call_id %s" % sorted(requests))
    if ncalls != nreplies:
        bad.append("%d requests, %d responses and faults" % (ncalls, nreplies))
    tap.check("%s: %d requests, as many responses and faults, each with its request's call_id "
              "and context" % (what, ncalls), bad)

    # bind / alter_context and their answers, in order.
    bad, asks, answers = [], [], []
    for p in pdus:
        t = p.num("dcerpc.pkt_type")
        if t in (11, 14):
            asks.append(p)
        elif t in (12, 15):
            answers.append(p)
    if len(asks) != len(sc["binds"]) or len(answers) != len(sc["binds"]):
        bad.append("%d binds and alter_contexts, %d answers, expected %d"
                   % (len(asks), len(answers), len(sc["binds"])))
    for ask, ans, (iface, frag, result) in zip(asks, answers, sc["binds"]):
        got = (ask.get("dcerpc.cn_bind_to_uuid"), ask.get("dcerpc.cn_bind_if_ver"),
               ask.get("dcerpc.cn_bind_if_ver_minor"))
        if got != iface:
            bad.append("frame %s: abstract syntax %s, expected %s" % (ask.frame, got, iface))
        if (ask.get("dcerpc.cn_bind_trans_id"), ask.get("dcerpc.cn_bind_trans_ver")) != NDR20:
            bad.append("frame %s: transfer syntax is not NDR 2.0" % ask.frame)
        if ans.num("dcerpc.cn_call_id") != ask.num("dcerpc.cn_call_id"):
            bad.append("frame %s: answer's call_id %d, the bind's %d"
                       % (ans.frame, ans.num("dcerpc.cn_call_id"), ask.num("dcerpc.cn_call_id")))
        sizes = [x.num(f) for x in (ask, ans) for f in ("dcerpc.cn_max_xmit", "dcerpc.cn_max_recv")]
        if sizes != [frag] * 4:
            bad.append("frame %s/%s: max_xmit_frag, max_recv_frag %s, expected %d"
                       % (ask.frame, ans.frame, sizes, frag))
        if ans.num("dcerpc.cn_num_results") != 1:
            bad.append("frame %s: %s results" % (ans.frame, ans.get("dcerpc.cn_num_results")))
        if result == 0:
            syn = (ans.get("dcerpc.cn_ack_trans_id"), ans.get("dcerpc.cn_ack_trans_ver"))
            if ans.num("dcerpc.cn_ack_result") != 0 or syn != NDR20:
                bad.append("frame %s: result %s with %s, expected acceptance of NDR 2.0"
                           % (ans.frame, ans.get("dcerpc.cn_ack_result"), syn))
        else:
            got = (ans.num("dcerpc.cn_ack_result"), ans.num("dcerpc.cn_ack_reason"),
                   ans.get("dcerpc.cn_ack_trans_id"), ans.get("dcerpc.cn_ack_trans_ver"))
            if got != result + (NIL_UUID, "0"):
                bad.append("frame %s: result, reason, transfer syntax %s, expected %s with a "
                           "zero syntax" % (ans.frame, got, result))
        if ans.num("dcerpc.pkt_type") == 12 and ans.num("dcerpc.cn_assoc_group") == 0:
            bad.append("frame %s: bind_ack with assoc_group_id 0" % ans.frame)
    tap.check("%s: bind and alter_context offer the interface with NDR 2.0; the answers carry "
              "the expected results and fragment sizes" % what, bad)

    # Stub data, call by call, reassembled where fragmented.
    bad, seen = [], {}
    for p in pdus:
        t = p.num("dcerpc.pkt_type")
        if t not in (0, 2) or not p.num("dcerpc.cn_flags") & 2:
            continue
        key = (PTYPES[t], p.num("dcerpc.opnum"))
        i = seen.get(key, 0)
        seen[key] = i + 1
        exp = sc["stubs"].get(key, [])
        if i >= len(exp):
            bad.append("frame %s: %s %d number %d, expected %d of them"
                       % (p.frame, key[0], key[1], i + 1, len(exp)))
            continue
        exp = exp[i]
        stub = p.stubs[-1][1] if p.stubs else ""
        size = p.num("dcerpc.cn_frag_len")
        if p.num("dcerpc.cn_flags") & 3 == 3 and p.stubs and p.stubs[-1][0] != size - 24:
            bad.append("frame %s: stub data of %d bytes in a PDU of %d"
                       % (p.frame, p.stubs[-1][0], size))
        err = match_stub(exp, stub)
        if err:
            bad.append("frame %s %s: %s" % (p.frame, p.label(), err))
    for key, exp in sc["stubs"].items():
        if seen.get(key, 0) != len(exp):
            bad.append("%d of %s %d, expected %d" % (seen.get(key, 0), *key, len(exp)))
    tap.check("%s: the stub data of each request and response is the expected NDR 2.0" % what, bad)

    if "faults" in sc:
        bad = []
        faults = [p for p in pdus if p.num("dcerpc.pkt_type") == 3]
        got = [(p.num("dcerpc.opnum"), p.num("dcerpc.cn_status"),
                bool(p.num("dcerpc.cn_flags") & 0x20)) for p in faults]
        if got != sc["faults"]:
            bad.append("got (opnum, status, did_not_execute) %s" % got)
        for p in faults:
            if p.num("dcerpc.cn_frag_len") != 32:
                bad.append("frame %s: fault of %d bytes, expected 32 (no stub data)"
                           % (p.frame, p.num("dcerpc.cn_frag_len")))
        tap.check("%s: faults %s" % (what, ", ".join("opnum %d status 0x%08x%s" % (
            o, s, " did_not_execute" if d else "") for o, s, d in sc["faults"])), bad)

    if "fragmented" in sc:
        fr = sc["fragmented"]
        bad = []
        frags = [p for p in pdus
                 if (PTYPES.get(p.num("dcerpc.pkt_type")), p.num("dcerpc.opnum")) == fr["call"]]
        exp_len = sum(len(t) // 2 if t != REF else 4 for t in sc["stubs"][fr["call"]][0])
        if len(frags) != fr["count"]:
            bad.append("%d fragments, expected %d" % (len(frags), fr["count"]))
        elif frags[0].num("dcerpc.cn_alloc_hint") != exp_len:
            bad.append("first fragment's alloc_hint %d, the call has %d bytes of stub data"
                       % (frags[0].num("dcerpc.cn_alloc_hint"), exp_len))
        carried = 0
        for p in frags:
            n = p.num("dcerpc.cn_frag_len")
            stub = n - 24
            carried += stub
            if n > fr["max"]:
                bad.append("frame %s: fragment of %d bytes, negotiated %d"
                           % (p.frame, n, fr["max"]))
            if not p.num("dcerpc.cn_flags") & 2 and stub % 8:
                bad.append("frame %s: %d bytes of stub data in a fragment before the last"
                           % (p.frame, stub))
        if carried != exp_len:
            bad.append("the fragments carry %d bytes of stub data, expected %d"
                       % (carried, exp_len))
        if frags and frags[-1].reassembled != exp_len:
            bad.append("tshark reassembled %s bytes" % frags[-1].reassembled)
        tap.check("%s: %d fragments within %d bytes, stub data a multiple of 8 but the last, "
                  "reassembled by tshark into %d bytes"
                  % (what, fr["count"], fr["max"], exp_len), bad)


def damage(pcap, out):
    """Copies the capture with the first bind_ack's n_results set to 9."""
    with open(pcap, "rb") as f:
        data = bytearray(f.read())
    at = 24
    while at < len(data):
        incl = struct.unpack("<I", data[at + 8:at + 12])[0]
        rpc = at + 16 + 14 + 20 + 20  # Ethernet, IPv4 and TCP headers without options
        if incl > 14 + 40 + 32 and data[rpc] == 5 and data[rpc + 2] == 12:
            sec_len = struct.unpack("<H", data[rpc + 24:rpc + 26])[0]
            data[rpc + ((26 + sec_len + 3) & ~3)] = 9
            break
        at += 16 + incl
    else:
        raise SystemExit("no bind_ack in the capture")
    with open(out, "wb") as f:
        f.write(data)


def main():
    args = sys.argv[1:]
    self_test = args[:1] == ["--self-test"]
    if self_test:
        args = args[1:]
    scenario, pcap, port = args[0], args[1], int(args[2])
    if self_test:
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "damaged.pcap")
            damage(pcap, bad)
            _, experts, _ = dissect(bad, port)
        found = [e for e in experts if e[2] >= PI_ERROR]
        Tap().check("the checker reports a capture whose bind_ack claims 9 results as malformed",
                    [] if found else ["tshark reported: %s" % experts])
        return 0 if found else 1
    tap = Tap()
    try:
        check(scenario, pcap, port, tap)
    except Exception as e:  # a capture the checker cannot read is a failure, never a pass
        tap.check("%s: the checker reads the capture" % scenario, ["%r" % e])
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
