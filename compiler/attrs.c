/* ridl compiler: the attribute table. */
#include "attrs.h"

#include <string.h>

static const struct rc_attr_info table[] = {
#define RC_ATTR(id, name, places, args, flags) {name, places, args, flags},
#include "attrs.def"
#undef RC_ATTR
};

const struct rc_attr_info *
rc_attr_info(enum rc_attr_id id)
{
	return id < RC_A_COUNT ? &table[id] : NULL;
}

enum rc_attr_id
rc_attr_lookup(const char *name)
{
	/* The table is small and this runs once per attribute written; a linear scan with a
	 * first-character filter is fast enough and keeps the table in one place. */
	for (unsigned i = 0; i < RC_A_COUNT; i++)
		if (table[i].name[0] == name[0] && strcmp(table[i].name, name) == 0)
			return (enum rc_attr_id)i;
	return RC_A_UNKNOWN;
}

const char *
rc_place_name(unsigned place)
{
	switch (place) {
	case RC_P_IFACE: return "an interface";
	case RC_P_DISPIFACE: return "a dispinterface";
	case RC_P_COCLASS: return "a coclass";
	case RC_P_LIBRARY: return "a library";
	case RC_P_MODULE: return "a module";
	case RC_P_TYPEDEF: return "a typedef";
	case RC_P_TYPE: return "a type definition";
	case RC_P_FIELD: return "a structure member";
	case RC_P_ARM: return "a union arm";
	case RC_P_PARAM: return "a parameter";
	case RC_P_FUNC: return "a procedure";
	case RC_P_CONST: return "a constant";
	case RC_P_MEMBER: return "a class member";
	case RC_P_WINRT: return "a WinRT declaration";
	case RC_P_ENUMERATOR: return "an enumerator";
	default: return "this declaration";
	}
}
