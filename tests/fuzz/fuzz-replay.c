/* The fuzz targets as ordinary tests: built with the normal compiler
 * (and the sanitizers of the check build) as tests/fuzz/replay-TARGET,
 * this main feeds the target every file in tests/fixtures/fuzz/TARGET
 * (the inputs that once crashed tern, kept as regression tests) and in
 * tests/fuzz/corpus/TARGET (the seeds), one TAP line per file. A crash,
 * a sanitizer report or a target's own check aborts the run, which the
 * TAP driver reports as a failure. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int read_whole(const char *path, struct buf *out)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!fp)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(out, chunk, n);
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	const char *srcdir = getenv("TERN_SRCDIR") ? getenv("TERN_SRCDIR") : ".";
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *target = argc > 1 ? argv[1] : strncmp(base, "replay-", 7) == 0 ? base + 7 : base;
	const char *dirs[] = { "tests/fixtures/fuzz", "tests/fuzz/corpus" };
	char **paths = NULL;
	size_t npaths = 0;

	for (size_t d = 0; d < LIB_ARRAY_LEN(dirs); d++) {
		char *dir = xasprintf("%s/%s/%s", srcdir, dirs[d], target);
		struct dirent **names;
		int n = scandir(dir, &names, NULL, by_name);
		for (int i = 0; i < n; i++) {
			if (names[i]->d_name[0] != '.') {
				paths = xrealloc(paths, (npaths + 1) * sizeof(*paths));
				paths[npaths++] = xasprintf("%s/%s", dir, names[i]->d_name);
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
		free(dir);
	}
	if (npaths == 0) {
		printf("1..0 # SKIP no inputs for %s under %s\n", target, srcdir);
		return 0;
	}
	printf("1..%zu\n", npaths);
	for (size_t i = 0; i < npaths; i++) {
		struct buf input = BUF_INIT;
		const char *shown = strstr(paths[i], "tests/") ? strstr(paths[i], "tests/") : paths[i];
		if (read_whole(paths[i], &input) < 0) {
			printf("not ok %zu - %s: cannot read\n", i + 1, shown);
			continue;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput((const uint8_t *)(input.data ? input.data : ""), input.len);
		printf("ok %zu - %s survives the %s target\n", i + 1, shown, target);
		buf_free(&input);
		free(paths[i]);
	}
	free(paths);
	return 0;
}
