#!/usr/bin/python3
# py-child: a scriptable test milter built on pymilter (Debian's python3-milter, run by /usr/bin/python3).
# Its twin c-child.c does the same on libmilter directly; both take the same command line and write the same
# log, so a test can run either (or both) and compare what each saw.
#
# Command line
#   -s SPEC                 socket: inet:PORT@127.0.0.1 or unix:/path (libmilter spelling)
#   -n NAME                 name used in log lines on stderr and for the {name} token below (default "child")
#   -l LOGFILE              append one line per event received; without it, events go to stdout
#   -r STAGE[:MATCH]=ACTION repeatable; the first rule of a stage whose MATCH is a substring (case-sensitive) of
#                           the stage's argument wins; no rule means continue.
#        STAGE   connect helo mail rcpt data header eoh body eom unknown
#        MATCH   connect: client host name; helo: HELO name; mail: sender ("<a@b>"); rcpt: recipient;
#                header: "Name: value"; body: the chunk; unknown: the command line.
#                data, eoh and eom have no argument: only a rule without MATCH (or with an empty one) applies.
#                The rule is split at the first '=' whose remainder is a valid ACTION, so MATCH may hold '='.
#        ACTION  continue | accept | reject | tempfail | discard | skip (body only; continue if the MTA did not
#                offer SKIP) | reply:CODE:XCODE:TEXT (setreply, empty XCODE = none; then reject for 5xx,
#                tempfail for 4xx)
#   -e EDIT                 repeatable; applied at end of message, in order, before the eom action:
#        add-header:NAME:VALUE  insert-header:INDEX:NAME:VALUE  change-header:NAME:INDEX:VALUE (empty deletes)
#        add-rcpt:ADDR  add-rcpt-par:ADDR:ARGS  del-rcpt:ADDR  change-from:ADDR[:ARGS]
#        replace-body:TEXT  quarantine:REASON  progress
#   -m STAGE:MACROS         repeatable; ask for these macros (space separated) at a stage through the symlist.
#                           STAGE is one of connect helo mail rcpt data eoh eom.
#   -N STAGE                repeatable; negotiate "no reply" for that stage when the MTA offers it (the stage's
#                           rules are then ignored: the child cannot answer). STAGE: connect helo mail rcpt data
#                           header eoh body unknown.
#   In every edit argument and in reply TEXT, the token {name} becomes the -n name. In header VALUEs and in
#   replace-body TEXT, \n is a line break (LF in a header value, the milter folding convention; CRLF in a body),
#   \t a tab and \\ a backslash.
#
# Negotiation: the child asks for every modification action it may need (add/change headers, replace body,
# add/delete recipients, change sender, quarantine; and set-symlist when -m is given) within what the MTA
# offers, every protocol step (no NO* bits), SKIP when offered, and NR_* only for -N stages.
#
# Log format: UTF-8, one line per event, flushed at once. Free text (names, values, addresses, command lines,
# macro values) has '\' written as "\\", LF as "\n", CR as "\r", TAB as "\t" and other control bytes as
# "\xHH"; every other byte is written as is.
#   negotiate version=6 actions=0xHEX protocol=0xHEX   the MTA's offer (lower-case hex); version is the
#                                                      protocol version this child speaks (libmilter does not
#                                                      show the MTA's)
#   connect host=H family=4|6|L|U addr=A port=P        L: addr is the socket path, port 0; U: addr empty, port 0
#   helo H
#   mail <S> ARG ARG...                                the sender and each ESMTP argument, space separated
#   rcpt <R> ARG...
#   data
#   header NAME: VALUE
#   eoh
#   body BYTES                                         the size of the chunk
#   eom bodysha256=HEX                                 SHA-256 of all body chunks of this message
#   abort
#   unknown LINE
#   close
#   macro STAGE NAME=VALUE                             after the event line of connect, helo, mail, rcpt, data,
#                                                      eoh and eom: one line per macro the child can read then,
#                                                      for the names it asked for with -m at that stage
#                                                      followed by i j {daemon_name} {auth_authen} {client_addr}
#                                                      (each name once, in that order; unset ones left out)
# Lines of concurrent connections interleave; tests use one connection at a time.

import getopt
import hashlib
import socket
import sys
import threading

import Milter

STAGES = ['connect', 'helo', 'mail', 'rcpt', 'data', 'header', 'eoh', 'body', 'eom', 'unknown']
NOREPLY_BITS = {
    'connect': Milter.P_NR_CONN, 'helo': Milter.P_NR_HELO, 'mail': Milter.P_NR_MAIL,
    'rcpt': Milter.P_NR_RCPT, 'data': Milter.P_NR_DATA, 'header': Milter.P_NR_HDR,
    'eoh': Milter.P_NR_EOH, 'body': Milter.P_NR_BODY, 'unknown': Milter.P_NR_UNKN,
}
MACRO_STAGES = {
    'connect': Milter.M_CONNECT, 'helo': Milter.M_HELO, 'mail': Milter.M_ENVFROM, 'rcpt': Milter.M_ENVRCPT,
    'data': Milter.M_DATA, 'eoh': Milter.M_EOH, 'eom': Milter.M_EOM,
}
FIXED_MACROS = ['i', 'j', '{daemon_name}', '{auth_authen}', '{client_addr}']
SIMPLE_ACTIONS = {
    'continue': Milter.CONTINUE, 'accept': Milter.ACCEPT, 'reject': Milter.REJECT,
    'tempfail': Milter.TEMPFAIL, 'discard': Milter.DISCARD, 'skip': Milter.SKIP,
}
PROTOCOL_VERSION = 6


def die(message):
    sys.stderr.write('py-child: %s\n' % message)
    sys.exit(2)


def as_bytes(value):
    if value is None:
        return b''
    if isinstance(value, bytes):
        return value
    return value.encode('utf-8', 'surrogateescape')


def escape(value):
    out = bytearray()
    for c in as_bytes(value):
        if c == 0x5c:
            out += b'\\\\'
        elif c == 0x0a:
            out += b'\\n'
        elif c == 0x0d:
            out += b'\\r'
        elif c == 0x09:
            out += b'\\t'
        elif c < 0x20 or c == 0x7f:
            out += b'\\x%02x' % c
        else:
            out.append(c)
    return bytes(out)


def unescape(text, newline):
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair == '\\n':
            out.append(newline)
            i += 2
        elif pair == '\\t':
            out.append('\t')
            i += 2
        elif pair == '\\\\':
            out.append('\\')
            i += 2
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


class Config:
    """The parsed command line, shared read-only by every connection."""

    def __init__(self, argv):
        self.spec = None
        self.name = 'child'
        self.log_path = None
        self.rules = []           # (stage, match or None, action, (code, xcode, text) or None)
        self.raw_edits = []
        self.macros = {}          # stage -> space separated names
        self.noreply = 0
        try:
            opts, extra = getopt.getopt(argv, 's:n:l:r:e:m:N:')
        except getopt.GetoptError as e:
            die(str(e))
        if extra:
            die('unexpected arguments: %s' % ' '.join(extra))
        for opt, arg in opts:
            if opt == '-s':
                self.spec = arg
            elif opt == '-n':
                self.name = arg
            elif opt == '-l':
                self.log_path = arg
            elif opt == '-r':
                self.rules.append(self.parse_rule(arg))
            elif opt == '-e':
                self.raw_edits.append(arg)
            elif opt == '-m':
                stage, sep, names = arg.partition(':')
                if stage not in MACRO_STAGES or not sep:
                    die('-m %s: expected STAGE:MACROS' % arg)
                self.macros[stage] = names
            elif opt == '-N':
                if arg not in NOREPLY_BITS:
                    die('-N %s: no such no-reply stage' % arg)
                self.noreply |= NOREPLY_BITS[arg]
        if self.spec is None:
            die('-s SPEC is required')
        self.rules = [(s, m, a, self.with_name_reply(r)) for s, m, a, r in self.rules]
        self.edits = [self.parse_edit(e) for e in self.raw_edits]

    def with_name(self, text):
        return None if text is None else text.replace('{name}', self.name)

    def with_name_reply(self, reply):
        return None if reply is None else (reply[0], reply[1], self.with_name(reply[2]))

    @staticmethod
    def parse_action(text):
        """Returns (action, reply) or None when text is not a valid action."""
        if text in SIMPLE_ACTIONS:
            return text, None
        if not text.startswith('reply:'):
            return None
        parts = text[6:].split(':', 2)
        if len(parts) < 3 or len(parts[0]) != 3 or parts[0][0] not in '45':
            return None
        return 'reply', (parts[0], parts[1], parts[2])

    def parse_rule(self, arg):
        cut = min([i for i in (arg.find(':'), arg.find('=')) if i >= 0], default=-1)
        if cut < 0 or arg[:cut] not in STAGES:
            die('-r %s: expected STAGE[:MATCH]=ACTION' % arg)
        stage, rest = arg[:cut], arg[cut:]
        if rest[0] == '=':
            parsed = self.parse_action(rest[1:])
            if parsed is None:
                die('-r %s: unknown action' % arg)
            return stage, None, parsed[0], parsed[1]
        match = rest[1:]
        eq = match.find('=')
        while eq >= 0:
            parsed = self.parse_action(match[eq + 1:])
            if parsed is not None:
                return stage, match[:eq], parsed[0], parsed[1]
            eq = match.find('=', eq + 1)
        die('-r %s: expected STAGE[:MATCH]=ACTION' % arg)

    def parse_edit(self, arg):
        kind, sep, rest = arg.partition(':')
        if not sep:
            if arg != 'progress':
                die('-e %s: unknown edit' % arg)
            return ('progress',)
        fields = None
        if kind == 'add-header':
            fields = rest.split(':', 1)
            if len(fields) == 2:
                return kind, self.with_name(fields[0]), unescape(self.with_name(fields[1]), '\n')
        elif kind == 'insert-header':
            fields = rest.split(':', 2)
            if len(fields) == 3:
                return kind, int_prefix(fields[0]), self.with_name(fields[1]), \
                    unescape(self.with_name(fields[2]), '\n')
        elif kind == 'change-header':
            fields = rest.split(':', 2)
            if len(fields) == 3:
                return kind, self.with_name(fields[0]), int_prefix(fields[1]), \
                    unescape(self.with_name(fields[2]), '\n')
        elif kind in ('add-rcpt', 'del-rcpt', 'quarantine'):
            return kind, self.with_name(rest)
        elif kind == 'add-rcpt-par':
            fields = rest.split(':', 1)
            if len(fields) == 2:
                return kind, self.with_name(fields[0]), self.with_name(fields[1])
        elif kind == 'change-from':
            fields = rest.split(':', 1)
            return kind, self.with_name(fields[0]), self.with_name(fields[1]) if len(fields) == 2 else None
        elif kind == 'replace-body':
            return kind, unescape(self.with_name(rest), '\r\n')
        die('-e %s: unknown edit or missing field' % arg)


def int_prefix(text):
    """Like C's atoi: the leading optional sign and digits, 0 if none."""
    digits = ''
    for i, c in enumerate(text.strip()):
        if c.isdigit() or (i == 0 and c in '+-'):
            digits += c
        else:
            break
    try:
        return int(digits)
    except ValueError:
        return 0


CONFIG = None
LOG = None
LOG_LOCK = threading.Lock()


def emit(*parts):
    """Writes one log line made of byte strings."""
    line = b''.join(parts) + b'\n'
    with LOG_LOCK:
        LOG.write(line)
        LOG.flush()


class Child(Milter.Base):
    """One connection from the MTA."""

    def __init__(self):
        self.negotiated = 0
        self.body_hash = hashlib.sha256()

    # ------------------------------------------------------------ helpers

    def log_macros(self, stage):
        asked = CONFIG.macros.get(stage, '').split()
        names = []
        for name in asked + FIXED_MACROS:
            if name not in names:
                names.append(name)
        for name in names:
            value = self._ctx.getsymval(name)
            if value is not None:
                emit(b'macro ', stage.encode(), b' ', escape(name), b'=', escape(value))

    def decide(self, stage, arg):
        bit = NOREPLY_BITS.get(stage, 0)
        if bit and self.negotiated & bit:
            return Milter.NOREPLY
        subject = as_bytes(arg) if arg is not None else None
        for rule_stage, match, action, reply in CONFIG.rules:
            if rule_stage != stage:
                continue
            if match and (subject is None or as_bytes(match) not in subject):
                continue
            if action == 'skip':
                return Milter.SKIP if self.negotiated & Milter.P_SKIP else Milter.CONTINUE
            if action == 'reply':
                code, xcode, text = reply
                try:
                    self._ctx.setreply(code, xcode or None, text)
                except Exception as e:
                    sys.stderr.write('py-child %s: setreply %s %s refused: %s\n' % (CONFIG.name, code, xcode, e))
                return Milter.TEMPFAIL if code[0] == '4' else Milter.REJECT
            return SIMPLE_ACTIONS[action]
        return Milter.CONTINUE

    # ------------------------------------------------------------ callbacks

    def negotiate(self, opts):
        offered_actions, offered_protocol = opts[0], opts[1]
        emit(b'negotiate version=%d actions=0x%x protocol=0x%x'
             % (PROTOCOL_VERSION, offered_actions, offered_protocol))
        actions = (Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY | Milter.ADDRCPT | Milter.ADDRCPT_PAR
                   | Milter.DELRCPT | Milter.CHGFROM | Milter.QUARANTINE)
        if CONFIG.macros:
            actions |= Milter.SETSYMLIST
        self.negotiated = (offered_protocol & Milter.P_SKIP) | (offered_protocol & CONFIG.noreply)
        opts[0] = self._actions = actions & offered_actions
        opts[1] = self._protocol = self.negotiated
        opts[2] = 0
        opts[3] = 0
        if self._actions & Milter.SETSYMLIST:
            for stage, names in CONFIG.macros.items():
                try:
                    self._ctx.setsymlist(MACRO_STAGES[stage], names)
                except Exception as e:
                    sys.stderr.write('py-child %s: setsymlist %s refused: %s\n' % (CONFIG.name, stage, e))
        return Milter.CONTINUE

    def connect(self, host, family, hostaddr):
        if family == socket.AF_INET:
            fam, addr, port = '4', hostaddr[0], hostaddr[1]
        elif family == socket.AF_INET6:
            fam, addr, port = '6', hostaddr[0], hostaddr[1]
        elif family == socket.AF_UNIX:
            fam, addr, port = 'L', hostaddr, 0
        else:
            fam, addr, port = 'U', '', 0
        emit(b'connect host=', escape(host), b' family=', fam.encode(), b' addr=', escape(addr),
             b' port=%d' % port)
        self.log_macros('connect')
        return self.decide('connect', host)

    def hello(self, name):
        emit(b'helo ', escape(name))
        self.log_macros('helo')
        return self.decide('helo', name)

    def envelope(self, stage, args):
        emit(stage.encode(), *[b' ' + escape(a) for a in args])
        self.log_macros(stage)
        return self.decide(stage, args[0])

    def envfrom_bytes(self, *args):
        self.body_hash = hashlib.sha256()
        return self.envelope('mail', args)

    def envrcpt_bytes(self, *args):
        return self.envelope('rcpt', args)

    def data(self):
        emit(b'data')
        self.log_macros('data')
        return self.decide('data', None)

    def header_bytes(self, name, value):
        emit(b'header ', escape(name), b': ', escape(value))
        return self.decide('header', as_bytes(name) + b': ' + as_bytes(value))

    def eoh(self):
        emit(b'eoh')
        self.log_macros('eoh')
        return self.decide('eoh', None)

    def body(self, chunk):
        chunk = as_bytes(chunk)
        self.body_hash.update(chunk)
        emit(b'body %d' % len(chunk))
        return self.decide('body', chunk)

    def unknown(self, line):
        emit(b'unknown ', escape(line))
        return self.decide('unknown', line)

    def eom(self):
        digest = self.body_hash.hexdigest()
        self.body_hash = hashlib.sha256()
        emit(b'eom bodysha256=', digest.encode())
        self.log_macros('eom')
        for edit in CONFIG.edits:
            try:
                self.apply(edit)
            except Exception as e:
                sys.stderr.write('py-child %s: edit %s failed: %s\n' % (CONFIG.name, edit[0], e))
        return self.decide('eom', None)

    def apply(self, edit):
        kind, ctx = edit[0], self._ctx
        if kind == 'add-header':
            ctx.addheader(edit[1], edit[2], -1)
        elif kind == 'insert-header':
            ctx.addheader(edit[2], edit[3], edit[1])
        elif kind == 'change-header':
            ctx.chgheader(edit[1], edit[2], edit[3] or None)
        elif kind == 'add-rcpt':
            ctx.addrcpt(edit[1], None)
        elif kind == 'add-rcpt-par':
            ctx.addrcpt(edit[1], edit[2])
        elif kind == 'del-rcpt':
            ctx.delrcpt(edit[1])
        elif kind == 'change-from':
            ctx.chgfrom(edit[1], edit[2])
        elif kind == 'replace-body':
            ctx.replacebody(edit[1].encode('utf-8', 'surrogateescape'))
        elif kind == 'quarantine':
            ctx.quarantine(edit[1])
        elif kind == 'progress':
            ctx.progress()

    def abort(self):
        self.body_hash = hashlib.sha256()
        emit(b'abort')
        return Milter.CONTINUE

    def close(self):
        emit(b'close')
        return Milter.CONTINUE


def main():
    global CONFIG, LOG
    CONFIG = Config(sys.argv[1:])
    LOG = open(CONFIG.log_path, 'ab') if CONFIG.log_path else sys.stdout.buffer
    Milter.factory = Child
    sys.stderr.write('py-child %s: listening on %s\n' % (CONFIG.name, CONFIG.spec))
    sys.stderr.flush()
    Milter.runmilter(CONFIG.name, CONFIG.spec, timeout=0)


if __name__ == '__main__':
    main()
