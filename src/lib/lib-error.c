/* Error classes to sysexits(3) codes, the contract scripts rely on. */
#include "lib.h"

#include <stdio.h>

int lib_error_exit_code(enum lib_error_class cls)
{
	switch (cls) {
	case LIB_ERR_NONE: return 0;
	case LIB_ERR_USAGE: return 64;
	case LIB_ERR_DATA: return 65;
	case LIB_ERR_CONFIG: return 78;
	case LIB_ERR_CONNECTION: return 69;
	case LIB_ERR_TEMPORARY: return 75;
	case LIB_ERR_TLS: return 77;
	case LIB_ERR_AUTH: return 77;
	case LIB_ERR_PROTOCOL: return 76;
	case LIB_ERR_SERVER: return 69;
	case LIB_ERR_INTERNAL: return 70;
	}
	return 70;
}

void lib_error_set(struct lib_error *err, enum lib_error_class cls, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->cls = cls;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
}
