#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu 22.04 or 24.04).
# It installs the Swift toolchain for that Ubuntu release from swift.org, checks the download's
# signature (or a pinned SHA-256), and grades the workbook's own skeletons as a hand-in, so that
# grading a submission later recompiles only the student's chapters.
#
# Every path can be moved by the environment, which is how the grader's own tests run it in a
# simulated /autograder layout: AUTOGRADER_ROOT (/autograder), SWIFT_INSTALL_ROOT (/opt/swift),
# BIN_DIR (/usr/local/bin), OS_RELEASE_FILE (/etc/os-release), SWIFT_DOWNLOAD_BASE
# (https://download.swift.org; a file:// URL works too) and SWIFT_KEYS_URL.
set -euo pipefail

SWIFT_VERSION=${SWIFT_VERSION:-6.3.1}
AUTOGRADER_ROOT=${AUTOGRADER_ROOT:-/autograder}
SWIFT_INSTALL_ROOT=${SWIFT_INSTALL_ROOT:-/opt/swift}
BIN_DIR=${BIN_DIR:-/usr/local/bin}
OS_RELEASE_FILE=${OS_RELEASE_FILE:-/etc/os-release}
SWIFT_DOWNLOAD_BASE=${SWIFT_DOWNLOAD_BASE:-https://download.swift.org}
SWIFT_KEYS_URL=${SWIFT_KEYS_URL:-https://swift.org/keys/all-keys.asc}
# A pinned SHA-256 of the tarball replaces the signature check when set.
SWIFT_SHA256=${SWIFT_SHA256:-}
# 768 MB is Gradescope's default memory: one compiler at a time fits, two may not.
export GRADER_BUILD_JOBS=${GRADER_BUILD_JOBS:-1}

# The Ubuntu release decides the tarball and the names of the C++ runtime packages.
# shellcheck source=/dev/null
version_id=$(. "$OS_RELEASE_FILE" && echo "${VERSION_ID:-}")
case "$version_id" in
  22.04) platform=ubuntu2204 gcc=11 ;;
  24.04) platform=ubuntu2404 gcc=13 ;;
  *)
    echo "setup.sh: Ubuntu $version_id is not supported; choose Ubuntu 22.04 or 24.04 for the autograder image." >&2
    exit 3
    ;;
esac
archive="swift-${SWIFT_VERSION}-RELEASE-ubuntu${version_id}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  binutils ca-certificates curl git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 "libgcc-${gcc}-dev" \
  libncurses-dev libpython3-dev libsqlite3-0 "libstdc++-${gcc}-dev" libxml2-dev libz3-dev pkg-config \
  tzdata unzip zlib1g-dev

if [ -x "$SWIFT_INSTALL_ROOT/$archive/usr/bin/swift" ]; then
  echo "Swift $SWIFT_VERSION is already in $SWIFT_INSTALL_ROOT/$archive."
else
  url="$SWIFT_DOWNLOAD_BASE/swift-${SWIFT_VERSION}-release/${platform}/swift-${SWIFT_VERSION}-RELEASE/${archive}.tar.gz"
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  echo "Downloading $url"
  curl -fsSL --retry 3 -o "$download/swift.tar.gz" "$url"
  if [ -n "$SWIFT_SHA256" ]; then
    echo "$SWIFT_SHA256  $download/swift.tar.gz" | sha256sum --check --strict
  else
    # swift.org signs every release tarball; its keys are published beside the downloads.
    curl -fsSL --retry 3 -o "$download/swift.tar.gz.sig" "$url.sig"
    export GNUPGHOME="$download/gnupg"
    mkdir -m 700 "$GNUPGHOME"
    curl -fsSL --retry 3 "$SWIFT_KEYS_URL" | gpg --batch --quiet --import
    gpg --batch --verify "$download/swift.tar.gz.sig" "$download/swift.tar.gz"
  fi
  mkdir -p "$SWIFT_INSTALL_ROOT"
  tar -xzf "$download/swift.tar.gz" -C "$SWIFT_INSTALL_ROOT"
fi
mkdir -p "$BIN_DIR"
ln -sf "$SWIFT_INSTALL_ROOT/$archive/usr/bin/"* "$BIN_DIR/"
export PATH="$BIN_DIR:$PATH"
swift --version

# The autograder zip holds the student edition (Gradescope/make-autograder): the workbook without
# its answer key, since student code runs here. Grading its own skeletons as a hand-in builds the
# tests and every chapter in .grader/submission, where run_autograder grades each submission.
cd "$AUTOGRADER_ROOT/source"
./grader --help > /dev/null
# Exit 1 is the skeletons failing their tests, as they should; 3 is a workbook that does not build.
./grader --submission "$AUTOGRADER_ROOT/source" --jobs 1 > /dev/null || [ $? -eq 1 ]
echo "The autograder is ready: Swift $SWIFT_VERSION for Ubuntu $version_id, the build warmed."
