"""A small async test runner: register cases with @case, run them against one server,
print one line per failure and a closing 'N passed, N failed' line."""
import argparse
import asyncio
import sys
import traceback

_cases = []


def case(fn):
    _cases.append(fn)
    return fn


async def run_all(title, server, timeout=30):
    passed = failed = 0
    for fn in _cases:
        try:
            await asyncio.wait_for(fn(server), timeout)
            passed += 1
        except Exception as e:  # any failure of one case is reported, the run goes on
            failed += 1
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            print("FAIL %s: %s" % (fn.__name__, detail or type(e).__name__))
    print("%s: %d passed, %d failed" % (title, passed, failed))
    return failed


async def run_and_stop(title, server, subject=None, timeout=30):
    """run_all against subject (the server itself by default), then SIGTERM the server,
    whose exit code must be 0. Returns True when everything passed."""
    failed = await run_all(title, server if subject is None else subject, timeout)
    code = server.stop()
    if code != 0:
        print("FAIL server exit code %s after SIGTERM" % code)
        failed += 1
    return failed == 0


async def run_shared_and_own(title, threads, server, shared, own, timeout=60):
    """Runs each of `shared` against `server` (a started Server), then each of `own` with the
    loop count (they start servers of their own); prints one line per failure and
    '<title> (threads=N): N passed, N failed'. Returns the number of failures."""
    passed = failed = 0

    async def run(fn, arg):
        nonlocal passed, failed
        try:
            await asyncio.wait_for(fn(arg), timeout)
            passed += 1
        except Exception as e:  # each failure is reported, the run goes on
            failed += 1
            print("FAIL %s: %s" % (fn.__name__, repr(e)[:500]))

    with server:
        for fn in shared:
            await run(fn, server)
    for fn in own:
        await run(fn, threads)
    print("%s (threads=%d): %d passed, %d failed" % (title, threads, passed, failed))
    return failed


def main_with_threads(main):
    """Runs main(threads) from the command line's --threads N (default 1); exits 1 on failure."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    sys.exit(0 if asyncio.run(main(args.threads)) else 1)
