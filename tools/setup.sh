#!/bin/sh
# Install the Debian packages that building and testing LakeOS need.
# Idempotent and silent when everything is present; runs `apt-get update`
# only when something must be installed. Nothing is fetched from anywhere
# but the machine's configured Debian mirror.
set -eu

PACKAGES="
make
gcc
libc6-dev
gcc-aarch64-linux-gnu
binutils-aarch64-linux-gnu
libc6-dev-arm64-cross
qemu-system-arm
picolibc-aarch64-linux-gnu
cpio
python3
python3-pytest
python3-pexpect
mtools
dosfstools
gdb-multiarch
"

# One dpkg-query for all packages keeps the common case fast.
# shellcheck disable=SC2086
installed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $PACKAGES 2>/dev/null |
             awk '$1 == "installed" { print $2 }')
missing=""
for pkg in $PACKAGES; do
    echo "$installed" | grep -qx "$pkg" || missing="$missing $pkg"
done

[ -z "$missing" ] && exit 0

echo "setup: installing missing packages:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "setup: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "setup: done"
