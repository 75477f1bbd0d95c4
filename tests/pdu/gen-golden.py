#!/usr/bin/python3
"""Golden connection-oriented DCE/RPC PDUs for tests/unit/test_pdu.c, from an independent
implementation.

Usage: /usr/bin/python3 tests/pdu/gen-golden.py [--check] [OUTPUT]

Writes OUTPUT (default: golden.h next to this script): one `static const uint8_t` array per PDU
and a table of them, so that the unit test needs no data directory at run time. With --check,
writes nothing and exits 1 if OUTPUT is not what this script would write.

The little-endian PDUs are built with python3-impacket's impacket.dcerpc.v5.rpcrt (Debian
python3-impacket; run with /usr/bin/python3, whose dist-packages hold it): MSRPCHeader,
MSRPCBind, CtxItem, MSRPCBindAck, CtxItemResult, MSRPCBindNak, MSRPCRequestHeader and
MSRPCRespHeader, with UUIDs from impacket.uuid.uuidtup_to_bin. The test encodes the same
contents (documented beside each case, and repeated in test_pdu.c) and compares every byte.

impacket has no big-endian encoder (every format is '<'). The big-endian PDUs (names ending
in _be) are therefore written out here field by field with struct '>', following C706 12.6 and
wire-notes.md section 1-2: all integers and the first three fields of each UUID big-endian,
packed_drep 00 00 00 00. They have the same contents as their little-endian twins, and the test
checks that both decode to the same values.

What impacket gets wrong or leaves to the caller, and what is done about it:

 a. MSRPCBindAck declares SecondaryAddrLen as '<H&SecondaryAddr'. In impacket's Structure '&'
    packs the *address* of the field (a Python id), not its length, and frag_len defaults to
    a value computed for MSRPCHeader's layout. The bytes are garbage unless both are set by
    hand, which is what impacket's own DCERPCServer.bind() does; so do we (bind_ack()).
 b. MSRPCBindAck pads the secondary address with 'A' octets in DCERPCServer.bind(). Padding
    octets may be anything ([MS-RPCE] 2.2) and ridl writes zeros; zeros are set here.
 c. MSRPCBindNak has no model of p_rt_versions_supported_t: SupportedVersions is raw bytes. We
    pass n_protocols, the major/minor pairs and the padding to 4 octets that Samba sends
    (dcesrv_bind_nak()), so only the header and the reason are impacket's own encoding there.
 d. impacket has no fault PDU class. A fault is an MSRPCRespHeader (whose alloc_hint,
    p_cont_id, cancel_count and reserved octet are the fault's first 8 body octets) with
    type 3 and the status and reserved u32 as pduData.
 e. DCERPC_v5.send() fragments requests with the *total* stub length as alloc_hint in every
    fragment and with chunks of any length. [MS-RPCE] 2.2.2.6 says alloc_hint SHOULD be the
    stub length that remains, and ridl keeps chunks a multiple of 8 (see pdu.h), so
    the fragments here are cut by this script by those rules and each one is encoded with
    MSRPCRequestHeader / MSRPCRespHeader.
 f. CtxItem holds exactly one transfer syntax ('20s'); contexts with several are covered by
    the round-trip tests only.
"""

import os
import struct
import sys

from impacket.dcerpc.v5 import rpcrt
from impacket.uuid import string_to_bin, uuidtup_to_bin

NDR20 = ('8a885d04-1ceb-11c9-9fe8-08002b104860', '2.0')
NDR64 = ('71710533-beba-4937-8319-b5dbef9ccc36', '1.0')
IF1 = ('12345678-1234-abcd-ef00-0123456789ab', '1.0')
EPM = ('e1af8308-5d1f-11c9-91a4-08002b14a0fa', '3.0')
OBJ = '11223344-5566-7788-99aa-bbccddeeff00'
# Bind time feature negotiation with SecurityContextMultiplexing | KeepConnectionOnOrphan:
# the bitmask is the last eight octets of the UUID, Bitmask[0] first ([MS-RPCE] 2.2.2.14).
BTFN3 = ('6cb71c2c-9812-4540-0300-000000000000', '1.0')
ZERO_SYNTAX = b'\0' * 20


def pattern(n, mul, add):
    return bytes((i * mul + add) & 0xff for i in range(n))


def hdr(ptype, flags, call_id):
    h = rpcrt.MSRPCHeader()
    h['type'] = ptype
    h['flags'] = flags
    h['call_id'] = call_id
    return h


def ctx_item(ctx_id, abstract, transfer):
    c = rpcrt.CtxItem()
    c['ContextID'] = ctx_id
    c['TransItems'] = 1
    c['AbstractSyntax'] = uuidtup_to_bin(abstract)
    c['TransferSyntax'] = uuidtup_to_bin(transfer)
    return c


def bind(ptype, flags, call_id, max_x, max_r, assoc, ctxs):
    b = rpcrt.MSRPCBind()
    b['max_tfrag'] = max_x
    b['max_rfrag'] = max_r
    b['assoc_group'] = assoc
    for c in ctxs:
        b.addCtxItem(ctx_item(*c))
    h = hdr(ptype, flags, call_id)
    h['pduData'] = b.getData()
    return h.getData()


def bind_ack(ptype, flags, call_id, max_x, max_r, assoc, sec_addr, results):
    a = rpcrt.MSRPCBindAck()
    a['type'] = ptype
    a['flags'] = flags
    a['call_id'] = call_id
    a['frag_len'] = 0
    a['auth_len'] = 0
    a['auth_data'] = b''
    a['max_tfrag'] = max_x
    a['max_rfrag'] = max_r
    a['assoc_group'] = assoc
    if sec_addr:
        a['SecondaryAddr'] = sec_addr
        a['SecondaryAddrLen'] = len(sec_addr) + 1   # (a)
    else:
        a['SecondaryAddrLen'] = 0
    a['Pad'] = b'\0' * ((4 - ((a['SecondaryAddrLen'] + rpcrt.MSRPCBindAck._SIZE) % 4)) % 4)  # (b)
    a['ctx_num'] = len(results)
    items = b''
    for (result, reason, syntax) in results:
        r = rpcrt.CtxItemResult()
        r['Result'] = result
        r['Reason'] = reason
        r['TransferSyntax'] = uuidtup_to_bin(syntax) if syntax else ZERO_SYNTAX
        items += r.getData()
    a['ctx_items'] = items
    a['frag_len'] = len(a.getData())   # (a)
    return a.getData()


def bind_nak(call_id, reason, versions):
    n = rpcrt.MSRPCBindNak()
    n['RejectedReason'] = reason
    v = bytes([len(versions)]) + b''.join(bytes(p) for p in versions)   # (c)
    v += b'\0' * ((4 - (18 + len(v)) % 4) % 4)
    n['SupportedVersions'] = v
    h = hdr(rpcrt.MSRPC_BINDNAK, 0x03, call_id)
    h['pduData'] = n.getData()
    return h.getData()


def request(flags, call_id, alloc_hint, ctx_id, opnum, stub, obj=None):
    q = rpcrt.MSRPCRequestHeader()
    q['flags'] = flags | (rpcrt.PFC_OBJECT_UUID if obj else 0)
    q['call_id'] = call_id
    q['alloc_hint'] = alloc_hint
    q['ctx_id'] = ctx_id
    q['op_num'] = opnum
    q['uuid'] = string_to_bin(obj) if obj else b''
    q['pduData'] = stub
    return q.getData()


def response(ptype, flags, call_id, alloc_hint, ctx_id, cancel_count, body):
    r = rpcrt.MSRPCRespHeader()
    r['type'] = ptype
    r['flags'] = flags
    r['call_id'] = call_id
    r['alloc_hint'] = alloc_hint
    r['ctx_id'] = ctx_id
    r['cancel_count'] = cancel_count
    r['pduData'] = body
    return r.getData()


def fault(flags, call_id, alloc_hint, ctx_id, status):
    # (d): the fault's flags octet is MSRPCRespHeader's 'padding', 0 here.
    return response(rpcrt.MSRPC_FAULT, flags, call_id, alloc_hint, ctx_id, 0,
                    struct.pack('<LL', status, 0))


def fragments(kind, call_id, stub, max_frag, ctx_id, opnum=0, obj=None):
    """(e): cut the stub as ridl does, encode each fragment with impacket."""
    hdr_len = 24 + (16 if obj else 0)
    chunk = (max_frag - hdr_len) & ~7
    out = b''
    off = 0
    while True:
        n = min(chunk, len(stub) - off)
        flags = (0x01 if off == 0 else 0) | (0x02 if off + n == len(stub) else 0)
        piece = stub[off:off + n]
        if kind == 'request':
            out += request(flags, call_id, len(stub) - off, ctx_id, opnum, piece, obj)
        else:
            out += response(rpcrt.MSRPC_RESPONSE, flags, call_id, len(stub) - off, ctx_id, 0,
                            piece)
        off += n
        if off >= len(stub):
            return out


# ---- big-endian, by hand ----

def be_uuid(s):
    le = string_to_bin(s)
    d1, d2, d3 = struct.unpack('<LHH', le[:8])
    return struct.pack('>LHH', d1, d2, d3) + le[8:]


def be_syntax(tup):
    major, minor = (int(x) for x in tup[1].split('.'))
    return be_uuid(tup[0]) + struct.pack('>L', major | minor << 16)


def be_pdu(ptype, flags, call_id, body):
    return struct.pack('>BBBB4sHHL', 5, 0, ptype, flags, b'\0\0\0\0', 16 + len(body), 0,
                       call_id) + body


def be_bind(ptype, flags, call_id, max_x, max_r, assoc, ctxs):
    body = struct.pack('>HHLB3x', max_x, max_r, assoc, len(ctxs))
    for (ctx_id, abstract, transfer) in ctxs:
        body += struct.pack('>HBx', ctx_id, 1) + be_syntax(abstract) + be_syntax(transfer)
    return be_pdu(ptype, flags, call_id, body)


def be_bind_ack(ptype, flags, call_id, max_x, max_r, assoc, sec_addr, results):
    sa = (sec_addr.encode() + b'\0') if sec_addr else b''
    body = struct.pack('>HHLH', max_x, max_r, assoc, len(sa)) + sa
    body += b'\0' * ((4 - (16 + len(body)) % 4) % 4)
    body += struct.pack('>B3x', len(results))
    for (result, reason, syntax) in results:
        body += struct.pack('>HH', result, reason) + (be_syntax(syntax) if syntax else ZERO_SYNTAX)
    return be_pdu(ptype, flags, call_id, body)


def be_bind_nak(call_id, reason, versions):
    body = struct.pack('>HB', reason, len(versions)) + b''.join(bytes(p) for p in versions)
    body += b'\0' * ((4 - (16 + len(body)) % 4) % 4)
    return be_pdu(rpcrt.MSRPC_BINDNAK, 0x03, call_id, body)


def be_request(flags, call_id, alloc_hint, ctx_id, opnum, stub, obj=None):
    body = struct.pack('>LHH', alloc_hint, ctx_id, opnum) + (be_uuid(obj) if obj else b'') + stub
    return be_pdu(rpcrt.MSRPC_REQUEST, flags | (0x80 if obj else 0), call_id, body)


def be_response(flags, call_id, alloc_hint, ctx_id, cancel_count, stub):
    body = struct.pack('>LHBx', alloc_hint, ctx_id, cancel_count) + stub
    return be_pdu(rpcrt.MSRPC_RESPONSE, flags, call_id, body)


def be_fault(flags, call_id, alloc_hint, ctx_id, status):
    body = struct.pack('>LHBBLL', alloc_hint, ctx_id, 0, 0, status, 0)
    return be_pdu(rpcrt.MSRPC_FAULT, flags, call_id, body)


# ---- the cases; test_pdu.c builds the same contents ----

BIND_CTXS = [(0, IF1, NDR20), (1, IF1, NDR64), (2, IF1, BTFN3)]
ALTER_CTXS = [(5, EPM, NDR20)]
ACK_RESULTS = [(0, 0, NDR20), (2, 2, None), (3, 3, None)]
STUB12 = pattern(12, 1, 0xa0)
STUB8 = pattern(8, 3, 1)
STUB16 = pattern(16, 5, 7)


def cases():
    c = []
    # bind: CONC_MPX, NDR 2.0 / NDR64 / bind time feature negotiation for one interface
    c.append(('bind', bind(rpcrt.MSRPC_BIND, 0x13, 1, 5840, 5840, 0, BIND_CTXS)))
    c.append(('alter_context', bind(rpcrt.MSRPC_ALTERCTX, 0x03, 2, 4280, 4280, 0x12345678,
                                    ALTER_CTXS)))
    c.append(('bind_ack', bind_ack(rpcrt.MSRPC_BINDACK, 0x13, 1, 5840, 5840, 0xf00d, '49664',
                                   ACK_RESULTS)))
    c.append(('bind_ack_135', bind_ack(rpcrt.MSRPC_BINDACK, 0x03, 1, 4280, 4280, 0x1, '135',
                                       [(0, 0, NDR20)])))
    c.append(('alter_context_resp', bind_ack(rpcrt.MSRPC_ALTERCTX_R, 0x03, 2, 4280, 4280,
                                             0x12345678, None, [(0, 0, NDR20)])))
    c.append(('bind_nak', bind_nak(1, 4, [(5, 0)])))
    c.append(('request', request(0x03, 3, 12, 1, 7, STUB12)))
    c.append(('request_object', request(0x03, 4, 8, 0x1234, 0xbeef, STUB8, OBJ)))
    c.append(('response', response(rpcrt.MSRPC_RESPONSE, 0x03, 3, 16, 1, 0, STUB16)))
    c.append(('fault', fault(0x23, 3, 24, 1, 0x1C010003)))
    c.append(('shutdown', hdr(rpcrt.MSRPC_SHUTDOWN, 0x03, 0).getData()))
    c.append(('co_cancel', hdr(rpcrt.MSRPC_CO_CANCEL, 0x03, 3).getData()))
    c.append(('orphaned', hdr(rpcrt.MSRPC_ORPHANED, 0x03, 3).getData()))
    c.append(('frag_request', fragments('request', 7, pattern(100, 7, 3), 64, 2, 9)))
    c.append(('frag_request_object', fragments('request', 8, pattern(100, 7, 3), 64, 2, 9, OBJ)))
    c.append(('frag_response', fragments('response', 7, pattern(5000, 13, 1), 2048, 2)))
    # big-endian twins
    c.append(('bind_be', be_bind(rpcrt.MSRPC_BIND, 0x13, 1, 5840, 5840, 0, BIND_CTXS)))
    c.append(('bind_ack_be', be_bind_ack(rpcrt.MSRPC_BINDACK, 0x13, 1, 5840, 5840, 0xf00d,
                                         '49664', ACK_RESULTS)))
    c.append(('bind_nak_be', be_bind_nak(1, 4, [(5, 0)])))
    c.append(('request_object_be', be_request(0x03, 4, 8, 0x1234, 0xbeef, STUB8, OBJ)))
    c.append(('response_be', be_response(0x03, 3, 16, 1, 0, STUB16)))
    c.append(('fault_be', be_fault(0x23, 3, 24, 1, 0x1C010003)))
    return c


def render():
    lines = ['/* Generated by tests/pdu/gen-golden.py from python3-impacket (and, for the *_be',
             ' * PDUs, by hand with struct \'>\'); do not edit. */',
             '#ifndef RIDL_PDU_GOLDEN_H', '#define RIDL_PDU_GOLDEN_H', '',
             '#include <stddef.h>', '#include <stdint.h>', '']
    names = []
    for (name, data) in cases():
        names.append(name)
        lines.append('static const uint8_t golden_%s[%d] = {' % (name, len(data)))
        for i in range(0, len(data), 12):
            lines.append('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]))
        lines.append('};')
        lines.append('')
    lines.append('struct golden_pdu {')
    lines.append('\tconst char *name;')
    lines.append('\tconst uint8_t *data;')
    lines.append('\tsize_t len;')
    lines.append('};')
    lines.append('')
    lines.append('static const struct golden_pdu golden_pdus[] = {')
    for name in names:
        lines.append('\t{ "%s", golden_%s, sizeof golden_%s },' % (name, name, name))
    lines.append('};')
    lines.append('')
    lines.append('#endif')
    return '\n'.join(lines) + '\n'


def main(argv):
    check = '--check' in argv
    args = [a for a in argv if a != '--check']
    out = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                            'golden.h')
    text = render()
    if check:
        try:
            with open(out) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            sys.stderr.write('%s is out of date: run %s\n' % (out, sys.argv[0]))
            return 1
        return 0
    tmp = out + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, out)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
