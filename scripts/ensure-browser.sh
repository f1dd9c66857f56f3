#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (never a downloaded browser) with CJK fonts for Chinese pages.
set -uo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing chromium and fonts-noto-cjk"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "Chromium missing and not root: browser tests will be skipped (install chromium fonts-noto-cjk)" >&2
fi
exit 0
