/* local: Maildir and mbox folders on this machine, read and written as
 * folders of the model; POP3 downloads land here too. No UI. */
#ifndef TERN_LOCAL_H
#define TERN_LOCAL_H

/* Maildir file names carry flags after ":2," as sorted letters
 * (D draft, F flagged, R replied, S seen, T trashed). Returns the
 * model flags of a file name; unknown letters are ignored. */
unsigned local_maildir_flags_parse(const char *filename);
/* Writes ":2," and the letters of flags, sorted, into out. */
void local_maildir_flags_format(unsigned flags, char out[9]);

#endif
