/* The engine hooks of the headless modes and the environment switches
 * tests use. */
#include "cli.h"

#include <errno.h>
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

char *cli_read_secret(const char *prompt)
{
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (tcgetattr(fd, &old) < 0) {
		close(fd);
		return NULL;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* Echo off before the prompt shows: what is typed once it is visible
	 * must not be flushed away (TCSAFLUSH drops only earlier typeahead). */
	tcsetattr(fd, TCSAFLUSH, &quiet);
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* the answer is still read */
	}
	/* Read a byte at a time into one fixed buffer: no stdio or realloc'd
	 * buffer is left holding a copy (DESIGN.md: secrets only as long as needed). */
	char line[1024];
	size_t len = 0;
	int ended = 0;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		ended = 1;
		if (c == '\n')
			break;
		if (len < sizeof(line) - 1)
			line[len++] = c;
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* only cosmetic */
	}
	close(fd);
	while (len > 0 && line[len - 1] == '\r')
		len--;
	char *secret = ended ? xstrndup(line, len) : NULL;
	explicit_bzero(line, sizeof(line));
	return secret;
}

/* Secrets asked for while held (cli_secrets_hold), by prompt: a send asks
 * once for the SMTP login and the Sent copy's IMAP login. Otherwise
 * nothing is kept: the protocol code wipes its copy after the login. */
static struct {
	char *prompt, *secret;
} held[16];
static int holding;

void cli_secrets_hold(void)
{
	holding = 1;
}

void cli_secrets_forget(void)
{
	for (size_t i = 0; i < LIB_ARRAY_LEN(held) && held[i].prompt; i++) {
		explicit_bzero(held[i].secret, strlen(held[i].secret));
		free(held[i].secret);
		free(held[i].prompt);
		held[i].prompt = held[i].secret = NULL;
	}
	holding = 0;
}

static char *ask_secret(void *ctx, const char *prompt)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < LIB_ARRAY_LEN(held) && held[i].prompt; i++)
		if (strcmp(held[i].prompt, prompt) == 0)
			return xstrdup(held[i].secret);
	char *secret = cli_read_secret(prompt);
	if (secret && holding && i < LIB_ARRAY_LEN(held)) {
		held[i].prompt = xstrdup(prompt);
		held[i].secret = xstrdup(secret);
	}
	return secret;
}

const struct engine_hooks cli_hooks = { .ask_secret = ask_secret, .warn = warn };

void cli_ask_passwords(struct conf *conf)
{
	static const enum conf_key secrets[] = { CONF_K_PASSWORD, CONF_K_PASSWORD_COMMAND, CONF_K_OAUTH2_TOKEN_COMMAND };

	for (size_t i = 0; i < conf->naccounts; i++) {
		struct conf_account *account = &conf->accounts[i];
		int has_secret = 0;
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			has_secret |= conf_get(conf, account, secrets[k]) != NULL;
		if (has_secret || (account->imap.scheme == CONF_URL_NONE && account->pop3.scheme == CONF_URL_NONE &&
		                   account->smtp.scheme == CONF_URL_NONE))
			continue;
		char *prompt = xasprintf("Password for %s: ", account->name);
		char *secret = cli_read_secret(prompt);
		free(prompt);
		if (secret && *secret)
			account->values[CONF_K_PASSWORD].text = secret;
		else
			free(secret); /* Enter alone: none, e.g. for a relay without a login */
	}
}

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
