/* The provider table (src/conf/providers, compiled in): every provider the
 * issue names is there, look-ups by domain and by MX host (exact names
 * before *.suffix, no match on a mere ending), the file's error messages;
 * and the Thunderbird autoconfig parser on good, hostile and empty input. */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "conf/conf-provider.h"
#include "lib/lib.h"

static const char *id_by_domain(const struct conf_providers *t, const char *domain)
{
	const struct conf_provider *p = conf_provider_by_domain(t, domain);
	return p ? p->id : NULL;
}

static const char *id_by_mx(const struct conf_providers *t, const char *mx)
{
	const struct conf_provider *p = conf_provider_by_mx(t, mx);
	return p ? p->id : NULL;
}

static void test_builtin(void)
{
	const struct conf_providers *t = conf_providers_builtin();
	static const struct { const char *domain, *id; } named[] = {
		{ "gmail.com", "gmail" }, { "googlemail.com", "gmail" }, { "outlook.com", "outlook" },
		{ "hotmail.com", "outlook" }, { "live.com", "outlook" }, { "yahoo.com", "yahoo" },
		{ "icloud.com", "icloud" }, { "me.com", "icloud" }, { "fastmail.com", "fastmail" },
		{ "gmx.net", "gmx-de" }, { "gmx.com", "gmx-com" }, { "web.de", "webde" }, { "zoho.com", "zoho" },
		{ "aol.com", "aol" }, { "proton.me", "proton" }, { "protonmail.com", "proton" },
		{ "GMail.COM", "gmail" },
	};

	ok(t->n >= 21, "the table has the 11 named providers and at least ten more (%zu entries)", t->n);
	for (size_t i = 0; i < LIB_ARRAY_LEN(named); i++)
		is_str(id_by_domain(t, named[i].domain), named[i].id, "domain %s is %s", named[i].domain, named[i].id);
	ok(id_by_domain(t, "example.org") == NULL, "an unknown domain is no provider");
	ok(id_by_domain(t, "mail.gmail.com") == NULL, "a sub-domain is not the domain");

	int all_ok = 1;
	for (size_t i = 0; i < t->n; i++) {
		const struct conf_provider *p = &t->items[i];
		if (!p->name || !p->login || (!p->imap && !p->pop3) || (!p->ndomains && !p->nmx))
			all_ok = 0;
	}
	ok(all_ok, "every entry has a name, a login, an incoming server and a way to be found");

	const struct conf_provider *gmail = conf_provider_by_domain(t, "gmail.com");
	is_str(gmail->imap, "imaps://imap.gmail.com:993", "Gmail IMAP is imap.gmail.com, implicit TLS on 993");
	is_str(gmail->smtp, "smtps://smtp.gmail.com:465", "Gmail SMTP is smtp.gmail.com, implicit TLS on 465");
	ok((gmail->login & CONF_LOGIN_OAUTH2) && (gmail->login & CONF_LOGIN_APP_PASSWORD) &&
	   !(gmail->login & CONF_LOGIN_PASSWORD), "Gmail: OAuth2 or an app password, never the plain password");
	const struct conf_provider *outlook = conf_provider_by_domain(t, "outlook.com");
	is_int(outlook->login, CONF_LOGIN_OAUTH2, "Outlook.com: OAuth2 only");
	is_str(outlook->smtp, "smtp://smtp-mail.outlook.com:587", "Outlook.com SMTP is STARTTLS on 587");
	const struct conf_provider *icloud = conf_provider_by_domain(t, "icloud.com");
	ok(icloud->pop3 == NULL && icloud->login == CONF_LOGIN_APP_PASSWORD, "iCloud: no POP3, app-specific password");
	const struct conf_provider *proton = conf_provider_by_domain(t, "proton.me");
	is_str(proton->imap, "imap://127.0.0.1:1143", "Proton goes through the Bridge on 127.0.0.1:1143");
	ok(proton->login == CONF_LOGIN_BRIDGE, "Proton: the Bridge password");
	ok(conf_provider_by_domain(t, "riseup.net")->user_local, "Riseup logs in with the local part");
}

static void test_mx(void)
{
	const struct conf_providers *t = conf_providers_builtin();

	is_str(id_by_mx(t, "aspmx.l.google.com"), "gmail", "MX aspmx.l.google.com is Google");
	is_str(id_by_mx(t, "alt2.aspmx.l.google.com"), "gmail", "MX alt2.aspmx.l.google.com is Google");
	is_str(id_by_mx(t, "aspmx3.googlemail.com"), "gmail", "MX aspmx3.googlemail.com is Google");
	is_str(id_by_mx(t, "smtp.google.com"), "gmail", "MX smtp.google.com (Workspace since 2023) is Google");
	is_str(id_by_mx(t, "ASPMX.L.Google.COM."), "gmail", "MX match ignores case and a final dot");
	is_str(id_by_mx(t, "contoso-com.mail.protection.outlook.com"), "office365",
	       "MX *.mail.protection.outlook.com is Microsoft 365");
	is_str(id_by_mx(t, "outlook-com.olc.protection.outlook.com"), "outlook",
	       "MX *.olc.protection.outlook.com is Outlook.com");
	is_str(id_by_mx(t, "mx-aol.mail.gm0.yahoodns.net"), "aol", "an exact MX name beats a *.suffix (AOL, not Yahoo)");
	is_str(id_by_mx(t, "mta6.am0.yahoodns.net"), "yahoo", "MX *.yahoodns.net is Yahoo");
	is_str(id_by_mx(t, "in1-smtp.messagingengine.com"), "fastmail", "MX *.messagingengine.com is Fastmail");
	is_str(id_by_mx(t, "mail.protonmail.ch"), "proton", "MX mail.protonmail.ch is Proton");
	ok(id_by_mx(t, "evilgooglemail.com") == NULL, "*.googlemail.com does not match evilgooglemail.com");
	ok(id_by_mx(t, "googlemail.com") == NULL, "*.googlemail.com does not match googlemail.com itself");
	ok(id_by_mx(t, "mx.example.org") == NULL, "an unknown MX is no provider");
}

static void parse_error(const char *text, const char *want, const char *name)
{
	char *err = NULL;
	struct conf_providers *t = conf_providers_parse(text, &err);
	ok(t == NULL, "%s: refused", name);
	is_str(err, want, "%s: the message", name);
	conf_providers_free(t);
	free(err);
}

static void test_parse(void)
{
	char *err = NULL;
	struct conf_providers *t = conf_providers_parse(
		"# comment\n\nprovider one\n  name One\n  domains One.test two.test\n  imap imap://imap.one.test\n"
		"  login password oauth2\n  user local\n", &err);

	ok(t && t->n == 1, "a small table parses");
	if (t) {
		is_str(t->items[0].domains[0], "one.test", "domains are kept in lower case");
		is_int(t->items[0].login_first, CONF_LOGIN_PASSWORD, "the first login word is the preferred one");
		ok(t->items[0].user_local, "user local is read");
	}
	conf_providers_free(t);
	free(err);
	parse_error("provider a\n  name A\n  colour red\n", "3: unknown key 'colour'", "unknown key");
	parse_error("provider a\n  name A\n  domains a.test\n  login password\n", "4: provider a has no imap or pop3 server",
	            "an entry without servers");
	parse_error("provider a\n  name A\n  imap imaps//x\n",
	            "3: 'imaps//x' is not a URL: write imaps://imaps//x (TLS) or imap://imaps//x (STARTTLS)", "a bad URL");
	parse_error("provider a\n  name A\n  domains a.test\n  imap imaps://a.test\n  login magic\n",
	            "5: login 'magic': use password, app-password, oauth2 or bridge", "a bad login word");
	parse_error("name A\n", "1: 'name' before the first provider line", "a key before any provider");
}

static const char autoconfig_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<clientConfig version=\"1.1\">\n"
	" <emailProvider id=\"example.test\">\n"
	"  <domain>example.test</domain>\n"
	"  <displayName>Example &amp; Co</displayName>\n"
	"  <!-- <incomingServer type=\"imap\"><hostname>commented.test</hostname><port>993</port>"
	"<socketType>SSL</socketType></incomingServer> -->\n"
	"  <incomingServer type=\"imap\">\n"
	"   <hostname>bad\x1b[2Jhost.test</hostname><port>993</port><socketType>SSL</socketType>\n"
	"  </incomingServer>\n"
	"  <incomingServer type=\"imap\">\n"
	"   <hostname> imap.example.test </hostname>\n"
	"   <port>993</port>\n"
	"   <socketType>SSL</socketType>\n"
	"   <username>%EMAILLOCALPART%</username>\n"
	"   <authentication>password-cleartext</authentication>\n"
	"   <authentication>OAuth2</authentication>\n"
	"  </incomingServer>\n"
	"  <incomingServer type=\"pop3\">\n"
	"   <hostname>pop.example.test</hostname><port>99999</port><socketType>SSL</socketType>\n"
	"  </incomingServer>\n"
	"  <incomingServer type='pop3'>\n"
	"   <hostname>pop.example.test</hostname><port>110</port><socketType>STARTTLS</socketType>\n"
	"  </incomingServer>\n"
	"  <outgoingServer type=\"smtp\">\n"
	"   <hostname>plain.example.test</hostname><port>25</port><socketType>plain</socketType>\n"
	"  </outgoingServer>\n"
	"  <outgoingServer type=\"smtp\">\n"
	"   <hostname>smtp.example.test</hostname><port>587</port><socketType>STARTTLS</socketType>\n"
	"   <username>%EMAILADDRESS%</username>\n"
	"  </outgoingServer>\n"
	" </emailProvider>\n"
	"</clientConfig>\n";

static void test_autoconfig(void)
{
	struct conf_autoconfig ac;

	is_int(conf_autoconfig_parse(autoconfig_xml, strlen(autoconfig_xml), "ana@example.test", &ac), 0,
	       "a Thunderbird autoconfig file parses");
	is_str(ac.name, "Example & Co", "displayName with an entity decoded");
	is_str(ac.imap.url, "imaps://imap.example.test:993",
	       "IMAP: the first usable server (commented and hostile host names skipped, spaces trimmed)");
	is_str(ac.imap.user, "ana", "%%EMAILLOCALPART%% becomes the local part");
	ok(ac.imap.oauth2, "an OAuth2 authentication is noticed");
	is_str(ac.pop3.url, "pop3://pop.example.test:110", "POP3: a port out of range is skipped, STARTTLS kept");
	is_str(ac.smtp.url, "smtp://smtp.example.test:587", "SMTP: socketType plain is never proposed");
	is_str(ac.smtp.user, "ana@example.test", "%%EMAILADDRESS%% becomes the address");
	ok(!ac.smtp.oauth2, "no OAuth2 where none is listed");

	static const char empty[] = "<clientConfig version=\"1.1\"><emailProvider id=\"x\"></emailProvider></clientConfig>";
	ok(conf_autoconfig_parse(empty, strlen(empty), "a@x.test", &ac) < 0, "a file without servers is refused");
	static const char cut[] = "<clientConfig><incomingServer type=\"imap\"><hostname>imap.x.test</hostname><port>9";
	ok(conf_autoconfig_parse(cut, strlen(cut), "a@x.test", &ac) < 0, "a file cut in the middle is refused");
	ok(conf_autoconfig_parse("", 0, "a@x.test", &ac) < 0, "an empty file is refused");
}

int main(void)
{
	test_builtin();
	test_mx();
	test_parse();
	test_autoconfig();
	return tap_done();
}
