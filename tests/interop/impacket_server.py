#!/usr/bin/python3
"""An independent calc server: python3-impacket's PDU and NDR classes answer a ridl client.

    /usr/bin/python3 impacket_server.py SCENARIO [--max-frag N] [--response-frag N]

Listens on an ephemeral port of 127.0.0.1 (ncacn_ip_tcp) and prints the port on its first line.
Serves one connection: answers the bind for calc 1.0 (idl-samples/calc/calc.idl) with NDR 2.0,
reassembles each request's fragments, decodes the [in] parameters with impacket's NDR classes,
encodes the replies the same way and records everything it received. When the client has
closed the connection, it prints TAP lines without numbers ("ok - ...", "not ok - ...", "# ...")
saying whether what arrived is what the SCENARIO's client sends:

    calc   calc_client:      Add(2, 40), Sum(10, 1..10), Evaluate(OP_MUL, 6.0, 7.0), Shutdown
    sum    calc_sum_client:  Sum(1024, 1..1024), Shutdown

Every [in] stub must decode to those values and be byte for byte what impacket encodes for
them. --max-frag N answers the bind with max_xmit_frag = max_recv_frag = N (default: what the
client offers, at most 5840), so that a client sends fragments of at most N bytes; the server
checks that they do and that the stub data of every fragment but the last is a multiple of 8
bytes. --response-frag N sends each reply's stub data in fragments of N bytes (a multiple of 8).
Exits 0 when every check passed, 1 otherwise, 2 after 30 seconds without a finished session."""
import argparse
import signal
import socket
import struct
import sys

from impacket.dcerpc.v5.dtypes import DOUBLE, LONG, LPSTR
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRUniConformantArray
from impacket.dcerpc.v5.rpcrt import (CtxItem, CtxItemResult, MSRPCBind, MSRPCBindAck,
                                      MSRPCHeader, MSRPCRequestHeader, MSRPCRespHeader,
                                      MSRPC_BIND, MSRPC_BINDACK, MSRPC_FAULT, MSRPC_REQUEST,
                                      MSRPC_RESPONSE, PFC_FIRST_FRAG, PFC_LAST_FRAG)
from impacket.uuid import bin_to_uuidtup, uuidtup_to_bin

CALC = ("8D1A2F44-5C1E-4E6B-9A3F-0B6C1D2E3F40", "1.0")
NDR20 = ("8A885D04-1CEB-11C9-9FE8-08002B104860", "2.0")
NCA_S_OP_RNG_ERROR = 0x1C010002
RIDL_MAX_FRAG = 5840  # what a ridl client offers (runtime/pdu.h RPCRT_PDU_MAX_FRAG)


class LONG_ARRAY(NDRUniConformantArray):
    item = "<l"


class Add(NDRCALL):
    opnum = 0
    structure = (("a", LONG), ("b", LONG))


class AddResponse(NDRCALL):
    structure = (("ret", LONG),)


class Sum(NDRCALL):
    opnum = 2
    structure = (("n", LONG), ("values", LONG_ARRAY))


class SumResponse(NDRCALL):
    structure = (("ret", "<q"),)


class CALC_RESULT(NDRSTRUCT):
    structure = (("value", "<q"), ("message", LPSTR))


class Evaluate(NDRCALL):
    opnum = 3
    structure = (("op", "<H"), ("a", DOUBLE), ("b", DOUBLE))  # calc_op: a 16-bit enum


class EvaluateResponse(NDRCALL):
    structure = (("result", CALC_RESULT),)


class Shutdown(NDRCALL):
    opnum = 4
    structure = ()


class ShutdownResponse(NDRCALL):
    structure = ()


def reply_add(r):
    out = AddResponse()
    out["ret"] = r["a"] + r["b"]
    return out


def reply_sum(r):
    out = SumResponse()
    out["ret"] = sum(r["values"])
    return out


def reply_evaluate(r):
    # calc_server.c's answer: the value and "<name> <value>" in a unique [string] pointer,
    # whose NUL the impacket string carries explicitly.
    v = {1: r["a"] + r["b"], 2: r["a"] - r["b"], 3: r["a"] * r["b"], 4: r["a"] / r["b"]}[r["op"]]
    out = EvaluateResponse()
    out["result"]["value"] = int(v)
    out["result"]["message"] = "%s %.0f\0" % (
        {1: "sum", 2: "difference", 3: "product", 4: "quotient"}[r["op"]], v)
    return out


PROCS = {0: (Add, reply_add), 2: (Sum, reply_sum), 3: (Evaluate, reply_evaluate),
         4: (Shutdown, lambda r: ShutdownResponse())}


def values(name, r):
    if name == "Add":
        return "Add(%d, %d)" % (r["a"], r["b"])
    if name == "Sum":
        return "Sum(%d, %s)" % (r["n"], short(list(r["values"])))
    if name == "Evaluate":
        return "Evaluate(%d, %r, %r)" % (r["op"], r["a"], r["b"])
    return "%s()" % name


def short(v):
    return str(v) if len(v) <= 12 else "[%s, ..., %s] (%d values)" % (
        ", ".join(map(str, v[:3])), ", ".join(map(str, v[-2:])), len(v))


# What each scenario's client calls (calc_client.c, calc_sum_client.c), as values() prints it.
SCENARIOS = {
    "calc": ["Add(2, 40)", "Sum(10, %s)" % short(list(range(1, 11))), "Evaluate(3, 6.0, 7.0)",
             "Shutdown()"],
    "sum": ["Sum(1024, %s)" % short(list(range(1, 1025))), "Shutdown()"],
}


class Checks:
    def __init__(self):
        self.lines = []
        self.failed = False

    def check(self, what, problems):
        self.lines.append(("not ok" if problems else "ok") + " - " + what)
        self.lines += ["#   " + p for p in problems[:20]]
        self.failed = self.failed or bool(problems)


class Session:
    def __init__(self, sock, args, port):
        self.sock = sock
        self.args = args
        self.port = port
        self.frag = None            # negotiated fragment size
        self.contexts = {}          # accepted p_cont_id -> abstract syntax
        self.binds = []             # problems with the bind
        self.protocol = []          # problems with PDU headers and fragments
        self.calls = []             # (values() text, problems) in arrival order
        self.fragments = []         # per call: number of request fragments
        self.reply_frags = []       # per reply: number of response fragments sent
        self.last_call_id = 0
        self.shutdown = False
        self.after_shutdown = []    # PDU types received after Shutdown's reply

    def read_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                if data:
                    self.protocol.append("the connection ended inside a PDU")
                return None
            data += chunk
        return data

    def read_pdu(self):
        head = self.read_exact(16)
        if head is None:
            return None
        frag_len = struct.unpack("<H", head[8:10])[0]
        if frag_len < 16:
            self.protocol.append("frag_length %d" % frag_len)
            return None
        rest = self.read_exact(frag_len - 16)
        if rest is None:
            return None
        pdu = head + rest
        hdr = MSRPCHeader(pdu)
        problems = []
        if (hdr["ver_major"], hdr["ver_minor"]) != (5, 0):
            problems.append("version %d.%d" % (hdr["ver_major"], hdr["ver_minor"]))
        if hdr["representation"] != 0x10:
            problems.append("drep 0x%08x, expected 0x00000010 (little-endian, ASCII, IEEE)"
                            % hdr["representation"])
        if hdr["auth_len"] != 0:
            problems.append("auth_length %d" % hdr["auth_len"])
        self.protocol += ["PDU type %d call_id %d: %s" % (hdr["type"], hdr["call_id"], p)
                          for p in problems]
        return pdu

    def send(self, data):
        self.sock.sendall(data)

    def bind(self, pdu):
        hdr = MSRPCHeader(pdu)
        bind = MSRPCBind(hdr["pduData"])
        problems = []
        if hdr["flags"] & 3 != 3:
            problems.append("flags 0x%02x without FIRST_FRAG|LAST_FRAG" % hdr["flags"])
        if self.frag is not None:
            problems.append("a second bind on the connection")
        if (bind["max_tfrag"], bind["max_rfrag"]) != (RIDL_MAX_FRAG, RIDL_MAX_FRAG):
            problems.append("max_xmit_frag, max_recv_frag %d, %d, expected %d"
                            % (bind["max_tfrag"], bind["max_rfrag"], RIDL_MAX_FRAG))
        if bind["assoc_group"] != 0:
            problems.append("assoc_group_id 0x%x on a new association" % bind["assoc_group"])
        self.frag = self.args.max_frag or min(bind["max_tfrag"], bind["max_rfrag"])
        ack = MSRPCBindAck()
        ack["type"] = MSRPC_BINDACK
        ack["flags"] = PFC_FIRST_FRAG | PFC_LAST_FRAG
        ack["call_id"] = hdr["call_id"]
        ack["max_tfrag"] = self.frag
        ack["max_rfrag"] = self.frag
        ack["assoc_group"] = 0x1D5C
        ack["SecondaryAddr"] = str(self.port)
        ack["SecondaryAddrLen"] = len(ack["SecondaryAddr"]) + 1
        ack["Pad"] = b"\0" * ((4 - ((ack["SecondaryAddrLen"] + MSRPCBindAck._SIZE) % 4)) % 4)
        items, data = b"", bind["ctx_items"]
        for _ in range(bind["ctx_num"]):
            item = CtxItem(data)
            data = data[len(item):]
            res = CtxItemResult()
            abstract = bin_to_uuidtup(item["AbstractSyntax"])
            transfer = bin_to_uuidtup(item["TransferSyntax"][:20])
            if item["TransItems"] != 1 or transfer != NDR20:
                problems.append("context %d: transfer syntaxes %s" % (item["ContextID"], transfer))
            if abstract == CALC and transfer == NDR20:
                res["Result"], res["Reason"] = 0, 0
                res["TransferSyntax"] = uuidtup_to_bin(NDR20)
                self.contexts[item["ContextID"]] = abstract
            else:
                problems.append("context %d: abstract syntax %s" % (item["ContextID"], abstract))
                res["Result"], res["Reason"] = 2, 1  # provider rejection, abstract syntax
                res["TransferSyntax"] = b"\0" * 20
            items += res.getData()
        if bind["ctx_num"] != 1:
            problems.append("%d presentation contexts, expected 1" % bind["ctx_num"])
        ack["ctx_num"] = bind["ctx_num"]
        ack["ctx_items"] = items
        ack["frag_len"] = len(ack.getData())
        ack["auth_len"] = 0
        self.binds.append((hdr["call_id"], problems))
        self.send(ack.getData())

    def request(self, first):
        """Reads the rest of a call whose first fragment is `first`, then answers it."""
        rq = MSRPCRequestHeader(first)
        call_id, opnum, ctx = rq["call_id"], rq["op_num"], rq["ctx_id"]
        problems = []
        if not rq["flags"] & PFC_FIRST_FRAG:
            problems.append("the call's first PDU lacks FIRST_FRAG")
        if rq["flags"] & ~(PFC_FIRST_FRAG | PFC_LAST_FRAG):
            problems.append("flags 0x%02x" % rq["flags"])
        if call_id <= self.last_call_id:
            problems.append("call_id %d after %d" % (call_id, self.last_call_id))
        self.last_call_id = call_id
        if ctx not in self.contexts:
            problems.append("p_cont_id %d was not accepted" % ctx)
        alloc_hint = rq["alloc_hint"]
        stub = rq["pduData"]
        frags = [rq]
        while not frags[-1]["flags"] & PFC_LAST_FRAG:
            pdu = self.read_pdu()
            if pdu is None:
                problems.append("the connection ended inside the call")
                self.calls.append(("opnum %d (unfinished)" % opnum, problems))
                return False
            nxt = MSRPCRequestHeader(pdu)
            if nxt["type"] != MSRPC_REQUEST or nxt["flags"] & PFC_FIRST_FRAG:
                problems.append("PDU type %d flags 0x%02x inside a fragmented request"
                                % (nxt["type"], nxt["flags"]))
                break
            if (nxt["call_id"], nxt["op_num"], nxt["ctx_id"]) != (call_id, opnum, ctx):
                problems.append("a fragment with call_id %d opnum %d context %d"
                                % (nxt["call_id"], nxt["op_num"], nxt["ctx_id"]))
            frags.append(nxt)
            stub += nxt["pduData"]
        for i, f in enumerate(frags):
            if f["frag_len"] > self.frag:
                problems.append("fragment %d: %d bytes, negotiated %d" % (i + 1, f["frag_len"],
                                                                           self.frag))
            if i < len(frags) - 1 and len(f["pduData"]) % 8:
                problems.append("fragment %d: %d bytes of stub data before the last fragment"
                                % (i + 1, len(f["pduData"])))
        if alloc_hint != len(stub):
            problems.append("alloc_hint %d, stub data %d bytes" % (alloc_hint, len(stub)))
        self.fragments.append(len(frags))

        if opnum not in PROCS:
            self.calls.append(("opnum %d" % opnum, problems + ["no such opnum in calc"]))
            self.reply(call_id, ctx, b"", fault=NCA_S_OP_RNG_ERROR)
            return True
        cls, answer = PROCS[opnum]
        req = cls()
        try:
            req.fromString(stub)
        except Exception as e:  # impacket raises assorted errors on short data
            self.calls.append(("%s (undecodable)" % cls.__name__, problems + [repr(e)]))
            self.reply(call_id, ctx, b"", fault=0x000006F7)  # RPC_X_BAD_STUB_DATA
            return True
        # impacket fills alignment gaps with 0xbf; their content is unspecified (C706 14.2.2).
        again = req.getData()
        if len(again) != len(stub) or any(x != y and y != 0xBF for x, y in zip(stub, again)):
            problems.append("stub %s..., impacket encodes the same values as %s..."
                            % (stub[:24].hex(), again[:24].hex()))
        self.calls.append((values(cls.__name__, req), problems))
        self.reply(call_id, ctx, answer(req).getData())
        if opnum == 4:
            self.shutdown = True
        return True

    def reply(self, call_id, ctx, stub, fault=None):
        if fault is not None:
            r = MSRPCRespHeader()
            r["type"] = MSRPC_FAULT
            r["flags"] = PFC_FIRST_FRAG | PFC_LAST_FRAG
            r["call_id"] = call_id
            r["ctx_id"] = ctx
            r["alloc_hint"] = 0
            r["pduData"] = struct.pack("<LL", fault, 0)
            r["frag_len"] = 24 + 8
            self.send(r.getData())
            return
        size = self.args.response_frag or (self.frag - 24) & ~7
        chunks = [stub[i:i + size] for i in range(0, len(stub), size)] or [b""]
        self.reply_frags.append(len(chunks))
        for i, chunk in enumerate(chunks):
            r = MSRPCRespHeader()
            r["type"] = MSRPC_RESPONSE
            r["flags"] = (PFC_FIRST_FRAG if i == 0 else 0) | (
                PFC_LAST_FRAG if i == len(chunks) - 1 else 0)
            r["call_id"] = call_id
            r["ctx_id"] = ctx
            r["alloc_hint"] = len(stub) - i * size
            r["pduData"] = chunk
            r["frag_len"] = 24 + len(chunk)
            self.send(r.getData())

    def serve(self):
        while True:
            pdu = self.read_pdu()
            if pdu is None:
                return
            ptype = pdu[2]
            if self.shutdown:
                self.after_shutdown.append(ptype)
            if ptype == MSRPC_BIND:
                self.bind(pdu)
            elif ptype == MSRPC_REQUEST and self.frag is not None:
                if not self.request(pdu):
                    return
            else:
                self.protocol.append("unexpected PDU type %d" % ptype)
                return


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--max-frag", type=int, default=0)
    ap.add_argument("--response-frag", type=int, default=0)
    args = ap.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(2))
    signal.alarm(30)

    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    print(port, flush=True)
    sock, _ = lsock.accept()
    lsock.close()
    s = Session(sock, args, port)
    s.serve()
    sock.close()

    c = Checks()
    bind_problems = [p for _, ps in s.binds for p in ps]
    if len(s.binds) != 1:
        bind_problems.append("%d binds, expected 1" % len(s.binds))
    c.check("the client binds once to calc 1.0 with NDR 2.0, offering %d-byte fragments; the "
            "server answers %s" % (RIDL_MAX_FRAG, s.frag), bind_problems)
    c.check("every PDU is version 5.0, little-endian ASCII IEEE, without authentication, and "
            "every request well formed", s.protocol + [p for _, ps in s.calls for p in ps])
    got = [v for v, _ in s.calls]
    want = SCENARIOS[args.scenario]
    c.check("the server received exactly " + ", ".join(want),
            [] if got == want else ["got " + ", ".join(got)])
    if args.max_frag:
        many = [n for n in s.fragments if n > 1]
        c.check("with %d-byte fragments, the client fragmented %d of %d calls (%s fragments)"
                % (args.max_frag, len(many), len(s.fragments), many),
                [] if many else ["no call was fragmented"])
    if args.response_frag:
        c.check("replies went out with %d bytes of stub data a fragment: %s fragments"
                % (args.response_frag, s.reply_frags),
                [] if any(n > 1 for n in s.reply_frags) else ["no reply was fragmented"])
    c.check("after Shutdown the client sent nothing more and closed the connection",
            [] if s.shutdown and not s.after_shutdown else
            ["Shutdown %s, then PDU types %s" % ("answered" if s.shutdown else "never called",
                                                 s.after_shutdown)])
    print("\n".join(c.lines), flush=True)
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
