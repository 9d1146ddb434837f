#!/usr/bin/env bash
# The install steps of the image (deploy/Dockerfile), which tests/e2e/test_install.py repeats
# outside a container, so that the two cannot drift apart:
#   deploy/install.sh wheel SOURCE OUT         build sessionary's wheel from SOURCE into OUT
#   deploy/install.sh venv VENV LOCK WHEEL     a new venv: the hash-pinned runtime lock, then
#                                              the wheel alone (--no-deps), then `pip check`
# PYTHON (default python3) is the interpreter that builds and owns the venv. NO_COMPILE=1 skips
# byte-compiling (the test's choice, ~4x faster on a loaded machine; the image compiles).
set -euo pipefail
PYTHON="${PYTHON:-python3}"
compile=()
[ "${NO_COMPILE:-0}" = 1 ] && compile=(--no-compile)

wheel() {  # build from a copy: setuptools leaves build/ and *.egg-info in the tree it builds
  local source="$1" out="$2" tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  cp -r "$source/pyproject.toml" "$source/README.md" "$source/src" "$tmp/"
  "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$out" "$tmp"
}

venv() {  # the lock first, alone: --require-hashes refuses anything it does not pin
  local venv="$1" lock="$2" wheel="$3"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install --quiet "${compile[@]}" --require-hashes --no-deps -r "$lock"
  "$venv/bin/pip" install --quiet "${compile[@]}" --no-deps "$wheel"
  "$venv/bin/pip" check  # the wheel's own requirements are all in the lock
}

case "${1:-}" in
  wheel) wheel "$2" "$3" ;;
  venv) venv "$2" "$3" "$4" ;;
  *) echo "usage: $0 wheel SOURCE OUT | venv VENV LOCK WHEEL" >&2; exit 2 ;;
esac
