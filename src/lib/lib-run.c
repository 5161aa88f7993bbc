/* The one way tern starts a command the user configured (editor, pipe,
 * mailcap viewer and test, html-filter, password and token commands,
 * new-mail-command): `/bin/sh -c COMMAND` in a child whose descriptors
 * above 2 are all closed before exec, so no header cache, socket, lock or
 * pipe of tern's (nor of a library's) reaches it, whatever flags they were
 * opened with. The child starts with no signal blocked and SIGINT, SIGQUIT
 * and SIGPIPE at their defaults.
 *
 * The child runs only async-signal-safe calls between fork and exec: tern
 * has threads, so everything it needs (argv, environment, /dev/null) is
 * made before the fork. */
#define _GNU_SOURCE
#include "lib.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* environ with the "NAME=value" strings of add put in place of the same
 * names; the array is the caller's to free (its strings are borrowed). */
static char **environment(const char *const *add)
{
	size_t n = 0, extra = 0;
	while (environ[n])
		n++;
	while (add && add[extra])
		extra++;
	char **env = xcalloc(n + extra + 1, sizeof(*env));
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		size_t name = strcspn(environ[i], "=");
		int replaced = 0;
		for (size_t a = 0; a < extra && !replaced; a++)
			replaced = strncmp(add[a], environ[i], name) == 0 && add[a][name] == '=';
		if (!replaced)
			env[out++] = environ[i];
	}
	for (size_t a = 0; a < extra; a++)
		env[out++] = (char *)add[a];
	return env;
}

static void close_above_stderr(int limit)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < limit; fd++)
		close(fd);
}

/* In the child: stdin, stdout from in and out (-1: keep tern's), then the
 * exec. Never returns. */
static _Noreturn void child_exec(const char *command, int in, int out, int null_stderr, char **env, int limit,
                                 int detach)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGQUIT, &dfl, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	if (in >= 0 && in != 0)
		dup2(in, 0);
	if (out >= 0 && out != 1)
		dup2(out, 1);
	if (null_stderr >= 0)
		dup2(null_stderr, 2);
	close_above_stderr(limit);
	if (detach)
		setsid();
	char *const argv[] = { "sh", "-c", (char *)command, NULL };
	execve("/bin/sh", argv, env);
	_exit(127);
}

static int open_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1 << 20)
		return (int)rl.rlim_cur;
	return 1 << 16;
}

int lib_run_start(const char *command, enum lib_run_io io, struct lib_child *child)
{
	int fds[2] = { -1, -1 };
	child->pid = -1;
	child->fd = -1;
	if (io != LIB_RUN_TERMINAL && pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	char **env = environment(NULL);
	int limit = open_limit();
	pid_t pid = fork();
	if (pid == 0) {
		if (io == LIB_RUN_WRITE)
			child_exec(command, fds[0], -1, -1, env, limit, 0);
		child_exec(command, -1, io == LIB_RUN_READ ? fds[1] : -1, -1, env, limit, 0);
	}
	int saved = errno;
	free(env);
	if (io != LIB_RUN_TERMINAL) {
		close(io == LIB_RUN_WRITE ? fds[0] : fds[1]);
		child->fd = io == LIB_RUN_WRITE ? fds[1] : fds[0];
	}
	if (pid < 0) {
		if (child->fd >= 0)
			close(child->fd);
		child->fd = -1;
		errno = saved;
		return -1;
	}
	child->pid = pid;
	return 0;
}

int lib_run_wait(struct lib_child *child)
{
	int status = -1;
	if (child->fd >= 0)
		close(child->fd);
	child->fd = -1;
	if (child->pid > 0) {
		while (waitpid(child->pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
	}
	child->pid = -1;
	return status;
}

int lib_run(const char *command)
{
	struct lib_child child;
	if (lib_run_start(command, LIB_RUN_TERMINAL, &child) < 0)
		return -1;
	return lib_run_wait(&child);
}

int lib_run_detached(const char *command, const char *const *env_add)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -1;
	char **env = environment(env_add);
	int limit = open_limit();
	pid_t pid = fork();
	if (pid == 0) {
		/* the middle process exits at once: the command is nobody's zombie */
		if (fork() == 0)
			child_exec(command, null, null, null, env, limit, 1);
		_exit(0);
	}
	free(env);
	close(null);
	if (pid < 0)
		return -1;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

int lib_shell_word_safe(const char *text)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-/=:,@";
	return text[strspn(text, safe)] == '\0' && text[0] != '-';
}

void lib_shell_quote(struct buf *out, const char *text)
{
	buf_addch(out, '\'');
	for (; *text; text++)
		if (*text == '\'')
			buf_addstr(out, "'\\''");
		else
			buf_addch(out, *text);
	buf_addch(out, '\'');
}

const char *lib_tmpdir(void)
{
	const char *tmpdir = getenv("TMPDIR");
	return tmpdir && tmpdir[0] == '/' && lib_shell_word_safe(tmpdir) ? tmpdir : "/tmp";
}
