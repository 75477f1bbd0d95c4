/* faults_garbage: a peer that sends the faults server bytes it must refuse, then disconnects
 * without reading the answer (run-faults.sh runs it beside well-behaved clients).
 *
 *   faults_garbage tcp 127.0.0.1 PORT ROUNDS      or      faults_garbage unix SOCKET_PATH ROUNDS
 *
 * Each round opens one connection per kind of garbage below. It prints "N connections sent
 * garbage" and exits 0, or exits 1 if it could not connect. */
#include <netdb.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static unsigned char *
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *
put32(unsigned char *p, unsigned v)
{
	return put16(put16(p, v & 0xffff), v >> 16);
}

/* The common PDU header (wire-notes.md section 1): version 5.0, little-endian, no auth. */
static unsigned char *
header(unsigned char *p, unsigned ptype, unsigned frag_length, unsigned call_id)
{
	p[0] = 5;
	p[1] = 0;
	p[2] = (unsigned char)ptype;
	p[3] = 0x03; /* first and last fragment */
	put32(p + 4, 0x10);
	put16(p + 8, frag_length);
	put16(p + 10, 0);
	return put32(p + 12, call_id);
}

/* Presentation syntaxes as a bind carries them (wire-notes.md section 2): the UUID with its
 * first three fields little-endian, then the version (major in the low 16 bits). */
static const unsigned char faults_1_0[21] = "\x5e\x3a\x0c\x5e\x2b\x7f\x1d\x4c\x9a\x6e"
					    "\x2b\x8f\x0d\x1c\x4e\x71\x01\x00\x00\x00";
static const unsigned char ndr_2_0[21] = "\x04\x5d\x88\x8a\xeb\x1c\xc9\x11\x9f\xe8"
					 "\x08\x00\x2b\x10\x48\x60\x02\x00\x00\x00";

/* A bind (72 bytes) proposing faults 1.0 over NDR 2.0 as context 0. */
static size_t
bind_pdu(unsigned char *p)
{
	unsigned char *q = header(p, 11, 72, 1);
	q = put16(q, 4280); /* max_xmit_frag */
	q = put16(q, 4280); /* max_recv_frag */
	q = put32(q, 0);    /* assoc_group_id */
	q = put32(q, 1);    /* one context element */
	q = put16(q, 0);    /* p_cont_id */
	q = put16(q, 1);    /* one transfer syntax */
	memcpy(q, faults_1_0, 20);
	memcpy(q + 20, ndr_2_0, 20);
	return (size_t)(q + 40 - p);
}

/* A request on context 0 for opnum with len stub bytes; frag_length, if not 0, lies. */
static size_t
request_pdu(unsigned char *p, unsigned opnum, const unsigned char *stub, size_t len,
	    unsigned frag_length)
{
	unsigned char *q = header(p, 0, frag_length ? frag_length : 24 + (unsigned)len, 2);
	q = put32(q, (unsigned)len); /* alloc_hint */
	q = put16(q, 0);             /* p_cont_id */
	q = put16(q, opnum);
	memcpy(q, stub, len);
	return (size_t)(q + len - p);
}

/* Kind k of garbage in p; returns its length. */
static size_t
garbage(int k, unsigned char *p)
{
	size_t n;
	switch (k) {
	case 0: /* not a PDU at all */
		memset(p, 0xa5, 64);
		return 64;
	case 1: /* protocol version 4 */
		n = bind_pdu(p);
		p[0] = 4;
		return n;
	case 2: /* a request before any bind */
		return request_pdu(p, 0, (const unsigned char *)"\1\0\0\0", 4, 0);
	case 3: /* a bind that announces 4280 bytes and stops after its header */
		return (size_t)(header(p, 11, 4280, 1) - p);
	case 4: /* a bind whose context list claims 200 elements */
		n = bind_pdu(p);
		p[24] = 200;
		return n;
	case 5: { /* a bind, then Total (opnum 7): n 16, max_count 0x7fffffff, four bytes */
		unsigned char stub[12];
		put32(put32(put32(stub, 16), 0x7fffffff), 0x04030201);
		n = bind_pdu(p);
		return n + request_pdu(p + n, 7, stub, sizeof(stub), 0);
	}
	case 6: { /* a bind, then a request fragment cut short of its frag_length */
		static const unsigned char stub[] = { 7, 0, 0, 0 };
		n = bind_pdu(p);
		return n + request_pdu(p + n, 0, stub, sizeof(stub), 1000);
	}
	default: /* one byte */
		p[0] = 5;
		return 1;
	}
}
#define KINDS 8

static int
connect_to(char **argv)
{
	if (!strcmp(argv[1], "unix")) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (strlen(argv[2]) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, argv[2]);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
		return fd;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	if (getaddrinfo(argv[2], argv[3], &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
main(int argc, char **argv)
{
	bool unix_sock = argc == 4 && !strcmp(argv[1], "unix");
	if (!unix_sock && !(argc == 5 && !strcmp(argv[1], "tcp"))) {
		fprintf(stderr, "usage: %s tcp HOST PORT ROUNDS | unix PATH ROUNDS\n", argv[0]);
		return 2;
	}
	/* The server may close first: a failed send is expected, a signal is not. */
	signal(SIGPIPE, SIG_IGN);
	int rounds = atoi(argv[argc - 1]);
	int sent = 0;
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < KINDS; k++) {
			unsigned char buf[512];
			size_t len = garbage(k, buf);
			int fd = connect_to(argv);
			if (fd < 0) {
				fprintf(stderr,
					"faults_garbage: cannot connect (round %d, kind %d)\n", r,
					k);
				return 1;
			}
			if (send(fd, buf, len, MSG_NOSIGNAL) >= 0)
				sent++;
			close(fd);
		}
	}
	printf("%d connections sent garbage\n", sent);
	return 0;
}
