/* The flag column shared by the index and tern -H. */
#include "model.h"

void model_flags_format(unsigned flags, char out[4])
{
	if (!(flags & MODEL_F_SEEN))
		out[0] = flags & MODEL_F_RECENT ? 'N' : 'O';
	else
		out[0] = ' ';
	out[1] = flags & MODEL_F_FLAGGED ? 'F' : ' ';
	out[2] = flags & MODEL_F_DELETED ? 'D' : flags & MODEL_F_ANSWERED ? 'A' : ' ';
	out[3] = '\0';
}
