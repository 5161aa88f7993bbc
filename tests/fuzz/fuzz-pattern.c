/* Fuzz target: the search pattern parser (limit, search, tag-pattern):
 * model_pattern_compile on the input as typed, then matching against a
 * few summaries, the IMAP SEARCH keys for ~b/~B, and the error caret. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap/imap.h"
#include "lib/lib.h"
#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t refs[] = { 1, 2 };
	static const struct model_summary summaries[] = {
		{ .uid = 1, .flags = 1, .size = 100, .date = 1700000000, .from = "Ana Lima <ana@example.org>",
		  .to = "bo@example.org, \"Cy, D\" <cy@example.net>", .cc = "", .subject = "Re: invoice",
		  .message_id = 3, .in_reply_to = 2, .references = refs, .nreferences = 2 },
		{ .uid = 2, .flags = 0x3e, .size = 5 << 20, .date = 0, .from = "", .to = "", .cc = "",
		  .subject = "\xc3\xa9t\xc3\xa9 \xe2\x80\xae" },
		{ .uid = 3 },
	};
	char *text = xstrndup((const char *)data, size);
	char *error = NULL;
	size_t at = 0;
	struct model_pattern *pat = model_pattern_compile(text, 1700000000, &error, &at);

	if (!pat) {
		if (!error || at > strlen(text))
			abort(); /* the caret must point into the text */
		free(error);
	} else {
		if (model_pattern_needs_server(pat)) {
			char *keys = imap_search_criteria(pat);
			if (!keys)
				abort();
			free(keys);
			uint32_t uids[] = { 3, 1, 3 };
			model_pattern_set_server_uids(pat, uids, 3);
		}
		for (size_t i = 0; i < sizeof(summaries) / sizeof(summaries[0]); i++)
			(void)model_pattern_match(pat, &summaries[i], (int)i & 1);
		model_pattern_free(pat);
	}
	free(text);
	return 0;
}
