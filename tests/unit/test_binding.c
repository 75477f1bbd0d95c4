/* UUIDs, string bindings, binding handles and the ncalrpc socket directory (runtime/uuid.c,
 * runtime/binding.c). Where a case pins Windows behaviour, the comment names the source:
 * Microsoft Learn ("String Binding", the function pages) or Wine's dlls/rpcrt4/tests/rpc.c,
 * whose assertions pass on Windows. Every case checks the exact status and strings. */
#define _GNU_SOURCE /* setenv, mkdtemp */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "binding.h"
#include "check_main.h"
#include "rpc.h"

#define S(x) ((RPC_CSTR)(x))

static const UUID uuid_sample = {
	0x6b29fc40, 0xca47, 0x1067, { 0xb3, 0x1d, 0x00, 0xdd, 0x01, 0x06, 0x62, 0xda }
};
#define SAMPLE_STR "6b29fc40-ca47-1067-b31d-00dd010662da"

/* A pointer value no function may write: outputs must be left alone on failure. */
#define UNTOUCHED ((RPC_CSTR)(uintptr_t)0x5a5a5a5a)

/* ==== UUIDs ================================================================================= */

START_TEST(uuid_from_string_either_case)
{
	UUID u;

	ck_assert_int_eq(UuidFromStringA(S("6B29FC40-CA47-1067-B31D-00DD010662DA"), &u), RPC_S_OK);
	ck_assert_mem_eq(&u, &uuid_sample, sizeof(u));
	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(UuidFromString(S(SAMPLE_STR), &u), RPC_S_OK);
	ck_assert_mem_eq(&u, &uuid_sample, sizeof(u));
	ck_assert_int_eq(UuidFromStringA(S("6b29FC40-Ca47-1067-b31D-00dd010662Da"), &u), RPC_S_OK);
	ck_assert_mem_eq(&u, &uuid_sample, sizeof(u));
}
END_TEST

START_TEST(uuid_to_string_lowercase)
{
	RPC_CSTR s = NULL;

	ck_assert_int_eq(UuidToStringA(&uuid_sample, &s), RPC_S_OK);
	ck_assert_str_eq((char *)s, SAMPLE_STR);
	ck_assert_int_eq(RpcStringFreeA(&s), RPC_S_OK);
	ck_assert_ptr_null(s);

	UUID nil;
	ck_assert_int_eq(UuidCreateNil(&nil), RPC_S_OK);
	ck_assert_int_eq(UuidToString(&nil, &s), RPC_S_OK);
	ck_assert_str_eq((char *)s, "00000000-0000-0000-0000-000000000000");
	RpcStringFree(&s);

	UUID ff;
	memset(&ff, 0xff, sizeof(ff));
	ck_assert_int_eq(UuidToStringA(&ff, &s), RPC_S_OK);
	ck_assert_str_eq((char *)s, "ffffffff-ffff-ffff-ffff-ffffffffffff");
	RpcStringFree(&s);
}
END_TEST

START_TEST(uuid_round_trip_table)
{
	static const UUID table[] = {
		{ 0x00000000, 0x0000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0xdeadbeef, 0xdead, 0xbeef, { 0x10, 0x21, 0x35, 0x56, 0x89, 0xa0, 0xf4, 0x8a } },
		{ 0x8a885d04, 0x1ceb, 0x11c9, { 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60 } },
		{ 0x00000001, 0x0002, 0x0003, { 4, 5, 6, 7, 8, 9, 10, 11 } },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		RPC_CSTR s = NULL;
		UUID back;
		ck_assert_int_eq(UuidToStringA(&table[i], &s), RPC_S_OK);
		ck_assert_uint_eq(strlen((char *)s), 36);
		ck_assert_int_eq(UuidFromStringA(s, &back), RPC_S_OK);
		ck_assert_mem_eq(&back, &table[i], sizeof(back));
		RpcStringFree(&s);
	}
}
END_TEST

static void
check_bad_uuid(const char *str)
{
	UUID u = uuid_sample;
	ck_assert_msg(UuidFromStringA(S(str), &u) == RPC_S_INVALID_STRING_UUID, "accepted '%s'",
		      str);
	/* Never clobbered on failure. */
	ck_assert_mem_eq(&u, &uuid_sample, sizeof(u));
}

START_TEST(uuid_from_string_bad_lengths)
{
	check_bad_uuid("");
	check_bad_uuid("6b29fc40-ca47-1067-b31d-00dd010662d");   /* 35 */
	check_bad_uuid("6b29fc40-ca47-1067-b31d-00dd010662da0"); /* 37 */
	check_bad_uuid("{6b29fc40-ca47-1067-b31d-00dd010662da}");
	check_bad_uuid("6b29fc40ca471067b31d00dd010662da");
	check_bad_uuid("6b29fc40-ca47-1067-b31d00-dd010662da");
	check_bad_uuid(" 6b29fc40-ca47-1067-b31d-00dd010662d");
	check_bad_uuid("6b29fc40-ca47-1067-b31d-00dd010662da ");
}
END_TEST

START_TEST(uuid_from_string_bad_characters)
{
	/* Wine's test, which passes on Windows: a 'g' anywhere, dashes included, is refused. */
	for (size_t i = 0; i < 36; i++) {
		char s[] = SAMPLE_STR;
		s[i] = 'g';
		check_bad_uuid(s);
	}
	/* A hex digit where a dash belongs. */
	check_bad_uuid("6b29fc40a-ca47-1067-b31d-00dd010662d");
	/* Signs and prefixes that strtoul would take. */
	check_bad_uuid("+b29fc40-ca47-1067-b31d-00dd010662da");
	check_bad_uuid("6b29fc40--a47-1067-b31d-00dd010662da");
	check_bad_uuid("0x29fc40-ca47-1067-b31d-00dd010662da");
	check_bad_uuid("6b29fc40-ca47-1067-b31d-00dd0106 2da");
}
END_TEST

START_TEST(uuid_from_string_null)
{
	UUID u = uuid_sample;

	/* Microsoft: "Passing NULL results in GUID_NULL value in Uuid." */
	ck_assert_int_eq(UuidFromStringA(NULL, &u), RPC_S_OK);
	ck_assert_int_eq(UuidIsNil(&u, NULL), TRUE);
	ck_assert_int_eq(UuidFromStringA(S(SAMPLE_STR), NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(UuidToStringA(NULL, &(RPC_CSTR){ NULL }), RPC_S_INVALID_ARG);
	ck_assert_int_eq(UuidToStringA(&uuid_sample, NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(UuidCreate(NULL), RPC_S_INVALID_ARG);
	ck_assert_int_eq(UuidCreateNil(NULL), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(uuid_internal_parse_format)
{
	/* rpcrt_uuid_parse reads exactly len bytes: a UUID inside a longer string. */
	const char *text = "x" SAMPLE_STR "@ncalrpc:";
	UUID u;
	char buf[RPCRT_UUID_STRLEN + 1];

	ck_assert_int_eq(rpcrt_uuid_parse(text + 1, 36, &u), RPC_S_OK);
	ck_assert_mem_eq(&u, &uuid_sample, sizeof(u));
	ck_assert_int_eq(rpcrt_uuid_parse(text + 1, 35, &u), RPC_S_INVALID_STRING_UUID);
	ck_assert_int_eq(rpcrt_uuid_parse(text + 1, 37, &u), RPC_S_INVALID_STRING_UUID);
	ck_assert_int_eq(rpcrt_uuid_parse(NULL, 36, &u), RPC_S_INVALID_ARG);
	rpcrt_uuid_format(&uuid_sample, buf);
	ck_assert_str_eq(buf, SAMPLE_STR);
	rpcrt_uuid_format(NULL, buf);
	ck_assert_str_eq(buf, "00000000-0000-0000-0000-000000000000");
}
END_TEST

START_TEST(uuid_create_version4)
{
	/* Wine's test: after many UUIDs, only the version and variant bits are constant. */
	static const UUID v4and = { 0, 0, 0x4000, { 0x80, 0, 0, 0, 0, 0, 0, 0 } };
	static const UUID v4or = {
		0xffffffff, 0xffff, 0x4fff, { 0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	UUID u, prev, mask_and, mask_or;

	ck_assert_int_eq(UuidCreate(&u), RPC_S_OK);
	ck_assert_uint_eq(u.Data3 >> 12, 4);
	ck_assert_uint_eq(u.Data4[0] & 0xc0, 0x80);
	mask_and = u;
	mask_or = u;
	prev = u;
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(UuidCreate(&u), RPC_S_OK);
		ck_assert_int_eq(UuidEqual(&u, &prev, NULL), FALSE);
		uint8_t *pu = (uint8_t *)&u, *pa = (uint8_t *)&mask_and, *po = (uint8_t *)&mask_or;
		for (size_t k = 0; k < sizeof(u); k++) {
			pa[k] &= pu[k];
			po[k] |= pu[k];
		}
		prev = u;
	}
	ck_assert_mem_eq(&mask_and, &v4and, sizeof(mask_and));
	ck_assert_mem_eq(&mask_or, &v4or, sizeof(mask_or));
}
END_TEST

START_TEST(uuid_nil_and_equal)
{
	RPC_STATUS st = -1;
	UUID nil, other = uuid_sample;

	ck_assert_int_eq(UuidCreateNil(&nil), RPC_S_OK);
	ck_assert_int_eq(UuidIsNil(&nil, &st), TRUE);
	ck_assert_int_eq(st, RPC_S_OK);
	st = -1;
	ck_assert_int_eq(UuidIsNil(NULL, &st), TRUE);
	ck_assert_int_eq(st, RPC_S_OK);
	ck_assert_int_eq(UuidIsNil(&other, &st), FALSE);
	/* Wine's grid, which passes on Windows: NULL equals the nil UUID and itself. */
	ck_assert_int_eq(UuidEqual(NULL, NULL, &st), TRUE);
	ck_assert_int_eq(UuidEqual(NULL, &nil, &st), TRUE);
	ck_assert_int_eq(UuidEqual(&nil, NULL, &st), TRUE);
	ck_assert_int_eq(UuidEqual(NULL, &other, &st), FALSE);
	ck_assert_int_eq(UuidEqual(&other, &other, &st), TRUE);
	other.Data4[7] ^= 1;
	ck_assert_int_eq(UuidEqual(&other, (UUID *)&uuid_sample, &st), FALSE);
	ck_assert_int_eq(st, RPC_S_OK);
}
END_TEST

START_TEST(uuid_compare_order)
{
	/* Ascending in the DCE order: Data1, Data2, Data3 unsigned, then Data4 bytes. */
	static UUID sorted[] = {
		{ 0x00000000, 0x0000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x0000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 1 } },
		{ 0x00000000, 0x0000, 0x0000, { 0, 0xff, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x0000, 0x0000, { 1, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x0000, 0x0001, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x0000, 0xffff, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x0001, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000000, 0x8000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x00000001, 0x0000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0x7fffffff, 0xffff, 0xffff, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ 0x80000000, 0x0000, 0x0000, { 0, 0, 0, 0, 0, 0, 0, 0 } },
		{ 0xffffffff, 0xffff, 0xffff, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};
	const int n = (int)(sizeof(sorted) / sizeof(sorted[0]));
	RPC_STATUS st;

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			st = -1;
			int want = i < j ? -1 : i > j ? 1 : 0;
			ck_assert_msg(UuidCompare(&sorted[i], &sorted[j], &st) == want,
				      "UuidCompare(%d, %d)", i, j);
			ck_assert_int_eq(st, RPC_S_OK);
		}
	}
	ck_assert_int_eq(UuidCompare(NULL, &sorted[0], &st), 0);
	ck_assert_int_eq(UuidCompare(NULL, &sorted[1], &st), -1);
	ck_assert_int_eq(UuidCompare(&sorted[1], NULL, &st), 1);
	ck_assert_int_eq(UuidCompare(NULL, NULL, NULL), 0);
}
END_TEST

START_TEST(uuid_hash_values)
{
	/* Expected values from an independent implementation of the DCE uuid_hash (Python, over
	 * the little-endian layout, with the reference's 16-bit wrap-around). */
	static const struct {
		const char *s;
		unsigned short hash;
	} cases[] = {
		{ "00000000-0000-0000-0000-000000000000", 0x0000 },
		{ SAMPLE_STR, 0x5a57 },
		{ "ffffffff-ffff-ffff-ffff-ffffffffffff", 0xfe01 },
		{ "8a885d04-1ceb-11c9-9fe8-08002b104860", 0x86ad },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		UUID u;
		RPC_STATUS st = -1;
		ck_assert_int_eq(UuidFromStringA(S(cases[i].s), &u), RPC_S_OK);
		ck_assert_uint_eq(UuidHash(&u, &st), cases[i].hash);
		ck_assert_int_eq(st, RPC_S_OK);
	}
	ck_assert_uint_eq(UuidHash(NULL, NULL), 0);
}
END_TEST

/* ==== String bindings: compose ============================================================== */

static void
check_compose(const char *uuid, const char *ps, const char *addr, const char *ep, const char *opt,
	      const char *want)
{
	RPC_CSTR s = UNTOUCHED;
	ck_assert_int_eq(RpcStringBindingComposeA(S(uuid), S(ps), S(addr), S(ep), S(opt), &s),
			 RPC_S_OK);
	ck_assert_str_eq((char *)s, want);
	RpcStringFree(&s);
}

START_TEST(compose_parts)
{
	check_compose(SAMPLE_STR, "ncacn_ip_tcp", "host", "135", "a=1",
		      SAMPLE_STR "@ncacn_ip_tcp:host[135,a=1]");
	check_compose(NULL, "ncacn_ip_tcp", "16.20.16.27", "2001", NULL,
		      "ncacn_ip_tcp:16.20.16.27[2001]");
	check_compose(NULL, "ncalrpc", NULL, "my_ep", NULL, "ncalrpc:[my_ep]");
	/* Empty strings are the same as NULL (Microsoft: "Specify a null parameter value or
	 * provide an empty string"). */
	check_compose("", "ncalrpc", "", "my_ep", "", "ncalrpc:[my_ep]");
	check_compose(NULL, "ncalrpc", NULL, NULL, NULL, "ncalrpc:");
	check_compose(NULL, "ncacn_ip_tcp", "h", NULL, "a=1,b=2", "ncacn_ip_tcp:h[a=1,b=2]");
	check_compose(NULL, NULL, NULL, NULL, NULL, "");
	check_compose(SAMPLE_STR, NULL, NULL, NULL, NULL, SAMPLE_STR "@");
	/* The colon keeps an address in its place even without a protseq. */
	check_compose(NULL, NULL, "host", NULL, NULL, ":host");
	/* The UUID is passed through as given. */
	check_compose("6B29FC40-CA47-1067-B31D-00DD010662DA", "ncalrpc", NULL, NULL, NULL,
		      "6B29FC40-CA47-1067-B31D-00DD010662DA@ncalrpc:");
}
END_TEST

START_TEST(compose_escapes)
{
	/* Microsoft ("String Binding"): a backslash escapes the next character in every field. */
	check_compose(NULL, "ncalrpc", "a@b:c[d]e\\f,g=h", NULL, NULL,
		      "ncalrpc:a\\@b\\:c\\[d\\]e\\\\f\\,g\\=h");
	check_compose(NULL, "ncacn_np", "\\\\sales", "\\pipe\\p1", NULL,
		      "ncacn_np:\\\\\\\\sales[\\\\pipe\\\\p1]");
	check_compose(NULL, "ncalrpc", NULL, "x,y=z", NULL, "ncalrpc:[x\\,y\\=z]");
	/* In the options ',' and '=' are structure; the other delimiters are escaped. */
	check_compose(NULL, "ncacn_http", "h", "2225", "HttpProxy=proxysvr:80,RpcProxy=w:80",
		      "ncacn_http:h[2225,HttpProxy=proxysvr\\:80,RpcProxy=w\\:80]");
	check_compose(NULL, "ncacn_ip_tcp", "::1", "135", NULL, "ncacn_ip_tcp:\\:\\:1[135]");
	check_compose(NULL, "p@s", NULL, NULL, NULL, "p\\@s:");
}
END_TEST

START_TEST(compose_bad_uuid)
{
	RPC_CSTR s = UNTOUCHED;

	/* Microsoft lists RPC_S_INVALID_STRING_UUID as this function's error. */
	ck_assert_int_eq(
		RpcStringBindingComposeA(S("not-a-uuid"), S("ncalrpc"), NULL, NULL, NULL, &s),
		RPC_S_INVALID_STRING_UUID);
	ck_assert_ptr_eq(s, UNTOUCHED);
	ck_assert_int_eq(
		RpcStringBindingComposeA(S("{" SAMPLE_STR "}"), S("ncalrpc"), NULL, NULL, NULL, &s),
		RPC_S_INVALID_STRING_UUID);
	ck_assert_ptr_eq(s, UNTOUCHED);
	/* StringBinding may be NULL (Microsoft): the arguments are only checked. */
	ck_assert_int_eq(RpcStringBindingComposeA(S("bad"), S("ncalrpc"), NULL, NULL, NULL, NULL),
			 RPC_S_INVALID_STRING_UUID);
	ck_assert_int_eq(
		RpcStringBindingComposeA(S(SAMPLE_STR), S("ncalrpc"), NULL, NULL, NULL, NULL),
		RPC_S_OK);
}
END_TEST

/* ==== String bindings: parse ================================================================ */

struct parsed {
	RPC_CSTR uuid, ps, addr, ep, opt;
};

static RPC_STATUS
parse_all(const char *sb, struct parsed *p)
{
	*p = (struct parsed){ UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED };
	return RpcStringBindingParseA(S(sb), &p->uuid, &p->ps, &p->addr, &p->ep, &p->opt);
}

static void
parsed_free(struct parsed *p)
{
	RpcStringFree(&p->uuid);
	RpcStringFree(&p->ps);
	RpcStringFree(&p->addr);
	RpcStringFree(&p->ep);
	RpcStringFree(&p->opt);
}

static void
check_parse(const char *sb, const char *uuid, const char *ps, const char *addr, const char *ep,
	    const char *opt)
{
	struct parsed p;
	ck_assert_msg(parse_all(sb, &p) == RPC_S_OK, "parse '%s'", sb);
	ck_assert_str_eq((char *)p.uuid, uuid);
	ck_assert_str_eq((char *)p.ps, ps);
	ck_assert_str_eq((char *)p.addr, addr);
	ck_assert_str_eq((char *)p.ep, ep);
	ck_assert_str_eq((char *)p.opt, opt);
	parsed_free(&p);
}

START_TEST(parse_parts)
{
	check_parse(SAMPLE_STR "@ncacn_ip_tcp:host[135,a=1]", SAMPLE_STR, "ncacn_ip_tcp", "host",
		    "135", "a=1");
	check_parse("ncacn_ip_tcp:16.20.16.27[endpoint=2001]", "", "ncacn_ip_tcp", "16.20.16.27",
		    "2001", "");
	check_parse("ncalrpc:[object2_name,Security=anonymous static true]", "", "ncalrpc", "",
		    "object2_name", "Security=anonymous static true");
	check_parse("ncacn_ip_tcp:h[a=1,b=2]", "", "ncacn_ip_tcp", "h", "", "a=1,b=2");
	check_parse("ncacn_ip_tcp:h[a=1,endpoint=80,b=2]", "", "ncacn_ip_tcp", "h", "80",
		    "a=1,b=2");
	check_parse("ncacn_ip_tcp:h[,a=1]", "", "ncacn_ip_tcp", "h", "", "a=1");
	check_parse("ncacn_ip_tcp:h[]", "", "ncacn_ip_tcp", "h", "", "");
	/* The uuid is returned as written. */
	check_parse("6B29FC40-CA47-1067-B31D-00DD010662DA@ncalrpc:",
		    "6B29FC40-CA47-1067-B31D-00DD010662DA", "ncalrpc", "", "", "");
}
END_TEST

START_TEST(parse_absent_parts_are_empty)
{
	/* Microsoft: "If any field of the StringBinding parameter is empty,
	 * RpcStringBindingParse returns an empty string (\0) in the corresponding output"; Wine's
	 * test shows options "" on Windows. */
	check_parse("ncalrpc:", "", "ncalrpc", "", "", "");
	check_parse(":", "", "", "", "", "");
	check_parse("ncacn_ip_tcp:host", "", "ncacn_ip_tcp", "host", "", "");
}
END_TEST

START_TEST(parse_null_outputs)
{
	RPC_CSTR ps = NULL, ep = NULL;

	ck_assert_int_eq(RpcStringBindingParseA(S(SAMPLE_STR "@ncalrpc:[e,o=1]"), NULL, &ps, NULL,
						NULL, NULL),
			 RPC_S_OK);
	ck_assert_str_eq((char *)ps, "ncalrpc");
	RpcStringFree(&ps);
	ck_assert_int_eq(RpcStringBindingParseA(S("ncalrpc:[e]"), NULL, NULL, NULL, &ep, NULL),
			 RPC_S_OK);
	ck_assert_str_eq((char *)ep, "e");
	RpcStringFree(&ep);
	ck_assert_int_eq(RpcStringBindingParseA(S("ncalrpc:"), NULL, NULL, NULL, NULL, NULL),
			 RPC_S_OK);
	ck_assert_int_eq(RpcStringBindingParseA(NULL, NULL, &ps, NULL, NULL, NULL),
			 RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(parse_escapes)
{
	/* Wine's test, passing on Windows: in "ncacn_np:.[\pipe\test]" each backslash escapes the
	 * letter after it, so the endpoint is "pipetest". */
	check_parse("ncacn_np:.[\\pipe\\test]", "", "ncacn_np", ".", "pipetest", "");
	/* Microsoft's examples, "obj-uuid@ncacn_np:\\\\marketing[\\pipe\\p2\\p3\\p4]". */
	check_parse(SAMPLE_STR "@ncacn_np:\\\\\\\\marketing[\\\\pipe\\\\p2\\\\p3\\\\p4]",
		    SAMPLE_STR, "ncacn_np", "\\\\marketing", "\\pipe\\p2\\p3\\p4", "");
	check_parse("ncacn_np:\\\\\\\\marketing[endpoint=\\\\pipe\\\\p2]", "", "ncacn_np",
		    "\\\\marketing", "\\pipe\\p2", "");
	check_parse("ncalrpc:a\\@b\\:c\\[d\\]e\\\\f\\,g\\=h", "", "ncalrpc", "a@b:c[d]e\\f,g=h", "",
		    "");
	/* Escaped ',' and '=' stay inside the endpoint; "endpoint\=x" is not the keyword. */
	check_parse("ncalrpc:[x\\,y\\=z]", "", "ncalrpc", "", "x,y=z", "");
	check_parse("ncalrpc:[endpoint\\=x]", "", "ncalrpc", "", "endpoint=x", "");
	check_parse("ncacn_http:h[2225,HttpProxy=proxysvr\\:80]", "", "ncacn_http", "h", "2225",
		    "HttpProxy=proxysvr:80");
	check_parse("p\\@s:", "", "p@s", "", "", "");
}
END_TEST

START_TEST(parse_addresses_with_delimiters)
{
	/* Unescaped colons belong to the address: IPv6 as Microsoft's "IPv6 address is also
	 * accepted" writes it. */
	check_parse("ncacn_ip_tcp:fe80::1%eth0[135]", "", "ncacn_ip_tcp", "fe80::1%eth0", "135",
		    "");
	check_parse("ncacn_ip_tcp:::1", "", "ncacn_ip_tcp", "::1", "", "");
	check_parse("ncacn_ip_tcp:\\[::1\\][135]", "", "ncacn_ip_tcp", "[::1]", "135", "");
	/* Microsoft's examples with '@' inside the address. */
	check_parse("ncacn_at_dsp:servername@zonename[myservicesendpoint]", "", "ncacn_at_dsp",
		    "servername@zonename", "myservicesendpoint", "");
	check_parse(SAMPLE_STR "@ncacn_vns_spp:server@group@org[500]", SAMPLE_STR, "ncacn_vns_spp",
		    "server@group@org", "500", "");
}
END_TEST

static void
check_parse_fails(const char *sb, RPC_STATUS want)
{
	struct parsed p;
	RPC_STATUS st = parse_all(sb, &p);
	ck_assert_msg(st == want, "parse '%s': %d, want %d", sb, (int)st, (int)want);
	/* No output is written on failure. */
	ck_assert_ptr_eq(p.uuid, UNTOUCHED);
	ck_assert_ptr_eq(p.ps, UNTOUCHED);
	ck_assert_ptr_eq(p.addr, UNTOUCHED);
	ck_assert_ptr_eq(p.ep, UNTOUCHED);
	ck_assert_ptr_eq(p.opt, UNTOUCHED);
}

START_TEST(parse_malformed)
{
	static const char *const bad[] = {
		"",
		"ncalrpc",
		/* Wine's test, passing on Windows: no colon after the protseq. */
		SAMPLE_STR "@ncacn_np",
		"ncalrpc[ep]:",
		"ncalrpc]:",
		"ncalrpc:[ep",
		"ncalrpc:ep]",
		"ncalrpc:[ep]x",
		"ncalrpc:[ep][x]",
		"ncalrpc:[a[b]",
		"ncalrpc:[a]b]",
		"ncalrpc:[a,b]",
		"ncalrpc:[a,endpoint=b]",
		"ncalrpc:[endpoint=a,endpoint=b]",
		"ncalrpc:[=x]",
		"ncalrpc:[a,=x]",
		"ncalrpc:[a,]",
		"ncalrpc:[a,,o=1]",
		"ncalrpc:x\\",
		"ncalrpc:[x\\]",
		"a@b@ncalrpc:",
		SAMPLE_STR "@p@s:",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_parse_fails(bad[i], RPC_S_INVALID_STRING_BINDING);
}
END_TEST

START_TEST(parse_bad_uuid)
{
	/* Wine's test, passing on Windows: braces make the UUID invalid. */
	check_parse_fails("{" SAMPLE_STR "}@ncacn_np:.[endpoint=\\pipe\\test]",
			  RPC_S_INVALID_STRING_UUID);
	check_parse_fails("@ncalrpc:", RPC_S_INVALID_STRING_UUID);
	check_parse_fails("6b29fc40-ca47-1067-b31d-00dd010662dz@ncalrpc:",
			  RPC_S_INVALID_STRING_UUID);
	check_parse_fails("6b29fc40-ca47-1067-b31d-00dd010662d@ncalrpc:",
			  RPC_S_INVALID_STRING_UUID);
}
END_TEST

START_TEST(compose_parse_round_trip)
{
	static const char *const cases[][5] = {
		{ SAMPLE_STR, "ncacn_ip_tcp", "host.example", "135", "a=1,b=2" },
		{ "", "ncalrpc", "", "ep", "" },
		{ "", "ncalrpc", "a@b:c[d]e\\f,g=h", "x,y=z]\\[", "o=p:q@r[s]\\t" },
		{ "", "ncacn_ip_tcp", "fe80::1%eth0", "", "" },
		{ "", "ncacn_np", "\\\\server", "\\pipe\\name",
		  "Security=impersonation static true" },
		{ "", "", "", "", "" },
		{ "", "ncalrpc", "", "", "only=options" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		RPC_CSTR sb = NULL;
		const char *const *c = cases[i];
		ck_assert_int_eq(
			RpcStringBindingComposeA(S(c[0]), S(c[1]), S(c[2]), S(c[3]), S(c[4]), &sb),
			RPC_S_OK);
		if (c[1][0] == '\0' && c[2][0] == '\0') {
			/* Nothing but an empty string: not a string binding. */
			ck_assert_str_eq((char *)sb, "");
			RpcStringFree(&sb);
			continue;
		}
		check_parse((char *)sb, c[0], c[1], c[2], c[3], c[4]);
		RpcStringFree(&sb);
	}
}
END_TEST

START_TEST(string_free_null)
{
	RPC_CSTR s = NULL;

	ck_assert_int_eq(RpcStringFreeA(&s), RPC_S_OK);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(RpcStringFreeA(NULL), RPC_S_INVALID_ARG);
}
END_TEST

/* ==== Binding handles ======================================================================= */

static RPC_STATUS
from_string(const char *sb)
{
	RPC_BINDING_HANDLE h = (RPC_BINDING_HANDLE)UNTOUCHED;
	RPC_STATUS st = RpcBindingFromStringBindingA(S(sb), &h);
	if (st == RPC_S_OK) {
		ck_assert_ptr_nonnull(h);
		ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
		ck_assert_ptr_null(h);
	} else {
		ck_assert_ptr_eq(h, (RPC_BINDING_HANDLE)UNTOUCHED);
	}
	return st;
}

#define CHECK_FROM(sb, want)                                                                       \
	ck_assert_msg(from_string(sb) == (want), "RpcBindingFromStringBinding('%s') != %s", (sb),  \
		      #want)

START_TEST(from_string_valid)
{
	CHECK_FROM("ncacn_ip_tcp:127.0.0.1[135]", RPC_S_OK);
	CHECK_FROM(SAMPLE_STR "@ncacn_ip_tcp:127.0.0.1[135]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:16.20.16.27[endpoint=2001]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:host", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:anynode.microsoft.com[1025]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:my_host.corp.[80]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:xn--bcher-kva.example[80]", RPC_S_OK);
	CHECK_FROM("ncalrpc:", RPC_S_OK);
	CHECK_FROM("ncalrpc:[myep]", RPC_S_OK);
	CHECK_FROM("ncalrpc:localhost[my-ep.1_x]", RPC_S_OK);
	CHECK_FROM("ncalrpc:LocalHost[e]", RPC_S_OK);
	CHECK_FROM("ncalrpc:[object2_name,Security=anonymous static true]", RPC_S_OK);
	CHECK_FROM("ncalrpc:[endpoint=e]", RPC_S_OK);
}
END_TEST

START_TEST(from_string_ipv6)
{
	CHECK_FROM("ncacn_ip_tcp:::1[135]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:\\:\\:1[135]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:\\[::1\\][135]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:fe80::1%eth0[1]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:fe80::1%2[1]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:2001:db8::8a2e:370:7334", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:::ffff:192.0.2.1[80]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp::::1[135]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:1::2::3[135]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:fe80::1%[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:fe80::1%e/0[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:\\[::1[135]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:\\[\\][135]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:\\[1.2.3.4\\][135]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:gggg::1[135]", RPC_S_INVALID_NET_ADDR);
}
END_TEST

START_TEST(from_string_addresses)
{
	char name[300];

	CHECK_FROM("ncacn_ip_tcp:255.255.255.255[1]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:256.1.1.1[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:1.2.3[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:1.2.3.4.5[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:01.2.3.4[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:12345[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:-host[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:host-[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:a..b[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:.a[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:.[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:ho st[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:host/x[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:h\\@x[1]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncacn_ip_tcp:h\xc3\xa9[1]", RPC_S_INVALID_NET_ADDR);
	/* Labels of 63 characters pass, 64 do not; names of 253 characters pass, 254 do not. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".b");
	ck_assert_int_eq(rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, name), RPC_S_OK);
	memset(name, 'a', 64);
	strcpy(name + 64, ".b");
	ck_assert_int_eq(rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, name),
			 RPC_S_INVALID_NET_ADDR);
	for (int i = 0; i < 253; i++)
		name[i] = i % 2 ? '.' : 'a';
	name[252] = 'z';
	name[253] = '\0';
	ck_assert_int_eq(rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, name), RPC_S_OK);
	strcpy(name + 253, ".");
	ck_assert_int_eq(rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, name), RPC_S_OK);
	strcpy(name + 253, "z");
	ck_assert_int_eq(rpcrt_netaddr_check(RPCRT_PROTSEQ_NCACN_IP_TCP, name),
			 RPC_S_INVALID_NET_ADDR);
}
END_TEST

START_TEST(from_string_ncalrpc_addresses)
{
	char host[HOST_NAME_MAX + 1], sb[HOST_NAME_MAX + 32];

	CHECK_FROM("ncalrpc:otherhost[e]", RPC_S_INVALID_NET_ADDR);
	CHECK_FROM("ncalrpc:127.0.0.1[e]", RPC_S_INVALID_NET_ADDR);
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	host[sizeof(host) - 1] = '\0';
	/* Microsoft: the machine's own name may be given, "however doing so is completely
	 * unnecessary". */
	snprintf(sb, sizeof(sb), "ncalrpc:%s[e]", host);
	CHECK_FROM(sb, RPC_S_OK);
}
END_TEST

START_TEST(from_string_ports)
{
	CHECK_FROM("ncacn_ip_tcp:h[0]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[1]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:h[65535]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:h[65536]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[99999]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[123456]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[00080]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:h[abc]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[-1]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[+80]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[ 80]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[80 ]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncacn_ip_tcp:h[0x50]", RPC_S_INVALID_ENDPOINT_FORMAT);
	/* No endpoint: a partially bound binding (Microsoft, RpcBindingFromStringBinding). */
	CHECK_FROM("ncacn_ip_tcp:h[]", RPC_S_OK);
	CHECK_FROM("ncacn_ip_tcp:h[endpoint=]", RPC_S_OK);
}
END_TEST

START_TEST(from_string_ncalrpc_endpoints)
{
	char sb[200], ep[128];

	memset(ep, 'e', RPCRT_NCALRPC_ENDPOINT_MAX);
	ep[RPCRT_NCALRPC_ENDPOINT_MAX] = '\0';
	snprintf(sb, sizeof(sb), "ncalrpc:[%s]", ep);
	CHECK_FROM(sb, RPC_S_OK);
	strcat(ep, "e");
	snprintf(sb, sizeof(sb), "ncalrpc:[%s]", ep);
	CHECK_FROM(sb, RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[a/b]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[.]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[..]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[...]", RPC_S_OK);
	CHECK_FROM("ncalrpc:[a b]", RPC_S_INVALID_ENDPOINT_FORMAT);
	/* Microsoft: the ncalrpc endpoint "cannot include any backslash characters". */
	CHECK_FROM("ncalrpc:[a\\\\b]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[a\\:b]", RPC_S_INVALID_ENDPOINT_FORMAT);
	CHECK_FROM("ncalrpc:[caf\xc3\xa9]", RPC_S_INVALID_ENDPOINT_FORMAT);
}
END_TEST

START_TEST(from_string_protseqs)
{
	/* Microsoft's other protocol sequences exist but are not supported here; unknown
	 * strings are not protocol sequences at all (Windows' RpcNetworkIsProtseqValid("foo") is
	 * RPC_S_INVALID_RPC_PROTSEQ in Wine's tests). */
	CHECK_FROM("ncacn_np:\\\\\\\\server[\\\\pipe\\\\p]", RPC_S_PROTSEQ_NOT_SUPPORTED);
	CHECK_FROM("ncadg_ip_udp:128.10.2.30[1025]", RPC_S_PROTSEQ_NOT_SUPPORTED);
	CHECK_FROM("ncacn_http:major7.microsoft.com[2225]", RPC_S_PROTSEQ_NOT_SUPPORTED);
	CHECK_FROM("ncacn_spx:annaw[4390]", RPC_S_PROTSEQ_NOT_SUPPORTED);
	CHECK_FROM("foo:host[1]", RPC_S_INVALID_RPC_PROTSEQ);
	CHECK_FROM(":host[1]", RPC_S_INVALID_RPC_PROTSEQ);
	CHECK_FROM("NCALRPC:[e]", RPC_S_INVALID_RPC_PROTSEQ);
	CHECK_FROM("ncalrpc :[e]", RPC_S_INVALID_RPC_PROTSEQ);
	/* The parser's errors come first. */
	CHECK_FROM("ncalrpc", RPC_S_INVALID_STRING_BINDING);
	CHECK_FROM("ncalrpc:[a,b]", RPC_S_INVALID_STRING_BINDING);
	CHECK_FROM("bad@ncalrpc:", RPC_S_INVALID_STRING_UUID);
}
END_TEST

START_TEST(from_string_limits_and_args)
{
	RPC_BINDING_HANDLE h = (RPC_BINDING_HANDLE)UNTOUCHED;
	char *big = malloc(4098);

	ck_assert_int_eq(RpcBindingFromStringBindingA(NULL, &h), RPC_S_INVALID_ARG);
	ck_assert_ptr_eq(h, (RPC_BINDING_HANDLE)UNTOUCHED);
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:"), NULL), RPC_S_INVALID_ARG);

	/* 4096 characters are read (and this one's address is too long to be a host name);
	 * 4097 are refused unread. */
	strcpy(big, "ncacn_ip_tcp:");
	memset(big + 13, 'a', 4096 - 13);
	big[4096] = '\0';
	ck_assert_int_eq(RpcBindingFromStringBindingA(S(big), &h), RPC_S_INVALID_NET_ADDR);
	big[4096] = 'a';
	big[4097] = '\0';
	ck_assert_int_eq(RpcBindingFromStringBindingA(S(big), &h), RPC_S_STRING_TOO_LONG);
	ck_assert_ptr_eq(h, (RPC_BINDING_HANDLE)UNTOUCHED);
	free(big);
}
END_TEST

static void
check_to_string(const char *in, const char *want)
{
	RPC_BINDING_HANDLE h = NULL, h2 = NULL;
	RPC_CSTR s = NULL, s2 = NULL;

	ck_assert_int_eq(RpcBindingFromStringBindingA(S(in), &h), RPC_S_OK);
	ck_assert_int_eq(RpcBindingToStringBindingA(h, &s), RPC_S_OK);
	ck_assert_str_eq((char *)s, want);
	/* The string makes an equal binding again. */
	ck_assert_int_eq(RpcBindingFromStringBinding(s, &h2), RPC_S_OK);
	ck_assert_int_eq(RpcBindingToStringBinding(h2, &s2), RPC_S_OK);
	ck_assert_str_eq((char *)s2, want);
	RpcStringFree(&s);
	RpcStringFree(&s2);
	RpcBindingFree(&h);
	RpcBindingFree(&h2);
}

START_TEST(to_string_round_trip)
{
	check_to_string("ncacn_ip_tcp:127.0.0.1[135]", "ncacn_ip_tcp:127.0.0.1[135]");
	check_to_string("6B29FC40-CA47-1067-B31D-00DD010662DA@ncacn_ip_tcp:h[80]",
			SAMPLE_STR "@ncacn_ip_tcp:h[80]");
	/* A nil object UUID is left out, as Windows does. */
	check_to_string("00000000-0000-0000-0000-000000000000@ncalrpc:[x]", "ncalrpc:[x]");
	check_to_string("ncacn_ip_tcp:h[endpoint=80]", "ncacn_ip_tcp:h[80]");
	check_to_string("ncacn_ip_tcp:::1[135]", "ncacn_ip_tcp:\\:\\:1[135]");
	check_to_string("ncacn_ip_tcp:\\[::1\\]", "ncacn_ip_tcp:\\[\\:\\:1\\]");
	check_to_string("ncalrpc:", "ncalrpc:");
	check_to_string("ncalrpc:[ep,Security=impersonation static true]",
			"ncalrpc:[ep,Security=impersonation static true]");
	check_to_string("ncalrpc:[,o=1]", "ncalrpc:[o=1]");
}
END_TEST

START_TEST(to_string_args)
{
	RPC_BINDING_HANDLE h = NULL;
	RPC_CSTR s = UNTOUCHED;
	uint32_t not_a_binding[32] = { 0 };

	ck_assert_int_eq(RpcBindingToStringBindingA(NULL, &s), RPC_S_INVALID_BINDING);
	ck_assert_int_eq(RpcBindingToStringBindingA(not_a_binding, &s), RPC_S_INVALID_BINDING);
	ck_assert_ptr_eq(s, UNTOUCHED);
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:[e]"), &h), RPC_S_OK);
	ck_assert_int_eq(RpcBindingToStringBindingA(h, NULL), RPC_S_INVALID_ARG);
	RpcBindingFree(&h);
}
END_TEST

START_TEST(binding_fields)
{
	RPC_BINDING_HANDLE h = NULL;
	rpcrt_binding *b;

	ck_assert_int_eq(
		RpcBindingFromStringBindingA(S(SAMPLE_STR "@ncacn_ip_tcp:host[80,o=1]"), &h),
		RPC_S_OK);
	ck_assert_int_eq(rpcrt_binding_from_handle(h, &b), RPC_S_OK);
	ck_assert_mem_eq(&b->object, &uuid_sample, sizeof(UUID));
	ck_assert_int_eq(b->protseq, RPCRT_PROTSEQ_NCACN_IP_TCP);
	ck_assert_str_eq(b->netaddr, "host");
	ck_assert_str_eq(b->endpoint, "80");
	ck_assert_str_eq(b->options, "o=1");
	ck_assert_uint_eq(b->call_timeout_ms, 0);
	ck_assert_ptr_null(b->conn);
	RpcBindingFree(&h);

	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:"), &h), RPC_S_OK);
	ck_assert_int_eq(rpcrt_binding_from_handle(h, &b), RPC_S_OK);
	ck_assert_int_eq(UuidIsNil(&b->object, NULL), TRUE);
	ck_assert_int_eq(b->protseq, RPCRT_PROTSEQ_NCALRPC);
	ck_assert_str_eq(b->netaddr, "");
	ck_assert_str_eq(b->endpoint, "");
	ck_assert_str_eq(b->options, "");
	RpcBindingFree(&h);
}
END_TEST

START_TEST(binding_free_null)
{
	RPC_BINDING_HANDLE h = NULL;
	uint32_t not_a_binding[32] = { 0 };

	/* Wine's test, passing on Windows: a NULL handle is RPC_S_INVALID_BINDING. */
	ck_assert_int_eq(RpcBindingFree(&h), RPC_S_INVALID_BINDING);
	ck_assert_int_eq(RpcBindingFree(NULL), RPC_S_INVALID_ARG);
	h = not_a_binding;
	ck_assert_int_eq(RpcBindingFree(&h), RPC_S_INVALID_BINDING);
	ck_assert_ptr_eq(h, not_a_binding);
}
END_TEST

START_TEST(binding_copy_independent)
{
	RPC_BINDING_HANDLE a = NULL, b = NULL;
	ULONG_PTR v = 1;
	RPC_CSTR s = NULL;

	ck_assert_int_eq(RpcBindingFromStringBindingA(S(SAMPLE_STR "@ncacn_ip_tcp:h[80,o=1]"), &a),
			 RPC_S_OK);
	ck_assert_int_eq(RpcBindingSetOption(a, RPC_C_OPT_CALL_TIMEOUT, 1500), RPC_S_OK);
	ck_assert_int_eq(RpcBindingCopy(a, &b), RPC_S_OK);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	/* The copy starts with the source's options ... */
	ck_assert_int_eq(RpcBindingInqOption(b, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 1500);
	/* ... and then each handle has its own. */
	ck_assert_int_eq(RpcBindingSetOption(b, RPC_C_OPT_CALL_TIMEOUT, 20), RPC_S_OK);
	ck_assert_int_eq(RpcBindingInqOption(a, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 1500);
	/* Freeing one leaves the other whole. */
	ck_assert_int_eq(RpcBindingFree(&a), RPC_S_OK);
	ck_assert_int_eq(RpcBindingToStringBindingA(b, &s), RPC_S_OK);
	ck_assert_str_eq((char *)s, SAMPLE_STR "@ncacn_ip_tcp:h[80,o=1]");
	RpcStringFree(&s);
	ck_assert_int_eq(RpcBindingInqOption(b, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 20);
	ck_assert_int_eq(RpcBindingFree(&b), RPC_S_OK);
}
END_TEST

START_TEST(binding_copy_args)
{
	RPC_BINDING_HANDLE a = NULL, b = (RPC_BINDING_HANDLE)UNTOUCHED;

	ck_assert_int_eq(RpcBindingCopy(NULL, &b), RPC_S_INVALID_BINDING);
	ck_assert_ptr_eq(b, (RPC_BINDING_HANDLE)UNTOUCHED);
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:[e]"), &a), RPC_S_OK);
	ck_assert_int_eq(RpcBindingCopy(a, NULL), RPC_S_INVALID_ARG);
	RpcBindingFree(&a);
}
END_TEST

START_TEST(binding_reference_outlives_free)
{
	RPC_BINDING_HANDLE h = NULL;
	rpcrt_binding *b;

	/* A call in progress holds its own reference: RpcBindingFree drops only the
	 * application's, and the last unref frees (LeakSanitizer checks that it does). */
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:[e]"), &h), RPC_S_OK);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 77), RPC_S_OK);
	ck_assert_int_eq(rpcrt_binding_from_handle(h, &b), RPC_S_OK);
	rpcrt_binding_ref(b);
	ck_assert_int_eq(RpcBindingFree(&h), RPC_S_OK);
	ck_assert_ptr_null(h);
	ck_assert_uint_eq(rpcrt_binding_call_timeout(b), 77);
	ck_assert_str_eq(b->endpoint, "e");
	rpcrt_binding_unref(b);
	rpcrt_binding_unref(NULL);
}
END_TEST

START_TEST(binding_options)
{
	RPC_BINDING_HANDLE h = NULL;
	ULONG_PTR v = 12345;

	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncacn_ip_tcp:h[80]"), &h), RPC_S_OK);
	/* The default is no timeout (RPC_BINDING_HANDLE_OPTIONS_V1: CallTimeout 0). */
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 5000), RPC_S_OK);
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 5000);
	/* Microsoft: "For infinite time-out, set OptionValue to INFINITE or zero"; the value is
	 * kept as given. */
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, INFINITE), RPC_S_OK);
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, INFINITE);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 0), RPC_S_OK);
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
	ck_assert_uint_eq(v, 0);
	if (sizeof(ULONG_PTR) > 4) {
		ULONG_PTR wide = (ULONG_PTR)UINT32_MAX + 1;
		ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, wide),
				 RPC_S_INVALID_TIMEOUT);
		ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, &v), RPC_S_OK);
		ck_assert_uint_eq(v, 0);
	}

	/* Microsoft's other options: RPC_S_CANNOT_SUPPORT; numbers it does not define:
	 * RPC_S_INVALID_ARG. */
	v = 99;
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_DONT_LINGER, 1), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_DONT_LINGER, &v), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_BINDING_NONCAUSAL, 1),
			 RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcBindingSetOption(h, 1, 1), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcBindingSetOption(h, 16, 1), RPC_S_CANNOT_SUPPORT);
	ck_assert_int_eq(RpcBindingSetOption(h, 0, 1), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_MAX_OPTIONS, 1), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcBindingSetOption(h, 0xffffffff, 1), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcBindingInqOption(h, 99, &v), RPC_S_INVALID_ARG);
	ck_assert_uint_eq(v, 99);
	ck_assert_int_eq(RpcBindingInqOption(h, RPC_C_OPT_CALL_TIMEOUT, NULL), RPC_S_INVALID_ARG);

	/* ncalrpc takes the timeout too (Windows refuses it on local RPC; ours is a socket). */
	RPC_BINDING_HANDLE l = NULL;
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:[e]"), &l), RPC_S_OK);
	ck_assert_int_eq(RpcBindingSetOption(l, RPC_C_OPT_CALL_TIMEOUT, 10), RPC_S_OK);
	RpcBindingFree(&l);

	ck_assert_int_eq(RpcBindingSetOption(NULL, RPC_C_OPT_CALL_TIMEOUT, 1),
			 RPC_S_INVALID_BINDING);
	ck_assert_int_eq(RpcBindingInqOption(NULL, RPC_C_OPT_CALL_TIMEOUT, &v),
			 RPC_S_INVALID_BINDING);
	RpcBindingFree(&h);
}
END_TEST

struct option_thread {
	RPC_BINDING_HANDLE h;
	ULONG_PTR value;
	int bad;
};

static void *
option_thread_main(void *arg)
{
	struct option_thread *t = arg;
	for (int i = 0; i < 20000; i++) {
		ULONG_PTR v = 0;
		if (RpcBindingSetOption(t->h, RPC_C_OPT_CALL_TIMEOUT, t->value) != RPC_S_OK)
			t->bad++;
		if (RpcBindingInqOption(t->h, RPC_C_OPT_CALL_TIMEOUT, &v) != RPC_S_OK ||
		    (v != 1000 && v != 2000 && v != 3000 && v != 4000))
			t->bad++;
	}
	return NULL;
}

START_TEST(binding_options_threads)
{
	RPC_BINDING_HANDLE h = NULL;
	struct option_thread t[4];
	pthread_t tid[4];

	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncacn_ip_tcp:h[80]"), &h), RPC_S_OK);
	ck_assert_int_eq(RpcBindingSetOption(h, RPC_C_OPT_CALL_TIMEOUT, 1000), RPC_S_OK);
	for (int i = 0; i < 4; i++) {
		t[i] = (struct option_thread){ h, (ULONG_PTR)(1000 * (i + 1)), 0 };
		ck_assert_int_eq(pthread_create(&tid[i], NULL, option_thread_main, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(tid[i], NULL), 0);
		ck_assert_int_eq(t[i].bad, 0);
	}
	RpcBindingFree(&h);
}
END_TEST

START_TEST(binding_vector_free)
{
	RPC_BINDING_VECTOR *v = NULL;
	uint32_t not_a_binding[32] = { 0 };

	ck_assert_int_eq(rpcrt_binding_vector_alloc(3, &v), RPC_S_OK);
	ck_assert_uint_eq(v->Count, 3);
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncalrpc:[a]"), &v->BindingH[0]), RPC_S_OK);
	ck_assert_int_eq(RpcBindingFromStringBindingA(S("ncacn_ip_tcp:h[1]"), &v->BindingH[2]),
			 RPC_S_OK);
	/* A bad entry: nothing is freed and the vector stays the caller's. */
	v->BindingH[1] = not_a_binding;
	RPC_BINDING_VECTOR *keep = v;
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_INVALID_BINDING);
	ck_assert_ptr_eq(v, keep);
	/* A NULL entry (a handle the application freed) is skipped. */
	v->BindingH[1] = NULL;
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_INVALID_ARG);
	ck_assert_int_eq(RpcBindingVectorFree(NULL), RPC_S_INVALID_ARG);

	ck_assert_int_eq(rpcrt_binding_vector_alloc(0, &v), RPC_S_OK);
	ck_assert_uint_eq(v->Count, 0);
	ck_assert_int_eq(RpcBindingVectorFree(&v), RPC_S_OK);
	ck_assert_int_eq(rpcrt_binding_vector_alloc(1, NULL), RPC_S_INVALID_ARG);
}
END_TEST

START_TEST(protseq_names)
{
	rpcrt_protseq p = (rpcrt_protseq)42;

	ck_assert_int_eq(rpcrt_protseq_from_name("ncacn_ip_tcp", &p), RPC_S_OK);
	ck_assert_int_eq(p, RPCRT_PROTSEQ_NCACN_IP_TCP);
	ck_assert_int_eq(rpcrt_protseq_from_name("ncalrpc", &p), RPC_S_OK);
	ck_assert_int_eq(p, RPCRT_PROTSEQ_NCALRPC);
	ck_assert_int_eq(rpcrt_protseq_from_name("ncacn_np", &p), RPC_S_PROTSEQ_NOT_SUPPORTED);
	ck_assert_int_eq(rpcrt_protseq_from_name("ncadg_ip_udp", &p), RPC_S_PROTSEQ_NOT_SUPPORTED);
	ck_assert_int_eq(rpcrt_protseq_from_name("", &p), RPC_S_INVALID_RPC_PROTSEQ);
	ck_assert_int_eq(rpcrt_protseq_from_name("ncalrpcx", &p), RPC_S_INVALID_RPC_PROTSEQ);
	ck_assert_int_eq(p, RPCRT_PROTSEQ_NCALRPC);
	ck_assert_str_eq(rpcrt_protseq_name(RPCRT_PROTSEQ_NCACN_IP_TCP), "ncacn_ip_tcp");
	ck_assert_str_eq(rpcrt_protseq_name(RPCRT_PROTSEQ_NCALRPC), "ncalrpc");
	/* The server's RpcServerUseProtseqEp uses the same endpoint rules. */
	ck_assert_int_eq(rpcrt_endpoint_check(RPCRT_PROTSEQ_NCACN_IP_TCP, ""), RPC_S_OK);
	ck_assert_int_eq(rpcrt_endpoint_check(RPCRT_PROTSEQ_NCALRPC, ""), RPC_S_OK);
	ck_assert_int_eq(rpcrt_endpoint_check(RPCRT_PROTSEQ_NCALRPC, NULL), RPC_S_INVALID_ARG);
}
END_TEST

/* ==== ncalrpc socket paths ================================================================== */

static uid_t me;

/* A fresh 0700 directory (mkdtemp's mode) that becomes $XDG_RUNTIME_DIR. */
static char *
make_xdg(void)
{
	char *dir = strdup("/tmp/ridl-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", dir, 1), 0);
	return dir;
}

static void
remove_xdg(char *dir)
{
	char sub[PATH_MAX];
	snprintf(sub, sizeof(sub), "%s/ridl", dir);
	/* ridl may be a directory, a link or a file, depending on the test. */
	if (rmdir(sub) != 0)
		unlink(sub);
	snprintf(sub, sizeof(sub), "%s/target", dir);
	rmdir(sub);
	ck_assert_int_eq(rmdir(dir), 0);
	free(dir);
	unsetenv("XDG_RUNTIME_DIR");
}

static void
ncalrpc_setup(void)
{
	me = geteuid();
}

START_TEST(ncalrpc_path_xdg)
{
	char *xdg = make_xdg();
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], want[PATH_MAX], dir[PATH_MAX];
	struct stat st;

	ck_assert_int_eq(rpcrt_ncalrpc_path("my_ep", path, sizeof(path)), RPC_S_OK);
	snprintf(want, sizeof(want), "%s/ridl/my_ep", xdg);
	ck_assert_str_eq(path, want);
	/* The directory was created private. */
	snprintf(dir, sizeof(dir), "%s/ridl", xdg);
	ck_assert_int_eq(lstat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0700);
	ck_assert_uint_eq(st.st_uid, me);
	/* Again, with the directory there. */
	ck_assert_int_eq(rpcrt_ncalrpc_path("other.ep-1", path, sizeof(path)), RPC_S_OK);
	snprintf(want, sizeof(want), "%s/ridl/other.ep-1", xdg);
	ck_assert_str_eq(path, want);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_xdg_trailing_slash)
{
	char *xdg = make_xdg();
	char path[200], env[PATH_MAX], want[PATH_MAX];

	snprintf(env, sizeof(env), "%s//", xdg);
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", env, 1), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	snprintf(want, sizeof(want), "%s/ridl/e", xdg);
	ck_assert_str_eq(path, want);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_refuses_open_dir)
{
	char *xdg = make_xdg();
	char path[200], dir[PATH_MAX];

	/* A socket directory others can read or enter is refused, not repaired. */
	snprintf(dir, sizeof(dir), "%s/ridl", xdg);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	strcpy(path, "unchanged");
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_ACCESS_DENIED);
	ck_assert_str_eq(path, "unchanged");
	ck_assert_int_eq(chmod(dir, 0710), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(chmod(dir, 0701), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_refuses_symlink_and_file)
{
	char *xdg = make_xdg();
	char path[200], dir[PATH_MAX], target[PATH_MAX];

	/* A symbolic link, even to a private directory of ours, is not followed. */
	snprintf(target, sizeof(target), "%s/target", xdg);
	snprintf(dir, sizeof(dir), "%s/ridl", xdg);
	ck_assert_int_eq(mkdir(target, 0700), 0);
	ck_assert_int_eq(symlink(target, dir), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_ACCESS_DENIED);
	ck_assert_int_eq(unlink(dir), 0);
	/* Nor is a file where the directory should be. */
	FILE *f = fopen(dir, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_ACCESS_DENIED);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_fallback_to_tmp)
{
	char path[200], want[64];
	char *xdg = make_xdg();

	snprintf(want, sizeof(want), "/tmp/ridl-%lu/e", (unsigned long)me);

	/* An XDG_RUNTIME_DIR others may write to is not used ... */
	ck_assert_int_eq(chmod(xdg, 0777), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_str_eq(path, want);
	/* ... but one only we can write to is, whatever its read bits. */
	ck_assert_int_eq(chmod(xdg, 0755), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_uint_eq(strncmp(path, xdg, strlen(xdg)), 0);
	ck_assert_int_eq(chmod(xdg, 0700), 0);
	/* Relative, missing or empty: /tmp/ridl-<uid>. */
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "relative/dir", 1), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "/nonexistent/ridl-test", 1), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "", 1), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_str_eq(path, want);
	ck_assert_int_eq(unsetenv("XDG_RUNTIME_DIR"), 0);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
	ck_assert_str_eq(path, want);
	/* A directory owned by someone else (root's /) is not ours. */
	if (me != 0) {
		ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", "/", 1), 0);
		ck_assert_int_eq(rpcrt_ncalrpc_path("e", path, sizeof(path)), RPC_S_OK);
		ck_assert_str_eq(path, want);
	}

	struct stat st;
	snprintf(want, sizeof(want), "/tmp/ridl-%lu", (unsigned long)me);
	ck_assert_int_eq(lstat(want, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 077, 0);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_lengths)
{
	char *xdg = make_xdg();
	size_t sun = sizeof(((struct sockaddr_un *)0)->sun_path);
	char path[PATH_MAX], ep[128];
	/* The directory is "<xdg>/ridl"; the path adds '/', the name and the NUL. */
	size_t room = sun - (strlen(xdg) + strlen("/ridl")) - 2;

	ck_assert_uint_lt(room, RPCRT_NCALRPC_ENDPOINT_MAX);
	memset(ep, 'n', room);
	ep[room] = '\0';
	ck_assert_int_eq(rpcrt_ncalrpc_path(ep, path, sizeof(path)), RPC_S_OK);
	ck_assert_uint_eq(strlen(path), sun - 1);
	/* Exactly the right buffer, and one byte less. */
	char *exact = malloc(sun);
	ck_assert_int_eq(rpcrt_ncalrpc_path(ep, exact, sun), RPC_S_OK);
	ck_assert_str_eq(exact, path);
	ck_assert_int_eq(rpcrt_ncalrpc_path(ep, exact, sun - 1), RPC_S_BUFFER_TOO_SMALL);
	free(exact);
	/* One more character does not fit sun_path. */
	strcat(ep, "n");
	ck_assert_int_eq(rpcrt_ncalrpc_path(ep, path, sizeof(path)), RPC_S_STRING_TOO_LONG);
	/* Longer than any endpoint may be. */
	memset(ep, 'n', RPCRT_NCALRPC_ENDPOINT_MAX + 1);
	ep[RPCRT_NCALRPC_ENDPOINT_MAX + 1] = '\0';
	ck_assert_int_eq(rpcrt_ncalrpc_path(ep, path, sizeof(path)), RPC_S_INVALID_ENDPOINT_FORMAT);
	remove_xdg(xdg);
}
END_TEST

START_TEST(ncalrpc_path_bad_names)
{
	char path[200];

	ck_assert_int_eq(rpcrt_ncalrpc_path("", path, sizeof(path)), RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_ncalrpc_path(".", path, sizeof(path)),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_ncalrpc_path("..", path, sizeof(path)),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_ncalrpc_path("../x", path, sizeof(path)),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_ncalrpc_path("a/b", path, sizeof(path)),
			 RPC_S_INVALID_ENDPOINT_FORMAT);
	ck_assert_int_eq(rpcrt_ncalrpc_path(NULL, path, sizeof(path)), RPC_S_INVALID_ARG);
	ck_assert_int_eq(rpcrt_ncalrpc_path("e", NULL, 10), RPC_S_INVALID_ARG);
}
END_TEST

static Suite *
s_fn(void)
{
	Suite *s = suite_create("binding");

	TCase *tc = tcase_create("uuid");
	tcase_add_test(tc, uuid_from_string_either_case);
	tcase_add_test(tc, uuid_to_string_lowercase);
	tcase_add_test(tc, uuid_round_trip_table);
	tcase_add_test(tc, uuid_from_string_bad_lengths);
	tcase_add_test(tc, uuid_from_string_bad_characters);
	tcase_add_test(tc, uuid_from_string_null);
	tcase_add_test(tc, uuid_internal_parse_format);
	tcase_add_test(tc, uuid_create_version4);
	tcase_add_test(tc, uuid_nil_and_equal);
	tcase_add_test(tc, uuid_compare_order);
	tcase_add_test(tc, uuid_hash_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("string_binding");
	tcase_add_test(tc, compose_parts);
	tcase_add_test(tc, compose_escapes);
	tcase_add_test(tc, compose_bad_uuid);
	tcase_add_test(tc, parse_parts);
	tcase_add_test(tc, parse_absent_parts_are_empty);
	tcase_add_test(tc, parse_null_outputs);
	tcase_add_test(tc, parse_escapes);
	tcase_add_test(tc, parse_addresses_with_delimiters);
	tcase_add_test(tc, parse_malformed);
	tcase_add_test(tc, parse_bad_uuid);
	tcase_add_test(tc, compose_parse_round_trip);
	tcase_add_test(tc, string_free_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("binding_handle");
	tcase_add_test(tc, from_string_valid);
	tcase_add_test(tc, from_string_ipv6);
	tcase_add_test(tc, from_string_addresses);
	tcase_add_test(tc, from_string_ncalrpc_addresses);
	tcase_add_test(tc, from_string_ports);
	tcase_add_test(tc, from_string_ncalrpc_endpoints);
	tcase_add_test(tc, from_string_protseqs);
	tcase_add_test(tc, from_string_limits_and_args);
	tcase_add_test(tc, to_string_round_trip);
	tcase_add_test(tc, to_string_args);
	tcase_add_test(tc, binding_fields);
	tcase_add_test(tc, binding_free_null);
	tcase_add_test(tc, binding_copy_independent);
	tcase_add_test(tc, binding_copy_args);
	tcase_add_test(tc, binding_reference_outlives_free);
	tcase_add_test(tc, binding_options);
	tcase_add_test(tc, binding_options_threads);
	tcase_add_test(tc, binding_vector_free);
	tcase_add_test(tc, protseq_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("ncalrpc_path");
	tcase_add_checked_fixture(tc, ncalrpc_setup, NULL);
	tcase_add_test(tc, ncalrpc_path_xdg);
	tcase_add_test(tc, ncalrpc_path_xdg_trailing_slash);
	tcase_add_test(tc, ncalrpc_path_refuses_open_dir);
	tcase_add_test(tc, ncalrpc_path_refuses_symlink_and_file);
	tcase_add_test(tc, ncalrpc_path_fallback_to_tmp);
	tcase_add_test(tc, ncalrpc_path_lengths);
	tcase_add_test(tc, ncalrpc_path_bad_names);
	suite_add_tcase(s, tc);
	return s;
}

RC_CHECK_MAIN(s_fn)
