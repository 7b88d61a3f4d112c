#!/bin/sh
# Installs the system libraries Qt needs (offscreen tests, the window) when they are missing.
# Debian/Ubuntu only; elsewhere it says what to install and carries on.
set -eu
missing=""
need() { # library-file debian-package
    if ! ldconfig -p 2>/dev/null | grep -q "$1"; then missing="$missing $2"; fi
}
need libEGL.so.1 libegl1
need libGL.so.1 libgl1
need libxkbcommon.so.0 libxkbcommon0
need libxkbcommon-x11.so.0 libxkbcommon-x11-0
need libfontconfig.so.1 libfontconfig1
need libfreetype.so.6 libfreetype6
need libdbus-1.so.3 libdbus-1-3
need libglib-2.0.so.0 libglib2.0-0
need libX11-xcb.so.1 libx11-xcb1
need libxcb-cursor.so.0 libxcb-cursor0
need libxcb-icccm.so.4 libxcb-icccm4
need libxcb-keysyms.so.1 libxcb-keysyms1
need libxcb-shape.so.0 libxcb-shape0
need libxcb-randr.so.0 libxcb-randr0
need libxcb-render-util.so.0 libxcb-render-util0
need libxcb-image.so.0 libxcb-image0
need libsm.so.6 libsm6
need libice.so.6 libice6
if ! fc-list 2>/dev/null | grep -qi dejavu; then missing="$missing fonts-dejavu-core fontconfig"; fi
# Letter tests render PDF pages (pdftoppm) and read the payment QR codes back (zbarimg).
if ! command -v pdftoppm >/dev/null 2>&1; then missing="$missing poppler-utils"; fi
if ! command -v zbarimg >/dev/null 2>&1; then missing="$missing zbar-tools"; fi
if [ -z "$missing" ]; then exit 0; fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing system libraries for Qt:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
elif command -v apt-get >/dev/null 2>&1; then
    echo "Qt needs:$missing — run: sudo apt-get install$missing" >&2
    exit 1
else
    echo "Qt may need system libraries:$missing (install them with your package manager)" >&2
fi
