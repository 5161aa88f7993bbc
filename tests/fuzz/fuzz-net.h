/* A fake network for the fuzz targets that drive a protocol session: the
 * target is linked with -Wl,--wrap=net_connect, so the session's own
 * net_connect returns a connection whose far end has already sent the
 * fuzz input and then shut its writing side. The protocol code (tern's
 * stream layer, its read guards, libetpan's parser, tern's session and
 * sync code) reads the bytes a hostile server chose, then EOF. */
#ifndef TERN_FUZZ_NET_H
#define TERN_FUZZ_NET_H

#include <stddef.h>
#include <stdint.h>

/* The bytes the next net_connect's server sends (borrowed for the run).
 * A second connect in the same run gets an empty stream. */
void fuzz_net_input(const uint8_t *data, size_t len);
/* Closes the far ends left open by the run. */
void fuzz_net_done(void);

struct lib_error;
/* With TERN_FUZZ_VERBOSE set in the environment: prints each step's
 * result and error, and fuzz_net_done prints what the client sent. */
void fuzz_step(const char *what, int result, const struct lib_error *err);

#endif
