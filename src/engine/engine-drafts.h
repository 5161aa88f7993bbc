/* engine-drafts.h: a draft recalled from the server's Drafts folder, as
 * the compose screen and the outbox name it (engine-drafts.c). */
#ifndef TERN_ENGINE_DRAFTS_H
#define TERN_ENGINE_DRAFTS_H

#include <stdint.h>

/* A recalled draft: its folder (wire name), the folder's UIDVALIDITY
 * when it was read, its uid. */
struct engine_draft_ref {
	char *folder;
	uint32_t uidvalidity, uid;
};
/* "UIDVALIDITY UID FOLDER" and back (for the outbox); parse is -1 when
 * text is not that. format's result is the caller's. */
char *engine_draft_ref_format(const struct engine_draft_ref *ref);
int engine_draft_ref_parse(const char *text, struct engine_draft_ref *ref);
void engine_draft_ref_clear(struct engine_draft_ref *ref);

#endif
