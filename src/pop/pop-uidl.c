/* Checking server-supplied UIDLs before they key any local state. */
#include "pop.h"

int pop_uidl_valid(const char *uidl)
{
	int len = 0;

	if (!uidl)
		return 0;
	for (; uidl[len]; len++)
		if ((unsigned char)uidl[len] < 0x21 || (unsigned char)uidl[len] > 0x7e || len >= 70)
			return 0;
	return len > 0;
}
