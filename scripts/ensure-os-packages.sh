#!/usr/bin/env bash
# The Debian packages the PDF needs (fonts with Chinese glyphs, WeasyPrint's Pango and HarfBuzz
# subsetting) and the tests use (poppler's pdftotext/pdffonts). Installs them when run as root;
# otherwise names them and stops. Fast when all are present: one dpkg query.
set -euo pipefail
PACKAGES=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
else
  # Not Debian: check for what the packages provide instead.
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
fi
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "installing OS packages for the PDF: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "error: the PDF needs these OS packages, which are missing: ${missing[*]}" >&2
echo "       install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and run make again" >&2
exit 1
