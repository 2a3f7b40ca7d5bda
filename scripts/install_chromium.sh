#!/bin/sh
# Install Debian's chromium for the headless rendering tests (tests/quality/test_rendering.py).
# Idempotent: does nothing when /usr/bin/chromium exists. Needs root (or sudo) and the Debian
# archive; another apt/dpkg run may hold the lock, so it waits and retries for a few minutes.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
else
    echo "install_chromium.sh: not root and no sudo: install the Debian package 'chromium'" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
attempt=1
while [ "$attempt" -le 12 ]; do
    # The package lists may be missing (a slim image) or stale: update once on the first try.
    if [ "$attempt" -eq 1 ] && ! apt-cache show chromium >/dev/null 2>&1; then
        $SUDO apt-get update -q || true
    fi
    if $SUDO apt-get install -y -q chromium; then
        break
    fi
    echo "install_chromium.sh: apt-get failed (dpkg lock held by another run?), retry $attempt/12 in 15 s" >&2
    attempt=$((attempt + 1))
    sleep 15
done

if [ ! -x /usr/bin/chromium ]; then
    echo "install_chromium.sh: chromium is still missing after 12 attempts" >&2
    exit 1
fi
/usr/bin/chromium --version 2>/dev/null || true
