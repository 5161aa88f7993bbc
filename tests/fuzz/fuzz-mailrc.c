/* Fuzz target: the mailrc parser. The input is a whole mailrc, read by
 * conf_load from a memfd (so include resolves relative to /proc/self/fd,
 * where nothing else is to be found); then every key of every account is
 * looked up as tern does at start, and one tern -e line is applied. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("mailrc", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct conf *conf = conf_load(path);
	close(fd);
	for (size_t a = 0; a <= conf->naccounts; a++) {
		const struct conf_account *account = a < conf->naccounts ? &conf->accounts[a] : NULL;
		for (int key = 0; key < CONF_KEY_COUNT; key++) {
			(void)conf_get(conf, account, (enum conf_key)key);
			(void)conf_get_number(conf, account, (enum conf_key)key);
			(void)conf_get_bool(conf, account, (enum conf_key)key);
		}
	}
	(void)conf_account_default(conf);
	/* The first line again, as tern -e would take it. */
	const char *nl = memchr(data, '\n', size);
	char *line = xstrndup((const char *)data, nl ? (size_t)(nl - (const char *)data) : size);
	conf_apply_line(conf, "-e", line);
	free(line);
	conf_free(conf);
	return 0;
}
