/* ridl compiler: the attribute table (attrs.def) and lookups. */
#ifndef RIDL_ATTRS_H
#define RIDL_ATTRS_H

#include "ast.h"

/* Places an attribute may appear. */
enum {
	RC_P_IFACE = 1u << 0,       /* interface header (IDL or ACF) */
	RC_P_DISPIFACE = 1u << 1,
	RC_P_COCLASS = 1u << 2,
	RC_P_LIBRARY = 1u << 3,
	RC_P_MODULE = 1u << 4,
	RC_P_TYPEDEF = 1u << 5,     /* typedef [attrs] ... */
	RC_P_TYPE = 1u << 6,        /* [attrs] struct/union/enum definition */
	RC_P_FIELD = 1u << 7,       /* struct member */
	RC_P_ARM = 1u << 8,         /* union arm */
	RC_P_PARAM = 1u << 9,
	RC_P_FUNC = 1u << 10,       /* procedure or method */
	RC_P_CONST = 1u << 11,
	RC_P_MEMBER = 1u << 12,     /* coclass / runtimeclass member */
	RC_P_WINRT = 1u << 13,      /* runtimeclass, delegate, apicontract, WinRT interface */
	RC_P_ENUMERATOR = 1u << 14,
	RC_P_ANY = 0xffffu,
};

enum rc_attr_args {
	RC_ARGS_NONE,    /* [in] */
	RC_ARGS_OPT,     /* [lcid] or [lcid(0)] */
	RC_ARGS_ONE,     /* exactly one expression */
	RC_ARGS_LIST,    /* one or more expressions */
	RC_ARGS_SIZE,    /* size_is(a, , b): one or more, empty positions allowed */
	RC_ARGS_RANGE,   /* exactly two expressions */
	RC_ARGS_UUID,    /* a UUID, bare or quoted */
	RC_ARGS_VERSION, /* MAJOR or MAJOR.MINOR */
	RC_ARGS_TYPE,    /* a type name */
	RC_ARGS_DECL,    /* implicit_handle(handle_t name) */
};

enum {
	RC_AF_IDL = 1u << 0,
	RC_AF_ACF = 1u << 1,
	RC_AF_TYPELIB = 1u << 2,
};

struct rc_attr_info {
	const char *name;
	unsigned places;
	enum rc_attr_args args;
	unsigned flags;
};

const struct rc_attr_info *rc_attr_info(enum rc_attr_id id);
/* Looks a name up in the table; RC_A_UNKNOWN if it is not an attribute. */
enum rc_attr_id rc_attr_lookup(const char *name);
/* Human-readable name of a place bit, for diagnostics ("a parameter", "an interface"...). */
const char *rc_place_name(unsigned place);

#endif
