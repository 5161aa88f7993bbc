/* Fuzz target: the RFC 5322 address-list parser (mime-address.c), in
 * each of its modes (the first byte picks strict, lenient, IDNA), then
 * its own promise: a list it read formats to text it reads back to the
 * same addresses and names, and the index's display of the text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lib.h"
#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0] & (MIME_ADDRESS_LENIENT | MIME_ADDRESS_IDNA);
	char *text = xstrndup((const char *)data + 1, size - 1);
	size_t len = strlen(text);
	struct mime_address_list list, again;
	struct lib_error err = { 0 };

	int rc = mime_address_list_parse(text, len, flags, &list, &err);
	if (rc < 0 && (err.cls != LIB_ERR_DATA || !err.text[0]))
		abort(); /* a refusal always says why */
	for (size_t i = 0; i < list.count; i++)
		if (!list.items[i].addr || !strchr(list.items[i].addr, '@'))
			abort();
	char *formatted = mime_address_list_format(&list);
	/* names made of "=?...?=" text are decoded once more when read back */
	int decodable = strstr(formatted, "=?") != NULL;
	if (mime_address_list_parse(formatted, strlen(formatted), flags & MIME_ADDRESS_LENIENT, &again, &err) < 0 ||
	    again.count != list.count)
		abort();
	for (size_t i = 0; i < list.count && !decodable; i++) {
		const char *n1 = list.items[i].name, *n2 = again.items[i].name;
		if (strcmp(list.items[i].addr, again.items[i].addr) != 0 || (!n1 != !n2) || (n1 && strcmp(n1, n2) != 0))
			abort();
	}
	mime_address_list_clear(&again);
	mime_address_list_clear(&list);
	free(formatted);
	free(mime_address_display(text));
	free(text);
	return 0;
}
