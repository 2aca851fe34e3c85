"""A small async test runner: register cases with @case, run them against one server,
print one line per failure and a closing 'N passed, N failed' line."""
import asyncio
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
