#!/usr/bin/python3
"""python3-impacket drives the calc server through presentation contexts and a fault.

    /usr/bin/python3 impacket_context_client.py PORT

Over ncacn_ip_tcp on 127.0.0.1: binds calc 1.0 (context 0); asks with alter_context for
inventory 1.0 as context 1, which the calc server does not serve; asks again for calc 1.0 as
context 1; calls Add(2, 40) on context 1, opnum 9 (calc has opnums 0-4), Add(2, 40) on context 0,
then Shutdown. Prints one line per step, for the caller to compare:

    alter_context inventory 1.0: rejected
    Add(2, 40) on context 1 = 42
    opnum 9: nca_s_op_rng_error
    Add(2, 40) on context 0 = 42
    Shutdown sent

All calls go through the object the last alter_context returned, so that call_ids keep
increasing on the connection; its context id is switched for the call on context 0."""
import sys

from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.dtypes import LONG
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

CALC = uuidtup_to_bin(("8d1a2f44-5c1e-4e6b-9a3f-0b6c1d2e3f40", "1.0"))
INVENTORY = uuidtup_to_bin(("3c8e2d11-7a4f-4b9e-8d21-5f6a7b8c9d01", "1.0"))


class Add(NDRCALL):
    opnum = 0
    structure = (("a", LONG), ("b", LONG))


class AddResponse(NDRCALL):
    structure = (("ret", LONG),)


class NoSuchOp(NDRCALL):
    opnum = 9
    structure = ()


class NoSuchOpResponse(NDRCALL):
    structure = ()


class Shutdown(NDRCALL):
    opnum = 4
    structure = ()


class ShutdownResponse(NDRCALL):
    structure = ()


def add(dce):
    r = Add()
    r["a"] = 2
    r["b"] = 40
    return dce.request(r, checkError=False)["ret"]


def main():
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%s]" % sys.argv[1])
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(CALC)
    try:
        dce.alter_ctx(INVENTORY)
        print("alter_context inventory 1.0: accepted")
    except DCERPCException as e:
        print("alter_context inventory 1.0: %s" % (
            "rejected" if "abstract_syntax_not_supported" in str(e) else e))
    ctx1 = dce.alter_ctx(CALC)
    print("Add(2, 40) on context 1 = %d" % add(ctx1))
    try:
        ctx1.request(NoSuchOp(), checkError=False)
        print("opnum 9: answered")
    except DCERPCException as e:
        print("opnum 9: %s" % e)
    ctx1.set_ctx_id(0)
    print("Add(2, 40) on context 0 = %d" % add(ctx1))
    ctx1.request(Shutdown(), checkError=False)
    print("Shutdown sent")
    dce.disconnect()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (DCERPCException, OSError) as e:
        print("impacket_context_client: %s" % e, file=sys.stderr)
        sys.exit(1)
