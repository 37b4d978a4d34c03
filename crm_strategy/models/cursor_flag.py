"""Flags that trusted server code raises for the length of a call, held on the cursor.

A client sends the context, so a context key must never switch a control off. These flags live
in ``env.cr.cache`` instead: only code running in this process, inside the ``with`` block, can
raise them, and they are lowered when the block ends, even on error.
"""

from contextlib import contextmanager


@contextmanager
def cursor_flag(env, key):
    """Raise flag ``key`` on ``env``'s cursor inside the block; yield whether an enclosing block
    had raised it already (the outermost caller is the one that acts once at the end)."""
    cache = env.cr.cache
    outer = cache.get(key, False)
    cache[key] = True
    try:
        yield outer
    finally:
        cache[key] = outer


def cursor_flag_raised(env, key):
    return bool(env.cr.cache.get(key))
