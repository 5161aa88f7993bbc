/* The bottom line as a small line editor (questions, file names, search
 * strings, folder names with Tab completion), and leaving curses for a
 * while to run a command the user asked for (pipe, mailcap, pager). */
#define _GNU_SOURCE
#include "ui-screen.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Deletes the last UTF-8 character of b. */
static void backspace(struct buf *b)
{
	while (b->len > 0) {
		unsigned char c = (unsigned char)b->data[--b->len];
		if ((c & 0xc0) != 0x80)
			break;
	}
	if (b->data)
		b->data[b->len] = '\0';
}

static void complete(struct buf *b, char **choices, size_t n)
{
	const char *first = NULL;
	size_t common = 0;

	for (size_t i = 0; i < n; i++) {
		if (strncmp(choices[i], b->data ? b->data : "", b->len) != 0)
			continue;
		if (!first) {
			first = choices[i];
			common = strlen(first);
		} else {
			size_t k = 0;
			while (k < common && first[k] == choices[i][k])
				k++;
			common = k;
		}
	}
	if (first && common > b->len)
		buf_add(b, first + b->len, common - b->len);
}

char *ui_prompt(struct ui *ui, const char *question, const char *initial, char **choices, size_t nchoices)
{
	struct buf line = BUF_INIT;
	char *answer = NULL;

	buf_addstr(&line, initial ? initial : "");
	buf_reset(&ui->message); /* a message over several rows leaves none above the question */
	ui_draw_message(ui);
	nodelay(stdscr, FALSE);
	curs_set(1);
	for (;;) {
		struct buf shown = BUF_INIT;
		lib_sanitize(&shown, question, strlen(question), LIB_SANITIZE_LINE);
		lib_sanitize(&shown, line.data ? line.data : "", line.len, LIB_SANITIZE_LINE);
		ui_move(ui_lines() - 1, 0);
		ui_clrtoeol();
		ui_attrset(ui->colors[KEYMAP_COLOR_MESSAGE]);
		ui_draw_text(shown.data, (size_t)ui_cols() - 1);
		ui_attrset(A_NORMAL);
		ui_move(ui_lines() - 1, (int)(lib_utf8_width(shown.data, shown.len) < (size_t)ui_cols() - 1
		                          ? lib_utf8_width(shown.data, shown.len) : (size_t)ui_cols() - 1));
		buf_free(&shown);
		ui_refresh();
		wint_t ch;
		int rc = get_wch(&ch);
		if (rc == ERR && ui_ending()) { /* a hangup: the terminal may be gone for good */
			buf_free(&line);
			line.data = NULL;
			goto done;
		}
		if (rc == ERR)
			continue;
		if (rc == KEY_CODE_YES) {
			if (ch == KEY_BACKSPACE)
				backspace(&line);
			else if (ch == KEY_ENTER)
				break;
			continue;
		}
		if (ch == '\r' || ch == '\n') {
			break;
		} else if (ch == 7 || ch == 27) { /* ^G, Esc */
			buf_free(&line);
			line.data = NULL;
			goto done;
		} else if (ch == 127 || ch == 8) {
			backspace(&line);
		} else if (ch == 21) { /* ^U */
			buf_reset(&line);
		} else if (ch == '\t' && choices) {
			complete(&line, choices, nchoices);
		} else if (ch >= 0x20) {
			char utf8[8];
			int n = wctomb(utf8, (wchar_t)ch);
			if (n > 0)
				buf_add(&line, utf8, (size_t)n);
		}
	}
	answer = buf_detach(&line);
done:
	curs_set(0);
	nodelay(stdscr, TRUE);
	ui_move(ui_lines() - 1, 0);
	ui_clrtoeol();
	return answer;
}

int ui_yesno(struct ui *ui, const char *question)
{
	char *full = xasprintf("%s ([yes]/no): ", question);
	char *answer = ui_prompt(ui, full, NULL, NULL, 0);
	int yes = answer && (*answer == '\0' || *answer == 'y' || *answer == 'Y');
	free(full);
	free(answer);
	return yes;
}

void ui_run_command(struct ui *ui, const char *command, const char *input, size_t len, int wait_key)
{
	(void)ui;
	def_prog_mode();
	endwin();
	/* ^C stops the command, not tern */
	struct sigaction old_int, old_quit;
	lib_signal_quiet(SIGINT, &old_int);
	lib_signal_quiet(SIGQUIT, &old_quit);
	struct lib_child child;
	if (lib_run_start(command, input ? LIB_RUN_WRITE : LIB_RUN_TERMINAL, &child) == 0) {
		/* a command that stops reading early is fine (EPIPE) */
		for (size_t done = 0; input && done < len;) {
			ssize_t n = write(child.fd, input + done, len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			done += (size_t)n;
		}
		int status = lib_run_wait(&child);
		if (status != 0)
			fprintf(stderr, "\n(the command exited with status %d)\n",
			        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	} else {
		fprintf(stderr, "\n(the command could not be started: %s)\n", strerror(errno));
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (wait_key) {
		fputs("Press Enter to go back to tern.", stdout);
		fflush(stdout);
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
	}
	reset_prog_mode();
	clearok(curscr, TRUE);
	ui_refresh();
}
