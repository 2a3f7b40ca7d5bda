#!/usr/bin/env bash
# Install a Java runtime for pyspark (the spark dbt target, `make spark-install`): Spark 4 needs
# Java 17 or 21. Idempotent: does nothing when `java` already reports 17 or later. Needs root
# (or sudo) and apt; Debian 12 has openjdk-17, Debian 13 only openjdk-21 (its default-jre).
set -euo pipefail

java_major() {
    java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}

if command -v java >/dev/null && [ "$(java_major)" -ge 17 ] 2>/dev/null; then
    echo "Java already installed: $(java -version 2>&1 | head -n1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "install_java.sh: need root (or sudo) to apt-get install a Java runtime" >&2
        exit 1
    fi
fi
if ! command -v apt-get >/dev/null; then
    echo "install_java.sh: apt-get not found; install Java 17 or 21 yourself" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
install_first_available() {
    local package
    for package in openjdk-17-jre-headless openjdk-21-jre-headless; do
        if [ -n "$(apt-cache policy "$package" 2>/dev/null | sed -n 's/ *Candidate: //p' | grep -v none)" ]; then
            $SUDO apt-get install -y --no-install-recommends "$package" && return 0
        fi
    done
    return 1
}
if ! install_first_available; then
    $SUDO apt-get update
    install_first_available || {
        echo "install_java.sh: neither openjdk-17 nor openjdk-21 is available from apt" >&2
        exit 1
    }
fi
echo "Java installed: $(java -version 2>&1 | head -n1)"
