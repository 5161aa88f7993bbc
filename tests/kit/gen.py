#!/usr/bin/python3
"""Realistic test mail, written straight into a Maildir.

generate() writes N RFC 5322 messages into a Maildir (or a Maildir++
subfolder) the way Dovecot names them, deterministically for a seed:
threads (Message-ID / In-Reply-To / References, "Re: " subjects, several
levels deep), RFC 2047 B- and Q-encoded UTF-8 names and subjects next to
plain ASCII ones, dates increasing with file order, text/plain in 7bit or
quoted-printable UTF-8, multipart/alternative (plain + HTML), and
multipart/mixed with base64 PDF- or PNG-looking attachments (some with RFC
2231 UTF-8 file names).  Every file is 2,100 to 49,000 bytes.  No
subprocesses, one plain file write per message: 100,000 messages take
seconds.

    gen.py --maildir DIR --count N [--seed S] [--folder NAME]
           [--owner UID[:GID]]
    gen.py --demo DIR [--owner UID[:GID]]

demo() makes the demo mailbox: a few hundred messages in INBOX and some
in the folders Lists, Work and Archive.
"""

import base64
import binascii
import collections
import functools
import html
import os
import random
import sys
import time

MIN_SIZE, MAX_SIZE = 2100, 49000          # bytes on disk, LF line ends
START_DATE = 1420070400                   # 2015-01-01 00:00:00 UTC

# (display name, address, UTC offset in minutes)
PEOPLE = [
    ("Jürgen Müller", "juergen.mueller@example.de", 60),
    ("山田太郎", "yamada.taro@example.jp", 540),
    ("Ελένη Παπαδοπούλου", "eleni@example.gr", 120),
    ("Ørjan Hansen", "orjan.hansen@example.no", 60),
    ("François Lefèvre", "f.lefevre@example.fr", 60),
    ("Zoë Åberg", "zoe.aberg@example.se", 60),
    ("Иван Петров", "ivan.petrov@example.ru", 180),
    ("Łukasz Wiśniewski", "lukasz@example.pl", 60),
    ("Nguyễn Văn An", "an.nguyen@example.vn", 420),
    ("José Álvarez", "jose.alvarez@example.es", 60),
    ("李小龍", "li.xiaolong@example.cn", 480),
    ("Alice Smith", "alice.smith@example.com", -300),
    ("Bob Jones", "bob.jones@example.org", -480),
    ("Carol White", "carol@example.net", 0),
    ("Dave O'Brien", "dave.obrien@example.ie", 0),
    ("Mallory Q. Public", "mallory@example.com", -360),
    ("Priya Raman", "priya.raman@example.in", 330),
    ("build bot", "noreply@ci.example.org", 0),
]

SUBJECTS = [
    "Quarterly report draft",
    "Lunch on Friday?",
    "Build failure on main",
    "Meeting notes 2024-03-12",
    "Patch: fix off-by-one in the header parser",
    "[tern-dev] Release 0.3 checklist",
    "Invoice #20931",
    "Re-run of the benchmark suite",
    "Your account password will expire soon",
    "Photos from the offsite",
    "Grüße aus München",
    "Übersicht der Änderungen für Q3",
    "会議の議事録",
    "Σημειώσεις συνάντησης",
    "Ørjans forslag til budsjett",
    "Café crème à 15h ?",
    "Отчёт за квартал",
    "Smörgåsbord på fredag",
    "Party time 🎉 on Saturday",
    "Zażółć gęślą jaźń",
    "Sehr lange Betreffzeile mit Umlauten äöü ÄÖÜ ß, die über mehrere "
    "kodierte Wörter gefaltet werden muss",
]

ATTACHMENTS = [
    # (content type, file name, magic bytes at the start)
    ("application/pdf", "report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    ("image/png", "screenshot.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("application/pdf", "Übersicht 2024.pdf", b"%PDF-1.5\n%\xe2\xe3\xcf\xd3"),
    ("image/png", "写真.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("application/octet-stream", "data.bin", b"\x00\x01\x02\x03"),
]

WORDS = ("the a server client mail folder thread message header body cache "
         "index sync patch test build release queue outbox draft reply "
         "latency budget meeting agenda review change branch commit fix "
         "bug report plan week today tomorrow please thanks again note "
         "update config option screen key window pager search quota").split()

UTF8_SENTENCES = [
    "Vielen Dank für die schnelle Rückmeldung, das hilft uns sehr.",
    "Die Änderungen sind übernommen; bitte prüft die Übersicht.",
    "会議は来週の月曜日に変更になりました。よろしくお願いします。",
    "Ευχαριστώ για τις σημειώσεις, θα τις διαβάσω αύριο.",
    "Jeg har sendt budsjettet videre til Ørjan og Åse.",
    "Rendez-vous au café à 15h, après la réunion d'équipe.",
    "Спасибо, отчёт получен. Обсудим его в четверг.",
    "Zażółć gęślą jaźń — to zdanie ma wszystkie polskie znaki.",
    "Chúng tôi sẽ gửi bản cập nhật vào tuần tới.",
    "Nos vemos mañana en la oficina de Málaga. ¡Saludos!",
]

Message = collections.namedtuple(
    "Message", "path message_id subject date flags kind size")


# ---------------------------------------------------------------- encoding

def _encoded_word(text, q):
    raw = text.encode("utf-8")
    if not q:
        return "=?UTF-8?B?%s?=" % base64.b64encode(raw).decode()
    out = []
    for byte in raw:
        c = chr(byte)
        if c.isascii() and c.isalnum():
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append("=%02X" % byte)
    return "=?UTF-8?Q?%s?=" % "".join(out)


@functools.lru_cache(maxsize=None)      # few distinct names and subjects
def encode_header(text, q=False, limit=60):
    """RFC 2047-encode `text` if it is not ASCII (B, or Q when q is true).

    Split on character boundaries into words of at most `limit` chars,
    folded onto continuation lines.
    """
    if text.isascii():
        return text
    words, chunk = [], ""
    for ch in text:
        if chunk and len(_encoded_word(chunk + ch, q)) > limit:
            words.append(_encoded_word(chunk, q))
            chunk = ""
        chunk += ch
    words.append(_encoded_word(chunk, q))
    return "\n ".join(words)


def encode_address(name, addr, q=False):
    if not name.isascii():
        return "%s <%s>" % (encode_header(name, q), addr)
    if any(c in name for c in '.,:;<>@()[]"\\'):
        return '"%s" <%s>' % (name.replace("\\", "\\\\").replace('"', '\\"'),
                              addr)
    return "%s <%s>" % (name, addr)


def rfc2231_filename(name):
    """Content-Disposition parameter for `name`: plain or RFC 2231."""
    if name.isascii():
        return 'filename="%s"' % name
    quoted = "".join(c if c.isascii() and c.isalnum() or c in "._-"
                     else "".join("%%%02X" % b for b in c.encode("utf-8"))
                     for c in name)
    return "filename*=UTF-8''%s" % quoted


def format_date(t, offset_min):
    sign = "+" if offset_min >= 0 else "-"
    hh, mm = divmod(abs(offset_min), 60)
    return time.strftime("%a, %d %b %Y %H:%M:%S ", time.gmtime(
        t + offset_min * 60)) + "%s%02d%02d" % (sign, hh, mm)


def _qp(text):
    return binascii.b2a_qp(text.encode("utf-8")).decode("ascii")


# ---------------------------------------------------------------- text pools

class _Pools:
    """Paragraphs made once (fixed seed) and reused, already encoded."""

    def __init__(self):
        rng = random.Random(0)
        self.ascii = []        # 7bit text
        self.utf8_qp = []      # QP of UTF-8 text
        self.html_qp = []      # QP of the same as <p>…</p>
        for i in range(60):
            sentences = []
            for _ in range(rng.randint(3, 7)):
                words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
                sentences.append(" ".join(words).capitalize() + ".")
            para = _wrap(" ".join(sentences))
            self.ascii.append(para + "\n\n")
            mixed = para
            if i % 2:
                mixed = _wrap(" ".join(sentences[:2] + [
                    rng.choice(UTF8_SENTENCES), rng.choice(UTF8_SENTENCES)]))
            self.utf8_qp.append(_qp(mixed + "\n\n"))
            self.html_qp.append(_qp("<p>%s</p>\n" % html.escape(mixed)))
        self.blob = bytes(rng.getrandbits(8) for _ in range(40000))


def _wrap(text, width=72):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = line + " " + word if line else word
    lines.append(line)
    return "\n".join(lines)


_pools = None


def _fill(rng, pool, budget):
    """Paragraphs from `pool` whose total length reaches `budget`."""
    out, size = [], 0
    while size < budget:
        para = rng.choice(pool)
        out.append(para)
        size += len(para)
    return "".join(out)


# ---------------------------------------------------------------- messages

def _headers(rng, i, seed, t, sender, subject, parent, to):
    name, addr, offset = sender
    q = i % 2 == 1
    mid = "<%x.%d.%d@%s>" % (t, i, seed, addr.split("@")[1])
    h = ["Return-Path: <%s>" % addr,
         "Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])\n"
         "\tby mail.example.com with ESMTPS id %08X\n\tfor <%s>; %s"
         % (i % 7, i % 7, i % 250 + 1, rng.getrandbits(32), to,
            format_date(t, 0)),
         "Message-ID: " + mid,
         "Date: " + format_date(t, offset),
         "From: " + encode_address(name, addr, q),
         "To: Tern Tester <%s>" % to]
    if rng.random() < 0.2:
        cc = rng.choice(PEOPLE)
        h.append("Cc: " + encode_address(cc[0], cc[1], not q))
    h.append("Subject: %s%s" % ("Re: " if parent else "",
                                encode_header(subject, q)))
    if parent:
        refs = parent["refs"][-9:] + [parent["mid"]]
        h.append("In-Reply-To: " + parent["mid"])
        h.append("References: " + "\n ".join(refs))
    if rng.random() < 0.3:
        h.append("X-Mailer: tern-gen/1.0")
    h.append("MIME-Version: 1.0")
    return mid, "\n".join(h) + "\n"


def _body(rng, kind, budget, parent):
    """(Content-* header lines, body) with the body about `budget` bytes."""
    p = _pools
    quote = ""
    if parent:
        quote = "On %s, %s wrote:\n> %s\n\n" % (
            parent["date"], parent["addr"],
            rng.choice(p.ascii).strip().replace("\n", "\n> "))
    if kind == "plain7":
        text = quote + _fill(rng, p.ascii, budget - len(quote))
        return ("Content-Type: text/plain; charset=us-ascii\n"
                "Content-Transfer-Encoding: 7bit\n", text)
    if kind == "plainqp":
        text = _qp(quote) + _fill(rng, p.utf8_qp, budget - len(quote))
        return ("Content-Type: text/plain; charset=UTF-8\n"
                "Content-Transfer-Encoding: quoted-printable\n", text)
    boundary = "=_tern_%016x" % rng.getrandbits(64)
    if kind == "alternative":
        half = max(budget // 2 - 200, 200)
        parts = [("text/plain; charset=UTF-8",
                  _qp(quote) + _fill(rng, p.utf8_qp, half)),
                 ("text/html; charset=UTF-8",
                  "<html><body>\n" + _fill(rng, p.html_qp, half)
                  + "</body></html>\n")]
        body = "".join("--%s\nContent-Type: %s\nContent-Transfer-Encoding: "
                       "quoted-printable\n\n%s\n" % (boundary, ctype, text)
                       for ctype, text in parts)
        return ('Content-Type: multipart/alternative; boundary="%s"\n'
                % boundary, "This is a multi-part message in MIME format.\n\n"
                + body + "--%s--\n" % boundary)
    # mixed: a short text part, then one attachment filling the budget
    text = _qp(quote) + _fill(rng, p.utf8_qp, rng.randint(300, 1500))
    ctype, fname, magic = rng.choice(ATTACHMENTS)
    encoded_budget = budget - len(text) - 600
    raw_len = max(encoded_budget * 57 // 77 - len(magic), 64)
    start = rng.randrange(0, len(p.blob) - 1)
    raw = magic + (p.blob[start:] + p.blob)[:raw_len]
    name_param = ('name="%s"' % fname if fname.isascii()
                  else "name=\"%s\"" % encode_header(fname, limit=200))
    body = ("This is a multi-part message in MIME format.\n\n"
            "--%s\nContent-Type: text/plain; charset=UTF-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
            "--%s\nContent-Type: %s;\n %s\n"
            "Content-Disposition: attachment;\n %s\n"
            "Content-Transfer-Encoding: base64\n\n%s\n--%s--\n"
            % (boundary, text, boundary, ctype, name_param,
               rfc2231_filename(fname),
               base64.encodebytes(raw).decode("ascii"), boundary))
    return ('Content-Type: multipart/mixed; boundary="%s"\n' % boundary, body)


def _pick_kind(rng):
    r = rng.random()
    if r < 0.35:
        return "plain7"
    if r < 0.55:
        return "plainqp"
    if r < 0.80:
        return "alternative"
    return "mixed"


def _pick_size(rng, kind):
    if kind == "mixed":
        return rng.randint(8000, MAX_SIZE - 500)
    if kind == "alternative":
        return rng.randint(3500, 16000)
    return int(MIN_SIZE * (1.6 ** rng.random()) ** 3)     # mostly small


def _flags(rng, i, count):
    flags = ""
    if rng.random() < 0.05:
        flags += "F"
    if rng.random() < 0.1:
        flags += "R"
    if i < count - 20 and rng.random() < 0.8 or rng.random() < 0.2:
        flags += "S"
    return flags


def folder_path(maildir, folder):
    """Maildir++ directory of `folder` ("Lists" → MAILDIR/.Lists)."""
    if not folder or folder.upper() == "INBOX":
        return maildir
    if not folder.isascii() or folder.startswith("."):
        raise ValueError("folder names must be ASCII: %r" % folder)
    return os.path.join(maildir, "." + folder.replace("/", "."))


def generate(maildir, count, seed=1, start_date=START_DATE, folder=None,
             owner=None, to="alice@example.com"):
    """Write `count` messages into Maildir `maildir` (or its `folder`).

    Files go to tmp/ and are renamed into cur/ with Dovecot-style names
    TIME.M<i>P<seed>Q<i>.tern-gen,S=<size>,W=<crlf size>:2,<flags>.  Dates
    start at `start_date` (Unix time) and grow with file order; the file
    mtime is the date (IMAP INTERNALDATE).  owner=(uid, gid) chowns the
    files and directories.  Returns a list of Message tuples.
    """
    global _pools
    if _pools is None:
        _pools = _Pools()
    rng = random.Random(seed)
    target = folder_path(maildir, folder)
    for sub in ("", "cur", "new", "tmp"):
        os.makedirs(os.path.join(target, sub), mode=0o700, exist_ok=True)
        if owner:
            os.chown(os.path.join(target, sub), *owner)
    if target != maildir:
        marker = os.path.join(target, "maildirfolder")
        open(marker, "a").close()
        if owner:
            os.chown(marker, *owner)
    tmpdir, curdir = os.path.join(target, "tmp"), os.path.join(target, "cur")
    recent = []          # recent messages, candidates to reply to
    written = []
    t = int(start_date)
    for i in range(count):
        t += rng.randint(60, 3600)
        sender = rng.choice(PEOPLE)
        parent = None
        if recent and rng.random() < 0.45:
            # Half the replies continue the newest reply: deep threads.
            parent = recent[-1] if rng.random() < 0.5 else rng.choice(recent)
        subject = parent["subject"] if parent else rng.choice(SUBJECTS)
        kind = _pick_kind(rng)
        size = _pick_size(rng, kind)
        mid, head = _headers(rng, i, seed, t, sender, subject, parent, to)
        ctype, body = _body(rng, kind, size - len(head) - 80, parent)
        data = (head + ctype + "\n" + body).encode("utf-8")
        data = _clamp(data)
        flags = _flags(rng, i, count)
        name = "%d.M%dP%dQ%d.tern-gen,S=%d,W=%d:2,%s" % (
            t, i % 1000000, seed, i, len(data), len(data) + data.count(b"\n"),
            flags)
        tmp = os.path.join(tmpdir, name)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            if owner:
                os.fchown(fd, *owner)
            os.utime(fd, (t, t))
        finally:
            os.close(fd)
        path = os.path.join(curdir, name)
        os.rename(tmp, path)
        entry = {"mid": mid, "subject": subject, "addr": sender[1],
                 "date": format_date(t, sender[2]),
                 "refs": (parent["refs"][-9:] + [parent["mid"]]) if parent
                 else []}
        recent.append(entry)
        if len(recent) > 30:
            del recent[0]
        written.append(Message(path, mid, ("Re: " if parent else "") + subject,
                               t, flags, kind, len(data)))
    return written


def _clamp(data):
    """Keep a message within MIN_SIZE..MAX_SIZE (pad with a header / trim
    text at a line end); the size choice makes this rare."""
    if len(data) < MIN_SIZE:
        pad = MIN_SIZE - len(data) + 16
        filler = "X-Padding: " + ("x" * 70 + "\n ") * (pad // 73 + 1)
        data = filler.rstrip().encode() + b"\n" + data
    if len(data) > MAX_SIZE:
        raise AssertionError("generated message too large: %d" % len(data))
    return data


def demo(maildir, owner=None, now=None):
    """Fill `maildir` with the demo mailbox; return the folders made.

    INBOX gets 300 messages ending about now, Lists, Work and Archive a
    few dozen each.
    """
    now = int(now or time.time())
    generate(maildir, 300, seed=7, start_date=now - 300 * 1830, owner=owner)
    folders = [("Lists", 120, 11, now - 120 * 1830),
               ("Work", 60, 12, now - 60 * 1830),
               ("Archive", 80, 13, now - 400 * 86400)]
    for folder, count, seed, start in folders:
        generate(maildir, count, seed=seed, start_date=start, folder=folder,
                 owner=owner)
    return [f[0] for f in folders]


def _owner(text):
    uid, _, gid = text.partition(":")
    return int(uid), int(gid or uid)


def main(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="gen.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--maildir", help="Maildir root to write into")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", help="Maildir++ subfolder, e.g. Lists")
    parser.add_argument("--owner", type=_owner, metavar="UID[:GID]",
                        help="chown the files (when running as root)")
    parser.add_argument("--demo", metavar="DIR",
                        help="make the demo mailbox in Maildir DIR")
    args = parser.parse_args(argv)
    if args.demo:
        demo(args.demo, owner=args.owner)
    elif args.maildir:
        generate(args.maildir, args.count, seed=args.seed, folder=args.folder,
                 owner=args.owner)
    else:
        parser.error("give --maildir DIR or --demo DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
