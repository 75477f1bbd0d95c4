#!/usr/bin/python3
"""An independent DCE/RPC client (python3-impacket) calls the calc sample's ridl server.

    /usr/bin/python3 impacket_client.py PORT

Binds to calc 1.0 over ncacn_ip_tcp on 127.0.0.1, calls Add (opnum 0), Sum (opnum 2) and
Evaluate (opnum 3), checks the values, then calls Shutdown (opnum 4). TAP on stdout. Return
values are read with checkError=False: impacket otherwise takes a non-zero last word of a reply
for a Windows error code."""
import sys

from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.dtypes import DOUBLE, LONG, LPSTR, NULL
from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRUniConformantArray
from impacket.dcerpc.v5.rpcrt import DCERPCException
from impacket.uuid import uuidtup_to_bin

CALC = uuidtup_to_bin(("8d1a2f44-5c1e-4e6b-9a3f-0b6c1d2e3f40", "1.0"))


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


class SumResponse(NDRCALL):  # hyper: 8-aligned after the 4-byte-aligned request
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


def main():
    port = sys.argv[1]
    n = 0
    failed = False

    def check(what, cond):
        nonlocal n, failed
        n += 1
        print(("ok" if cond else "not ok"), n, "-", what)
        failed = failed or not cond

    print("1..5")
    t = transport.DCERPCTransportFactory("ncacn_ip_tcp:127.0.0.1[%s]" % port)
    dce = t.get_dce_rpc()
    dce.connect()
    dce.bind(CALC)
    check("impacket binds to calc 1.0", True)

    r = Add()
    r["a"] = 2
    r["b"] = 40
    resp = dce.request(r, checkError=False)
    check("Add(2, 40) = 42", resp["ret"] == 42)

    r = Sum()
    r["n"] = 10
    r["values"] = list(range(1, 11))
    resp = dce.request(r, checkError=False)
    check("Sum(1..10) = 55", resp["ret"] == 55)

    r = Evaluate()
    r["op"] = 3  # OP_MUL
    r["a"] = 6.0
    r["b"] = 7.0
    resp = dce.request(r, checkError=False)
    res = resp["result"]
    msg = res["message"]
    check('Evaluate(MUL, 6, 7) = 42 "product 42"',
          res["value"] == 42 and msg is not NULL and msg.rstrip("\x00") == "product 42")

    dce.request(Shutdown(), checkError=False)
    check("Shutdown answered", True)
    dce.disconnect()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except DCERPCException as e:
        print("not ok - DCE/RPC error:", e)
        sys.exit(1)
