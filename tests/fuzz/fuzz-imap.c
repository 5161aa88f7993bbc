/* Fuzz target: what an IMAP server can send, through tern's stream layer
 * (net's libetpan low driver with the read guard), libetpan's response
 * parser and tern's session, folder, sync and message code. The input is
 * the whole server side of a conversation (greeting, then the replies to
 * CAPABILITY, LOGIN, CAPABILITY, ENABLE, LIST, LSUB, SELECT, FETCH...,
 * APPEND, UID EXPUNGE, RENAME, SELECT, IDLE),
 * sent at once and followed by EOF (fuzz-net.c). libetpan does not match
 * tags, so a transcript works whatever the commands were. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libetpan/libetpan.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-net.h"
#include "imap/imap.h"

/* libetpan keeps each string its parser makes as an mmap_string in a
 * global table until mmap_string_unref. One freed with plain free()
 * leaves its entry behind, a leak LeakSanitizer cannot see while the
 * table points at it. These wrappers (the program's definitions win over
 * libetpan's) note the entries; under ASan an input fails when one of
 * them was freed without being released. (Entries still allocated are
 * libetpan's own leaks on some parse errors, suppressed for LSan too.) */
int __sanitizer_get_ownership(const volatile void *p) __attribute__((weak));
void __sanitizer_print_stack_trace(void) __attribute__((weak));
static char **registered;
static size_t nregistered;

int mmap_string_ref(MMAPString *string)
{
	static int (*real)(MMAPString *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mmap_string_ref");
	int r = real(string);
	if (r == 0) {
		registered = xrealloc(registered, (nregistered + 1) * sizeof(*registered));
		registered[nregistered++] = string->str;
	}
	return r;
}

int mmap_string_unref(char *str)
{
	static int (*real)(char *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mmap_string_unref");
	int r = real(str);
	for (size_t i = nregistered; r == 0 && i-- > 0;)
		if (registered[i] == str) {
			registered[i] = registered[--nregistered];
			break;
		}
	return r;
}

static void check_released(void)
{
	for (size_t i = 0; __sanitizer_get_ownership && i < nregistered; i++)
		if (!__sanitizer_get_ownership(registered[i])) {
			fprintf(stderr, "fuzz-imap: a libetpan string was freed without mmap_string_unref\n");
			abort();
		}
	nregistered = 0;
}

/* Who owns a result on error differs from call to call in libetpan
 * 1.9.4 (LIBRARIES.md; the rule is written beside each call in
 * src/imap): LIST, LSUB, STATUS and GETQUOTAROOT hand theirs over even
 * with a NO, but FETCH (all three kinds) frees its list itself on a NO
 * and leaves the caller's pointer set. These wrappers note the list a
 * failed FETCH left behind; freeing it afterwards aborts the input with
 * that explanation, under ASan or not (tern did that after "FETCH data,
 * then a tagged NO", issue 16). A note lives until the next FETCH, after
 * which the address may be a new list's. */
static clist *freed_by_libetpan;

#define FETCH_WRAPPER(name, params, args)                                                \
	int name params                                                                  \
	{                                                                                \
		static int(*real) params;                                                \
		if (!real)                                                               \
			*(void **)&real = dlsym(RTLD_NEXT, #name);                       \
		freed_by_libetpan = NULL;                                                \
		*result = NULL;                                                          \
		int r = real args;                                                       \
		if (r != MAILIMAP_NO_ERROR && *result)                                   \
			freed_by_libetpan = *result;                                     \
		return r;                                                                \
	}
FETCH_WRAPPER(mailimap_fetch, (mailimap * session, struct mailimap_set *set, struct mailimap_fetch_type *type,
                               clist **result), (session, set, type, result))
FETCH_WRAPPER(mailimap_uid_fetch, (mailimap * session, struct mailimap_set *set, struct mailimap_fetch_type *type,
                                   clist **result), (session, set, type, result))
FETCH_WRAPPER(mailimap_uid_fetch_changedsince, (mailimap * session, struct mailimap_set *set,
                                                struct mailimap_fetch_type *type, uint64_t modseq, clist **result),
              (session, set, type, modseq, result))

void mailimap_fetch_list_free(clist *list)
{
	static void (*real)(clist *);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "mailimap_fetch_list_free");
	/* libetpan's own frees (of a later response's list, which may reuse
	 * the address) are not tern's: only a call from tern's code counts */
	Dl_info caller;
	if (dladdr(__builtin_return_address(0), &caller) && caller.dli_fname && strstr(caller.dli_fname, "libetpan")) {
		real(list);
		return;
	}
	if (list && list == freed_by_libetpan) {
		fprintf(stderr, "fuzz-imap: a fetch list libetpan freed on a failed FETCH was freed again\n");
		if (__sanitizer_print_stack_trace)
			__sanitizer_print_stack_trace();
		abort();
	}
	real(list);
}

static char *get_secret(void *ctx, int *is_oauth2, struct lib_error *err)
{
	(void)ctx;
	(void)err;
	*is_oauth2 = 0;
	return xstrdup("fuzz-password");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_server server = { .host = "imap.fuzz.example", .port = 143, .tls_off = 1, .timeout = 1 };
	struct net_login login = { .user = "fuzz", .get_secret = get_secret };
	struct lib_error err = { 0 };

	freed_by_libetpan = NULL;
	fuzz_net_input(data, size);
	struct imap_session *session = imap_session_open(&server, &login, &err);
	fuzz_step("open", session ? 0 : -1, &err);
	if (session) {
		struct imap_folder *folders = NULL;
		size_t nfolders = 0;
		int r = imap_folder_list(session, &folders, &nfolders, &err);
		fuzz_step("list", r, &err);
		if (r == 0)
			imap_folder_list_free(folders, nfolders);
		free(imap_folder_with_role(session, IMAP_ROLE_TRASH, &err));
		fuzz_step("role", 0, &err);

		/* A cached folder, so QRESYNC / CONDSTORE resyncs have work. */
		struct model_mailbox *mbox = model_mailbox_new();
		struct store_folder_state state = { 7, 4, 10 };
		for (uint32_t uid = 1; uid <= 3; uid++)
			model_mailbox_add(mbox, &(struct model_summary){ .uid = uid, .subject = "cached" });
		int reset = 0;
		r = imap_folder_sync(session, "INBOX", &state, mbox, &reset, NULL, NULL, &err);
		fuzz_step("sync", r, &err);
		if (model_mailbox_count(mbox) > 0 && !model_mailbox_summaries(mbox)[0].subject)
			abort();

		struct buf body = BUF_INIT;
		r = imap_message_fetch(session, "INBOX", 2, &body, &err);
		fuzz_step("fetch", r, &err);
		buf_free(&body);
		uint32_t uids[] = { 1, 2, 3 };
		r = imap_messages_store_flags(session, "INBOX", uids, 3, MODEL_F_SEEN, 1, &err);
		fuzz_step("store", r, &err);
		r = imap_messages_copy(session, "INBOX", uids, 2, "Trash", 1, &err);
		fuzz_step("move", r, &err);
		uint32_t *found = NULL;
		size_t nfound = 0;
		r = imap_search(session, "INBOX", "FROM \"ana\"", &found, &nfound, &err);
		fuzz_step("search", r, &err);
		if (r == 0)
			free(found);
		struct imap_status status;
		r = imap_folder_status(session, "Archive", &status, &err);
		fuzz_step("status", r, &err);
		uint64_t used, limit;
		r = imap_quota(session, &used, &limit, &err);
		fuzz_step("quota", r, &err);
		static const char message[] = "Subject: sent\r\n\r\nbody\r\n";
		r = imap_append(session, "Sent", message, sizeof(message) - 1, MODEL_F_SEEN, &err);
		fuzz_step("append", r, &err);
		r = imap_messages_expunge(session, "INBOX", uids, 3, &err);
		fuzz_step("expunge", r, &err);
		r = imap_folder_change(session, IMAP_FOLDER_RENAME, "Old", "New", &err);
		fuzz_step("rename", r, &err);
		uint32_t uidvalidity;
		r = imap_folder_uidvalidity(session, "Archive", &uidvalidity, &err);
		fuzz_step("uidvalidity", r, &err);
		r = imap_idle(session, 1, 0, &err);
		fuzz_step("idle", r, &err);
		imap_session_close(session);
		model_mailbox_free(mbox);
	}
	if (err.cls != LIB_ERR_NONE && memchr(err.text, '\0', sizeof(err.text)) == NULL)
		abort();
	check_released();
	fuzz_net_done();
	return 0;
}
