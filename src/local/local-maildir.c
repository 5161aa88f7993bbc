/* Maildir flag letters (the "info" part of a file name, as documented
 * by the Maildir specification and used by Dovecot and mutt). */
#include "local.h"

#include <string.h>

#include "../model/model.h"

static const struct {
	char letter;
	unsigned flag;
} letters[] = { /* ASCII order: the spec wants them sorted */
	{ 'D', MODEL_F_DRAFT }, { 'F', MODEL_F_FLAGGED }, { 'R', MODEL_F_ANSWERED },
	{ 'S', MODEL_F_SEEN }, { 'T', MODEL_F_DELETED },
};

unsigned local_maildir_flags_parse(const char *filename)
{
	const char *info = strstr(filename, ":2,");
	unsigned flags = 0;

	if (!info)
		return 0;
	for (const char *p = info + 3; *p; p++)
		for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
			if (*p == letters[i].letter)
				flags |= letters[i].flag;
	return flags;
}

void local_maildir_flags_format(unsigned flags, char out[9])
{
	char *p = out;

	memcpy(p, ":2,", 3);
	p += 3;
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (flags & letters[i].flag)
			*p++ = letters[i].letter;
	*p = '\0';
}
