/* lib: buffers, paths, exit codes. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "lib/lib.h"

int main(void)
{
	struct buf b = BUF_INIT;
	char *s;

	char *empty = buf_detach(&b);
	is_str(empty, "", "an empty buffer detaches as an empty string");
	free(empty);
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	ok(b.len == strlen(b.data) && strncmp(b.data, "0,1,2,", 6) == 0 && strstr(b.data, ",999,"),
	   "buf grows across many appends and stays terminated");
	buf_reset(&b);
	buf_add(&b, "a\0b", 3);
	ok(b.len == 3 && memcmp(b.data, "a\0b", 4) == 0, "buf keeps embedded NUL bytes");
	buf_free(&b);
	buf_free(&b);
	ok(b.data == NULL, "buf_free twice is harmless");

	s = xasprintf("%s-%d", "x", 42);
	is_str(s, "x-42", "xasprintf");
	free(s);

	setenv("HOME", "/home/ana", 1);
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	setenv("XDG_CACHE_HOME", "relative/is/ignored", 1);
	unsetenv("XDG_DATA_HOME");
	s = lib_path_config_home(); is_str(s, "/xdg/config", "XDG_CONFIG_HOME used"); free(s);
	s = lib_path_cache_home(); is_str(s, "/home/ana/.cache", "relative XDG_CACHE_HOME ignored"); free(s);
	s = lib_path_data_home(); is_str(s, "/home/ana/.local/share", "XDG_DATA_HOME default"); free(s);
	s = lib_path_expand("~/Mail"); is_str(s, "/home/ana/Mail", "~/ expands"); free(s);
	s = lib_path_expand("~"); is_str(s, "/home/ana", "~ alone expands"); free(s);
	s = lib_path_expand("~bob/x"); is_str(s, "~bob/x", "~user is left alone"); free(s);
	s = lib_path_dirname("/a/b/c"); is_str(s, "/a/b", "dirname"); free(s);
	s = lib_path_dirname("c"); is_str(s, ".", "dirname without a slash"); free(s);
	s = lib_path_dirname("/c"); is_str(s, "/", "dirname at the root"); free(s);
	s = lib_path_join("/etc/tern", "accounts"); is_str(s, "/etc/tern/accounts", "join relative"); free(s);
	s = lib_path_join("/etc/tern", "/abs"); is_str(s, "/abs", "join absolute"); free(s);
	s = lib_path_join("/etc/tern", "~/x"); is_str(s, "/home/ana/x", "join home"); free(s);

	is_int(lib_error_exit_code(LIB_ERR_NONE), 0, "no error exits 0");
	is_int(lib_error_exit_code(LIB_ERR_USAGE), 64, "usage exits 64");
	is_int(lib_error_exit_code(LIB_ERR_DATA), 65, "data exits 65");
	is_int(lib_error_exit_code(LIB_ERR_CONNECTION), 69, "unreachable exits 69");
	is_int(lib_error_exit_code(LIB_ERR_TEMPORARY), 75, "temporary exits 75");
	is_int(lib_error_exit_code(LIB_ERR_AUTH), 77, "auth exits 77");
	is_int(lib_error_exit_code(LIB_ERR_TLS), 77, "TLS exits 77");
	is_int(lib_error_exit_code(LIB_ERR_CONFIG), 78, "config exits 78");
	return tap_done();
}
