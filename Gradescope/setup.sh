#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
# It installs a Swift toolchain and builds the workbook's tests once, so that grading a
# submission only recompiles the student's chapters.
set -euo pipefail
SWIFT_VERSION=${SWIFT_VERSION:-6.3.1}

apt-get update
apt-get install -y --no-install-recommends \
  binutils git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-13-dev libncurses-dev \
  libpython3-dev libsqlite3-0 libstdc++-13-dev libxml2-dev libz3-dev pkg-config tzdata unzip zlib1g-dev curl

if ! command -v swift >/dev/null; then
  # The toolchain tarball for Ubuntu 24.04 from swift.org; pin the version the course tests with.
  archive="swift-${SWIFT_VERSION}-RELEASE-ubuntu24.04"
  curl -fsSL "https://download.swift.org/swift-${SWIFT_VERSION}-release/ubuntu2404/swift-${SWIFT_VERSION}-RELEASE/${archive}.tar.gz" \
    | tar -xz -C /opt
  ln -sf "/opt/${archive}/usr/bin/"* /usr/local/bin/
fi

# The autograder zip holds the whole workbook (with this folder); warm its build caches.
cd /autograder/source
./grader --help >/dev/null
./grader --solutions >/dev/null || true
