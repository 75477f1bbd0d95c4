/* Writes the seed inputs of fuzz_server.c into a directory: binds and calls of every
 * procedure of tests/ndr/ndrtest.idl that has a manager there, built with the runtime's own PDU
 * encoders and NDR marshaller, and the client-side PDU seeds of fuzz_pdu.c, each after a bind.
 *   gen_server_seeds OUTDIR [PDU_CORPUS_DIR]
 * The seeds in server-corpus/ were made by it; run it again after changing the input format
 * or the interface. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr.h"
#include "ndrtest.h"
#include "ndrtest_calls.h"
#include "pdu.h"
#include "util.h"

static const char *outdir;

static void
check(RPC_STATUS st, const char *what)
{
	if (st != RPC_S_OK) {
		fprintf(stderr, "gen_server_seeds: %s: %d\n", what, (int)st);
		exit(1);
	}
}

/* Appends b to seed as chunks (2-byte little-endian length, then the bytes) of at most max
 * bytes each; max 0: one chunk per 65535 bytes. */
static void
chunks(rpcrt_buf *seed, const uint8_t *p, size_t len, size_t max)
{
	if (max == 0 || max > 65535)
		max = 65535;
	while (len) {
		size_t n = len < max ? len : max;
		uint8_t *d = realloc(seed->data, seed->len + 2 + n);
		if (!d)
			exit(1);
		seed->data = d;
		d[seed->len] = (uint8_t)n;
		d[seed->len + 1] = (uint8_t)(n >> 8);
		memcpy(d + seed->len + 2, p, n);
		seed->len += 2 + n;
		p += n;
		len -= n;
	}
}

static void
write_seed(const char *name, const rpcrt_buf *seed)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(seed->data, 1, seed->len, f) != seed->len || fclose(f) != 0) {
		fprintf(stderr, "gen_server_seeds: cannot write %s\n", path);
		exit(1);
	}
}

/* A bind of context ctx_id to ndrtest over NDR 2.0. */
static void
bind_pdu(rpcrt_buf *out, uint8_t pfc, bool alter, uint16_t ctx_id, uint32_t call_id)
{
	const ridl_interface *itf = ndrtest_v1_0_c_ifspec;
	rpcrt_pdu_ctx ctx = { .p_cont_id = ctx_id,
			      .n_transfer = 1,
			      .abstract = { itf->uuid, itf->ver_major, itf->ver_minor },
			      .transfer = &rpcrt_pdu_ndr20 };
	rpcrt_pdu_bind b = { .max_xmit_frag = RPCRT_PDU_MAX_FRAG,
			     .max_recv_frag = RPCRT_PDU_MAX_FRAG,
			     .n_ctx = 1,
			     .ctx = &ctx };
	check(alter ? rpcrt_pdu_encode_alter_context(out, call_id, pfc, &b)
		    : rpcrt_pdu_encode_bind(out, call_id, pfc, &b),
	      "bind");
}

/* The request fragments of one call, at most max_frag bytes each. */
static void
request(rpcrt_buf *out, uint32_t call_id, uint16_t ctx_id, unsigned opnum, void **args,
	uint16_t max_frag)
{
	rpcrt_buf stub = { 0 };
	check(rpcrt_ndr_marshal_request(P(opnum), args, &stub), P(opnum)->name);
	rpcrt_pdu_request rq = { .p_cont_id = ctx_id,
				 .opnum = (uint16_t)opnum,
				 .stub = stub.data,
				 .stub_len = stub.len };
	check(rpcrt_pdu_encode_request_frags(out, call_id, 0, &rq, max_frag), "request");
	rpcrt_buf_free(&stub);
}

/* One seed: a bind chunk, then one chunk per call. */
static void
simple_seed(const char *name, unsigned opnum, void **args)
{
	rpcrt_buf seed = { 0 }, pdu = { 0 };
	bind_pdu(&pdu, 0, false, 0, 1);
	chunks(&seed, pdu.data, pdu.len, 0);
	pdu.len = 0;
	request(&pdu, 2, 0, opnum, args, RPCRT_PDU_MAX_FRAG);
	chunks(&seed, pdu.data, pdu.len, 0);
	write_seed(name, &seed);
	rpcrt_buf_free(&pdu);
	rpcrt_buf_free(&seed);
}

/* The arguments of the calls: struct scalars in ndrtest_calls.h, the rest in main. */

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen_server_seeds OUTDIR [PDU_CORPUS_DIR]\n");
		return 2;
	}
	outdir = argv[1];

	/* Scalars ([async] on the server): complete, abort, raise. */
	struct scalars sc;
	scalars_init(&sc, 3, -300, 21);
	simple_seed("scalars", OP_SCALARS, sc.args);
	scalars_init(&sc, 1, -300, 0x1c010002);
	simple_seed("scalars_abort", OP_SCALARS, sc.args);
	scalars_init(&sc, 2, -300, 1234);
	simple_seed("scalars_raise", OP_SCALARS, sc.args);

	/* Structs. */
	simple s = { 7, 8, -9 }, o = { 0 };
	nested n = { .a = 4, .in = { 1, 100, 2 }, .b = 1 };
	padded pd = { 'a', 1.5 };
	simple *ps = &s, *po = &o;
	nested *pn = &n;
	padded *ppd = &pd;
	void *structs_args[] = { &ps, &pn, &ppd, &po };
	simple_seed("structs", OP_STRUCTS, structs_args);

	/* Conformant. */
	struct {
		conf c;
		int32_t d[3];
	} cf = { { .n = 3 }, { 7, 8, 9 } };
	struct {
		confvar cv;
		int16_t d[5];
	} cvf = { { .max = 5, .len = 2 }, { -1, -2 } };
	struct {
		outer_conf oc;
		int32_t d[2];
	} ocf = { { .tag = 4, .c = { .n = 2 } }, { 100, 200 } };
	conf *pc = &cf.c;
	confvar *pcv = &cvf.cv;
	outer_conf *poc = &ocf.oc;
	void *conformant_args[] = { &pc, &pcv, &poc };
	simple_seed("conformant", OP_CONFORMANT, conformant_args);

	/* Arrays. */
	int32_t an = 4, first = 2, alen = 3;
	int32_t ca[4] = { 1, 2, 3, 4 }, va[10] = { 0, 0, 5, 6, 7 }, cva[4] = { 9, 8, 7, 6 };
	fixarr fa = { { 1, 2, 3 }, { { 4, 5 }, { 6, 7 } } };
	int16_t mx[5] = { 1, 2, 3, 4, 5 };
	simple sa[4] = { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 10, 11, 12 } };
	int32_t *pca = ca, *pcva = cva;
	fixarr *pfa = &fa;
	int16_t *pmx = mx;
	simple *psa = sa;
	int32_t *pva = va;
	void *arrays_args[] = { &an, &pca, &first, &alen, &pva, &pcva, &pfa, &pmx, &psa };
	simple_seed("arrays", OP_ARRAYS, arrays_args);

	/* Strings: small, raising, big enough for two fragments (each in a chunk of its own),
	 * and a bind and small call dribbled in 7-byte chunks. */
	char small[] = "alpha", raise[] = "raise", fs[16] = "fixed", maybe[] = "opt";
	uint16_t w[] = { 'h', 0x263a, 'i', 0 };
	char *sa_ = small, *pfs = fs, *pmaybe = maybe;
	uint16_t *pw = w;
	int32_t total = 0, *ptotal = &total;
	void *strings_args[] = { &sa_, &pw, &pfs, &pmaybe, &ptotal };
	simple_seed("strings", OP_STRINGS, strings_args);
	{
		rpcrt_buf seed = { 0 }, pdu = { 0 };
		bind_pdu(&pdu, 0, false, 0, 1);
		request(&pdu, 2, 0, OP_STRINGS, strings_args, RPCRT_PDU_MAX_FRAG);
		chunks(&seed, pdu.data, pdu.len, 7);
		write_seed("strings_dribbled", &seed);
		rpcrt_buf_free(&pdu);
		rpcrt_buf_free(&seed);
	}
	sa_ = raise;
	pmaybe = NULL;
	simple_seed("strings_raise", OP_STRINGS, strings_args);
	char *big = malloc(6001);
	if (!big)
		return 1;
	memset(big, 'x', 6000);
	big[6000] = 0;
	sa_ = big;
	{
		rpcrt_buf seed = { 0 }, pdu = { 0 };
		bind_pdu(&pdu, 0, false, 0, 1);
		chunks(&seed, pdu.data, pdu.len, 0);
		pdu.len = 0;
		request(&pdu, 2, 0, OP_STRINGS, strings_args, RPCRT_PDU_MAX_FRAG);
		size_t first_len = (size_t)(pdu.data[8] | pdu.data[9] << 8);
		chunks(&seed, pdu.data, first_len, 0);
		chunks(&seed, pdu.data + first_len, pdu.len - first_len, 0);
		write_seed("strings_two_fragments", &seed);
		rpcrt_buf_free(&pdu);
		rpcrt_buf_free(&seed);
	}
	free(big);
	sa_ = small;
	pmaybe = maybe;

	/* Pointers: unique, full (aliased), a list, an item. */
	int32_t x = 5, y = 6, opt = -9;
	node n3 = { 3, NULL }, n2 = { 2, &n3 }, n1 = { 1, &n2 };
	item it = { 77, "name", &opt };
	int32_t *u1 = &x, *u2 = NULL, *p1 = &y, *p2 = &y;
	node *list = &n1;
	item *pit = &it;
	void *pointers_args[] = { &u1, &u2, &p1, &p2, &list, &pit };
	simple_seed("pointers", OP_POINTERS, pointers_args);

	/* OutPointers. */
	int32_t on = 3, filled[3] = { 0 };
	item *created = NULL, **pcreated = &created;
	int32_t *pfilled = filled;
	void *outpointers_args[] = { &on, &pcreated, &pfilled };
	simple_seed("outpointers", OP_OUTPOINTERS, outpointers_args);

	/* Unions. */
	int32_t uk = 3;
	numu u = { .s = { 1, 2, 3 } };
	uint16_t wide[] = { 'w', 0 };
	encu e = { .kind = 2, .u = { .w = wide } };
	holder h = { .kind = 3, .u = { .s = { 4, 5, 6 } } };
	numu *pu = &u;
	encu *pe = &e;
	holder *ph = &h;
	void *unions_args[] = { &uk, &pu, &pe, &ph };
	simple_seed("unions", OP_UNIONS, unions_args);

	/* Ranges. */
	int32_t rr = 50, rn = 4;
	uint8_t rdata[4] = { 1, 2, 3, 4 };
	char rs[] = "range";
	uint8_t *prdata = rdata;
	char *prs = rs;
	void *ranges_args[] = { &rr, &rn, &prdata, &prs };
	simple_seed("ranges", OP_RANGES, ranges_args);

	/* Items. */
	int32_t o1 = 1, o2 = 2;
	item items[3] = { { 1, "one", &o1 }, { 2, "two", NULL }, { 3, "three", &o2 } };
	int32_t in = 3;
	item *pitems = items;
	void *items_args[] = { &in, &pitems };
	simple_seed("items", OP_ITEMS, items_args);

	/* CorrExpr. */
	int32_t cn = 2, cnt = 3;
	int16_t ca16[5] = { 1, 2, 3, 4, 5 };
	int32_t cb[3] = { 7, 8, 9 };
	int16_t *pca16 = ca16;
	int32_t *pcnt = &cnt, *pcb = cb;
	void *correxpr_args[] = { &cn, &pca16, &pcnt, &pcb };
	simple_seed("correxpr", OP_CORREXPR, correxpr_args);

	/* Extra (no manager: op_rng_error). */
	int32_t xn = 0, xr = 5;
	refholder rh = { 7, &xr };
	fnode fa_ = { 1, NULL }, fb = { 2, &fa_ };
	fa_.next = &fb;
	int32_t *xopt = NULL;
	refholder *prh = &rh;
	fnode *ring = &fa_;
	void *extra_args[] = { &xn, &xopt, &prh, &ring };
	simple_seed("extra", OP_EXTRA, extra_args);

	/* CONC_MPX: several calls in one chunk, an alter_context to a second context, a call on
	 * it, a co_cancel and an orphaned. */
	{
		rpcrt_buf seed = { 0 }, pdu = { 0 };
		bind_pdu(&pdu, RPCRT_PFC_CONC_MPX, false, 0, 1);
		chunks(&seed, pdu.data, pdu.len, 0);
		pdu.len = 0;
		scalars_init(&sc, 3, -300, 1);
		request(&pdu, 2, 0, OP_SCALARS, sc.args, RPCRT_PDU_MAX_FRAG);
		request(&pdu, 3, 0, OP_STRINGS, strings_args, RPCRT_PDU_MAX_FRAG);
		request(&pdu, 4, 0, OP_OUTPOINTERS, outpointers_args, RPCRT_PDU_MAX_FRAG);
		chunks(&seed, pdu.data, pdu.len, 0);
		pdu.len = 0;
		bind_pdu(&pdu, RPCRT_PFC_CONC_MPX, true, 1, 5);
		request(&pdu, 6, 1, OP_ITEMS, items_args, RPCRT_PDU_MAX_FRAG);
		check(rpcrt_pdu_encode_co_cancel(&pdu, 6), "co_cancel");
		check(rpcrt_pdu_encode_orphaned(&pdu, 7), "orphaned");
		chunks(&seed, pdu.data, pdu.len, 0);
		write_seed("conc_mpx", &seed);
		rpcrt_buf_free(&pdu);
		rpcrt_buf_free(&seed);
	}

	/* Without CONC_MPX: three calls sent at once wait for each other. */
	{
		rpcrt_buf seed = { 0 }, pdu = { 0 };
		bind_pdu(&pdu, 0, false, 0, 1);
		for (uint32_t i = 0; i < 3; i++) {
			scalars_init(&sc, 3, -300, (int32_t)i);
			request(&pdu, 2 + i, 0, OP_SCALARS, sc.args, RPCRT_PDU_MAX_FRAG);
		}
		chunks(&seed, pdu.data, pdu.len, 0);
		write_seed("serial_calls", &seed);
		rpcrt_buf_free(&pdu);
		rpcrt_buf_free(&seed);
	}

	/* The server-side PDU seeds of fuzz_pdu.c (first byte 0), each after a bind. */
	if (argc > 2) {
		DIR *d = opendir(argv[2]);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char path[4096], name[512];
			snprintf(path, sizeof(path), "%s/%s", argv[2], de->d_name);
			char *buf;
			size_t len;
			if (rc_read_file(path, &buf, &len) != 0)
				continue;
			if (len < 2 || (buf[0] & 1)) {
				free(buf);
				continue;
			}
			rpcrt_buf seed = { 0 }, pdu = { 0 };
			bind_pdu(&pdu, 0, false, 0, 1);
			chunks(&seed, pdu.data, pdu.len, 0);
			chunks(&seed, (const uint8_t *)buf + 1, len - 1, 0);
			snprintf(name, sizeof(name), "pdu_%s", de->d_name);
			write_seed(name, &seed);
			rpcrt_buf_free(&pdu);
			rpcrt_buf_free(&seed);
			free(buf);
		}
		if (d)
			closedir(d);
	}
	return 0;
}
