/* The reader's optimistic changes below the UI: the uid set of tags and
 * deletes, and flag changes the server has not confirmed yet, re-applied
 * to a fresh snapshot and rolled back on a refusal. */
#include "../tap.h"

#include "model/model.h"

static struct model_mailbox *three(void)
{
	struct model_mailbox *mbox = model_mailbox_new();
	for (uint32_t uid = 1; uid <= 3; uid++)
		model_mailbox_add(mbox, &(struct model_summary){ .uid = uid, .subject = "s" });
	return mbox;
}

static unsigned flags_of(struct model_mailbox *mbox, uint32_t uid)
{
	return model_mailbox_find_uid(mbox, uid)->flags;
}

int main(void)
{
	struct model_uid_set set = { 0 };
	model_uid_set_put(&set, 9, 1);
	model_uid_set_put(&set, 3, 1);
	model_uid_set_put(&set, 5, 1);
	model_uid_set_put(&set, 3, 1);
	is_int((long)set.n, 3, "a uid put twice is in the set once");
	ok(set.uids[0] == 3 && set.uids[1] == 5 && set.uids[2] == 9, "the set stays sorted");
	ok(model_uid_set_has(&set, 5) && !model_uid_set_has(&set, 4), "has finds members only");
	model_uid_set_put(&set, 5, 0);
	model_uid_set_put(&set, 6, 0);
	ok(set.n == 2 && !model_uid_set_has(&set, 5), "a uid taken out is gone; an absent one changes nothing");
	model_uid_set_clear(&set);
	ok(set.n == 0 && !set.uids, "clear empties the set");

	struct model_mailbox *mbox = three();
	struct model_pending_flags pending = { 0 };
	uint32_t uids[] = { 1, 3 }, missing[] = { 7 };
	model_mailbox_set_flags(mbox, uids, 2, MODEL_F_SEEN, 1);
	model_pending_flags_add(&pending, uids, 2, MODEL_F_SEEN, 1);
	ok((flags_of(mbox, 1) & MODEL_F_SEEN) && !(flags_of(mbox, 2) & MODEL_F_SEEN) && (flags_of(mbox, 3) & MODEL_F_SEEN),
	   "a flag change shows at once on the messages it names");
	model_mailbox_set_flags(mbox, missing, 1, MODEL_F_SEEN, 1);
	ok(model_mailbox_count(mbox) == 3, "a uid not in the folder is passed over");

	/* a snapshot the worker took before the server applied the change */
	model_mailbox_free(mbox);
	mbox = three();
	model_pending_flags_apply(&pending, mbox);
	ok((flags_of(mbox, 1) & MODEL_F_SEEN) && (flags_of(mbox, 3) & MODEL_F_SEEN),
	   "an unconfirmed change is applied again to a fresh snapshot");

	uint32_t other[] = { 1 };
	ok(!model_pending_flags_done(&pending, other, 1, MODEL_F_SEEN, 1), "an answer for other uids forgets nothing");
	ok(!model_pending_flags_done(&pending, uids, 2, MODEL_F_SEEN, 0), "an answer for the other direction forgets nothing");
	ok(model_pending_flags_done(&pending, uids, 2, MODEL_F_SEEN, 1), "the server's answer forgets the change");
	is_int((long)pending.n, 0, "nothing is pending after the answer");

	/* refused: rolled back, and no later snapshot brings it back */
	model_pending_flags_add(&pending, uids, 2, MODEL_F_FLAGGED, 1);
	model_mailbox_set_flags(mbox, uids, 2, MODEL_F_FLAGGED, 1);
	model_pending_flags_done(&pending, uids, 2, MODEL_F_FLAGGED, 1);
	model_mailbox_set_flags(mbox, uids, 2, MODEL_F_FLAGGED, 0);
	model_pending_flags_apply(&pending, mbox);
	ok(!(flags_of(mbox, 1) & MODEL_F_FLAGGED) && !(flags_of(mbox, 3) & MODEL_F_FLAGGED),
	   "a refused change rolled back stays rolled back");

	model_pending_flags_add(&pending, uids, 2, MODEL_F_DELETED, 0);
	model_pending_flags_add(&pending, uids, 1, MODEL_F_SEEN, 0);
	model_pending_flags_clear(&pending);
	ok(pending.n == 0 && !pending.changes, "clear forgets every pending change");
	model_mailbox_free(mbox);
	return tap_done();
}
