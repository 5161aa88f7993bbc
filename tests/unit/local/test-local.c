/* local: Maildir flag letters. */
#include "../tap.h"
#include "local/local.h"
#include "model/model.h"

int main(void)
{
	char out[9];

	is_int(local_maildir_flags_parse("1700000000.M1P2.host,S=1234:2,FRS"),
	       MODEL_F_FLAGGED | MODEL_F_ANSWERED | MODEL_F_SEEN, "FRS parsed");
	is_int(local_maildir_flags_parse("1700000000.M1P2.host"), 0, "no info: no flags");
	is_int(local_maildir_flags_parse("x:2,DTa"), MODEL_F_DRAFT | MODEL_F_DELETED, "D and T; lowercase ignored");
	is_int(local_maildir_flags_parse("x:1,S"), 0, "experimental :1, info ignored");
	local_maildir_flags_format(MODEL_F_SEEN | MODEL_F_FLAGGED | MODEL_F_RECENT, out);
	is_str(out, ":2,FS", "formatted sorted; recent has no letter");
	local_maildir_flags_format(0, out);
	is_str(out, ":2,", "no flags");
	local_maildir_flags_format(MODEL_F_DRAFT | MODEL_F_FLAGGED | MODEL_F_ANSWERED | MODEL_F_SEEN | MODEL_F_DELETED, out);
	is_str(out, ":2,DFRST", "all letters fit");
	return tap_done();
}
