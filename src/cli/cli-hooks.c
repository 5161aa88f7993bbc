/* The engine hooks of the headless modes and the environment switches
 * tests use. */
#include "cli.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void warn(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "tern: warning: %s\n", line);
}

/* Reads a line from the controlling terminal with echo off. */
static char *ask_secret(void *ctx, const char *prompt)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	(void)ctx;
	if (fd < 0)
		return NULL;
	FILE *tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return NULL;
	}
	if (tcgetattr(fd, &old) < 0) {
		fclose(tty);
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* Echo off before the prompt shows: what is typed once it is visible
	 * must not be flushed away (TCSAFLUSH drops only earlier typeahead). */
	tcsetattr(fd, TCSAFLUSH, &quiet);
	fputs(prompt, tty);
	fflush(tty);
	ssize_t len = getline(&line, &cap, tty);
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (len <= 0) {
		free(line);
		return NULL;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	return line;
}

const struct engine_hooks cli_hooks = { ask_secret, warn, NULL, NULL };

void cli_json_string(struct buf *out, const char *text)
{
	struct buf clean = BUF_INIT;

	lib_sanitize(&clean, text, strlen(text), LIB_SANITIZE_LINE);
	buf_addch(out, '"');
	for (size_t i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.data[i];
		if (c == '"' || c == '\\')
			buf_addf(out, "\\%c", c);
		else if (c < 0x20)
			buf_addf(out, "\\u%04x", c);
		else
			buf_addch(out, (char)c);
	}
	buf_addch(out, '"');
	buf_free(&clean);
}
