/* model: the flag column. */
#include "../tap.h"
#include "model/model.h"

static void check(unsigned flags, const char *want, const char *name)
{
	char out[4];
	model_flags_format(flags, out);
	is_str(out, want, "%s", name);
}

int main(void)
{
	check(MODEL_F_RECENT, "N  ", "unseen and recent is N");
	check(0, "O  ", "unseen, not recent is O");
	check(MODEL_F_SEEN, "   ", "read is blank");
	check(MODEL_F_SEEN | MODEL_F_FLAGGED, " F ", "flagged");
	check(MODEL_F_SEEN | MODEL_F_ANSWERED, "  A", "answered");
	check(MODEL_F_SEEN | MODEL_F_ANSWERED | MODEL_F_DELETED, "  D", "deleted shows over answered");
	check(MODEL_F_FLAGGED | MODEL_F_RECENT | MODEL_F_DELETED, "NFD", "all columns");
	return tap_done();
}
