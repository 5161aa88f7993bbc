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

/* Under ASan, an allocation over 256 MB fails the replay, as libFuzzer's
 * malloc limit fails a fuzzing run: a size a hostile server announced has
 * reached malloc (IMAP literals are bounded at 64 MB before libetpan). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "max_allocation_size_mb=256";
}

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
	/* The nasty seeds too big for git (tests/fuzz/seeds.py --big). */
	int big = strcmp(target, "message") == 0 ? 2 : 0;
	if (npaths == 0) {
		printf("1..0 # SKIP no inputs for %s under %s\n", target, srcdir);
		return 0;
	}
	printf("1..%zu\n", npaths + (size_t)big);
	for (int b = 0; b < big; b++) {
		static const char head[] = "From: Ana <ana@example.org>\r\nSubject: big\r\nMIME-Version: 1.0\r\n";
		struct buf input = BUF_INIT;
		buf_addstr(&input, head);
		if (b == 0) {
			buf_addstr(&input, "Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n");
			for (int i = 0; i < 10000; i++)
				buf_addf(&input, "--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i);
			buf_addstr(&input, "--p--\r\n");
		} else {
			buf_addstr(&input, "X-Long: ");
			for (int i = 0; i < 1 << 20; i++)
				buf_addch(&input, 'b');
			buf_addstr(&input, "\r\n\r\nbody\r\n");
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput((const uint8_t *)input.data, input.len);
		printf("ok %d - %s survives the message target\n", b + 1,
		       b == 0 ? "a message of 10,000 parts" : "a message with a 1 MB header line");
		buf_free(&input);
	}
	for (size_t i = 0; i < npaths; i++) {
		struct buf input = BUF_INIT;
		const char *shown = strstr(paths[i], "tests/") ? strstr(paths[i], "tests/") : paths[i];
		if (read_whole(paths[i], &input) < 0) {
			printf("not ok %zu - %s: cannot read\n", i + 1 + (size_t)big, shown);
			continue;
		}
		fflush(stdout);
		LLVMFuzzerTestOneInput((const uint8_t *)(input.data ? input.data : ""), input.len);
		printf("ok %zu - %s survives the %s target\n", i + 1 + (size_t)big, shown, target);
		buf_free(&input);
		free(paths[i]);
	}
	free(paths);
	return 0;
}
