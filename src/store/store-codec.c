/* The cache's record formats. Everything read here comes from disk and
 * may be garbage: every length is checked against the bytes left before
 * it is used, every record ends with a checksum of all its bytes, and a
 * decoder reports "broken" rather than guess.
 *
 * Integers are LEB128 varints (signed ones zigzagged), ids 8 bytes little
 * endian. A record is a kind byte, its fields, then the checksum:
 *   meta   'M' uidvalidity uidnext highestmodseq cut_bits total nblocks
 *              { first_uid (delta from the previous block's) count hash }
 *   flags  'F' count { flags }
 *   block  'B' first_uid count { summary }
 *   summary: uid (delta - 1 from the previous; none for the first),
 *            bits, size, date (delta from the previous), from, to, cc,
 *            subject, [message_id], nreferences { id }, [in_reply_to]
 * A string is a varint tag: len << 1 then len bytes for a new string, or
 * index << 1 | 1 for the index-th new string of the same block, so a
 * list address repeated down a block is stored, and loaded, once. */
#include "store-private.h"

#include <stdlib.h>
#include <string.h>

enum {
	SUMMARY_HAS_MESSAGE_ID = 1 << 0,
	SUMMARY_HAS_IN_REPLY_TO = 1 << 1,      /* the id follows the references */
	SUMMARY_REPLY_IS_LAST_REF = 1 << 2,    /* in_reply_to == the last reference, as usual */
	SUMMARY_BITS_KNOWN = 7,
};

static uint64_t load64le(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t rotl64(uint64_t v, int n)
{
	return v << n | v >> (64 - n);
}

static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53u;
	h ^= h >> 33;
	return h;
}

/* Two independent multiply-rotate lanes over 8-byte words (after the
 * xxHash64 round), so the multiplies overlap. */
uint64_t store_hash(const void *data, size_t len)
{
	const uint64_t p1 = 0x9e3779b185ebca87u, p2 = 0xc2b2ae3d27d4eb4fu;
	const unsigned char *p = data;
	uint64_t a = 0x27d4eb2f165667c5u ^ len, b = 0x165667b19e3779f9u;
	size_t n = len;

	for (; n >= 16; n -= 16, p += 16) {
		a = rotl64(a + load64le(p) * p2, 31) * p1;
		b = rotl64(b + load64le(p + 8) * p2, 31) * p1;
	}
	if (n >= 8) {
		a = rotl64(a + load64le(p) * p2, 31) * p1;
		n -= 8;
		p += 8;
	}
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++)
		last |= (uint64_t)p[i] << (8 * i);
	b = rotl64(b + (last ^ n) * p2, 31) * p1;
	return fmix64(a ^ rotl64(b, 17));
}

int store_block_cut(uint32_t uid, unsigned cut_bits)
{
	return (uint32_t)(uid * 0x9e3779b1u) >> (32 - cut_bits) == 0;
}

unsigned store_block_cut_bits(size_t n, uint32_t first, uint32_t last, unsigned prev)
{
	/* One cut per STORE_BLOCK_AVG * (uids per message) uids on average. */
	double span = n ? (double)last - first + 1 : 1;
	double want = STORE_BLOCK_AVG * (n ? span / n : 1);
	unsigned bits = 1;

	/* The power of two nearest to want, on a log scale. */
	while (bits < 31 && (double)(1u << bits) < want / 1.4142)
		bits++;
	if (prev >= 1 && prev <= 31 && (double)(1u << prev) >= want / 2 && (double)(1u << prev) <= want * 2)
		return prev;
	return bits;
}

/* ---- writing ---- */

static void put_varint(struct buf *out, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (unsigned char)v;
	buf_add(out, tmp, n);
}

static void put_u64(struct buf *out, uint64_t v)
{
	unsigned char tmp[8];

	for (int i = 0; i < 8; i++)
		tmp[i] = (unsigned char)(v >> (8 * i));
	buf_add(out, tmp, 8);
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static uint64_t finish_record(struct buf *out, size_t start)
{
	uint64_t sum = store_hash(out->data + start, out->len - start);

	put_u64(out, sum);
	return sum;
}

/* The block's distinct strings, found again through an open-addressing
 * table of indexes + 1 (0 is empty). */
struct string_table {
	const char **text;
	size_t *len;
	size_t count;
	uint32_t *slots;
	size_t nslots;                   /* a power of two */
};

static uint32_t string_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void put_string(struct buf *out, struct string_table *table, const char *s)
{
	size_t len = strlen(s);

	if (len == 0) {
		put_varint(out, 0);
		return;
	}
	size_t mask = table->nslots - 1, slot = string_hash(s, len) & mask;
	for (; table->slots[slot]; slot = (slot + 1) & mask) {
		size_t index = table->slots[slot] - 1;
		if (table->len[index] == len && memcmp(table->text[index], s, len) == 0) {
			put_varint(out, (uint64_t)index << 1 | 1);
			return;
		}
	}
	table->slots[slot] = (uint32_t)++table->count;
	table->text[table->count - 1] = s;
	table->len[table->count - 1] = len;
	put_varint(out, (uint64_t)len << 1);
	buf_add(out, s, len);
}

uint64_t store_block_encode(struct buf *out, const struct model_summary *s, size_t n)
{
	struct string_table table;
	size_t start = out->len;
	int64_t prev_date = 0;

	/* At most 4n strings: a table at most half full. */
	table.nslots = 16;
	while (table.nslots < 8 * n)
		table.nslots *= 2;
	table.slots = xcalloc(table.nslots, sizeof(*table.slots));
	table.text = xmalloc(4 * n * sizeof(*table.text));
	table.len = xmalloc(4 * n * sizeof(*table.len));
	table.count = 0;

	buf_addch(out, 'B');
	put_varint(out, s[0].uid);
	put_varint(out, n);
	for (size_t i = 0; i < n; i++) {
		const struct model_summary *m = &s[i];
		unsigned bits = 0;

		if (m->message_id)
			bits |= SUMMARY_HAS_MESSAGE_ID;
		if (m->in_reply_to && m->nreferences && m->in_reply_to == m->references[m->nreferences - 1])
			bits |= SUMMARY_REPLY_IS_LAST_REF;
		else if (m->in_reply_to)
			bits |= SUMMARY_HAS_IN_REPLY_TO;
		if (i > 0)
			put_varint(out, (uint64_t)m->uid - s[i - 1].uid - 1);
		put_varint(out, bits);
		put_varint(out, m->size);
		put_varint(out, zigzag((int64_t)((uint64_t)m->date - (uint64_t)prev_date)));
		prev_date = m->date;
		put_string(out, &table, m->from);
		put_string(out, &table, m->to);
		put_string(out, &table, m->cc);
		put_string(out, &table, m->subject);
		if (bits & SUMMARY_HAS_MESSAGE_ID)
			put_u64(out, m->message_id);
		put_varint(out, m->nreferences);
		for (uint32_t r = 0; r < m->nreferences; r++)
			put_u64(out, m->references[r]);
		if (bits & SUMMARY_HAS_IN_REPLY_TO)
			put_u64(out, m->in_reply_to);
	}
	free(table.slots);
	free(table.text);
	free(table.len);
	return finish_record(out, start);
}

void store_meta_encode(struct buf *out, const struct store_meta *meta)
{
	size_t start = out->len;
	uint32_t prev = 0;

	buf_addch(out, 'M');
	put_varint(out, meta->state.uidvalidity);
	put_varint(out, meta->state.uidnext);
	put_varint(out, meta->state.highestmodseq);
	put_varint(out, meta->cut_bits);
	put_varint(out, meta->total);
	put_varint(out, meta->nblocks);
	for (size_t i = 0; i < meta->nblocks; i++) {
		put_varint(out, meta->blocks[i].first_uid - prev);
		prev = meta->blocks[i].first_uid;
		put_varint(out, meta->blocks[i].count);
		put_u64(out, meta->blocks[i].hash);
	}
	finish_record(out, start);
}

void store_flags_encode(struct buf *out, const struct model_summary *s, size_t n)
{
	size_t start = out->len;

	buf_addch(out, 'F');
	put_varint(out, n);
	for (size_t i = 0; i < n; i++)
		put_varint(out, s[i].flags);
	finish_record(out, start);
}

/* ---- reading ---- */

/* A cursor over untrusted bytes: once anything fails, ok stays 0 and every
 * further read returns 0, so a decoder checks once per item, not per field. */
struct reader {
	const unsigned char *p;
	const unsigned char *end;
	int ok;
};

static uint64_t get_varint(struct reader *r)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p == r->end)
			break;
		unsigned char c = *r->p++;
		if (shift == 63 && c > 1)
			break;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->ok = 0;
	r->p = r->end;
	return 0;
}

static uint64_t get_u64(struct reader *r)
{
	if (r->end - r->p < 8) {
		r->ok = 0;
		r->p = r->end;
		return 0;
	}
	uint64_t v = load64le(r->p);
	r->p += 8;
	return v;
}

static uint32_t get_u32(struct reader *r)
{
	uint64_t v = get_varint(r);

	if (v > UINT32_MAX) {
		r->ok = 0;
		return 0;
	}
	return (uint32_t)v;
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Checks kind byte and trailing checksum; leaves r over the fields. */
static int open_record(struct reader *r, const void *data, size_t len, char kind, uint64_t *sum, const char **why)
{
	const unsigned char *bytes = data;

	if (len < 1 + 8 || bytes[0] != (unsigned char)kind) {
		*why = "record too short or of the wrong kind";
		return -1;
	}
	*sum = load64le(bytes + len - 8);
	if (store_hash(bytes, len - 8) != *sum) {
		*why = "checksum mismatch";
		return -1;
	}
	r->p = bytes + 1;
	r->end = bytes + len - 8;
	r->ok = 1;
	return 0;
}

int store_meta_decode(const void *data, size_t len, struct store_meta *meta, const char **why)
{
	struct reader r;
	uint64_t sum, sum_counts = 0, nblocks;
	int64_t prev = -1;

	memset(meta, 0, sizeof(*meta));
	if (open_record(&r, data, len, 'M', &sum, why) < 0)
		return -1;
	meta->state.uidvalidity = get_u32(&r);
	meta->state.uidnext = get_u32(&r);
	meta->state.highestmodseq = get_varint(&r);
	meta->cut_bits = (unsigned)get_u32(&r);
	meta->total = get_varint(&r);
	nblocks = get_varint(&r);
	/* A block takes at least 10 bytes here: bound before allocating. */
	if (!r.ok || meta->cut_bits > 31 || nblocks > (size_t)(r.end - r.p) / 10) {
		*why = "bad meta record header";
		return -1;
	}
	meta->nblocks = (size_t)nblocks;
	meta->blocks = xmalloc((meta->nblocks ? meta->nblocks : 1) * sizeof(*meta->blocks));
	for (size_t i = 0; i < meta->nblocks; i++) {
		uint64_t first = (uint64_t)(prev < 0 ? 0 : prev) + get_varint(&r);
		uint64_t count = get_varint(&r);
		meta->blocks[i].hash = get_u64(&r);
		if (!r.ok || first > UINT32_MAX || (int64_t)first <= prev || count == 0 || count > STORE_BLOCK_LIMIT) {
			*why = "bad block list in meta record";
			goto broken;
		}
		meta->blocks[i].first_uid = (uint32_t)first;
		meta->blocks[i].count = (uint32_t)count;
		prev = (int64_t)first;
		sum_counts += count;
	}
	if (r.p != r.end || sum_counts != meta->total) {
		*why = "meta record does not add up";
		goto broken;
	}
	return 0;
broken:
	free(meta->blocks);
	meta->blocks = NULL;
	return -1;
}

int store_flags_decode(const void *data, size_t len, uint64_t count, uint32_t **flags, const char **why)
{
	struct reader r;
	uint64_t sum;

	*flags = NULL;
	if (open_record(&r, data, len, 'F', &sum, why) < 0)
		return -1;
	/* Each flags value takes a byte at least: count is bounded by len. */
	if (get_varint(&r) != count || !r.ok || count > (uint64_t)(r.end - r.p)) {
		*why = "flags record does not match the meta record";
		return -1;
	}
	*flags = xmalloc((count ? count : 1) * sizeof(**flags));
	for (uint64_t i = 0; i < count; i++)
		(*flags)[i] = get_u32(&r);
	if (!r.ok || r.p != r.end) {
		*why = "bad flags record";
		free(*flags);
		*flags = NULL;
		return -1;
	}
	return 0;
}

static const char *get_string(struct reader *r, struct model_mailbox *mbox, const char **seen, size_t *nseen,
			      size_t max_seen)
{
	uint64_t tag = get_varint(r);

	if (tag & 1) {
		if ((tag >> 1) >= *nseen) {
			r->ok = 0;
			return "";
		}
		return seen[tag >> 1];
	}
	uint64_t len = tag >> 1;
	if (len == 0)
		return "";
	if (len > (uint64_t)(r->end - r->p) || *nseen == max_seen) {
		r->ok = 0;
		r->p = r->end;
		return "";
	}
	const char *copy = model_mailbox_strndup(mbox, (const char *)r->p, (size_t)len);
	r->p += len;
	seen[(*nseen)++] = copy;
	return copy;
}

int store_block_decode(const void *data, size_t len, const struct store_block_ref *ref, int64_t min_uid,
		       const uint32_t *flags, struct model_mailbox *mbox, const char **why)
{
	struct reader r;
	uint64_t sum, first, count, ids[64];
	uint64_t *refs = ids;
	size_t refs_cap = LIB_ARRAY_LEN(ids), nseen = 0;
	const char **seen;
	int64_t date = 0;
	int64_t uid;

	if (open_record(&r, data, len, 'B', &sum, why) < 0)
		return -1;
	if (sum != ref->hash) {
		*why = "block does not match the meta record";
		return -1;
	}
	first = get_varint(&r);
	count = get_varint(&r);
	if (!r.ok || first != ref->first_uid || count != ref->count || (int64_t)first <= min_uid) {
		*why = "bad block header";
		return -1;
	}
	seen = xmalloc(4 * count * sizeof(*seen));
	uid = (int64_t)first;
	for (uint64_t i = 0; i < count && r.ok; i++) {
		struct model_summary m;

		if (i > 0) {
			uint64_t delta = get_varint(&r);
			if (delta >= UINT32_MAX) {
				r.ok = 0;
				break;
			}
			uid += (int64_t)delta + 1;
		}
		uint64_t bits = get_varint(&r);
		m.uid = (uint32_t)uid;
		m.flags = flags[i];
		m.size = get_u32(&r);
		date = (int64_t)((uint64_t)date + (uint64_t)unzigzag(get_varint(&r)));
		m.date = date;
		m.from = get_string(&r, mbox, seen, &nseen, 4 * count);
		m.to = get_string(&r, mbox, seen, &nseen, 4 * count);
		m.cc = get_string(&r, mbox, seen, &nseen, 4 * count);
		m.subject = get_string(&r, mbox, seen, &nseen, 4 * count);
		m.message_id = bits & SUMMARY_HAS_MESSAGE_ID ? get_u64(&r) : 0;
		uint64_t nrefs = get_varint(&r);
		if (!r.ok || uid > UINT32_MAX || (bits & ~(uint64_t)SUMMARY_BITS_KNOWN) ||
		    nrefs > (uint64_t)(r.end - r.p) / 8 ||
		    ((bits & SUMMARY_REPLY_IS_LAST_REF) && ((bits & SUMMARY_HAS_IN_REPLY_TO) || nrefs == 0))) {
			r.ok = 0;
			break;
		}
		if (nrefs > refs_cap) {
			if (refs != ids)
				free(refs);
			refs_cap = (size_t)nrefs;
			refs = xmalloc(refs_cap * sizeof(*refs));
		}
		for (uint64_t k = 0; k < nrefs; k++)
			refs[k] = get_u64(&r);
		m.nreferences = (uint32_t)nrefs;
		m.references = model_mailbox_ids_copy(mbox, refs, (size_t)nrefs);
		if (bits & SUMMARY_HAS_IN_REPLY_TO)
			m.in_reply_to = get_u64(&r);
		else if (bits & SUMMARY_REPLY_IS_LAST_REF)
			m.in_reply_to = refs[nrefs - 1];
		else
			m.in_reply_to = 0;
		if (r.ok)
			model_mailbox_add_nocopy(mbox, &m);
	}
	if (refs != ids)
		free(refs);
	free(seen);
	if (!r.ok || r.p != r.end) {
		*why = "bad summary in block";
		return -1;
	}
	return 0;
}
