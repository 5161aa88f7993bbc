/* store: the header cache behind struct store_ops (Tokyo Cabinet now,
 * another backend is one file) and the per-folder sync state. */
#ifndef TERN_STORE_H
#define TERN_STORE_H

/* "Tokyo Cabinet 1.4.48" (borrowed, static). */
const char *store_backend_version(void);

#endif
