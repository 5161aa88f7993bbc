/* imap: IMAP sessions on libetpan's low-level mailimap_* API (no UI):
 * login, folder list, sync with CONDSTORE/QRESYNC, fetches, flag stores. */
#ifndef TERN_IMAP_H
#define TERN_IMAP_H

/* Writes "libetpan MAJOR.MINOR" into out. */
void imap_library_version(char *out, unsigned size);

#endif
