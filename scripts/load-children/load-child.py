#!/usr/bin/python3
# load-child.py: the smallest useful pymilter milter, for load tests (scripts/postfix-load); the twin of
# load-child.c. It takes every event and lets every message pass. With -a NAME:VALUE it adds that header at end of
# message. It asks the MTA only for what it uses (ADDHDRS with -a, no action without); pymilter's default
# negotiation would ask for every action the MTA offers.
#
#   /usr/bin/python3 load-child.py -s inet:PORT@127.0.0.1 [-a NAME:VALUE]

import getopt
import sys

import Milter

HEADER = None


class LoadChild(Milter.Base):
    def negotiate(self, opts):
        offered = opts[0]
        result = Milter.Base.negotiate(self, opts)
        opts[0] = self._actions = (Milter.ADDHDRS if HEADER else 0) & offered
        return result

    def connect(self, host, family, address):
        return Milter.CONTINUE

    def hello(self, name):
        return Milter.CONTINUE

    def envfrom(self, sender, *args):
        return Milter.CONTINUE

    def envrcpt(self, recipient, *args):
        return Milter.CONTINUE

    def data(self):
        return Milter.CONTINUE

    def header(self, name, value):
        return Milter.CONTINUE

    def eoh(self):
        return Milter.CONTINUE

    def body(self, chunk):
        return Milter.CONTINUE

    def eom(self):
        if HEADER:
            self.addheader(HEADER[0], HEADER[1])
        return Milter.CONTINUE

    def abort(self):
        return Milter.CONTINUE

    def close(self):
        return Milter.CONTINUE


def main():
    global HEADER
    spec = None
    try:
        opts, rest = getopt.getopt(sys.argv[1:], 's:a:')
    except getopt.GetoptError as e:
        sys.exit('load-child.py: %s' % e)
    for opt, arg in opts:
        if opt == '-s':
            spec = arg
        elif opt == '-a':
            name, sep, value = arg.partition(':')
            if not sep:
                sys.exit('load-child.py: -a NAME:VALUE')
            HEADER = (name, value)
    if spec is None or rest:
        sys.exit('usage: load-child.py -s SPEC [-a NAME:VALUE]')
    Milter.factory = LoadChild
    Milter.set_flags(Milter.ADDHDRS if HEADER else 0)
    Milter.runmilter('load-child', spec, timeout=0)


if __name__ == '__main__':
    main()
