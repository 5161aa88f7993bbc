/* First-run set-up and tern --setup: a conversation on the terminal that
 * ends in a working mailrc. It asks for the address, finds the servers
 * (cli-whatis.c), asks IMAP or POP3 when both exist and how to log in,
 * writes the mailrc to a temporary file (mode 0600) beside its final
 * place, runs "tern -F TMP --test-account NAME" (the same binary), and
 * moves the file into place only when the test passed or the user says
 * to save anyway. A password typed here reaches the test through the
 * environment of that one child, never through a file, unless the user
 * chose to keep it in the mailrc. */
#include "cli.h"
#include "cli-whatis.h"
#include "../net/net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The variable the test child reads the typed password from. */
#define SETUP_PASSWORD_ENV "TERN_SETUP_PASSWORD"

int cli_setup_wanted(void)
{
	struct lib_error err;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return 0;
	char *mailrc = conf_find_path(NULL);
	char *mailbox = mailrc ? NULL : engine_default_mailbox(&err);
	int wanted = !mailrc && !mailbox;
	free(mailrc);
	free(mailbox);
	return wanted;
}

/* One line from stdin without its newline (caller frees), or NULL at end
 * of input. */
static char *ask(const char *prompt)
{
	char *line = NULL;
	size_t cap = 0;

	fputs(prompt, stdout);
	fflush(stdout);
	ssize_t len = getline(&line, &cap, stdin);
	if (len < 0) {
		free(line);
		return NULL;
	}
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
		line[--len] = '\0';
	size_t lead = strspn(line, " \t");
	memmove(line, line + lead, (size_t)len - lead + 1);
	return line;
}

/* The first letter of the answer among choices (lower case), def for an
 * empty answer, 0 at end of input. Asks again on anything else. */
static int ask_choice(const char *prompt, const char *choices, int def)
{
	for (;;) {
		char *answer = ask(prompt);
		if (!answer)
			return 0;
		int c = answer[0] ? answer[0] | 0x20 : def;
		free(answer);
		if (strchr(choices, c))
			return c;
		printf("Please answer one of: %s\n", choices);
	}
}

/* Asks for a server URL for key until it parses; empty keeps current
 * (which may be ""). Returns 0, or -1 at end of input. */
static int ask_url(const char *prompt, enum conf_key key, char *url, size_t size)
{
	for (;;) {
		char *answer = ask(prompt);
		if (!answer)
			return -1;
		if (!*answer) {
			free(answer);
			return 0;
		}
		struct conf_url parsed;
		char *why = NULL;
		if (conf_url_parse(answer, key, &parsed, &why) == 0) {
			conf_url_clear(&parsed);
			snprintf(url, size, "%s", answer);
			free(answer);
			return 0;
		}
		printf("%s\n", why);
		free(why);
		free(answer);
	}
}

struct setup {
	struct cli_whatis w;
	char *from;              /* "Name <addr>" or the address */
	int use_pop3;
	char *password;          /* typed; kept in memory only unless save_password */
	int save_password;
	char *password_command;
	char *oauth2_command;
	char *tls_ca_file;       /* a private CA, or NULL */
	char *tls_fingerprint;   /* a pinned certificate (64 hex digits), or NULL */
};

static void setup_clear(struct setup *s)
{
	free(s->from);
	if (s->password) {
		explicit_bzero(s->password, strlen(s->password));
		free(s->password);
	}
	free(s->password_command);
	free(s->oauth2_command);
	free(s->tls_ca_file);
	free(s->tls_fingerprint);
	memset(s, 0, sizeof(*s));
}

/* The address and what discovery says about it. -1 at end of input. */
static int ask_address(struct setup *s)
{
	for (;;) {
		char *address = ask("Your mail address: ");
		if (!address || !*address) {
			free(address);
			return -1;
		}
		struct buf warnings = BUF_INIT;
		printf("Looking up the servers for %s...\n", address);
		fflush(stdout);
		int rc = cli_whatis_discover(address, NULL, atoi(conf_keys[CONF_K_TIMEOUT].def), &s->w, &warnings);
		if (warnings.len)
			fputs(warnings.data, stdout);
		buf_free(&warnings);
		if (rc == 0) {
			printf("\n");
			cli_whatis_print(&s->w, stdout);
			printf("\n");
			char *name = ask("Your name, as people see it (empty for none): ");
			if (!name) {
				free(address);
				return -1;
			}
			s->from = *name ? xasprintf("%s <%s>", name, address) : xstrdup(address);
			free(name);
			free(address);
			return 0;
		}
		free(address);
	}
}

/* Fills in what discovery did not find; -1 at end of input. */
static int ask_missing_servers(struct setup *s)
{
	struct cli_whatis *w = &s->w;

	if (!w->imap.url[0] && !w->pop3.url[0]) {
		printf("tern found no server for incoming mail. Your provider's help pages name it.\n");
		while (!w->imap.url[0] && !w->pop3.url[0]) {
			if (ask_url("IMAP server (e.g. imaps://mail.example.org), or empty for POP3: ", CONF_K_IMAP,
			            w->imap.url, sizeof(w->imap.url)) < 0)
				return -1;
			if (!w->imap.url[0] && ask_url("POP3 server (e.g. pop3s://mail.example.org): ", CONF_K_POP3,
			                               w->pop3.url, sizeof(w->pop3.url)) < 0)
				return -1;
		}
	}
	if (!w->smtp.url[0]) {
		printf("tern found no server for sending mail.\n");
		if (ask_url("SMTP server (e.g. smtps://mail.example.org), or empty to send nothing: ", CONF_K_SMTP,
		            w->smtp.url, sizeof(w->smtp.url)) < 0)
			return -1;
	}
	return 0;
}

/* A server whose certificate this machine does not trust: a CA file (a
 * private CA) or a pinned fingerprint. -1 at end of input. */
static int ask_tls(struct setup *s)
{
	printf("To trust a server whose certificate no CA of this machine vouches for (a private CA, a\n"
	       "self-signed certificate), give the certificate of the CA that issued it (a PEM file), or pin\n"
	       "the server's own certificate by the SHA-256 fingerprint the test printed above: compare it\n"
	       "first with what the server's administrator says, or you may be pinning an impostor.\n");
	for (;;) {
		char *file = ask("CA file (PEM), or Enter to pin the fingerprint instead: ");
		char why[200];
		if (!file)
			return -1;
		if (!*file) {
			free(file);
			break;
		}
		char *path = lib_path_expand(file);
		free(file);
		if (net_tls_ca_file_check(path, why, sizeof(why)) == 0) {
			free(s->tls_ca_file);
			free(s->tls_fingerprint);
			s->tls_ca_file = path;
			s->tls_fingerprint = NULL;
			return 0;
		}
		printf("%s: %s\n", path, why);
		free(path);
	}
	for (;;) {
		char *pin = ask("Fingerprint (sha256:...): ");
		char *why = NULL;
		if (!pin)
			return -1;
		if (conf_value_check(CONF_K_TLS_FINGERPRINT, &pin, &why) == 0) {
			free(s->tls_ca_file);
			free(s->tls_fingerprint);
			s->tls_ca_file = NULL;
			s->tls_fingerprint = pin; /* canonical: 64 lowercase hex digits */
			return 0;
		}
		printf("%s\n", why);
		free(why);
		free(pin);
	}
}

/* Lets the user correct every server. -1 at end of input. */
static int edit_servers(struct setup *s)
{
	struct cli_whatis *w = &s->w;
	char prompt[512];

	printf("Enter a new URL, or just Enter to keep the one shown.\n");
	snprintf(prompt, sizeof(prompt), "IMAP [%s]: ", w->imap.url[0] ? w->imap.url : "none");
	if (ask_url(prompt, CONF_K_IMAP, w->imap.url, sizeof(w->imap.url)) < 0)
		return -1;
	snprintf(prompt, sizeof(prompt), "POP3 [%s]: ", w->pop3.url[0] ? w->pop3.url : "none");
	if (ask_url(prompt, CONF_K_POP3, w->pop3.url, sizeof(w->pop3.url)) < 0)
		return -1;
	snprintf(prompt, sizeof(prompt), "SMTP [%s]: ", w->smtp.url[0] ? w->smtp.url : "none");
	if (ask_url(prompt, CONF_K_SMTP, w->smtp.url, sizeof(w->smtp.url)) < 0)
		return -1;
	char *user = ask("Login name (Enter keeps it): ");
	if (!user)
		return -1;
	if (*user)
		snprintf(w->user, sizeof(w->user), "%s", user);
	free(user);
	return 0;
}

static int ask_protocol(struct setup *s)
{
	s->use_pop3 = 0;
	if (!s->w.imap.url[0] || !s->w.pop3.url[0]) {
		s->use_pop3 = !s->w.imap.url[0];
		return 0;
	}
	printf("IMAP keeps your mail on the server: every device sees the same folders (a copy here).\n"
	       "POP3 downloads it to this computer and removes it from the server (a move).\n");
	int c = ask_choice("Use [i]MAP or [p]OP3? [i] ", "ip", 'i');
	if (!c)
		return -1;
	s->use_pop3 = c == 'p';
	return 0;
}

/* How tern logs in: the login name, then the way; the secret itself is
 * asked with no echo. */
static int ask_login(struct setup *s)
{
	struct buf wanted = BUF_INIT;
	int login = s->w.login;
	int c = 'p';
	char prompt_user[300];

	snprintf(prompt_user, sizeof(prompt_user), "Login name [%s]: ", s->w.user);
	char *user = ask(prompt_user);
	if (!user)
		return -1;
	if (*user)
		snprintf(s->w.user, sizeof(s->w.user), "%s", user);
	free(user);

	cli_whatis_describe_login(&s->w, &wanted);
	printf("Login: %s.\n", wanted.data);
	buf_free(&wanted);
	if ((login & CONF_LOGIN_OAUTH2) && !(login & ~CONF_LOGIN_OAUTH2))
		c = 'o';
	else if (login & CONF_LOGIN_OAUTH2)
		c = ask_choice("Log in with a [p]assword or [o]Auth2? [p] ", "po", 'p');
	if (!c)
		return -1;
	if (c == 'o') {
		char *suggestion = cli_whatis_oauth2_suggestion(&s->w);
		printf("tern runs a command that prints an OAuth2 access token, such as tern-oauth2\n"
		       "(describe the account in ~/.config/tern/oauth2.conf and sign in once with\n"
		       "tern-oauth2 --authorize %s; see OAUTH2 in tern(1)).\n", s->w.name);
		char prompt[600];
		snprintf(prompt, sizeof(prompt), "Token command [%s]: ", suggestion);
		char *command = ask(prompt);
		if (!command) {
			free(suggestion);
			return -1;
		}
		s->oauth2_command = *command ? command : suggestion;
		if (*command)
			free(suggestion);
		else
			free(command);
		return 0;
	}
	printf("Where should the password live? Best in a password manager that tern asks with a command.\n");
	c = ask_choice("[c]ommand that prints it (e.g. pass show mail/x), [s]ave it in the mailrc (clear text, "
	               "mode 600), or [n]owhere (type it when tern asks)? [c] ", "csn", 'c');
	if (!c)
		return -1;
	if (c == 'c') {
		char *command = ask("Password command: ");
		if (!command)
			return -1;
		if (*command) {
			s->password_command = command;
			return 0;
		}
		free(command);
	}
	s->save_password = c == 's';
	char prompt[600];
	snprintf(prompt, sizeof(prompt), "Password for %s (not shown): ", s->w.user);
	s->password = cli_read_secret(prompt);
	if (!s->password)
		return -1;
	return 0;
}

static int line_is_account(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "account", 7) == 0 && (p[7] == ' ' || p[7] == '\t')) {
			const char *n = p + 7 + strspn(p + 7, " \t");
			if (strncmp(n, name, len) == 0 && (n[len] == '\n' || n[len] == ' ' || n[len] == '\0'))
				return 1;
		}
	}
	return 0;
}

/* The mailrc text: existing (may be NULL) and then the new block. With
 * for_test, the typed password is given to the test through the
 * environment (a password-command line that only the test file has). */
static char *mailrc_text(struct setup *s, const char *existing, int for_test)
{
	struct buf text = BUF_INIT;
	struct cli_account_block choice = { 0 };

	choice.from = s->from;
	choice.use_pop3 = s->use_pop3;
	choice.oauth2_command = s->oauth2_command;
	choice.password_command = s->password_command;
	choice.tls_ca_file = s->tls_ca_file;
	choice.tls_fingerprint = s->tls_fingerprint;
	if (s->password && s->save_password)
		choice.password = s->password;
	else if (s->password && for_test)
		choice.password_command = "printenv " SETUP_PASSWORD_ENV;
	if (existing) {
		buf_addstr(&text, existing);
		if (text.len && text.data[text.len - 1] != '\n')
			buf_addch(&text, '\n');
		buf_addch(&text, '\n');
	} else {
		buf_addstr(&text, "# tern mailrc, written by tern's set-up. See mailrc(5) and mailrc.sample;\n"
		                  "# check it with tern --check-config.\n\n");
	}
	cli_whatis_account_block(&s->w, &choice, &text);
	return buf_detach(&text);
}

/* Runs tern -F file --test-account name with its output on the terminal;
 * returns its exit status (-1 if it could not run). Ctrl-C stops the test
 * only: this process lives on to remove file, which may hold passwords. */
static int run_test(const char *file, const char *name, const char *password)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;

	fflush(stdout);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	pid_t pid = fork();
	if (pid < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (password)
			setenv(SETUP_PASSWORD_ENV, password, 1);
		char *argv[] = { "tern", "-F", (char *)file, "--test-account", (char *)name, NULL };
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	int status, rc = 0;
	while ((rc = (int)waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (rc < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int write_file(const char *path, const char *text, char **why)
{
	return lib_file_write_durable(path, text, strlen(text), 0600, why);
}

/* Reads path into a string (caller frees), NULL when it does not exist. */
static char *read_existing(const char *path)
{
	FILE *fp = fopen(path, "r");
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!fp)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&text, chunk, n);
	fclose(fp);
	return buf_detach(&text);
}

/* The account written to a temporary mailrc beside the target and
 * tested there (tern --test-account): its exit status, or -1 when the
 * file could not be written (said). */
static int test_account(struct setup *s, const char *target, const char *existing)
{
	char *test_text = mailrc_text(s, existing, 1);
	char *tmp = xasprintf("%s.setup-XXXXXX", target);
	int fd = mkstemp(tmp);
	int written = fd >= 0;

	if (written) {
		size_t len = strlen(test_text);
		written = write(fd, test_text, len) == (ssize_t)len && fsync(fd) == 0;
		close(fd);
	}
	explicit_bzero(test_text, strlen(test_text));
	free(test_text);
	if (!written) {
		fprintf(stderr, "tern: setup: cannot write %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	printf("\nTesting the account (tern --test-account %s)...\n", s->w.name);
	int status = run_test(tmp, s->w.name, s->save_password ? NULL : s->password);
	unlink(tmp);
	free(tmp);
	return status;
}

enum { STEP_ADDRESS, STEP_SERVERS, STEP_PROTOCOL, STEP_LOGIN, STEP_TEST, STEP_SAVE, STEP_CANCEL };

/* The test failed (exit status): what to do next, as the user chooses. */
static int after_failed_test(struct setup *s, int status)
{
	if (status == lib_error_exit_code(LIB_ERR_USAGE))
		printf("This tern could not test the account (no --test-account): nothing was checked.\n");
	else
		printf("The test failed (exit %d). The lines marked above say what to change: "
		       "usually the password (or an app password), the server, or its port and security.\n",
		       status);
	int c = ask_choice(s->password ? "[p]assword again, [e]dit the servers, [t]rust a certificate, [r]estart, "
	                                 "[s]ave anyway, or [q]uit? "
	                               : "[l]ogin again, [e]dit the servers, [t]rust a certificate, [r]estart, "
	                                 "[s]ave anyway, or [q]uit? ",
	                   s->password ? "pldetrsq" : "ldetrsq", 0);
	switch (c) {
	case 't':
		return ask_tls(s) < 0 ? STEP_CANCEL : STEP_TEST; /* test again as it is */
	case 'p':
	case 'l':
		return STEP_LOGIN;
	case 'e':
		return STEP_SERVERS;
	case 'r':
		return STEP_ADDRESS;
	case 0:
	case 'q':
		return STEP_CANCEL;
	default: /* s */
		return STEP_SAVE;
	}
}

/* Asks what the step needs; -1 when the user stopped. */
static int ask_step(struct setup *s, int step)
{
	if (step == STEP_ADDRESS) {
		setup_clear(s);
		if (ask_address(s) < 0 || ask_missing_servers(s) < 0)
			return -1;
		step = STEP_PROTOCOL;
	}
	/* Editing the servers keeps the login; a new login keeps the servers. */
	if (step == STEP_SERVERS && (edit_servers(s) < 0 || ask_protocol(s) < 0))
		return -1;
	if (step == STEP_PROTOCOL && ask_protocol(s) < 0)
		return -1;
	if (step == STEP_PROTOCOL || step == STEP_LOGIN) {
		free(s->password_command);
		free(s->oauth2_command);
		if (s->password)
			explicit_bzero(s->password, strlen(s->password));
		free(s->password);
		s->password = s->password_command = s->oauth2_command = NULL;
		if (ask_login(s) < 0)
			return -1;
	}
	return 0;
}

/* The mailrc written for good: the exit code. */
static int save_account(struct setup *s, const char *target, const char *existing, int then_read)
{
	char *text = mailrc_text(s, existing, 0);
	char *why = NULL;
	int rc = write_file(target, text, &why);

	explicit_bzero(text, strlen(text));
	free(text);
	if (rc < 0) {
		fprintf(stderr, "tern: setup: %s\n", why);
		free(why);
		return lib_error_exit_code(LIB_ERR_CONFIG);
	}
	printf("Wrote %s (mode 600), account %s.\n", target, s->w.name);
	if (s->password && !s->save_password)
		printf("The password is not saved: tern asks for it when it starts; a password-command line\n"
		       "(e.g. password-command \"pass show mail/%s\") spares you typing it.\n", s->w.name);
	if (then_read) {
		char *enter = ask("Press Enter to read your mail. ");
		free(enter);
	}
	return 0;
}

int cli_setup(const char *path, int then_read)
{
	char *target = NULL, *existing = NULL, *dir = NULL;
	struct setup s;
	int exit_code = 1;

	memset(&s, 0, sizeof(s));
	/* Unbuffered: a line typed ahead stays in the terminal for the next
	 * question (the password is read from /dev/tty, not from stdin). */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (path) {
		target = lib_path_expand(path);
	} else {
		char *home = lib_path_config_home();
		target = xasprintf("%s/tern/mailrc", home);
		free(home);
	}
	printf("tern set-up: this writes the account to %s.\n", target);
	existing = read_existing(target);
	if (existing) {
		printf("%s already exists.\n", target);
		int c = ask_choice("[a]dd an account to it, [o]verwrite it, or [q]uit? [a] ", "aoq", 'a');
		if (c == 'q' || !c)
			goto out;
		if (c == 'o') {
			free(existing);
			existing = NULL;
		}
	} else {
		printf("Answer a few questions; an empty address stops.\n");
	}
	dir = lib_path_dirname(target);
	if (lib_mkdirs(dir, 0700) < 0) {
		fprintf(stderr, "tern: setup: cannot create %s: %s\n", dir, strerror(errno));
		exit_code = lib_error_exit_code(LIB_ERR_CONFIG);
		goto out;
	}

	int step = STEP_ADDRESS;
	for (;;) {
		if (ask_step(&s, step) < 0)
			goto cancelled;
		/* An account name not already in the file. */
		size_t base = strlen(s.w.name);
		for (int i = 2; existing && line_is_account(existing, s.w.name) && i < 100; i++)
			snprintf(s.w.name + base, sizeof(s.w.name) - base, "%d", i);
		int status = test_account(&s, target, existing);
		if (status < 0) {
			exit_code = lib_error_exit_code(LIB_ERR_CONFIG);
			goto out;
		}
		if (status == 0) {
			printf("The test passed.\n");
			step = STEP_SAVE;
		} else {
			step = after_failed_test(&s, status);
		}
		if (step == STEP_CANCEL)
			goto cancelled;
		if (step == STEP_SAVE) {
			exit_code = save_account(&s, target, existing, then_read);
			goto out;
		}
	}
cancelled:
	printf("\nSet-up stopped; nothing was written.\n");
out:
	setup_clear(&s);
	free(existing);
	free(dir);
	free(target);
	return exit_code;
}
