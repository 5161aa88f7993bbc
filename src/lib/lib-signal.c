/* A signal caught by a handler that does nothing. Unlike SIG_IGN, which
 * a program passes on to every command it runs, a caught signal is back
 * to its default in them (exec resets it). */
#include "lib.h"

#include <signal.h>
#include <stddef.h>

static void nothing(int sig)
{
	(void)sig;
}

void lib_signal_quiet(int sig, struct sigaction *old)
{
	struct sigaction quiet = { .sa_handler = nothing, .sa_flags = SA_RESTART };
	sigemptyset(&quiet.sa_mask);
	sigaction(sig, &quiet, old);
}
