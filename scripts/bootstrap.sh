#!/usr/bin/env bash
# Prepare this machine for running or testing the kiosk: Debian packages, then a
# virtual environment with the locked Python packages. Safe to call repeatedly:
# each step is skipped when what it installs is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  xvfb xauth            # a virtual display for UI tests and the screen gallery
  fonts-noto-cjk        # Noto Sans CJK: the SC face covers CJK Ext-A and rare name characters
  libgl1 libglib2.0-0   # OpenGL and GLib runtime for Kivy's SDL2 window and OpenCV
  libmtdev1             # multitouch device support used by Kivy's input providers
  espeak-ng             # offline voice prompts
  chromium              # the agent's browser in the video call tests (fake camera and microphone)
  sox libsox-fmt-base   # plays a hall's own recorded prompts (WAV, Ogg Vorbis)
)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
# The lock is installed with --no-deps: face-recognition declares "dlib", which only exists on
# PyPI as a source package (a 15-minute build); the prebuilt dlib-bin wheel provides the module.
stamp=.venv/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  echo "bootstrap: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --no-deps -r requirements.lock
  # The project itself is not installed: everything runs from the repository root
  # (python -m kiosk, pytest's pythonpath), so a checkout is always what runs.
  rm -f .venv/.installed-*
  touch "$stamp"
fi
.venv/bin/python scripts/prepare_font.py
.venv/bin/python scripts/prepare_models.py
