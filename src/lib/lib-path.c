/* XDG base directories and small path helpers. */
#include "lib.h"

#include <errno.h>
#include <pwd.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* XDG says a relative value is invalid and must be ignored. */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *value = getenv(var);

	if (value && value[0] == '/')
		return xstrdup(value);
	return xasprintf("%s/%s", home_dir(), fallback);
}

char *lib_path_config_home(void) { return xdg_dir("XDG_CONFIG_HOME", ".config"); }
char *lib_path_cache_home(void) { return xdg_dir("XDG_CACHE_HOME", ".cache"); }
char *lib_path_data_home(void) { return xdg_dir("XDG_DATA_HOME", ".local/share"); }

char *lib_path_expand(const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return xasprintf("%s%s", home_dir(), path + 1);
	return xstrdup(path);
}

char *lib_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

char *lib_path_join(const char *base, const char *rel)
{
	if (rel[0] == '/' || rel[0] == '~')
		return lib_path_expand(rel);
	return xasprintf("%s/%s", base, rel);
}

int lib_mkdirs(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	int rc = 0;

	for (char *p = copy + 1; *p && rc == 0; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, mode) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}
