#!/usr/bin/python3
"""Golden NDR 2.0 wire bytes for tests/ndr/ndrtest.idl, from an independent implementation.

Usage: /usr/bin/python3 tests/ndr/gen-golden.py OUTDIR

For every case this writes OUTDIR/<Proc>_<variant>_<in|out>.hex: the stub data of the request
(`in`) or of the response (`out`) as lowercase hex, 16 bytes per line. Stale *.hex files in OUTDIR
are removed first; nothing else is written. The encoder is python3-impacket's
impacket.dcerpc.v5.ndr (Debian python3-impacket; run with /usr/bin/python3, whose dist-packages
hold it). Each procedure of ndrtest.idl is mirrored by an NDRCALL subclass whose structure is the
[in] parameters in order; responses list the [out] parameters in order and the return value last.
A top-level [ref] pointer has no wire form, so its referent type stands in its place.

What we change in impacket's output, and why (each is also explained where it happens):

 1. Alignment gaps. impacket fills gaps with marker octets (0xab, 0xbf, 0xcc, ...) so that they
    stand out in dumps. NDR leaves gap octets unspecified (C706 14.2.2) and ridl writes zeros, so
    the module is loaded with those sixteen fill literals replaced by zero (load_impacket_ndr).
    Nothing else in the module is touched.
 2. Referent ids. impacket draws random ids. Windows and ridl number them 0x00020000, 0x00020004,
    ... in the order the ids appear on the wire; NULL is 0 and uses no number; a full pointer
    that repeats an address repeats its id. Every non-NULL pointer here gets a distinctive
    placeholder id (0xA11Cxxxx); after encoding, placeholders are renumbered in order of first
    appearance (renumber_ids), after checking each occurs exactly where and as often as expected.

impacket deviations from NDR found while writing this, and what is done about each:

 a. NDRCALL.getData packs a top-level conformant array's elements as if they started where
    the max_count starts (it passes soFar+pad instead of soFar+pad+4), so elements aligned to 8
    get the wrong gap: in Arrays_basic_in, `[size_is(n)] simple *sa` has its max_count at
    112..115 and its first element belongs at 120; impacket puts it at 116 (and with the
    max_count at 4..7 it would put the element at 12, not 8). Fixed in Call.getData (a copy of
    NDRCALL.getData, NDR 2.0 part only, with that one argument corrected).
 b. NDRSTRUCT hoists a conformant array's max_count only when the array is its own last member;
    a conformant struct nested as the last member of another struct (outer_conf { short tag;
    conf c; }) gets its max_count in the middle, in front of the inner struct. C706 14.3.7.1
    puts it before the outermost structure. OUTER_CONF is therefore declared flat (tag, n, data):
    the inner struct's alignment (4) equals the alignment of its first member, so the flat form
    has exactly the NDR representation of the nested one, and impacket then hoists correctly.
 c. NDRUNION: selecting an arm through `default` stores the discriminant as 0xffff instead of
    the value given. Fixed by writing the tag value back after selecting the arm (set_arm).
 d. NDRUNION.getAlignment returns the discriminant's alignment only (impacket's own comment says
    so), though C706 14.3.8 makes a union as aligned as its most-aligned arm. It is used for two
    things: (1) the gap in front of the union's discriminant, where we keep it (see "Unions"
    below), and (2) the alignment of a structure that contains the union, where it is wrong:
    holder { long kind; numu u; } must be 8-aligned because an arm holds a hyper/double. HOLDER
    overrides getAlignment (8). The encapsulated union encu is a structure { short kind; union
    { long; wchar_t * } } and is aligned to 4: ENCU overrides getAlignment (4).
 e. After the discriminant impacket always aligns to 4 (NDR 2.0), then lets the arm align
    itself. ndrtest's arms are all aligned to 8 or less, and every place a numu discriminant
    ends here is already 8-aligned, so the arm lands where "aligned to the largest arm
    alignment" puts it (checked by the hand encodings). For encu the largest arm alignment is 4,
    which is what impacket does. For encu's empty arm impacket still pads the discriminant to 4;
    that gap is always absorbed by holder's 8-alignment, which follows it in every case.
 f. Full pointers ([ptr]) have no alias tracking in impacket. A repeated address is written as
    just its id (C706 14.3.11.3: the referent of a full pointer is marshalled once), using an
    NDRULONG holding the same placeholder as the first occurrence (ALIASED).
 g. impacket cannot instantiate recursive types (every field is constructed eagerly, so
    node -> node * -> node ... recurses forever). The list is declared per depth (NODE1 -> NODE2
    -> NODE3), which has the same wire form for a list of that length.
 h. NDRUniFixedArray carries raw bytes and does not encode elements. Fixed arrays use FixedArray,
    an NDRArray whose 'Data' is packed element by element by impacket's array code (the same code
    its varying arrays use), without offset or counts. impacket has no multi-dimensional arrays:
    short b[2][2] is its four elements in C order (row-major; C706 14.3.3.5 / 14.3.4.4: the last
    index varies fastest), which is the NDR form of a fixed two-dimensional array.

Unions. wire-notes.md section 5 (and ridl_type.un in rpcstub.h): the discriminant is marshalled
as its declared type (aligned to its own size) and then the selected arm, aligned to the
largest alignment of all arms (MS-RPCE 2.2.4.5 describes the same placement). There is no gap in
front of the discriminant beyond the discriminant's own alignment; so in Unions the numu
discriminant is at offset 4, right after `long k`, and its arm at 8. A structure that contains a
union is aligned to max(discriminant, largest arm).
"""

import importlib.util
import os
import struct
import sys
import types


def load_impacket_ndr():
    """Import impacket.dcerpc.v5.ndr with its alignment-gap fill octets set to zero."""
    import re

    import impacket.dcerpc.v5  # the package only; its __init__ imports nothing

    name = "impacket.dcerpc.v5.ndr"
    assert name not in sys.modules
    spec = importlib.util.find_spec(name)
    with open(spec.origin, encoding="utf-8") as f:
        src = f.read()
    # e.g. `data += b'\xbf'*pad`, `arrayPadding = b'\xee'*pad0`, `answer += b'\xdd' * pad`
    src, n = re.subn(r"b'\\x(?!00)[0-9a-fA-F]{2}'(\s*\*\s*pad0?\b)", r"b'\\x00'\1", src)
    assert n == 16, "impacket's ndr.py changed: %d gap fills found, expected 16" % n
    mod = types.ModuleType(name)
    mod.__file__ = spec.origin
    mod.__package__ = "impacket.dcerpc.v5"
    sys.modules[name] = mod
    exec(compile(src, spec.origin, "exec"), mod.__dict__)
    impacket.dcerpc.v5.ndr = mod
    return mod


ndr = load_impacket_ndr()
from impacket.dcerpc.v5.dtypes import LPSTR, LPWSTR, STR, WSTR  # noqa: E402  (after the patch)
from impacket.dcerpc.v5.enum import Enum  # noqa: E402

NDR = ndr.NDR
NDRCALL = ndr.NDRCALL
NDRSTRUCT = ndr.NDRSTRUCT
NDRUNION = ndr.NDRUNION
NDRPOINTER = ndr.NDRPOINTER
NULL = ndr.NULL
NDRENUM = ndr.NDRENUM
NDRArray = ndr.NDRArray
NDRUniConformantArray = ndr.NDRUniConformantArray
NDRUniConformantVaryingArray = ndr.NDRUniConformantVaryingArray
NDRUniVaryingArray = ndr.NDRUniVaryingArray
NDRVaryingString = ndr.NDRVaryingString
SMALL = ndr.NDRSMALL
BYTE = ndr.NDRUSMALL
BOOLEAN = ndr.NDRBOOLEAN
CHAR = ndr.NDRCHAR
SHORT = ndr.NDRSHORT
USHORT = ndr.NDRUSHORT
WCHAR = ndr.NDRUSHORT  # wchar_t: one UTF-16 unit
LONG = ndr.NDRLONG
ULONG = ndr.NDRULONG
HYPER = ndr.NDRHYPER
UHYPER = ndr.NDRUHYPER
FLOAT = ndr.NDRFLOAT
DOUBLE = ndr.NDRDOUBLEFLOAT
ERROR_STATUS_T = ndr.NDRULONG

# ---------------------------------------------------------------------------------------------
# Referent ids (item 2 of the docstring)

PLACEHOLDER_HI = 0xA11C
_next_placeholder = [0]
_expected_ids = {}  # placeholder -> number of times it must appear


def ref(times=1):
    """A new placeholder referent id, expected `times` times in the output (2 for an alias)."""
    p = (PLACEHOLDER_HI << 16) | (_next_placeholder[0] * 4 + 4)
    _next_placeholder[0] += 1
    _expected_ids[p] = times
    return p


def set_ref(ptr, placeholder):
    ptr.fields["ReferentID"] = placeholder


def renumber_ids(data):
    """Placeholders -> 0x00020000 + 4 * (order of first appearance); checks every one."""
    seen = {}
    out = bytearray(data)
    marker = struct.pack("<H", PLACEHOLDER_HI)
    # The marker must occur only as the high half of an aligned id: otherwise a value in the
    # data looks like an id and the renumbering could not be trusted.
    i = out.find(marker)
    while i >= 0:
        assert i % 4 == 2, "placeholder marker at unaligned offset %d" % i
        i = out.find(marker, i + 1)
    for off in range(0, len(out) - 3, 4):
        (v,) = struct.unpack_from("<I", out, off)
        if v >> 16 != PLACEHOLDER_HI:
            continue
        assert v in _expected_ids, "unknown placeholder %#x at %d" % (v, off)
        if v not in seen:
            seen[v] = [0x00020000 + 4 * len(seen), 0]
        seen[v][1] += 1
        struct.pack_into("<I", out, off, seen[v][0])
    for p, times in _expected_ids.items():
        got = seen.get(p, [0, 0])[1]
        assert got == times, "placeholder %#x appears %d times, expected %d" % (p, got, times)
    _expected_ids.clear()
    _next_placeholder[0] = 0
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Call: NDRCALL with deviation (a) fixed


class Call(NDRCALL):
    def getData(self, soFar=0):
        # NDRCALL.getData of impacket 0.10.0, NDR 2.0 only. The one change: a top-level
        # conformant array's elements are packed at soFar + pad + 4 (after the max_count), not
        # at soFar + pad.
        assert not self._isNDR64
        data = b""
        soFar0 = soFar
        for fieldName, fieldTypeOrClass in self.commonHdr + self.structure:
            pad = self.calculatePad(fieldTypeOrClass, soFar)
            if pad > 0:
                soFar += pad
                data += b"\x00" * pad
            field = self.fields[fieldName]
            if isinstance(field, (NDRUniConformantArray, NDRUniConformantVaryingArray)):
                pad = (4 - (soFar % 4)) % 4
                res = self.pack(fieldName, fieldTypeOrClass, soFar + pad + 4)  # fixed here
                data += b"\x00" * pad + struct.pack("<L", self.getArrayMaximumSize(fieldName))
                data += res
            else:
                data += self.pack(fieldName, fieldTypeOrClass, soFar)
            soFar = soFar0 + len(data)
            if isinstance(field, ndr.NDRCONSTRUCTEDTYPE):
                data += field.getDataReferents(soFar)
                soFar = soFar0 + len(data)
                data += field.getDataReferent(soFar)
                soFar = soFar0 + len(data)
        return data


# ---------------------------------------------------------------------------------------------
# Types of ndrtest.idl


class COLOR16(NDRENUM):  # typedef enum { RED = 1, GREEN = 2, BLUE = 0x7fff } color16;
    class enumItems(Enum):
        RED = 1
        GREEN = 2
        BLUE = 0x7FFF


class COLOR32(NDRENUM):  # typedef [v1_enum] enum { ONE = 1, BIG = 100000 } color32;
    align = 4
    structure = (("Data", "<L"),)

    class enumItems(Enum):
        ONE = 1
        BIG = 100000


class SIMPLE(NDRSTRUCT):  # struct { short s; long l; hyper h; }
    structure = (("s", SHORT), ("l", LONG), ("h", HYPER))


class PADDED(NDRSTRUCT):  # struct { char c; double d; }
    structure = (("c", CHAR), ("d", DOUBLE))


class NESTED(NDRSTRUCT):  # struct { small a; simple in; boolean b; }
    structure = (("a", SMALL), ("in", SIMPLE), ("b", BOOLEAN))


class LONG_CARRAY(NDRUniConformantArray):
    item = "<l"


class SHORT_CARRAY(NDRUniConformantArray):
    item = "<h"


class BYTE_CARRAY(NDRUniConformantArray):
    item = "<B"


class LONG_CVARRAY(NDRUniConformantVaryingArray):
    item = "<l"


class SHORT_CVARRAY(NDRUniConformantVaryingArray):
    item = "<h"


class LONG_VARRAY(NDRUniVaryingArray):
    item = "<l"


class CHAR_VSTRING(NDRVaryingString):  # [string] char x[N]: offset, actual_count, chars
    item = "c"


class FixedArray(NDRArray):  # deviation (h)
    structure = (("Data", "*Count"),)


class LONG_FIX3(FixedArray):
    item = "<l"


class SHORT_FIX2X2(FixedArray):
    item = "<h"


class CONF(NDRSTRUCT):  # struct { long n; [size_is(n)] long data[]; }
    structure = (("n", LONG), ("data", LONG_CARRAY))


class CONFVAR(NDRSTRUCT):  # struct { long max; long len; [size_is(max), length_is(len)] short data[]; }
    structure = (("max", LONG), ("len", LONG), ("data", SHORT_CVARRAY))


class OUTER_CONF(NDRSTRUCT):  # struct { short tag; conf c; }, flattened: deviation (b)
    structure = (("tag", SHORT), ("n", LONG), ("data", LONG_CARRAY))


class PLONG(NDRPOINTER):
    referent = (("Data", LONG),)


class ITEM(NDRSTRUCT):  # struct { long id; [string] char *name; [unique] long *opt; }
    structure = (("id", LONG), ("name", LPSTR), ("opt", PLONG))


class PITEM(NDRPOINTER):
    referent = (("Data", ITEM),)


class ITEM_CARRAY(NDRUniConformantArray):
    item = ITEM


class SIMPLE_CARRAY(NDRUniConformantArray):
    item = SIMPLE


class NOTHING(NDR):  # an empty union arm: no octets
    align = 1
    structure = ()


# typedef struct node { long value; struct node *next; } node;  -- per depth, deviation (g)
class NODE3(NDRSTRUCT):
    structure = (("value", LONG), ("next", PLONG))  # always NULL: the referent type is moot


class PNODE3(NDRPOINTER):
    referent = (("Data", NODE3),)


class NODE2(NDRSTRUCT):
    structure = (("value", LONG), ("next", PNODE3))


class PNODE2(NDRPOINTER):
    referent = (("Data", NODE2),)


class NODE1(NDRSTRUCT):
    structure = (("value", LONG), ("next", PNODE2))


class FIXARR(NDRSTRUCT):  # struct { long a[3]; short b[2][2]; }
    structure = (("a", LONG_FIX3), ("b", SHORT_FIX2X2))


class NUMU(NDRUNION):  # [switch_type(long)] union numu
    commonHdr = (("tag", LONG),)
    union = {
        1: ("l", LONG),
        2: ("d", DOUBLE),
        3: ("s", SIMPLE),
        4: ("empty", NOTHING),
        "default": ("other", SHORT),
    }


class ENCU(NDRUNION):  # union switch (short kind) u { 1: long l; 2: [string] wchar_t *w; 3: ; }
    commonHdr = (("tag", SHORT),)
    union = {1: ("l", LONG), 2: ("w", LPWSTR), 3: ("empty", NOTHING)}

    def getAlignment(self):  # deviation (d): a struct { short; union { long; pointer } }
        return 4


class HOLDER(NDRSTRUCT):  # struct { long kind; [switch_is(kind)] numu u; }
    structure = (("kind", LONG), ("u", NUMU))

    def getAlignment(self):  # deviation (d): numu's arms hold hyper and double
        return 8


class ALIASED(ULONG):  # deviation (f): a full pointer repeating an address: its id only
    pass


def set_arm(u, tag):
    """Select a union arm; deviation (c): keep the real discriminant for the default arm."""
    u["tag"] = tag
    u.fields["tag"]["Data"] = tag


# ---------------------------------------------------------------------------------------------
# Value helpers


def fill_simple(st, s, l, h):
    st["s"] = s
    st["l"] = l
    st["h"] = h
    return st


def simple(s, l, h):
    return fill_simple(SIMPLE(), s, l, h)


def cstr(s):
    """[string] char: the bytes including the terminating NUL."""
    return s.encode("latin-1") + b"\x00"


def wstr(s):
    """[string] wchar_t: the text including the terminating NUL (WSTR encodes UTF-16LE)."""
    return s + "\x00"


def set_ptr(call_or_struct, name, value):
    """A unique/full pointer: NULL for None, else a new placeholder id and the referent."""
    if value is None:
        call_or_struct[name] = NULL
    else:
        call_or_struct[name] = value
        set_ref(call_or_struct.fields[name], ref())


def fill_item(it, ident, name, opt):
    it["id"] = ident
    set_ptr(it, "name", None if name is None else cstr(name))
    set_ptr(it, "opt", opt)
    return it


# ---------------------------------------------------------------------------------------------
# Procedures. Each request/response class mirrors the parameter list of ndrtest.idl.


class ScalarsRequest(Call):  # opnum 0
    structure = (
        ("a", SMALL), ("b", SHORT), ("c", LONG), ("d", HYPER), ("e", FLOAT), ("f", DOUBLE),
        ("g", BOOLEAN), ("h", BYTE), ("i", WCHAR), ("j", ERROR_STATUS_T), ("k", COLOR16),
        ("m", COLOR32), ("us", USHORT), ("uh", UHYPER),
    )


class ScalarsResponse(Call):
    structure = (("sum", HYPER), ("ErrorCode", LONG))


class StructsRequest(Call):  # opnum 1
    structure = (("s", SIMPLE), ("n", NESTED), ("p", PADDED))


class StructsResponse(Call):
    structure = (("p", PADDED), ("o", SIMPLE))


class ConformantRequest(Call):  # opnum 2
    structure = (("c", CONF), ("cv", CONFVAR), ("oc", OUTER_CONF))


class ConformantResponse(Call):
    structure = (("cv", CONFVAR),)


class ArraysRequest(Call):  # opnum 3
    structure = (
        ("n", LONG), ("ca", LONG_CARRAY), ("first", LONG), ("len", LONG), ("va", LONG_VARRAY),
        ("cva", LONG_CVARRAY), ("fa", FIXARR), ("mx", SHORT_CARRAY), ("sa", SIMPLE_CARRAY),
    )


class ArraysResponse(Call):
    structure = (("sa", SIMPLE_CARRAY),)


class StringsRequest(Call):  # opnum 4
    structure = (("a", STR), ("w", WSTR), ("fs", CHAR_VSTRING), ("maybe", LPSTR))


class StringsResponse(Call):
    structure = (("total", LONG),)


class PointersRequest(Call):  # opnum 5
    structure = (
        ("u1", PLONG), ("u2", PLONG), ("p1", PLONG), ("p2", PLONG), ("list", NODE1),
        ("it", ITEM),
    )


class PointersAliasedRequest(Call):  # opnum 5, p2 == p1 (non-NULL): deviation (f)
    structure = (
        ("u1", PLONG), ("u2", PLONG), ("p1", PLONG), ("p2", ALIASED), ("list", NODE1),
        ("it", ITEM),
    )


class OutPointersRequest(Call):  # opnum 6
    structure = (("n", LONG),)


class OutPointersResponse(Call):
    # [out] item **created: the outer pointer is a top-level [ref] (no wire form); the inner
    # one is unique (pointer_default) and not embedded, so its referent follows its id at once.
    structure = (("created", PITEM), ("filled", LONG_CARRAY))


class UnionsRequest(Call):  # opnum 7
    structure = (("k", LONG), ("u", NUMU), ("e", ENCU), ("h", HOLDER))


class RangesRequest(Call):  # opnum 8
    structure = (("r", LONG), ("n", LONG), ("data", BYTE_CARRAY), ("s", STR))


class ItemsRequest(Call):  # opnum 9
    structure = (("n", LONG), ("items", ITEM_CARRAY))


class CorrExprRequest(Call):  # opnum 10
    structure = (("n", LONG), ("a", SHORT_CARRAY), ("pn", LONG), ("b", LONG_CARRAY))


class LONG_CARRAY_UPTR(NDRPOINTER):  # [unique, size_is(n)] long *
    referent = (("Data", LONG_CARRAY),)


class REFHOLDER(NDRSTRUCT):  # struct { long tag; [ref] long *r; }
    # An embedded [ref] pointer has a referent id on the wire like any embedded pointer
    # (C706 14.3.11.3); only top-level [ref] pointers have none.
    structure = (("tag", LONG), ("r", PLONG))


class FNODE1(NDRSTRUCT):  # struct fnode { long v; [ptr] struct fnode *next; }, next NULL
    structure = (("v", LONG), ("next", PLONG))


class PFNODE1(NDRPOINTER):
    referent = (("Data", FNODE1),)


class ExtraRequest(Call):  # opnum 11
    structure = (("n", LONG), ("opt", LONG_CARRAY_UPTR), ("rh", REFHOLDER), ("ring", PFNODE1))


# ---------------------------------------------------------------------------------------------
# The cases. Every value here is repeated in tests/unit/test_ndr_golden.c.

CASES = {}


def case(name):
    def reg(fn):
        assert name not in CASES
        CASES[name] = fn
        return fn

    return reg


@case("Scalars_basic_in")
def _():
    c = ScalarsRequest()
    c["a"] = -5
    c["b"] = -2
    c["c"] = -123456789
    c["d"] = -0x0123456789ABCDF0
    c["e"] = 1.5
    c["f"] = -2.25
    c["g"] = 1
    c["h"] = 0xAB
    c["i"] = 0x20AC  # U+20AC EURO SIGN
    c["j"] = 0x1C010003
    c["k"] = COLOR16.BLUE
    c["m"] = COLOR32.BIG
    c["us"] = 0xFFFF
    c["uh"] = 0xFEDCBA9876543210
    return c


@case("Scalars_min_in")
def _():
    c = ScalarsRequest()
    c["a"] = -128
    c["b"] = -32768
    c["c"] = -(2**31)
    c["d"] = -(2**63)
    c["e"] = -0.0
    c["f"] = 1e300
    c["g"] = 0
    c["h"] = 0
    c["i"] = 0
    c["j"] = 0
    c["k"] = COLOR16.RED
    c["m"] = COLOR32.ONE
    c["us"] = 0
    c["uh"] = 0
    return c


@case("Scalars_basic_out")
def _():
    c = ScalarsResponse()
    c["sum"] = 0x0102030405060708
    c["ErrorCode"] = -1
    return c


@case("Scalars_min_out")
def _():
    c = ScalarsResponse()
    c["sum"] = 2**63 - 1
    c["ErrorCode"] = 0
    return c


@case("Structs_basic_in")
def _():
    c = StructsRequest()
    fill_simple(c["s"], -1, 0x12345678, -2)
    c["n"]["a"] = -3
    fill_simple(c["n"]["in"], 0x7FFF, -100000, 0x1122334455667788)
    c["n"]["b"] = 1
    c["p"]["c"] = b"Z"
    c["p"]["d"] = 0.5
    return c


@case("Structs_basic_out")
def _():
    c = StructsResponse()
    c["p"]["c"] = b"y"
    c["p"]["d"] = -1.25
    fill_simple(c["o"], 1, 2, 3)
    return c


def fill_confvar(cv, mx, data):
    cv["max"] = mx
    cv["len"] = len(data)
    cv["data"] = list(data)
    cv.fields["data"].fields["MaximumCount"] = mx  # max_count is size_is(max), not len
    return cv


@case("Conformant_basic_in")
def _():
    c = ConformantRequest()
    c["c"]["n"] = 3
    c["c"]["data"] = [-1, 0x7FFFFFFF, 42]
    fill_confvar(c["cv"], 5, [1, -2, 3])
    c["oc"]["tag"] = -7
    c["oc"]["n"] = 2
    c["oc"]["data"] = [100, -200]
    return c


@case("Conformant_empty_in")
def _():
    c = ConformantRequest()
    c["c"]["n"] = 0
    c["c"]["data"] = []
    fill_confvar(c["cv"], 0, [])
    c["oc"]["tag"] = 1
    c["oc"]["n"] = 0
    c["oc"]["data"] = []
    return c


@case("Conformant_basic_out")
def _():
    c = ConformantResponse()
    fill_confvar(c["cv"], 5, [10, 20, 30, 40])
    return c


@case("Conformant_empty_out")
def _():
    c = ConformantResponse()
    fill_confvar(c["cv"], 0, [])
    return c


def fill_arrays(c, n, ca, first, va, cva, fa_a, fa_b, mx, sa):
    ln = len(cva)
    c["n"] = n
    c["ca"] = ca
    c["first"] = first
    c["len"] = ln
    c["va"] = va[first:first + ln]  # the transmitted part of long va[10]
    c.fields["va"].fields["Offset"] = first
    c["cva"] = cva
    c.fields["cva"].fields["MaximumCount"] = n
    c["fa"]["a"] = fa_a
    c["fa"]["b"] = [x for row in fa_b for x in row]
    c["mx"] = mx  # max_is(n): n + 1 elements
    c["sa"] = [simple(*t) for t in sa]
    return c


@case("Arrays_basic_in")
def _():
    return fill_arrays(
        ArraysRequest(), 4, [10, -20, 30, -40], 2, list(range(100, 110)), [7, 8, 9],
        [1, -2, 3], [[4, -5], [6, -7]], [-1, 2, -3, 4, -5],
        [(i, i * 1000, -i) for i in range(4)])


@case("Arrays_n1_in")
def _():
    return fill_arrays(
        ArraysRequest(), 1, [-1], 9, list(range(100, 110)), [55],
        [0x7FFFFFFF, 0, -(2**31)], [[1, 2], [3, 4]], [7, 8],
        [(-5, -6, -7)])


@case("Arrays_basic_out")
def _():
    c = ArraysResponse()
    c["sa"] = [simple(10 + i, -i, i << 40) for i in range(4)]
    return c


@case("Arrays_n1_out")
def _():
    c = ArraysResponse()
    c["sa"] = [simple(-1, -1, -1)]
    return c


def fill_strings(c, a, w, fs, maybe):
    c["a"] = cstr(a)
    c["w"] = wstr(w)
    c["fs"] = cstr(fs)
    set_ptr(c, "maybe", None if maybe is None else cstr(maybe))
    return c


@case("Strings_set_in")
def _():
    return fill_strings(StringsRequest(), "hello", "\u00e9\u20ac", "abc", "maybe")


@case("Strings_null_in")
def _():
    # fs: 15 characters + NUL fill char fs[16] exactly.
    return fill_strings(StringsRequest(), "x", "A\u00e9\u20acz", "0123456789abcde", None)


@case("Strings_empty_in")
def _():
    return fill_strings(StringsRequest(), "", "", "", "")


@case("Strings_set_out")
def _():
    c = StringsResponse()
    c["total"] = 42
    return c


@case("Strings_null_out")
def _():
    c = StringsResponse()
    c["total"] = -1
    return c


def fill_list(node, values):
    """values: 1 to 3 node values; the list's pointers get ids in the order they are written."""
    node["value"] = values[0]
    if len(values) == 1:
        node["next"] = NULL
    else:
        set_ref(node.fields["next"], ref())
        fill_list(node.fields["next"].fields["Data"], values[1:])
    return node


@case("Pointers_alias_in")
def _():
    c = PointersAliasedRequest()
    set_ptr(c, "u1", 5)
    set_ptr(c, "u2", None)
    shared = ref(times=2)  # p1 and p2 hold the same address
    c["p1"] = -9
    set_ref(c.fields["p1"], shared)
    c["p2"] = shared
    fill_list(c["list"], [1, 2, 3])
    fill_item(c["it"], 77, "nm", -1)
    return c


@case("Pointers_distinct_in")
def _():
    c = PointersRequest()
    set_ptr(c, "u1", None)
    set_ptr(c, "u2", 6)
    set_ptr(c, "p1", 10)
    set_ptr(c, "p2", 20)
    fill_list(c["list"], [42])
    fill_item(c["it"], 0, None, None)
    return c


@case("Pointers_fullnull_in")
def _():
    c = PointersRequest()
    set_ptr(c, "u1", 1)
    set_ptr(c, "u2", 2)
    set_ptr(c, "p1", None)
    set_ptr(c, "p2", 30)
    fill_list(c["list"], [-1, -2])
    fill_item(c["it"], -1, "", 7)
    return c


@case("OutPointers_set_in")
def _():
    c = OutPointersRequest()
    c["n"] = 3
    return c


@case("OutPointers_null_in")
def _():
    c = OutPointersRequest()
    c["n"] = 0
    return c


@case("OutPointers_set_out")
def _():
    c = OutPointersResponse()
    set_ref(c.fields["created"], ref())
    fill_item(c.fields["created"].fields["Data"], 5, "new", 500)
    c["filled"] = [1, 2, 3]
    return c


@case("OutPointers_null_out")
def _():
    c = OutPointersResponse()
    c["created"] = NULL
    c["filled"] = []
    return c


def unions(k, u_arm, e_kind, e_arm, h_kind, h_arm):
    """u_arm/e_arm/h_arm: (field, value) of the selected arm, or None for an empty one."""
    c = UnionsRequest()
    c["k"] = k
    # e is `[in] encu *e`: a [ref] pointer to a structure, not a top-level union; build it as
    # embedded so that its pointer arm is deferred like any embedded pointer.
    c.fields["e"] = ENCU()
    for u, tag, arm in ((c.fields["u"], k, u_arm), (c.fields["e"], e_kind, e_arm),
                        (c["h"].fields["u"], h_kind, h_arm)):
        set_arm(u, tag)
        if arm is None:
            continue
        field, value = arm
        if field == "s":
            fill_simple(u.fields["s"], *value)
        elif field == "w":
            set_ptr(u, "w", None if value is None else wstr(value))
        else:
            u[field] = value
    c["h"]["kind"] = h_kind
    return c


@case("Unions_arm1_in")
def _():
    return unions(1, ("l", -7), 1, ("l", 0x11223344), 2, ("d", -0.75))


@case("Unions_arm2_in")
def _():
    return unions(2, ("d", 3.5), 2, ("w", "\u00e9\u20ac"), 3, ("s", (-1, -2, -3)))


@case("Unions_arm3_in")
def _():
    return unions(3, ("s", (5, 6, 7)), 3, None, 1, ("l", 99))


@case("Unions_arm4_in")
def _():
    return unions(4, None, 2, ("w", None), 4, None)


@case("Unions_default_in")
def _():
    return unions(7, ("other", -2), 1, ("l", -1), -5, ("other", 0x1234))


@case("Ranges_max_in")
def _():
    c = RangesRequest()
    c["r"] = 100
    c["n"] = 16
    c["data"] = [(i * 17) & 0xFF for i in range(16)]
    c["s"] = cstr("abcdefg")  # 8 with the NUL: range(1, 8)'s upper bound
    return c


@case("Ranges_min_in")
def _():
    c = RangesRequest()
    c["r"] = 1
    c["n"] = 0
    c["data"] = []
    c["s"] = cstr("")  # 1 with the NUL: the lower bound
    return c


@case("Items_three_in")
def _():
    c = ItemsRequest()
    c["n"] = 3
    items = [ITEM(), ITEM(), ITEM()]
    c["items"] = items
    # Ids in the order they are written: all flat parts first, so item 0's two, then item 2's.
    fill_item(items[0], 10, "a", 111)
    fill_item(items[1], -20, None, None)
    fill_item(items[2], 30, "xyz", -333)
    return c


@case("Items_empty_in")
def _():
    c = ItemsRequest()
    c["n"] = 0
    c["items"] = []
    return c


@case("CorrExpr_basic_in")
def _():
    c = CorrExprRequest()
    c["n"] = 2
    c["a"] = [1, -1, 2, -2, 3]  # size_is(n * 2 + 1)
    c["pn"] = 3  # [in] long *pn: a [ref] pointer, the long in place
    c["b"] = [100, 200, 300]  # size_is(*pn)
    return c


@case("CorrExpr_zero_in")
def _():
    c = CorrExprRequest()
    c["n"] = 0
    c["a"] = [-9]
    c["pn"] = 0
    c["b"] = []
    return c


@case("Extra_basic_in")
def _():
    c = ExtraRequest()
    c["n"] = 2
    set_ptr(c, "opt", [10, 20])
    c["rh"]["tag"] = 9
    set_ptr(c["rh"], "r", 5)
    set_ref(c.fields["ring"], ref())
    node = c.fields["ring"].fields["Data"]
    node["v"] = 1
    set_ptr(node, "next", None)
    return c


@case("Extra_null_in")
def _():
    c = ExtraRequest()
    c["n"] = 0
    set_ptr(c, "opt", None)
    c["rh"]["tag"] = -1
    set_ptr(c["rh"], "r", 0)
    set_ptr(c, "ring", None)
    return c


def encode(name):
    return renumber_ids(CASES[name]().getData())


# ---------------------------------------------------------------------------------------------
# Hand verification. Independently of impacket, the NDR rules of wire-notes.md section 5 /
# C706 chapter 14 applied by hand to some cases, with every offset written down. The script
# refuses to write anything unless impacket's bytes (after the two documented substitutions)
# are identical to these.


class W:
    """A tiny hand encoder: each put aligns to the item's size, relative to stub data start."""

    def __init__(self):
        self.b = bytearray()
        self.expect = None

    def at(self, off):
        """Documents (and checks) the offset where the next item starts, after its gap."""
        self.expect = off
        return self

    def _check(self):
        if self.expect is not None:
            assert len(self.b) == self.expect, \
                "hand layout: item at %d, written as %d" % (len(self.b), self.expect)
            self.expect = None

    def align(self, n):
        self.b += bytes(-len(self.b) % n)
        return self

    def put(self, fmt, *v):
        self.align(struct.calcsize("<" + fmt))
        self._check()
        self.b += struct.pack("<" + fmt, *v)
        return self

    def raw(self, data):
        self._check()
        self.b += data
        return self

    def end(self, size):
        assert len(self.b) == size, "hand layout: %d octets, written as %d" % (len(self.b), size)
        return bytes(self.b)


ID = [0x00020000 + 4 * i for i in range(16)]


def hand_structs_basic_in():
    w = W()
    # [in] simple *s: [ref], the struct in place; simple aligns to 8 (its hyper).
    w.at(0).put("h", -1)            # s.s
    w.at(4).put("l", 0x12345678)    # s.l after a 2-octet gap
    w.at(8).put("q", -2)            # s.h
    # [in] nested *n: aligned to 8 (it contains simple); small a, then simple aligned to 8.
    w.at(16).put("b", -3)           # n.a
    w.align(8).at(24).put("h", 0x7FFF).at(28).put("l", -100000).at(32).put("q", 0x1122334455667788)
    w.at(40).put("B", 1)            # n.b: boolean, one octet
    # [in, out] padded *p: aligned to 8: char c, 7-octet gap, double d.
    w.align(8).at(48).put("c", b"Z").align(8).at(56).put("d", 0.5)
    return w.end(64)


def hand_structs_basic_out():
    w = W()
    w.at(0).put("c", b"y").at(8).put("d", -1.25)                    # [in, out] padded *p
    w.at(16).put("h", 1).at(20).put("l", 2).at(24).put("q", 3)      # [out] simple *o
    return w.end(32)


def hand_conformant_basic_in():
    w = W()
    # conf: a conformant struct; its max_count comes first, then the struct (aligned to 4).
    w.at(0).put("L", 3)                                   # max_count = size_is(n) = 3
    w.at(4).put("l", 3)                                   # c.n
    w.at(8).put("l", -1).put("l", 0x7FFFFFFF).put("l", 42)  # c.data[0..2]
    # confvar: max_count hoisted; offset and actual_count stay in place before the elements.
    w.at(20).put("L", 5)                                  # max_count = max
    w.at(24).put("l", 5).at(28).put("l", 3)               # cv.max, cv.len
    w.at(32).put("L", 0).at(36).put("L", 3)               # offset 0, actual_count = len
    w.at(40).put("h", 1).put("h", -2).put("h", 3)         # cv.data[0..2] (data[3..4] not sent)
    # outer_conf: the max_count of the nested conf goes before the *outer* struct.
    w.align(4).at(48).put("L", 2)                         # max_count of oc.c.data
    w.at(52).put("h", -7)                                 # oc.tag
    w.at(56).put("l", 2)                                  # oc.c.n (conf aligned to 4)
    w.at(60).put("l", 100).put("l", -200)                 # oc.c.data[0..1]
    return w.end(68)


def hand_conformant_basic_out():
    w = W()
    w.at(0).put("L", 5).put("l", 5).put("l", 4).put("L", 0).put("L", 4)
    w.at(20).put("h", 10).put("h", 20).put("h", 30).put("h", 40)
    return w.end(28)


def hand_pointers_alias_in():
    w = W()
    # Top-level unique/full pointers: the id, then the referent at once. Ids count up from
    # 0x00020000 in the order they are written; NULL is 0 and takes no number.
    w.at(0).put("L", ID[0]).at(4).put("l", 5)     # [unique] u1 -> 5
    w.at(8).put("L", 0)                           # [unique] u2 = NULL
    w.at(12).put("L", ID[1]).at(16).put("l", -9)  # [ptr] p1 -> v (= -9)
    w.at(20).put("L", ID[1])                      # [ptr] p2 -> the same v: same id, no referent
    # [in] node *list ([ref]): node 1 in place; its next is embedded, so the referent (node 2)
    # follows node 1, then node 2's referent (node 3): depth first.
    w.at(24).put("l", 1).at(28).put("L", ID[2])   # node1.value, node1.next
    w.at(32).put("l", 2).at(36).put("L", ID[3])   # node2
    w.at(40).put("l", 3).at(44).put("L", 0)       # node3, next = NULL
    # [in] item *it ([ref]): flat part (id, name id, opt id), then the deferred referents in
    # the order of their ids: the string (max_count, offset 0, actual_count incl. NUL), the long.
    w.at(48).put("l", 77).at(52).put("L", ID[4]).at(56).put("L", ID[5])
    w.at(60).put("L", 3).put("L", 0).put("L", 3).at(72).raw(b"nm\x00")
    w.align(4).at(76).put("l", -1)
    return w.end(80)


def hand_pointers_fullnull_in():
    w = W()
    w.at(0).put("L", ID[0]).put("l", 1)           # u1 -> 1
    w.at(8).put("L", ID[1]).put("l", 2)           # u2 -> 2
    w.at(16).put("L", 0)                          # p1 = NULL: no id number used
    w.at(20).put("L", ID[2]).put("l", 30)         # p2 -> 30
    w.at(28).put("l", -1).put("L", ID[3])         # node1
    w.at(36).put("l", -2).put("L", 0)             # node2
    w.at(44).put("l", -1).put("L", ID[4]).put("L", ID[5])  # it: id, name, opt
    w.at(56).put("L", 1).put("L", 0).put("L", 1).raw(b"\x00")  # "" is one NUL
    w.align(4).at(72).put("l", 7)                 # *opt
    return w.end(76)


def hand_unions_arm2_in():
    w = W()
    w.at(0).put("l", 2)                    # k
    # numu (switch_is(k)): discriminant as its switch_type long, at its own alignment; then
    # the arm aligned to the largest arm alignment (8: double, and simple's hyper).
    w.at(4).put("l", 2).at(8).put("d", 3.5)
    # encu: struct { short kind; union { long l; wchar_t *w; } } aligned to 4; the arm is an
    # embedded pointer: its id in place, its string after the struct.
    w.at(16).put("h", 2).at(20).put("L", ID[0])
    w.at(24).put("L", 3).put("L", 0).put("L", 3)          # max_count, offset, actual (incl NUL)
    w.at(36).raw("\u00e9\u20ac\x00".encode("utf-16-le"))  # e9 00 ac 20 00 00
    # holder: aligned to 8 (numu's arms); kind, then numu again: its discriminant (a
    # non-encapsulated union always carries it, C706 14.3.8), arm aligned to 8.
    w.align(8).at(48).put("l", 3).at(52).put("l", 3)
    w.at(56).put("h", -1).at(60).put("l", -2).at(64).put("q", -3)
    return w.end(72)


def hand_unions_arm4_in():
    w = W()
    w.at(0).put("l", 4).at(4).put("l", 4)         # k, numu discriminant; the empty arm: nothing
    w.at(8).put("h", 2).at(12).put("L", 0)        # encu kind 2, w = NULL: no referent
    w.at(16).put("l", 4).at(20).put("l", 4)       # holder kind, numu discriminant, empty arm
    return w.end(24)


def hand_unions_default_in():
    w = W()
    w.at(0).put("l", 7).at(4).put("l", 7)         # k = 7: no case 7, the default arm
    w.at(8).put("h", -2)                          # short other (aligned to 8, the largest arm)
    w.align(4).at(12).put("h", 1).at(16).put("l", -1)         # encu kind 1, l
    w.align(8).at(24).put("l", -5).at(28).put("l", -5)        # holder kind, discriminant
    w.at(32).put("h", 0x1234)                                 # default arm: other
    return w.end(34)


def hand_unions_arm3_in():
    w = W()
    w.at(0).put("l", 3).at(4).put("l", 3)
    w.at(8).put("h", 5).at(12).put("l", 6).at(16).put("q", 7)   # simple s
    w.at(24).put("h", 3)                                        # encu kind 3: the empty arm
    w.align(8).at(32).put("l", 1).at(36).put("l", 1).at(40).put("l", 99)
    return w.end(44)


def hand_arrays_basic_in():
    w = W()
    w.at(0).put("l", 4)                                              # n
    w.at(4).put("L", 4)                                              # ca: max_count = n
    for v in (10, -20, 30, -40):
        w.put("l", v)
    w.at(24).put("l", 2).at(28).put("l", 3)                          # first, len
    # long va[10], first_is(first), length_is(len): varying, not conformant: offset and
    # actual_count, then va[2..4] only.
    w.at(32).put("L", 2).put("L", 3).at(40).put("l", 102).put("l", 103).put("l", 104)
    # cva: size_is(n), length_is(len): max_count, offset 0, actual_count, 3 of 4 elements.
    w.at(52).put("L", 4).put("L", 0).put("L", 3).at(64).put("l", 7).put("l", 8).put("l", 9)
    # fixarr: long a[3]; short b[2][2] (row-major), elements only.
    w.at(76).put("l", 1).put("l", -2).put("l", 3).at(88)
    for v in (4, -5, 6, -7):
        w.put("h", v)
    # max_is(n): n + 1 elements.
    w.at(96).put("L", 5).at(100)
    for v in (-1, 2, -3, 4, -5):
        w.put("h", v)
    # [in, out, size_is(n)] simple *sa: max_count aligned to 4 (at 112), then the elements
    # aligned to 8 (simple's alignment): a 4-octet gap, first element at 120 (deviation a).
    w.at(112).put("L", 4)
    w.align(8).at(120)
    for i in range(4):
        w.align(8).put("h", i).put("l", i * 1000).put("q", -i)
    return w.end(184)


HAND = {
    "Arrays_basic_in": hand_arrays_basic_in,
    "Structs_basic_in": hand_structs_basic_in,
    "Structs_basic_out": hand_structs_basic_out,
    "Conformant_basic_in": hand_conformant_basic_in,
    "Conformant_basic_out": hand_conformant_basic_out,
    "Pointers_alias_in": hand_pointers_alias_in,
    "Pointers_fullnull_in": hand_pointers_fullnull_in,
    "Unions_arm2_in": hand_unions_arm2_in,
    "Unions_arm3_in": hand_unions_arm3_in,
    "Unions_arm4_in": hand_unions_arm4_in,
    "Unions_default_in": hand_unions_default_in,
}


def to_hex(data):
    h = data.hex()
    return "".join(h[i:i + 32] + "\n" for i in range(0, len(h), 32))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: /usr/bin/python3 gen-golden.py OUTDIR\n")
        return 2
    outdir = argv[1]
    encoded = {name: encode(name) for name in CASES}
    for name, hand in HAND.items():
        want = bytes(hand())
        if encoded[name] != want:
            sys.stderr.write("%s: impacket and the hand encoding differ\n impacket: %s\n hand:     %s\n"
                             % (name, encoded[name].hex(), want.hex()))
            return 1
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.endswith(".hex"):
            os.remove(os.path.join(outdir, old))
    for name, data in encoded.items():
        with open(os.path.join(outdir, name + ".hex"), "w", encoding="ascii") as f:
            f.write(to_hex(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
