/* The text the pager shows for a parsed message: chosen header fields,
 * the notes of what parsing refused, then the body walked in document
 * order: one alternative per multipart/alternative, html turned to text
 * (by the caller's filter or the built-in one), attachments named on a
 * "[-- ... --]" line, enclosed messages inline with their headers.
 * Recursion follows the part tree, whose depth the parser bounds
 * (MIME_DEPTH_MAX). The output is UTF-8 still to be sanitized. */
#include "mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../lib/lib.h"

struct render {
	const struct mime_message *msg;
	const struct mime_render_options *options;
	struct buf *out;
	size_t body_start;    /* where the body begins in out */
	size_t *leaf_numbers; /* per part: its number among the leaves, from 1 */
	size_t list_end;      /* out->len just after an attachment line: the
	                         next one joins it without a blank line */
};

static int is_leaf(const struct mime_part *part, size_t index)
{
	return part->subtree_end == index + 1;
}

/* Ends the current line, and leaves one blank line before a new block
 * unless the body is still empty. */
static void block_begin(struct render *r)
{
	struct buf *out = r->out;

	if (out->len == r->body_start)
		return;
	if (out->data[out->len - 1] != '\n')
		buf_addch(out, '\n');
	if (out->len - r->body_start >= 2 && out->data[out->len - 2] != '\n')
		buf_addch(out, '\n');
}

/* Text that goes on one line of ours: a decoded name or header value must
 * not start a line that looks like one of our markers or headers. */
static void add_flat(struct buf *out, const char *text)
{
	for (; *text; text++)
		buf_addch(out, *text == '\n' || *text == '\r' ? ' ' : *text);
}

static void add_size(struct buf *out, size_t size)
{
	if (size < 1024)
		buf_addf(out, "%zu byte%s", size, size == 1 ? "" : "s");
	else if (size < 1024 * 1024)
		buf_addf(out, "%zu KB", (size + 512) / 1024);
	else
		buf_addf(out, "%.1f MB", (double)size / (1024.0 * 1024.0));
}

/* An address field as NeoMutt shows it: read by the address parser and
 * written back, so RFC 5322 comments and quoting are gone from the names
 * ("Pete(A wonderful \) chap) <pete(his account)@silly.test>" is "Pete
 * <pete@silly.test>"). NULL (the field is shown as written) for another
 * field, a group (the list would lose its name), or an address the
 * parser could not read (it would vanish from the line). */
static char *addresses_shown(const struct mime_message *msg, size_t index, const char *name)
{
	static const char *const fields[] = { "From", "To", "Cc", "Bcc", "Reply-To", "Sender", "Mail-Followup-To",
		                              "Resent-From", "Resent-To", "Resent-Cc", "Resent-Sender" };
	struct mime_address_list list;
	char *shown = NULL;
	size_t i;

	for (i = 0; i < LIB_ARRAY_LEN(fields) && strcasecmp(fields[i], name) != 0; i++)
		;
	if (i == LIB_ARRAY_LEN(fields))
		return NULL;
	if (mime_part_addresses(msg, index, name, &list) == 0 && list.count && !list.groups)
		shown = mime_address_list_format(&list);
	mime_address_list_clear(&list);
	return shown;
}

static void headers_render(struct render *r, size_t index)
{
	const char *const *names = r->options ? r->options->headers : NULL;

	for (; names && *names; names++) {
		const char *why = NULL;
		char *value = addresses_shown(r->msg, index, *names);
		if (!value)
			value = mime_part_header(r->msg, index, *names, &why);
		if (!value && !why)
			continue;
		buf_addstr(r->out, *names);
		buf_addstr(r->out, ": ");
		if (value)
			add_flat(r->out, value);
		if (why)
			buf_addf(r->out, "%s[-- %s --]", value ? " " : "", why);
		buf_addch(r->out, '\n');
		free(value);
	}
}

static void attachment_render(struct render *r, size_t index)
{
	const struct mime_part *part = mime_message_part(r->msg, index);

	if (r->out->len != r->list_end)
		block_begin(r);
	buf_addf(r->out, "[-- Attachment #%zu: ", r->leaf_numbers[index]);
	if (part->filename && *part->filename) {
		add_flat(r->out, part->filename);
		buf_addstr(r->out, " (");
	}
	add_flat(r->out, part->type);
	buf_addstr(r->out, ", ");
	add_size(r->out, part->size);
	buf_addstr(r->out, part->filename && *part->filename ? ") --]\n" : " --]\n");
	r->list_end = r->out->len;
}

static void text_render(struct render *r, size_t index)
{
	const struct mime_part *part = mime_message_part(r->msg, index);
	const struct mime_render_options *options = r->options;
	struct buf text = BUF_INIT;

	block_begin(r);
	if (mime_part_text_utf8(r->msg, index, &text) == 1) {
		/* no charset parameter: the unknown one came from an HTML <meta> */
		buf_addstr(r->out, part->charset ? "[-- unknown charset \"" : "[-- unknown charset in the HTML <meta>");
		if (part->charset)
			add_flat(r->out, part->charset);
		buf_addstr(r->out, part->charset ? "\"" : "");
		buf_addstr(r->out, ": shown as UTF-8 where valid, else windows-1252 --]\n");
	}
	if (strcmp(part->type, "text/html") == 0) {
		size_t before = r->out->len;
		if (!options || !options->html_filter ||
		    options->html_filter(text.data, text.len, r->out, options->html_filter_arg) != 0) {
			if (options && options->html_filter) {
				r->out->len = before; /* drop what a failed filter left */
				r->out->data[before] = '\0';
				buf_addstr(r->out, "[-- html-filter failed: built-in conversion shown --]\n");
			}
			mime_html_to_text(text.data, text.len, r->out);
		}
	} else {
		buf_add(r->out, text.data, text.len);
	}
	if (r->out->len > r->body_start && r->out->data[r->out->len - 1] != '\n')
		buf_addch(r->out, '\n');
	buf_free(&text);
}

/* The child of a multipart/alternative to show: the text/plain one, or
 * the last html or multipart one (RFC 2046 5.1.4 orders alternatives
 * plainest first), whichever kind is preferred, else the other kind, else
 * the last child. */
static size_t alternative_choose(const struct render *r, size_t index)
{
	const struct mime_part *parts = mime_message_part(r->msg, 0);
	size_t plain = 0, rich = 0, last = 0;
	int prefer_html = r->options && r->options->prefer_html;

	for (size_t i = index + 1; i < parts[index].subtree_end; i = parts[i].subtree_end) {
		const char *type = parts[i].type;
		if (strcmp(type, "text/plain") == 0 && !parts[i].is_attachment) {
			if (!plain)
				plain = i;
		} else if (strcmp(type, "text/html") == 0 || strncmp(type, "multipart/", 10) == 0) {
			rich = i;
		}
		last = i;
	}
	if (prefer_html)
		return rich ? rich : plain ? plain : last;
	return plain ? plain : rich ? rich : last;
}

/* A text attachment is shown below its attachment line, as NeoMutt does
 * (an attached log, patch or note is meant to be read); HTML is not,
 * as NeoMutt leaves it to the attachment list without an auto_view. */
static int shown_with_marker(const struct mime_part *part)
{
	return strncmp(part->type, "text/", 5) == 0 && strcmp(part->type, "text/html") != 0;
}

static void part_render(struct render *r, size_t index)
{
	const struct mime_part *part = mime_message_part(r->msg, index);

	if (!is_leaf(part, index) && strncmp(part->type, "multipart/", 10) == 0) {
		if (strcmp(part->type, "multipart/alternative") == 0) {
			part_render(r, alternative_choose(r, index));
			return;
		}
		for (size_t i = index + 1; i < part->subtree_end; i = mime_message_part(r->msg, i)->subtree_end)
			part_render(r, i);
		return;
	}
	if (!is_leaf(part, index)) { /* message/rfc822: the enclosed message */
		block_begin(r);
		buf_addstr(r->out, "[-- Forwarded message --]\n");
		headers_render(r, index + 1);
		buf_addch(r->out, '\n');
		size_t body_start = r->body_start;
		r->body_start = r->out->len; /* no blank line before its first text */
		part_render(r, index + 1);
		r->body_start = body_start;
		block_begin(r);
		buf_addstr(r->out, "[-- End of forwarded message --]\n");
		return;
	}
	if (part->is_attachment)
		attachment_render(r, index);
	if (!part->is_attachment || shown_with_marker(part))
		text_render(r, index);
}

int mime_message_render(const struct mime_message *msg, const struct mime_render_options *options,
			struct buf *out)
{
	struct render r = { msg, options, out, 0, NULL, (size_t)-1 };
	size_t count, leaves = 0;

	if (!msg)
		return -1;
	count = mime_message_part_count(msg);
	r.leaf_numbers = xcalloc(count, sizeof(*r.leaf_numbers));
	for (size_t i = 0; i < count; i++)
		if (is_leaf(mime_message_part(msg, i), i))
			r.leaf_numbers[i] = ++leaves;
	buf_add(out, "", 0);
	headers_render(&r, 0);
	buf_addch(out, '\n');
	for (size_t i = 0; i < mime_message_note_count(msg); i++)
		buf_addf(out, "[-- %s --]\n", mime_message_note(msg, i));
	if (mime_message_note_count(msg))
		buf_addch(out, '\n');
	r.body_start = out->len;
	part_render(&r, 0);
	free(r.leaf_numbers);
	return 0;
}
