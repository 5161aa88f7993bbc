#!/usr/bin/python3
"""Seed inputs for the fuzz targets in tests/fuzz.

    seeds.py DIR          writes the seeds of every target into DIR/TARGET/
    seeds.py --big DIR    only the large nasty ones (not kept in git)

The seeds in tests/fuzz/corpus were written by `seeds.py tests/fuzz/corpus`:
messages from the test kit's generator (tests/kit/gen.py) plus hand-made
nasty ones, and transcripts of what IMAP, POP3 and SMTP servers send.
contrib/fuzz adds the --big ones (10,000 parts, a 1 MB header line) to its
working corpus at every run.
"""

import base64
import os
import shutil
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "kit"))
import gen  # noqa: E402


def write(dir, name, data):
    os.makedirs(dir, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(dir, name), "wb") as f:
        f.write(data)


def head(subject="nasty", extra=""):
    return ("From: Ana <ana@example.org>\r\nTo: bo@example.org\r\nSubject: %s\r\n"
            "Date: Tue, 1 Jul 2025 10:52:37 +0200\r\nMessage-ID: <n1@example.org>\r\n"
            "MIME-Version: 1.0\r\n%s" % (subject, extra))


def nesting(depth):
    out = head("deep", 'Content-Type: multipart/mixed; boundary="b0"\r\n') + "\r\n"
    for i in range(1, depth):
        out += '--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i - 1, i)
    out += "--b%d\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n" % (depth - 1)
    for i in reversed(range(depth)):
        out += "--b%d--\r\n" % i
    return out


def many_parts(n):
    out = head("many", 'Content-Type: multipart/mixed; boundary="p"\r\n') + "\r\n"
    for i in range(n):
        out += "--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i
    return out + "--p--\r\n"


def nasty_messages():
    m = {}
    m["deep-nesting.eml"] = nesting(60)
    m["parts-300.eml"] = many_parts(300)
    m["missing-boundary.eml"] = head("nb", "Content-Type: multipart/mixed\r\n") + "\r\n--x\r\n\r\ntext\r\n"
    m["missing-final-boundary.eml"] = head("nf", 'Content-Type: multipart/mixed; boundary="x"\r\n') + \
        "\r\n--x\r\nContent-Type: text/plain\r\n\r\nno end"
    m["boundary-quote.eml"] = head("q", 'Content-Type: multipart/mixed; boundary="\\""\r\n') + \
        '\r\n--"\r\nContent-Type: text/plain\r\n\r\nx\r\n--"--\r\n'
    m["boundary-empty.eml"] = head("e", 'Content-Type: multipart/mixed; boundary=""\r\n') + "\r\n--\r\n\r\nx\r\n"
    m["nul-bytes.eml"] = head("n\0ul", "Content-Type: text/plain; charset=utf-8\r\n") + "\r\nbody\0with\0nul\r\n"
    m["long-header.eml"] = head("long", "X-Long: " + "a" * 8192 + "\r\n") + "\r\nbody\r\n"
    m["invalid-charset.eml"] = head("=?x-nonsense?Q?=E9t=E9?=", "Content-Type: text/plain; charset=\"x-unknown-\\\"\"\r\n") + \
        "\r\n\xe9t\xe9 caf\xc3\xa9\r\n"
    m["charset-utf7-iso2022.eml"] = head("=?iso-2022-jp?B?GyRCJDMkcyRLJEEkTxsoQg==?= =?utf-7?Q?+AOk-?=",
                                         "Content-Type: text/plain; charset=utf-7\r\n") + "\r\n+AOkA6QDp-\r\n"
    m["overlong-encoded-word.eml"] = head("=?utf-8?B?" + "QUJD" * 3000 + "?= =?utf-8?Q?" + "=C3=A9" * 2000 + "?=") + \
        "\r\nx\r\n"
    m["broken-encoded-words.eml"] = head("=?utf-8?B?w6k=?==?utf-8?B?===?= =?utf-8?Q?a_b=?= =?utf-8??x?= =?*?B?QQ==?= =??=") + \
        "\r\nx\r\n"
    m["rfc2231.eml"] = head("2231", 'Content-Type: multipart/mixed; boundary="z"\r\n') + \
        "\r\n--z\r\nContent-Type: application/pdf; name*0*=utf-8''%E2%80%AE; name*1=\"fdp.exe\"; name*3=x\r\n" \
        "Content-Disposition: attachment; filename*=utf-8'en'..%2F..%2Fetc%2Fpasswd; filename*0=\"a\r\n" \
        " b\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK=\r\n--z--\r\n"
    m["html-meta.eml"] = head("html", "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n") + \
        '\r\n<html><head><meta charset=3D"koi8-r"><style>x{}</style><script>a</script></head>' \
        '<body><p>\xf0\xd2\xc9=\r\n\xd7\xc5\xd4 &amp; &#x202e; &#99999999; &bogus<pre>  a\r\n b</pre><br><!-- c</body>\r\n'
    m["rfc822-nested.eml"] = head("fwd", 'Content-Type: message/rfc822\r\n') + "\r\n" + \
        head("inner", 'Content-Type: message/rfc822\r\n') + "\r\n" + head("innermost") + "\r\nbody\r\n"
    inner = head("inner b64", 'Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n') + "\r\n" + \
        base64.encodebytes(("From x Mon Jan  1 00:00:00 2035\r\n" + head("innermost")
                            + "\r\nbody\r\n").encode()).decode()
    m["rfc822-base64-nested.eml"] = head("fwd b64", 'Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n') + \
        "\r\n" + base64.encodebytes(inner.encode()).decode()
    m["rfc822-from-line-bom.eml"] = "\ufeff" + head("fwd from", 'Content-Type: message/rfc822\r\n') + "\r\n" + \
        "\ufeffFrom a@b Mon Jan  1 00:00:00 2035\r\n" + head("inner") + "\r\nbody\r\n"
    m["report.eml"] = head("dsn", 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n') + \
        "\r\n--r\r\nContent-Type: message/delivery-status\r\nContent-Disposition: attachment\r\n\r\n" \
        "Status: 5.1.1\r\n--r\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nlog\r\n--r--\r\n"
    m["alternative.eml"] = head("alt", 'Content-Type: multipart/alternative; boundary="a"\r\n') + \
        "\r\n--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" \
        "caf=E9 =\r\n=ZZ\r\n--a\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" \
        "PGI+Y2Fmw6k8L2I+\r\n!!\r\n--a--\r\n"
    m["comments.eml"] = "From: " + "(" * 200 + "x" + ")" * 200 + " <a@b>\r\nContent-Type: text/plain; (" + \
        "(" * 100 + "\r\n\r\nx\r\n"
    m["lf-only-controls.eml"] = "From: \x1b[31mred\x1b[0m <a@b>\nSubject: \u202eevil\u202c \x07\x9b\n\nline\x1b]0;title\x07\r\n\x7f\n"
    m["empty.eml"] = ""
    m["headers-only.eml"] = "Subject: x"
    return m


def big_messages():
    return {
        "parts-10000.eml": many_parts(10000),
        "header-1mb.eml": head("1mb", "X-Long: " + "b" * (1 << 20) + "\r\n") + "\r\nbody\r\n",
    }


def kit_messages(count=12):
    tmp = tempfile.mkdtemp()
    try:
        gen.generate(tmp, count, seed=9)
        files = []
        for sub in ("cur", "new"):
            d = os.path.join(tmp, sub)
            if os.path.isdir(d):
                files += [os.path.join(d, f) for f in sorted(os.listdir(d))]
        out = {}
        for i, path in enumerate(sorted(files)):
            with open(path, "rb") as f:
                out["kit-%02d.eml" % i] = f.read()
        return out
    finally:
        shutil.rmtree(tmp)


def header_block(raw):
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            return raw[:at + len(sep)]
    return raw


# ---- IMAP: the server side of a whole session (see fuzz-imap.c) ----
CAPS = b"IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE SORT CONDSTORE QRESYNC UIDPLUS MOVE QUOTA SPECIAL-USE NAMESPACE"


def imap_session(header_blocks, body, qresync=True, deflate=False):
    """deflate: the server offers COMPRESS=DEFLATE (RFC 4978) and agrees,
    and everything after its OK is a raw deflate stream (flushed after
    each reply, as Dovecot does) arriving in the same read as the OK."""
    caps = CAPS if qresync else CAPS.replace(b" QRESYNC", b"").replace(b" CONDSTORE", b"")
    if deflate:
        caps += b" COMPRESS=DEFLATE"
    s = [b"* OK [CAPABILITY " + caps + b"] Dovecot ready.",
         b"* CAPABILITY " + caps, b"T OK Pre-login capabilities listed.",
         b"T OK [CAPABILITY " + caps + b"] Logged in",
         b"* CAPABILITY " + caps, b"T OK Capability completed."]
    if deflate:
        s += [b"T OK Begin compression."]
        plain_lines = len(s)
    if qresync:
        s += [b"* ENABLED QRESYNC", b"T OK Enabled."]
    s += [b'* LIST (\\HasNoChildren) "/" INBOX',
          b'* LIST (\\HasNoChildren \\Trash) "/" Trash',
          b'* LIST (\\HasNoChildren \\Sent) "/" "Sent Messages"',
          b'* LIST (\\Noselect \\HasChildren) "/" "&AOk-t&AOk-"',
          b'* LIST (\\HasNoChildren \\Archive) "/" {7}\r\nArchive',
          b"T OK List completed.",
          b'* LSUB () "/" INBOX', b'* LSUB () "/" Trash', b"T OK Lsub completed.",
          b'* LIST (\\HasNoChildren \\Trash) "/" Trash', b"T OK List completed.", b"T OK Lsub completed.",
          b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)",
          b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded \\*)] Flags permitted.",
          b"* %d EXISTS" % (3 + len(header_blocks)), b"* 1 RECENT",
          b"* OK [UIDVALIDITY 7] UIDs valid", b"* OK [UIDNEXT %d] Predicted next UID" % (10 + len(header_blocks)),
          b"* OK [HIGHESTMODSEQ 42] Highest"]
    if qresync:
        s += [b"* VANISHED (EARLIER) 1,5:6", b"* 2 FETCH (UID 2 FLAGS (\\Seen \\Flagged) MODSEQ (40))"]
    s += [b"T OK [READ-WRITE] Select completed (0.001 + 0.000 secs)."]
    if qresync:  # UID FETCH 1:* (UID FLAGS) (CHANGEDSINCE ...)
        s += [b"* 1 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (41))", b"T OK Fetch completed."]
    else:
        s += [b"* 1 FETCH (UID 2 FLAGS (\\Seen))", b"* 2 FETCH (UID 3 FLAGS ())", b"T OK Fetch completed."]
    s += [b"* 2 FETCH (UID 3)", b"T OK Fetch completed."]
    for i, hb in enumerate(reversed(header_blocks)):
        seq = 3 + len(header_blocks) - i
        s.append(b"* %d FETCH (UID %d RFC822.SIZE %d FLAGS (\\Recent) INTERNALDATE \"01-Jul-2025 10:52:37 +0200\" "
                 b"BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES)] {%d}\r\n"
                 % (seq, 9 + seq, 1000 + seq, len(hb)) + hb + b")")
    s += [b"T OK Fetch completed.",
          b"* 2 FETCH (UID 2 BODY[] {%d}\r\n" % len(body) + body + b")", b"T OK Fetch completed.",
          b"* 1 FETCH (UID 1 MODSEQ (43) FLAGS (\\Seen))", b"T OK [MODIFIED 3] Conditional store completed.",
          b"* OK [COPYUID 9 1:2 100:101] Moved UIDs.", b"* 1 EXPUNGE", b"* VANISHED 2", b"T OK Move completed.",
          b"* SEARCH 1 3 7 4294967295", b"T OK Search completed.",
          b'* STATUS Archive (MESSAGES 4 UNSEEN 1 RECENT 0)', b"T OK Status completed.",
          b'* QUOTAROOT INBOX "User quota"', b'* QUOTA "User quota" (STORAGE 1024 10240 MESSAGE 3 1000)',
          b"T OK Getquotaroot completed.",
          b"+ OK", b"T OK [APPENDUID 7 12] Append completed.",
          b"* 1 EXPUNGE", b"T OK Expunge completed.",
          b"T OK Rename completed.", b"T OK Unsubscribe completed.", b"T OK Subscribe completed.",
          b"* FLAGS (\\Seen)", b"* 4 EXISTS", b"* OK [UIDVALIDITY 9] UIDs valid",
          b"T OK [READ-WRITE] Select completed.",
          b"+ idling", b"* 5 EXISTS", b"T OK Idle completed.",
          b"* BYE Logging out", b"T OK Logout completed."]
    tag = 0
    for i, line in enumerate(s):  # libetpan checks that tags match its commands
        if line.startswith(b"T "):
            tag += 1
            s[i] = b"%d" % tag + line[1:]
    if not deflate:
        return b"\r\n".join(s) + b"\r\n"
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    out = b"".join(line + b"\r\n" for line in s[:plain_lines])
    for line in s[plain_lines:]:
        out += z.compress(line + b"\r\n")
        if line[:1] != b"*":  # the end of a reply
            out += z.flush(zlib.Z_SYNC_FLUSH)
    return out + z.flush(zlib.Z_SYNC_FLUSH)


def imap_seeds(blocks, body):
    deflated = imap_session(blocks[:2], body, deflate=True)
    plain_end = deflated.find(b"OK Begin compression.\r\n") + 23
    corrupt_at = plain_end + (len(deflated) - plain_end) // 3
    corrupt_at = deflated.rfind(b"\x00\x00\xff\xff", plain_end, corrupt_at) + 4  # a block starts
    end_at = plain_end + (len(deflated) - plain_end) // 2
    end_at = deflated.rfind(b"\x00\x00\xff\xff", plain_end, end_at) + 4  # after a sync flush
    return {
        "session-qresync.txt": imap_session(blocks[:4], body),
        "session-plain.txt": imap_session(blocks[4:6], body, qresync=False),
        "session-deflate.txt": deflated,
        # a block of the reserved type 3 (RFC 1951 3.2.3) in the deflate
        # stream, and a stream the server ends (BFINAL) after the SELECT:
        # each a clean error
        "session-deflate-corrupt.txt": deflated[:corrupt_at] + b"\x06" + deflated[corrupt_at:],
        "session-deflate-end.txt": deflated[:end_at] + b"\x03\x00",
        "preauth.txt": b"* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n* CAPABILITY IMAP4rev1\r\n1 OK\r\n",
        "bye.txt": b"* BYE [UNAVAILABLE] go away\r\n",
        "login-no.txt": b"* OK ready\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n1 OK\r\n2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n",
        "huge-literal.txt": b"* OK [CAPABILITY IMAP4rev1] hi\r\n1 OK\r\n2 OK\r\n3 OK\r\n* LIST () \"/\" {4294967296}\r\nx\r\n",
    }


# ---- POP3 (see fuzz-pop.c): greeting, CAPA, USER, PASS, LIST, UIDL, RETR.., DELE.., QUIT ----
def dot_stuff(raw):
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)


def pop_session(msgs, uidl=True):
    s = [b"+OK Dovecot ready.",
         b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nUSER\r\nSASL PLAIN\r\n.",
         b"+OK", b"+OK Logged in."]
    s.append(b"+OK %d messages:\r\n" % len(msgs) +
             b"".join(b"%d %d\r\n" % (i + 1, len(m)) for i, m in enumerate(msgs)) + b".")
    if uidl:
        s.append(b"+OK\r\n" + b"".join(b"%d 0000000%d4f5e6a7b\r\n" % (i + 1, i) for i in range(len(msgs))) + b".")
    else:
        s.append(b"-ERR [SYS/PERM] UIDL not supported")
    if not uidl:  # TOP n 0 of each, to recognise them by their headers
        for m in msgs:
            s.append(b"+OK\r\n" + dot_stuff(header_block(m)) + b".")
    for m in msgs:
        s.append(b"+OK %d octets\r\n" % len(m) + dot_stuff(m) + b".")
        if uidl:
            s.append(b"+OK Marked to be deleted.")
    s.append(b"+OK Logging out, messages deleted.")
    return b"\r\n".join(s) + b"\r\n"


def pop_seeds(msgs):
    return {
        "session-uidl.txt": pop_session(msgs[:3]),
        "session-no-uidl.txt": pop_session(msgs[3:5], uidl=False),
        "in-use.txt": b"+OK hi\r\n-ERR\r\n+OK\r\n-ERR [IN-USE] Mailbox locked\r\n",
        "apop.txt": b"+OK POP3 <1896.697170952@dbc.mtview.ca.us>\r\n+OK\r\n.\r\n+OK\r\n+OK 0 messages\r\n.\r\n+OK\r\n.\r\n+OK\r\n",
        "bad-list.txt": b"+OK\r\n-ERR\r\n+OK\r\n+OK\r\n+OK\r\n2 10\r\n1 99999999999999999999\r\nx y\r\n.\r\n",
    }


# ---- SMTP (see fuzz-smtp.c): greeting, EHLO, AUTH, MAIL, RCPT, RCPT, DATA, dot; twice ----
def smtp_seeds():
    ehlo = (b"250-mail.example.org Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
            b"250-AUTH PLAIN LOGIN XOAUTH2\r\n250-AUTH=LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n")
    ok = (b"220 mail.example.org ESMTP\r\n" + ehlo + b"235 2.7.0 Authentication successful\r\n"
          b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
          b"250 2.0.0 Ok: queued as 4B\r\n")
    return {
        "session-ok.txt": ok + ok[ok.index(b"250 2.1.0"):] + b"221 Bye\r\n",
        "refused.txt": b"220 hi\r\n" + ehlo + b"235 ok\r\n250 ok\r\n550 5.1.1 <bo@example.org>: no such user\r\n"
                       b"250 reset\r\n452 4.3.1 Insufficient storage\r\n250 reset\r\n221 bye\r\n",
        "auth-login.txt": b"220 hi\r\n250-x\r\n250 AUTH LOGIN\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n535 5.7.8 bad\r\n",
        "greeting-554.txt": b"554 5.3.2 go away\r\n",
        "multiline.txt": b"220-hi\r\n220-more\r\n220 end\r\n250 x\r\n530 5.7.0 Authentication required\r\n",
    }


# ---- mailrc and patterns ----
def mailrc_seeds():
    with open(os.path.join(HERE, "..", "..", "mailrc.sample"), "rb") as f:
        sample = f.read()
    return {
        "sample.mailrc": sample,
        "accounts.mailrc": b'set-default x\nimap-server imaps://imap.example.org\nsort reverse-threads\n'
                           b'account work\nfrom "Ana <ana@example.org>"\nimap-server imap://h:143/?x\n'
                           b'smtp-server smtps://u%40x@smtp.example.org:465\npassword "a \\"b\\" c"\ntls off\n'
                           b'account "bad name"\nbind index \\Cx quit\ncolor index red default bold\npush "l~N\\n"\n'
                           b'include other\nunknown-key 1\nmail-check 9999999999999999999999\n',
        "quotes.mailrc": b'"unterminated\n# comment\n\t\n  pop3-server pop3s://[::1]:995\nkeep yes\n',
    }


def pattern_seeds():
    pats = ["~f ana | ~s invoice", "!~N (~d <2w ~z >10K) ~F", "~d 01/07/2025-31/12/2025 ~r -1/1/70",
            "~z 10K-1M | ~z <1M | ~z =500", "~i <a@b> | ~x a@b", "~b foo ~B \"bar baz\" ~f x",
            "~L ^ana@ ~C \"(a|b)+\" ~t [[:alpha:]]", "word other \xc3\xa9t\xc3\xa9", "~d >1m ~d =3d ~d <12H",
            "((((~A))))", "~s \\( ~T ~Q ~D ~O ~U ~R ~e x", "~b \"line\\nbreak\" | ~b caf\xc3\xa9", "~d 20250701",
            "~c", "~z >"]
    return {"p%02d.txt" % i: p.encode("utf-8", "surrogateescape") if isinstance(p, str) else p
            for i, p in enumerate(pats)}


def address_seeds():
    """The first byte picks the parser's mode (1 lenient, 2 IDNA)."""
    lists = [
        b'\x00"Doe, John" <bob@example.com>, alice@example.com',
        b'\x00<bob@example.com>, <alice@example.com>',
        b'\x00x <a@b>, y <c@d>',
        b'\x00Bob <bob@x> junk here',
        b'\x00a@x, b@x',
        b'\x01Pete(A wonderful \\) chap) <pete(his account)@silly.test(his host)>',
        b'\x00A Group(Some people):Chris Jones <c@(Chris\'s host.)public.example>, joe@example.org, '
        b'John <jdoe@one.test> (my dear friend); (the end of the group)',
        b'\x01(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;',
        b'\x00Joe Q. Public <john.q.public@example.com>, Mary Smith <@node.test:mary@example.net>, , '
        b'jdoe@test  . example',
        b'\x02Bob <bob@m\xc3\xbcnchen.example>, x@B\xc3\x9cCHER.example',
        b'\x01=?utf-8?q?Doe=2C_John?= <j@x.org>, Bob @ Work <bob@x.org>, Foo [Bar] <foo@x>',
        b'\x00"john doe"@example.com, "a\\\\b" <c@d>, ana@x (Ana Lima)',
        b'\x03a@[192.0.2.1], undisclosed-recipients:;',
    ]
    return {"a%02d.txt" % i: data for i, data in enumerate(lists)}


def main(argv):
    if len(argv) == 3 and argv[1] == "--big":
        for name, data in big_messages().items():
            write(os.path.join(argv[2], "message"), name, data)
        return 0
    if len(argv) != 2 or argv[1].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    kit = kit_messages()
    nasty = nasty_messages()
    for name, data in list(kit.items()) + list(nasty.items()):
        write(os.path.join(out, "message"), name, data)
    blocks = [header_block(m) for m in kit.values()]
    sep = b"\n\f\n"
    write(os.path.join(out, "index"), "kit-all.txt", sep.join(blocks))
    write(os.path.join(out, "index"), "nasty.txt",
          sep.join(header_block(m) for m in nasty.values() if len(m) < 20000))
    write(os.path.join(out, "index"), "threads.txt",
          b"Message-ID: <a@x>\nSubject: t\n\f\nMessage-ID: <b@x>\nIn-Reply-To: <a@x>\nSubject: Re: t\n"
          b"\n\f\nMessage-ID: <a@x>\nReferences: <b@x> <a@x>\n\n\f\nReferences: (c) \"q\" <z@x> <b@x>\n"
          b"Message-ID: <c@x>\nDate: Thu, 31 Dec 1969 23:59:59 -2359\n")
    body = list(kit.values())[0]
    for name, data in imap_seeds(blocks, body).items():
        write(os.path.join(out, "imap"), name, data)
    small = sorted(kit.values(), key=len)
    for name, data in pop_seeds(small).items():
        write(os.path.join(out, "pop"), name, data)
    for name, data in smtp_seeds().items():
        write(os.path.join(out, "smtp"), name, data)
    for name, data in mailrc_seeds().items():
        write(os.path.join(out, "mailrc"), name, data)
    for name, data in pattern_seeds().items():
        write(os.path.join(out, "pattern"), name, data)
    for name, data in address_seeds().items():
        write(os.path.join(out, "address"), name, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
