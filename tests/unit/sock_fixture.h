/* Shared by the socket tests (test_transport.c, test_server.c): a private runtime directory
 * for ncalrpc sockets (XDG_RUNTIME_DIR) and a count of open descriptors. Define
 * SOCK_FIXTURE_NAME before including it: the directory is /tmp/ridl-NAME-XXXXXX.
 *
 * The directory is made and removed by an unchecked fixture, which runs in Check's parent
 * process, so it goes away even when a test fails in its child; a checked fixture in the child
 * checks what the test itself must clean up. */
#ifndef RIDL_SOCK_FIXTURE_H
#define RIDL_SOCK_FIXTURE_H

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp_dir[64];
static int fds_at_start;

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

static void
dir_setup(void)
{
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ridl-%s-XXXXXX", SOCK_FIXTURE_NAME);
	ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
	ck_assert_int_eq(setenv("XDG_RUNTIME_DIR", tmp_dir, 1), 0);
}

/* Removes <tmp>/ridl and whatever a failed test left in it. */
static void
dir_clear(void)
{
	char sub[96], path[96 + 1 + 256];
	struct dirent *e;

	snprintf(sub, sizeof(sub), "%s/ridl", tmp_dir);
	DIR *d = opendir(sub);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", sub, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(sub);
}

static void
dir_teardown(void)
{
	dir_clear();
	rmdir(tmp_dir);
}

#endif
