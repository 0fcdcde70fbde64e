#!/usr/bin/env bash
# Installs what the browser tests need on a fresh machine, with no questions asked:
# Debian's Chromium (Playwright's own browser download does not work here) and
# axe-core from the committed npm lockfile. Running it again skips what is there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null
fi

wanted="$(node -p 'require(process.argv[1]).packages["node_modules/axe-core"].version' \
    "$here/package-lock.json")"
installed="$(node -p 'try { require(process.argv[1]).version } catch (e) { "" }' \
    "$here/node_modules/axe-core/package.json")"
if [ "$wanted" != "$installed" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi
