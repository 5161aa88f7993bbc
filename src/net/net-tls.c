/* TLS on OpenSSL 3: handshake with a deadline, then the checks that decide
 * whether tern talks to this server at all. The handshake itself runs with
 * SSL_VERIFY_NONE so that a pinned self-signed certificate can pass; the
 * chain and host name verdict is read afterwards and refused in words,
 * before any byte of a command (let alone a password) is sent. */
#include "net.h"
#include "net-private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

const char *net_tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}

static int is_ip_literal(const char *host)
{
	unsigned char addr[16];
	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* The names a certificate is valid for, for the mismatch message. */
static void cert_names(X509 *cert, struct buf *out)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int count = 0;

	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
		if (name->type == GEN_DNS) {
			const unsigned char *s = ASN1_STRING_get0_data(name->d.dNSName);
			buf_addstr(out, count++ ? ", " : "");
			lib_sanitize(out, (const char *)s, (size_t)ASN1_STRING_length(name->d.dNSName), LIB_SANITIZE_LINE);
		} else if (name->type == GEN_IPADD) {
			char text[INET6_ADDRSTRLEN] = "?";
			int len = ASN1_STRING_length(name->d.iPAddress);
			const unsigned char *ip = ASN1_STRING_get0_data(name->d.iPAddress);
			if (len == 4)
				inet_ntop(AF_INET, ip, text, sizeof(text));
			else if (len == 16)
				inet_ntop(AF_INET6, ip, text, sizeof(text));
			buf_addf(out, "%s%s", count++ ? ", " : "", text);
		}
	}
	GENERAL_NAMES_free(names);
	if (count == 0) {
		char cn[256] = "";
		X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
		buf_addstr(out, "CN=");
		lib_sanitize(out, cn, strlen(cn), LIB_SANITIZE_LINE);
	}
}

static void name_line(X509_NAME *name, struct buf *out)
{
	char *text = X509_NAME_oneline(name, NULL, 0);
	if (text)
		lib_sanitize(out, text, strlen(text), LIB_SANITIZE_LINE);
	OPENSSL_free(text);
}

static void asn1_time(const ASN1_TIME *t, struct buf *out)
{
	struct tm tm;
	char text[32];

	if (ASN1_TIME_to_tm(t, &tm) == 1 && strftime(text, sizeof(text), "%Y-%m-%d", &tm) > 0)
		buf_addstr(out, text);
	else
		buf_addstr(out, "an unreadable date");
}

/* The SHA-256 of cert's DER in lowercase hex into hex (at least 65
 * bytes); 0, or -1 when it cannot be computed. */
static int cert_sha256(X509 *cert, char *hex)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	hex[0] = '\0';
	if (!X509_digest(cert, EVP_sha256(), digest, &len) || len != 32)
		return -1;
	for (unsigned int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

static int check_fingerprint(X509 *cert, const char *want, struct lib_error *err)
{
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (cert_sha256(cert, hex) < 0) {
		lib_error_set(err, LIB_ERR_TLS, "cannot compute the certificate fingerprint");
		return -1;
	}
	if (strcmp(hex, want) != 0) {
		lib_error_set(err, LIB_ERR_TLS,
		              "certificate pin mismatch: the server's certificate is sha256:%s, "
		              "tls-fingerprint expects sha256:%s",
		              hex, want);
		return -1;
	}
	return 0;
}

static int check_chain(SSL *ssl, X509 *cert, const char *host, struct lib_error *err)
{
	long result = SSL_get_verify_result(ssl);
	struct buf why = BUF_INIT;

	if (result == X509_V_OK)
		return 0;
	switch (result) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		buf_addf(&why, "host name mismatch: the certificate is for ");
		cert_names(cert, &why);
		buf_addf(&why, ", not %s", host);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		buf_addstr(&why, "the certificate expired on ");
		asn1_time(X509_get0_notAfter(cert), &why);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		buf_addstr(&why, "the certificate is not valid before ");
		asn1_time(X509_get0_notBefore(cert), &why);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		buf_addstr(&why, "untrusted issuer: the certificate was issued by ");
		name_line(X509_get_issuer_name(cert), &why);
		buf_addstr(&why, ", which is not a trusted CA (set tls-ca-file, or pin it with tls-fingerprint)");
		break;
	default:
		buf_addf(&why, "certificate refused: %s", X509_verify_cert_error_string(result));
	}
	lib_error_set(err, LIB_ERR_TLS, "%s", why.data);
	buf_free(&why);
	return -1;
}

/* Copies text into out, cut at a UTF-8 character boundary. */
static void fill_text(char *out, size_t size, const struct buf *text)
{
	size_t len = text->len < size ? text->len : size - 1;

	while (len > 0 && len < text->len && ((unsigned char)text->data[len] & 0xc0) == 0x80)
		len--;
	if (len)
		memcpy(out, text->data, len);
	out[len] = '\0';
}

/* What the handshake showed, for diagnostics (net_tls_config.info). */
static void fill_info(struct net_tls_info *info, SSL *ssl, X509 *cert, const char *host)
{
	struct buf text = BUF_INIT;

	memset(info, 0, sizeof(*info));
	info->handshake_done = 1;
	snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", SSL_get_cipher_name(ssl));
	name_line(X509_get_subject_name(cert), &text);
	fill_text(info->subject, sizeof(info->subject), &text);
	buf_reset(&text);
	name_line(X509_get_issuer_name(cert), &text);
	fill_text(info->issuer, sizeof(info->issuer), &text);
	buf_reset(&text);
	cert_names(cert, &text);
	fill_text(info->names, sizeof(info->names), &text);
	buf_reset(&text);
	asn1_time(X509_get0_notAfter(cert), &text);
	fill_text(info->not_after, sizeof(info->not_after), &text);
	buf_free(&text);
	info->expired = X509_cmp_current_time(X509_get0_notAfter(cert)) < 0;
	cert_sha256(cert, info->fingerprint);
	info->name_match = is_ip_literal(host) ? X509_check_ip_asc(cert, host, 0) == 1
	                                       : X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
	                                                         NULL) == 1;
}

int net_tls_start(struct net_conn *conn, const char *host, const struct net_tls_config *tls,
                  struct lib_error *err)
{
	struct timespec deadline;

	conn->ctx = SSL_CTX_new(TLS_client_method());
	if (!conn->ctx)
		lib_fatal("SSL_CTX_new failed");
	SSL_CTX_set_min_proto_version(conn->ctx, TLS1_2_VERSION);
	if (tls->ca_file) {
		if (SSL_CTX_load_verify_locations(conn->ctx, tls->ca_file, NULL) != 1) {
			lib_error_set(err, LIB_ERR_TLS, "cannot read tls-ca-file %s", tls->ca_file);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(conn->ctx) != 1) {
		lib_error_set(err, LIB_ERR_TLS, "cannot load the system's CA certificates");
		return -1;
	}
	conn->ssl = SSL_new(conn->ctx);
	if (!conn->ssl)
		lib_fatal("SSL_new failed");
	SSL_set_verify(conn->ssl, SSL_VERIFY_NONE, NULL);
	X509_VERIFY_PARAM *param = SSL_get0_param(conn->ssl);
	if (is_ip_literal(host)) {
		X509_VERIFY_PARAM_set1_ip_asc(param, host);
	} else {
		X509_VERIFY_PARAM_set1_host(param, host, 0);
		X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		SSL_set_tlsext_host_name(conn->ssl, host);
	}
	SSL_set_fd(conn->ssl, conn->fd);

	net_deadline(&deadline, conn->timeout);
	for (;;) {
		ERR_clear_error();
		int rc = SSL_connect(conn->ssl);
		if (rc == 1)
			break;
		int e = SSL_get_error(conn->ssl, rc);
		short want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
		if (!want) {
			unsigned long code = ERR_peek_last_error();
			const char *reason = code ? ERR_reason_error_string(code) : NULL;
			if (code && ERR_GET_REASON(code) == SSL_R_WRONG_VERSION_NUMBER)
				lib_error_set(err, LIB_ERR_TLS, "TLS handshake failed: the server did not answer in TLS "
				                               "(a plain-text or STARTTLS port? then use imap://, pop3:// or smtp://)");
			else
				lib_error_set(err, LIB_ERR_TLS, "TLS handshake failed: %s",
				              reason ? reason : "the server closed the connection");
			return -1;
		}
		int ready = net_wait(conn, want, &deadline);
		if (ready <= 0) {
			lib_error_set(err, LIB_ERR_CONNECTION, "TLS handshake: %s", conn->last_error);
			return -1;
		}
	}

	X509 *cert = SSL_get1_peer_certificate(conn->ssl);
	if (!cert) {
		lib_error_set(err, LIB_ERR_TLS, "the server sent no certificate");
		return -1;
	}
	if (tls->info)
		fill_info(tls->info, conn->ssl, cert, host);
	int rc = tls->fingerprint ? check_fingerprint(cert, tls->fingerprint, err) : check_chain(conn->ssl, cert, host, err);
	if (tls->info)
		tls->info->verified = rc == 0;
	X509_free(cert);
	if (rc < 0)
		return -1;
	snprintf(conn->tls_description, sizeof(conn->tls_description), "%s %s", SSL_get_version(conn->ssl),
	         SSL_get_cipher_name(conn->ssl));
	return 0;
}

int net_tls_ca_file_check(const char *path, char *why, size_t why_size)
{
	FILE *fp = fopen(path, "r");
	X509 *cert;
	int count = 0;

	if (!fp) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	ERR_clear_error();
	while ((cert = PEM_read_X509(fp, NULL, NULL, NULL))) {
		count++;
		X509_free(cert);
	}
	/* the loop ends at the end of the file (PEM_R_NO_START_LINE) or at a
	 * certificate that cannot be read */
	unsigned long e = ERR_peek_last_error();
	int clean_end = !e || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE);
	ERR_clear_error();
	fclose(fp);
	if (!count) {
		snprintf(why, why_size, "holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
		return -1;
	}
	if (!clean_end) {
		snprintf(why, why_size, "has a certificate that cannot be read after the first %d", count);
		return -1;
	}
	return 0;
}
