"""Headless Chromium for the rendering tests: find or install it, render a page, read the PNG.

Chromium is Debian's ``chromium`` (scripts/install_chromium.sh installs it when missing). It
runs with a fresh profile, no GPU, no background networking, and every host name resolving
to nothing, so a page that still needed the network would render unstyled and fail the test.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
import zlib
from collections import Counter
from pathlib import Path

import pytest

from bingewatch.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_SCRIPT = PROJECT_ROOT / "scripts" / "install_chromium.sh"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
WINDOW = (1280, 2000)


def chromium() -> Path:
    """The Chromium binary; installs it through scripts/install_chromium.sh if missing.

    Never skips: a rendering test that cannot render fails, with what to do about it.
    """
    if not CHROMIUM.exists():
        result = subprocess.run(
            ["sh", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False
        )
        if not CHROMIUM.exists():
            pytest.fail(
                f"headless Chromium is required and could not be installed: {INSTALL_SCRIPT} "
                f"exited {result.returncode}.\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}\n"
                "Install the Debian package `chromium` (apt-get install -y chromium) and rerun.",
                pytrace=False,
            )
    return CHROMIUM


def _run(
    page: Path, *mode: str, fragment: str = "", timeout: int = 120, window: tuple[int, int] = WINDOW
) -> subprocess.CompletedProcess:
    profile = Path(tempfile.mkdtemp(prefix="bingewatch-chromium-"))
    try:
        return subprocess.run(
            [
                str(chromium()),
                "--headless",
                "--no-sandbox",  # the tests run as root in containers
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                # No network at all: every host resolves to nothing.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                f"--user-data-dir={profile}",
                f"--window-size={window[0]},{window[1]}",
                *mode,
                page.resolve().as_uri() + (f"#{fragment}" if fragment else ""),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(
    page: Path, png: Path, fragment: str = "", wait_ms: int = 0, window: tuple[int, int] = WINDOW
) -> Path:
    """Render ``page`` (optionally scrolled to ``#fragment``) at 1280x2000 (or ``window``) into
    ``png`` (``wait_ms``: virtual time for the page's scripts, as in ``dump_dom``). Headless
    Chromium paints only what the first viewport holds, so a long page is shot with a tall
    window rather than scrolled to."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    extra = [f"--virtual-time-budget={wait_ms}"] if wait_ms else []
    result = _run(page, *extra, f"--screenshot={png}", fragment=fragment, window=window)
    assert png.is_file() and png.stat().st_size > 0, (
        f"Chromium wrote no screenshot of {page} (exit {result.returncode}):\n{result.stderr[-2000:]}"
    )
    return png


def dump_dom(page: Path, fragment: str = "", wait_ms: int = 0) -> str:
    """The DOM after Chromium loaded and laid out ``page`` (serialised HTML).

    ``wait_ms`` lets the page's own scripts run first (virtual time: Chromium advances its
    clock as soon as the page is idle, so this is an upper bound, not a sleep).
    """
    extra = [f"--virtual-time-budget={wait_ms}"] if wait_ms else []
    result = _run(page, *extra, "--dump-dom", fragment=fragment)
    assert result.returncode == 0 and "<body" in result.stdout, (
        f"Chromium could not load {page} (exit {result.returncode}):\n{result.stderr[-2000:]}"
    )
    return result.stdout


def _add_bytes(x: bytes | bytearray, y: bytes) -> bytes:
    """Byte-wise (x + y) mod 256, via 16-bit lanes of two big integers (no per-byte loop)."""
    spread = bytes(2 * len(x))
    wide_x, wide_y = bytearray(spread), bytearray(spread)
    wide_x[1::2], wide_y[1::2] = x, y
    total = int.from_bytes(wide_x, "big") + int.from_bytes(wide_y, "big")
    return total.to_bytes(len(spread), "big")[1::2]  # a lane never exceeds 510: no carry out


# --- a tiny PNG reader (8-bit RGB/RGBA, not interlaced: what Chromium writes) --------------
def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, previous = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:  # Up: add the row above byte-wise, mod 256, as one big-integer sum
            line = bytearray(_add_bytes(line, previous))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        previous = bytes(line)
        rows.append(previous if bpp == 3 else bytes(x for i, x in enumerate(previous) if i % 4 != 3))
    return width, height, rows


def colour_census(path: Path, step: int = 2) -> Counter:
    """How many (sampled) pixels have each RGB colour; every ``step``-th pixel and row."""
    _, _, rows = read_png(path)
    census: Counter = Counter()
    for row in rows[::step]:
        census.update(row[i : i + 3] for i in range(0, len(row), 3 * step))
    return census


def share(census: Counter, predicate) -> float:
    """Share of sampled pixels whose colour (r, g, b) satisfies ``predicate``."""
    total = sum(census.values())
    return sum(n for colour, n in census.items() if predicate(*colour)) / max(total, 1)
