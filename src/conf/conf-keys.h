/* The one table of mailrc keys. Every key tern reads is declared here with
 * its type, where it may appear, its default, its range and its help text;
 * the parser, `tern --help-keys`, and the test that keeps mailrc.sample and
 * doc/mailrc.5 in step all read this list. To add a key, add a line.
 *
 * X(ID, "name", TYPE, SCOPE, "default" or NULL, MIN, MAX, "help") */
#ifndef TERN_CONF_KEYS_H
#define TERN_CONF_KEYS_H

#define CONF_KEYS(X) \
	X(FROM, "from", CONF_T_ADDRESS, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Your address on this account, e.g. \"Ana Lima <ana@example.org>\".") \
	X(IMAP, "imap", CONF_T_URL, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "IMAP server: imaps://HOST[:993] (implicit TLS) or imap://HOST[:143] (STARTTLS required).") \
	X(POP3, "pop3", CONF_T_URL, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "POP3 server: pop3s://HOST[:995] (implicit TLS) or pop3://HOST[:110] (STLS required).") \
	X(SMTP, "smtp", CONF_T_URL, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "SMTP submission server: smtps://HOST[:465] (implicit TLS) or smtp://HOST[:587] (STARTTLS required).") \
	X(USER, "user", CONF_T_STRING, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Login name; when unset, the address in from.") \
	X(PASSWORD, "password", CONF_T_SECRET, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "The password, in clear: keep this file mode 600, or better use password-command.") \
	X(PASSWORD_COMMAND, "password-command", CONF_T_STRING, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Shell command whose first line of output is the password, e.g. \"pass show mail/work\".") \
	X(OAUTH2_TOKEN_COMMAND, "oauth2-token-command", CONF_T_STRING, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Shell command that prints an OAuth2 access token; tern then logs in with XOAUTH2.") \
	X(TLS, "tls", CONF_T_BOOL, CONF_S_ACCOUNT, "on", 0, 0, \
	  "on (default): always TLS, certificates verified. off: plain text, password visible on the network.") \
	X(TLS_CA_FILE, "tls-ca-file", CONF_T_PATH, CONF_S_BOTH, NULL, 0, 0, \
	  "PEM file of CA certificates to trust instead of the system's.") \
	X(TLS_FINGERPRINT, "tls-fingerprint", CONF_T_FINGERPRINT, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Pin the server certificate: sha256:HEX of its DER encoding.") \
	X(COMPRESS, "compress", CONF_T_BOOL, CONF_S_BOTH, "on", 0, 0, \
	  "on (default): compress IMAP traffic (COMPRESS=DEFLATE) when the server offers it; off: never.") \
	X(TIMEOUT, "timeout", CONF_T_NUMBER, CONF_S_BOTH, "30", 1, 3600, \
	  "Seconds to wait for a server (DNS, connect, each read) before giving up.") \
	X(MAILDIR, "maildir", CONF_T_PATH, CONF_S_ACCOUNT, NULL, 0, 0, \
	  "Local Maildir for POP3 mail; default $XDG_DATA_HOME/tern/ACCOUNT/.") \
	X(FOLDER_SENT, "folder-sent", CONF_T_FOLDER, CONF_S_BOTH, NULL, 0, 0, \
	  "Folder for copies of sent mail; default the server's \\Sent folder; none to keep no copy.") \
	X(FOLDER_DRAFTS, "folder-drafts", CONF_T_FOLDER, CONF_S_BOTH, NULL, 0, 0, \
	  "Folder for postponed messages; default the server's \\Drafts folder.") \
	X(SEND_CHARSET, "send-charset", CONF_T_STRING, CONF_S_BOTH, "us-ascii:utf-8:iso-8859-1", 0, 0, \
	  "Charsets a message text is sent in, the first that holds it (mutt's send_charset); text that is not UTF-8 goes in the first 8-bit one its bytes are valid in.") \
	X(FOLDER_TRASH, "folder-trash", CONF_T_FOLDER, CONF_S_BOTH, NULL, 0, 0, \
	  "Folder deleted mail moves to; default the server's \\Trash folder; none to expunge instead.") \
	X(DEFAULT_ACCOUNT, "default-account", CONF_T_ACCOUNT, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Account opened at start; default the first account.") \
	X(SIGNATURE, "signature", CONF_T_PATH, CONF_S_BOTH, NULL, 0, 0, \
	  "File appended to new messages and replies, after a \"-- \" line.") \
	X(EDITOR, "editor", CONF_T_STRING, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Command to edit messages; default $VISUAL, else $EDITOR, else vi.") \
	X(CHECK_INTERVAL, "check-interval", CONF_T_NUMBER, CONF_S_GLOBAL, "60", 0, 86400, \
	  "Seconds between checks for new mail; 0 turns checking off.") \
	X(CACHE_DIR, "cache-dir", CONF_T_PATH, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Directory for header and body caches; default $XDG_CACHE_HOME/tern.") \
	X(SORT, "sort", CONF_T_SORT, CONF_S_GLOBAL, "date", 0, 0, \
	  "Index order: date, threads, from, subject or size, each also as reverse-ORDER.") \
	X(INDEX_FORMAT, "index-format", CONF_T_STRING, CONF_S_GLOBAL, "%4C %Z %{%b %d} %-20.20F %s", 0, 0, \
	  "Index line: %C number, %Z flags, %{FMT} date (strftime), %F sender, %s subject (with the thread tree), %c size, %t To.") \
	X(PAGER_HEADERS, "pager-headers", CONF_T_STRING, CONF_S_GLOBAL, "Date From To Cc Subject", 0, 0, \
	  "Headers the pager shows, in this order, separated by spaces.") \
	X(HTML_FILTER, "html-filter", CONF_T_STRING, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Command that turns HTML on stdin into text, e.g. \"w3m -dump -T text/html\"; default a built-in stripper.") \
	X(PREFER_HTML, "prefer-html", CONF_T_BOOL, CONF_S_GLOBAL, "off", 0, 0, \
	  "In multipart/alternative show the HTML part instead of the plain text one.") \
	X(MARK_OLD, "mark-old", CONF_T_BOOL, CONF_S_GLOBAL, "yes", 0, 0, \
	  "yes (default): unread messages that were in the index when you left the folder become old (O), as mutt's mark_old; no: they stay new (N).") \
	X(CONFIRM_EXPUNGE, "confirm-expunge", CONF_T_BOOL, CONF_S_GLOBAL, "on", 0, 0, \
	  "Ask before expunging the messages marked deleted ($, leaving a folder, quitting); off expunges at once.") \
	X(SIDEBAR, "sidebar", CONF_T_BOOL, CONF_S_GLOBAL, "off", 0, 0, \
	  "Show the account's folders with their unseen counts beside the index.") \
	X(SIDEBAR_WIDTH, "sidebar-width", CONF_T_NUMBER, CONF_S_GLOBAL, "24", 10, 80, \
	  "Columns of the sidebar.") \
	X(NEW_MAIL_COMMAND, "new-mail-command", CONF_T_STRING, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Command run when new mail arrives in the open folder; $TERN_NEW, $TERN_ACCOUNT, $TERN_FOLDER tell what.") \
	X(BODY_CACHE_SIZE, "body-cache-size", CONF_T_NUMBER, CONF_S_GLOBAL, "200", 0, 100000, \
	  "Megabytes of message bodies kept on disk for reading offline; 0 keeps none.") \
	X(POP3_KEEP, "pop3-keep", CONF_T_BOOL, CONF_S_BOTH, "no", 0, 0, \
	  "yes: leave every message on the POP3 server (a copy). no (default): delete it there once it is safe in the Maildir.") \
	X(POP3_DELETE_AFTER, "pop3-delete-after", CONF_T_NUMBER, CONF_S_BOTH, "0", 0, 36500, \
	  "With pop3-keep no: delete a message on the POP3 server only DAYS days after it was downloaded; 0 (default): at once.") \
	X(POP3_APOP, "pop3-apop", CONF_T_BOOL, CONF_S_BOTH, "off", 0, 0, \
	  "on: log in to the POP3 server with APOP first when its greeting offers it; off (default): SASL PLAIN or USER/PASS over TLS, APOP only when the server offers nothing else.") \
	X(AUTOCONFIG_URL, "autoconfig-url", CONF_T_STRING, CONF_S_GLOBAL, NULL, 0, 0, \
	  "Thunderbird autoconfig file tern --whatis may read (https://, file://, or http:// to this machine); %EMAILDOMAIN% and %EMAILADDRESS% are filled in. Unset (default): no web request.")

#endif
