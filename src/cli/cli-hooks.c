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

char *cli_read_secret(const char *prompt)
{
	struct termios old, quiet;
	char *line = NULL;
	size_t cap = 0;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);

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

/* Asks once per prompt (that is, per account) in this process: a send asks
 * for the SMTP login and the Sent copy's IMAP login with one question. */
static char *ask_secret(void *ctx, const char *prompt)
{
	static struct { char *prompt, *secret; } asked[16];
	size_t i;

	(void)ctx;
	for (i = 0; i < sizeof(asked) / sizeof(asked[0]) && asked[i].prompt; i++)
		if (strcmp(asked[i].prompt, prompt) == 0)
			return xstrdup(asked[i].secret);
	char *secret = cli_read_secret(prompt);
	if (secret && i < sizeof(asked) / sizeof(asked[0])) {
		asked[i].prompt = xstrdup(prompt);
		asked[i].secret = xstrdup(secret);
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
		char *secret = ask_secret(NULL, prompt);
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
