/* What the reader changed before the server said yes: a sorted set of
 * uids (the tags, the messages this session marked deleted), and the flag
 * changes sent but not yet confirmed. A change shows at once; a snapshot
 * of the folder taken before the server applied it gets it again
 * (model_pending_flags_apply), and a refusal rolls it back. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "../lib/lib.h"

/* The index of the first uid >= uid. */
static size_t uid_set_find(const struct model_uid_set *set, uint32_t uid)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int model_uid_set_has(const struct model_uid_set *set, uint32_t uid)
{
	size_t i = uid_set_find(set, uid);
	return i < set->n && set->uids[i] == uid;
}

void model_uid_set_put(struct model_uid_set *set, uint32_t uid, int on)
{
	size_t i = uid_set_find(set, uid);
	int there = i < set->n && set->uids[i] == uid;
	if (on && !there) {
		set->uids = xrealloc(set->uids, (set->n + 1) * sizeof(*set->uids));
		memmove(set->uids + i + 1, set->uids + i, (set->n - i) * sizeof(*set->uids));
		set->uids[i] = uid;
		set->n++;
	} else if (!on && there) {
		memmove(set->uids + i, set->uids + i + 1, (set->n - i - 1) * sizeof(*set->uids));
		set->n--;
	}
}

void model_uid_set_clear(struct model_uid_set *set)
{
	free(set->uids);
	set->uids = NULL;
	set->n = 0;
}

void model_mailbox_set_flags(struct model_mailbox *mbox, const uint32_t *uids, size_t n, unsigned flags, int add)
{
	for (size_t i = 0; i < n; i++) {
		struct model_summary *s = model_mailbox_find_uid(mbox, uids[i]);
		if (s)
			s->flags = add ? s->flags | flags : s->flags & ~flags;
	}
}

void model_pending_flags_add(struct model_pending_flags *pending, const uint32_t *uids, size_t n, unsigned flags,
                             int add)
{
	pending->changes = xrealloc(pending->changes, (pending->n + 1) * sizeof(*pending->changes));
	struct model_flag_change *c = &pending->changes[pending->n++];
	c->uids = xmalloc((n ? n : 1) * sizeof(*uids));
	memcpy(c->uids, uids, n * sizeof(*uids));
	c->n = n;
	c->flags = flags;
	c->add = add;
}

int model_pending_flags_done(struct model_pending_flags *pending, const uint32_t *uids, size_t n, unsigned flags,
                             int add)
{
	for (size_t i = 0; i < pending->n; i++) {
		struct model_flag_change *c = &pending->changes[i];
		if (c->n == n && c->flags == flags && c->add == add && memcmp(c->uids, uids, n * sizeof(*uids)) == 0) {
			free(c->uids);
			memmove(c, c + 1, (pending->n - i - 1) * sizeof(*c));
			pending->n--;
			return 1;
		}
	}
	return 0;
}

void model_pending_flags_apply(const struct model_pending_flags *pending, struct model_mailbox *mbox)
{
	for (size_t i = 0; i < pending->n; i++) {
		const struct model_flag_change *c = &pending->changes[i];
		model_mailbox_set_flags(mbox, c->uids, c->n, c->flags, c->add);
	}
}

void model_pending_flags_clear(struct model_pending_flags *pending)
{
	for (size_t i = 0; i < pending->n; i++)
		free(pending->changes[i].uids);
	free(pending->changes);
	pending->changes = NULL;
	pending->n = 0;
}
