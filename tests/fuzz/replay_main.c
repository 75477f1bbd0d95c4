/* Runs the fuzz target over files given on the command line (the seed corpus and every crash
 * input ever found), so the regression cases run in the normal test suite without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	printf("1..%d\n", argc - 1);
	for (int i = 1; i < argc; i++) {
		char *buf;
		size_t len;
		if (rc_read_file(argv[i], &buf, &len) != 0) {
			printf("not ok %d - %s (unreadable)\n", i, argv[i]);
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
		printf("ok %d - %s\n", i, argv[i]);
	}
	return 0;
}
