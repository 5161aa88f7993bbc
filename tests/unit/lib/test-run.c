/* Unit tests: starting commands (lib-run.c): descriptors above 2 never
 * reach the command, shell quoting round-trips any bytes, the detached
 * command gets its environment. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/lib.h"
#include "../tap.h"

/* Runs command and returns what it printed (caller frees). */
static char *output_of(const char *command, int *status)
{
	struct lib_child child;
	struct buf out = BUF_INIT;
	if (lib_run_start(command, LIB_RUN_READ, &child) < 0)
		return NULL;
	char chunk[256];
	ssize_t n;
	while ((n = read(child.fd, chunk, sizeof(chunk))) > 0)
		buf_add(&out, chunk, (size_t)n);
	*status = lib_run_wait(&child);
	return buf_detach(&out);
}

int main(void)
{
	int status;
	/* a descriptor opened without O_CLOEXEC, as libraries do */
	int leaky = open("/dev/null", O_RDONLY);
	ok(leaky > 2, "a descriptor above 2 is open in tern");
	/* the shell's own descriptors, listed by a child while the shell waits:
	 * no pipeline (the shell holds a pipe's ends while it starts the next
	 * stage, so ls saw them now and then), and a command after ls (else
	 * dash execs ls itself, which lists its own directory descriptor) */
	char *fds = output_of("ls /proc/$$/fd; :", &status);
	for (char *p = fds; p && *p; p++)
		if (*p == '\n')
			*p = ' ';
	is_str(fds, "0 1 2 ", "the command sees only 0, 1 and 2");
	ok(status == 0, "and exits 0");
	free(fds);
	close(leaky);

	const char *nasty = "it's $(touch PWNED) `id` \"q\" \\ ; | & \n end";
	struct buf command = BUF_INIT;
	buf_addstr(&command, "printf %s ");
	lib_shell_quote(&command, nasty);
	char *back = output_of(command.data, &status);
	is_str(back, nasty, "lib_shell_quote round-trips quotes, $(), backticks, newline");
	ok(access("PWNED", F_OK) != 0, "nothing in it ran");
	free(back);
	buf_free(&command);

	struct lib_child child;
	ok(lib_run_start("cat > /dev/null; exit 3", LIB_RUN_WRITE, &child) == 0 &&
	   write(child.fd, "abc", 3) == 3, "LIB_RUN_WRITE feeds the command's stdin");
	status = lib_run_wait(&child);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 3, "lib_run_wait returns the wait status");

	ok(lib_shell_word_safe("/tmp/tern-AbC123/x_y-1.pdf") && lib_shell_word_safe("utf-8") &&
	   lib_shell_word_safe("image/svg+xml"), "plain words are safe");
	ok(!lib_shell_word_safe("a b") && !lib_shell_word_safe("a'b") && !lib_shell_word_safe("$x") &&
	   !lib_shell_word_safe("a\nb") && !lib_shell_word_safe("-rf") && !lib_shell_word_safe("~") &&
	   !lib_shell_word_safe("*") && !lib_shell_word_safe("a\\b"), "anything a shell reads is not");

	setenv("TMPDIR", "/tmp/it's here", 1);
	is_str(lib_tmpdir(), "/tmp", "a TMPDIR a shell would misread is not used");
	setenv("TMPDIR", "/var/tmp", 1);
	is_str(lib_tmpdir(), "/var/tmp", "a plain TMPDIR is used");
	unsetenv("TMPDIR");

	char dir[] = "/tmp/tern-run-XXXXXX";
	if (mkdtemp(dir)) {
		char *file = xasprintf("%s/env", dir);
		char *cmd = xasprintf("echo \"$TERN_X:$HOME\" > %s.tmp && mv %s.tmp %s", file, file, file);
		const char *env[] = { "TERN_X=42", NULL };
		ok(lib_run_detached(cmd, env) == 0, "a detached command starts");
		char got[128] = "";
		for (int i = 0; i < 200 && !got[0]; i++) {
			FILE *f = fopen(file, "r");
			if (f) {
				if (!fgets(got, sizeof(got), f))
					got[0] = '\0';
				fclose(f);
			} else {
				usleep(20000);
			}
		}
		char *want = xasprintf("42:%s\n", getenv("HOME") ? getenv("HOME") : "");
		is_str(got, want, "it gets the added variable and keeps the rest of the environment");
		unlink(file);
		rmdir(dir);
		free(want);
		free(cmd);
		free(file);
	}
	return tap_done();
}
