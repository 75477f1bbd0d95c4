/* UUIDs: UuidCreate (random, version 4), the nil UUID, comparison, hashing and the 36-character
 * string form "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", with Microsoft's names and semantics.
 * A NULL UUID pointer means the nil UUID wherever Microsoft's functions accept one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "binding.h"
#include "rpcdce.h"

static const UUID uuid_nil;

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads `digits` hex digits at s (no sign, no prefix, no spaces: strtoul would accept all
 * three). */
static bool
hex_field(const char *s, unsigned digits, uint32_t *ret_value)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < digits; i++) {
		int h = hex_value(s[i]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	*ret_value = v;
	return true;
}

RPC_STATUS
rpcrt_uuid_parse(const char *s, size_t len, UUID *ret_uuid)
{
	/* Offsets of the five groups, as in 6b29fc40-ca47-1067-b31d-00dd010662da. */
	static const unsigned char dash[] = { 8, 13, 18, 23 };
	uint32_t v;
	UUID u;

	if (s == NULL || ret_uuid == NULL)
		return RPC_S_INVALID_ARG;
	if (len != RPCRT_UUID_STRLEN)
		return RPC_S_INVALID_STRING_UUID;
	for (size_t i = 0; i < sizeof(dash); i++)
		if (s[dash[i]] != '-')
			return RPC_S_INVALID_STRING_UUID;

	if (!hex_field(s, 8, &v))
		return RPC_S_INVALID_STRING_UUID;
	u.Data1 = v;
	if (!hex_field(s + 9, 4, &v))
		return RPC_S_INVALID_STRING_UUID;
	u.Data2 = (uint16_t)v;
	if (!hex_field(s + 14, 4, &v))
		return RPC_S_INVALID_STRING_UUID;
	u.Data3 = (uint16_t)v;
	for (unsigned i = 0; i < 8; i++) {
		/* Data4[0..1] are the fourth group, Data4[2..7] the fifth. */
		unsigned at = i < 2 ? 19 + 2 * i : 24 + 2 * (i - 2);
		if (!hex_field(s + at, 2, &v))
			return RPC_S_INVALID_STRING_UUID;
		u.Data4[i] = (uint8_t)v;
	}
	*ret_uuid = u;
	return RPC_S_OK;
}

void
rpcrt_uuid_format(const UUID *uuid, char buf[static RPCRT_UUID_STRLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	const UUID *u = uuid != NULL ? uuid : &uuid_nil;
	char *p = buf;

	for (int shift = 28; shift >= 0; shift -= 4)
		*p++ = hex[(u->Data1 >> shift) & 0xf];
	*p++ = '-';
	for (int shift = 12; shift >= 0; shift -= 4)
		*p++ = hex[(u->Data2 >> shift) & 0xf];
	*p++ = '-';
	for (int shift = 12; shift >= 0; shift -= 4)
		*p++ = hex[(u->Data3 >> shift) & 0xf];
	*p++ = '-';
	for (unsigned i = 0; i < 8; i++) {
		if (i == 2)
			*p++ = '-';
		*p++ = hex[u->Data4[i] >> 4];
		*p++ = hex[u->Data4[i] & 0xf];
	}
	*p = '\0';
}

RPC_STATUS RPC_ENTRY
UuidCreate(UUID *Uuid)
{
	unsigned char bytes[16];
	size_t got = 0;
	UUID u;

	if (Uuid == NULL)
		return RPC_S_INVALID_ARG;
	/* getrandom() without flags blocks only until the kernel's pool is first seeded, so the
	 * bytes are never predictable; requests of 16 bytes are not split in practice, but a short
	 * read is handled anyway. */
	while (got < sizeof(bytes)) {
		ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return RPC_S_OUT_OF_RESOURCES;
		}
		got += (size_t)n;
	}

	memcpy(&u.Data1, bytes, 4);
	memcpy(&u.Data2, bytes + 4, 2);
	memcpy(&u.Data3, bytes + 6, 2);
	memcpy(u.Data4, bytes + 8, 8);
	/* RFC 9562 section 5.4: version 4 in the top nibble of time_hi_and_version, variant 10 in
	 * the top two bits of clock_seq_hi_and_reserved. */
	u.Data3 = (uint16_t)((u.Data3 & 0x0fff) | 0x4000);
	u.Data4[0] = (uint8_t)((u.Data4[0] & 0x3f) | 0x80);
	*Uuid = u;
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
UuidCreateNil(UUID *NilUuid)
{
	if (NilUuid == NULL)
		return RPC_S_INVALID_ARG;
	*NilUuid = uuid_nil;
	return RPC_S_OK;
}

RPC_STATUS RPC_ENTRY
UuidFromStringA(RPC_CSTR StringUuid, UUID *Uuid)
{
	if (Uuid == NULL)
		return RPC_S_INVALID_ARG;
	/* Microsoft: "Passing NULL results in GUID_NULL value in Uuid." */
	if (StringUuid == NULL) {
		*Uuid = uuid_nil;
		return RPC_S_OK;
	}
	const char *s = (const char *)StringUuid;
	/* strnlen: a string longer than a UUID is refused without reading all of it. */
	return rpcrt_uuid_parse(s, strnlen(s, RPCRT_UUID_STRLEN + 1), Uuid);
}

RPC_STATUS RPC_ENTRY
UuidToStringA(const UUID *Uuid, RPC_CSTR *StringUuid)
{
	if (Uuid == NULL || StringUuid == NULL)
		return RPC_S_INVALID_ARG;
	char *s = malloc(RPCRT_UUID_STRLEN + 1);
	if (s == NULL)
		return RPC_S_OUT_OF_MEMORY;
	rpcrt_uuid_format(Uuid, s);
	*StringUuid = (RPC_CSTR)s;
	return RPC_S_OK;
}

signed int RPC_ENTRY
UuidCompare(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status)
{
	const UUID *a = Uuid1 != NULL ? Uuid1 : &uuid_nil;
	const UUID *b = Uuid2 != NULL ? Uuid2 : &uuid_nil;

	if (Status != NULL)
		*Status = RPC_S_OK;
	/* DCE order: time_low, time_mid, time_hi_and_version as unsigned numbers, then the clock
	 * sequence and node bytes in order, which is Data1, Data2, Data3, Data4[0..7]. */
	if (a->Data1 != b->Data1)
		return a->Data1 < b->Data1 ? -1 : 1;
	if (a->Data2 != b->Data2)
		return a->Data2 < b->Data2 ? -1 : 1;
	if (a->Data3 != b->Data3)
		return a->Data3 < b->Data3 ? -1 : 1;
	for (unsigned i = 0; i < 8; i++)
		if (a->Data4[i] != b->Data4[i])
			return a->Data4[i] < b->Data4[i] ? -1 : 1;
	return 0;
}

int RPC_ENTRY
UuidEqual(UUID *Uuid1, UUID *Uuid2, RPC_STATUS *Status)
{
	return UuidCompare(Uuid1, Uuid2, Status) == 0;
}

int RPC_ENTRY
UuidIsNil(UUID *Uuid, RPC_STATUS *Status)
{
	return UuidCompare(Uuid, NULL, Status) == 0;
}

unsigned short RPC_ENTRY
UuidHash(UUID *Uuid, RPC_STATUS *Status)
{
	const UUID *u = Uuid != NULL ? Uuid : &uuid_nil;
	uint8_t bytes[16];
	int16_t c0 = 0, c1 = 0;

	if (Status != NULL)
		*Status = RPC_S_OK;
	/* The DCE reference uuid_hash, which Windows and Wine use: a Fletcher-style checksum of
	 * the 16 bytes in Microsoft's in-memory layout on a little-endian machine (Data1..Data3
	 * little-endian), so the value is the same here on any host. The sums are 16-bit signed
	 * integers that wrap, as in the reference. */
	for (unsigned i = 0; i < 4; i++)
		bytes[i] = (uint8_t)(u->Data1 >> (8 * i));
	bytes[4] = (uint8_t)u->Data2;
	bytes[5] = (uint8_t)(u->Data2 >> 8);
	bytes[6] = (uint8_t)u->Data3;
	bytes[7] = (uint8_t)(u->Data3 >> 8);
	memcpy(bytes + 8, u->Data4, 8);
	for (unsigned i = 0; i < sizeof(bytes); i++) {
		c0 = (int16_t)(uint16_t)((uint16_t)c0 + bytes[i]);
		c1 = (int16_t)(uint16_t)((uint16_t)c1 + (uint16_t)c0);
	}
	int x = -c1 % 255;
	if (x < 0)
		x += 255;
	int y = (c1 - c0) % 255;
	if (y < 0)
		y += 255;
	return (unsigned short)(y * 256 + x);
}
