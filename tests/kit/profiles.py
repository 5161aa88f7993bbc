"""Provider profiles: the kit's Dovecot made to present the capabilities
and folder layout of a big provider's IMAP service, so tern's behaviour
there is tested on every run (Kit(profile="gmail")).

Each profile cites where its facts come from. A profile is a disguise,
not an emulation: Dovecot still stores mail its own way (Gmail's labels,
where one message sits in INBOX and [Gmail]/All Mail at once, are not
reproduced), and it implements what it does not announce; tern uses
only what a server announces, so the announced set is what is tested.
"""

PROFILES = {
    # Gmail. Extensions: Google, "IMAP Extensions",
    # https://developers.google.com/gmail/imap/imap-extensions (X-GM-EXT-1,
    # XLIST and SPECIAL-USE; no QRESYNC, CONDSTORE only since 2021 and not
    # for all accounts: left out here). Folders and their special-use
    # flags: the same page ("Special-Use Extension of the LIST command")
    # and https://support.google.com/mail/answer/7126229: the "[Gmail]"
    # parent is not selectable; deleting in INBOX only removes the label
    # unless the message is moved to [Gmail]/Trash, which tern's d does.
    "gmail": {
        "capability": "IMAP4rev1 UNSELECT IDLE NAMESPACE QUOTA ID XLIST CHILDREN X-GM-EXT-1 UIDPLUS "
                      "ENABLE MOVE ESEARCH LIST-EXTENDED LIST-STATUS LITERAL+ SPECIAL-USE",
        "folders": [("[Gmail]/All Mail", "\\All"), ("[Gmail]/Drafts", "\\Drafts"),
                    ("[Gmail]/Important", "\\Important"), ("[Gmail]/Sent Mail", "\\Sent"),
                    ("[Gmail]/Spam", "\\Junk"), ("[Gmail]/Starred", "\\Flagged"),
                    ("[Gmail]/Trash", "\\Trash")],
        "trash": "[Gmail]/Trash", "idle": True,
    },
    # Outlook.com and Office 365 (Exchange Online): Microsoft, "POP3 and
    # IMAP4 in Exchange Online" and "Authenticate an IMAP, POP or SMTP
    # connection using OAuth",
    # https://learn.microsoft.com/en-us/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/pop3-and-imap4
    # https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
    # (AUTH=XOAUTH2; IDLE, UIDPLUS, MOVE, no CONDSTORE or QRESYNC).
    # Folders: the Outlook names, "Sent Items", "Deleted Items", "Junk
    # Email", with special-use flags.
    "outlook": {
        "capability": "IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE "
                      "NAMESPACE LITERAL+",
        "folders": [("Archive", "\\Archive"), ("Deleted Items", "\\Trash"), ("Drafts", "\\Drafts"),
                    ("Junk Email", "\\Junk"), ("Sent Items", "\\Sent"), ("Notes", None), ("Outbox", None)],
        "trash": "Deleted Items", "idle": True,
    },
    # Yahoo Mail: server settings from Yahoo Help, "IMAP server settings",
    # https://help.yahoo.com/kb/SLN4075.html. Yahoo documents no
    # capability list; this is what its server announces after login as
    # reported in public client bug trackers (no IDLE, no CONDSTORE:
    # tern polls; MOVE and UIDPLUS). Folders: "Draft", "Bulk" for spam.
    "yahoo": {
        "capability": "IMAP4rev1 ID MOVE NAMESPACE UIDPLUS LITERAL+ CHILDREN UNSELECT SPECIAL-USE",
        "folders": [("Archive", "\\Archive"), ("Bulk", "\\Junk"), ("Draft", "\\Drafts"),
                    ("Sent", "\\Sent"), ("Trash", "\\Trash")],
        "trash": "Trash", "idle": False,
    },
    # iCloud Mail: Apple, "iCloud Mail server settings for other email
    # client apps", https://support.apple.com/en-us/102525. Apple documents
    # no capability list; announced after login per public client reports:
    # IDLE, UIDPLUS, QUOTA, CONDSTORE, no MOVE (a move is COPY + \Deleted +
    # UID EXPUNGE) and no QRESYNC. Folders: "Sent Messages", "Deleted
    # Messages", "Junk".
    "icloud": {
        "capability": "IMAP4rev1 SASL-IR ID UIDPLUS UNSELECT CHILDREN NAMESPACE IDLE QUOTA ENABLE CONDSTORE "
                      "ESEARCH SPECIAL-USE",
        "folders": [("Archive", "\\Archive"), ("Deleted Messages", "\\Trash"), ("Drafts", "\\Drafts"),
                    ("Junk", "\\Junk"), ("Sent Messages", "\\Sent")],
        "trash": "Deleted Messages", "idle": True,
    },
}

# the kit's own folders (DOVECOT_CONF in kit.py), switched off under a profile
KIT_FOLDERS = ("Sent", "Drafts", "Trash", "Junk", "Archive")


def dovecot_conf(profile, imap_capability=None, extra_conf=""):
    """(imap_capability, extra dovecot.conf text) for the profile."""
    p = PROFILES[profile]
    lines = ["namespace inbox {", "  separator = /"]
    names = [name for name, _ in p["folders"]]
    for name in KIT_FOLDERS:
        if name not in names:
            lines += ['  mailbox "%s" {' % name, "    auto = no", "    special_use =", "  }"]
    for name, flag in p["folders"]:
        lines += ['  mailbox "%s" {' % name, "    auto = subscribe", "    special_use = %s" % (flag or ""), "  }"]
    lines.append("}")
    return imap_capability or p["capability"], "\n".join(lines) + "\n" + extra_conf


def populate(kit, profile):
    """Anything a profile needs beyond its configuration (nothing yet)."""
