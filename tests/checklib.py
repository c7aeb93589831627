"""checklib.py - the tiny assertion layer of the Python tests: check() prints
what it compared and counts failures, done() is the exit status."""
import sys

_fails = [0]


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    _fails[0] += not ok


def done():
    sys.exit(1 if _fails[0] else 0)
