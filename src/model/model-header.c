/* A summary from a message's header block: what the IMAP header fetch and
 * the local Maildir/mbox readers both turn into index rows. */
#include "model.h"

#include <string.h>

#include "../lib/lib.h"
#include "../mime/mime.h"

#define MAX_REFERENCES 64

struct model_summary *model_mailbox_add_header(struct model_mailbox *mbox, uint32_t uid, unsigned flags,
                                               uint32_t size, int64_t date, const char *header, size_t len)
{
	struct mime_envelope env;
	uint64_t refs[MAX_REFERENCES], reply[4];

	mime_envelope_parse(header, len, &env);
	size_t nrefs = model_ids_parse(env.references, strlen(env.references), refs, MAX_REFERENCES);
	size_t nreply = model_ids_parse(env.in_reply_to, strlen(env.in_reply_to), reply, LIB_ARRAY_LEN(reply));
	struct model_summary summary = {
		.uid = uid,
		.flags = flags,
		.size = size,
		.date = env.date ? env.date : date,
		.from = env.from,
		.to = env.to,
		.cc = env.cc,
		.subject = env.subject,
		.message_id = model_id_hash(env.message_id, strlen(env.message_id)),
		.in_reply_to = nreply ? reply[nreply - 1] : 0,
		.references = refs,
		.nreferences = (uint32_t)nrefs,
	};
	struct model_summary *added = model_mailbox_add(mbox, &summary);
	mime_envelope_clear(&env);
	return added;
}
