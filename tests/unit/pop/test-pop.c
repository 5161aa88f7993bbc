/* pop: UIDL validity (RFC 1939 section 7). */
#include <string.h>

#include "../tap.h"
#include "pop/pop.h"

int main(void)
{
	char longest[71], too_long[72];

	memset(longest, 'a', 70); longest[70] = '\0';
	memset(too_long, 'a', 71); too_long[71] = '\0';
	ok(pop_uidl_valid("whqtswO00WBw418f9t5JxYwZ"), "RFC example UIDL");
	ok(pop_uidl_valid(longest), "70 characters");
	ok(!pop_uidl_valid(too_long), "71 characters refused");
	ok(!pop_uidl_valid(""), "empty refused");
	ok(!pop_uidl_valid(NULL), "missing refused");
	ok(!pop_uidl_valid("a b"), "space refused");
	ok(!pop_uidl_valid("a\r\n"), "CR LF refused");
	ok(!pop_uidl_valid("\x7f"), "DEL refused");
	ok(!pop_uidl_valid("caf\xc3\xa9"), "8-bit refused");
	return tap_done();
}
