/* pop: POP3 sessions (libetpan inside, no UI): list, download into a
 * local Maildir, delete only what is durable locally. */
#ifndef TERN_POP_H
#define TERN_POP_H

/* RFC 1939 section 7: a unique-id is 1 to 70 characters from 0x21 to
 * 0x7E. Anything else is a malformed reply and never used to match or
 * delete a message. Returns 1 when uidl is valid. */
int pop_uidl_valid(const char *uidl);

#endif
