"""Deterministic randomness as SQL expressions: every draw is a hash of (seed, tag, ids...).

DuckDB's random() depends on thread scheduling; a hash of the row's identity does not, so the
same seed always gives the same tables whatever the thread count.
"""

from __future__ import annotations


def u(seed: int, tag: str, *cols: str) -> str:
    """SQL for a uniform draw in [0, 1) from the row identity `cols`, salted by `tag`."""
    args = ", ".join([str(int(seed)), f"'{tag}'", *cols])
    return f"((hash({args}) >> 11)::DOUBLE / 9007199254740992.0)"


def pick(seed: int, tag: str, n: str | int, *cols: str) -> str:
    """SQL for a uniform integer in [0, n) (n may be a SQL expression)."""
    args = ", ".join([str(int(seed)), f"'{tag}'", *cols])
    return f"(hash({args}) % ({n})::UBIGINT)::BIGINT"


def between(seed: int, tag: str, lo: float, hi: float, *cols: str) -> str:
    """SQL for a uniform double in [lo, hi)."""
    return f"({lo} + ({hi} - {lo}) * {u(seed, tag, *cols)})"
