#!/usr/bin/env bash
# Create .venv with Python >= 3.12 and install opinion-ecology: `bootstrap.sh runtime` (what
# `make baseline` needs: the package and its dependencies) or `bootstrap.sh dev` (also the
# test, lint, dashboard and notebook tools: `make test`). Re-running is cheap: an install is
# skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

is_recent() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
    local cand dir root="${PYENV_ROOT:-$HOME/.pyenv}"
    for cand in "${PYTHON:-}" python3.12 python3.13 python3; do
        [ -n "$cand" ] && command -v "$cand" >/dev/null 2>&1 && is_recent "$cand" && { echo "$cand"; return 0; }
    done
    # pyenv keeps other versions installed but inactive: their shims refuse to run
    for dir in "$root"/versions/3.12*/bin "$root"/versions/3.13*/bin; do
        [ -x "$dir/python3" ] && is_recent "$dir/python3" && { echo "$dir/python3"; return 0; }
    done
    return 1
}

if [ -x .venv/bin/python ] && ! is_recent .venv/bin/python; then
    echo "bootstrap: .venv has an old Python; recreating it" >&2
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    py=$(find_python) || { echo "bootstrap: Python >= 3.12 not found (set PYTHON=/path/to/python3.12)" >&2; exit 1; }
    echo "bootstrap: creating .venv with $py ($("$py" --version 2>&1))" >&2
    "$py" -m venv .venv
fi
what=${1:-dev}
case "$what" in
    runtime) target="." ;;
    dev) target=".[dev]" ;;
    *) echo "bootstrap: expected 'runtime' or 'dev'; got '$what'" >&2; exit 2 ;;
esac
stamp=.venv/.installed-$what
if [ "$what" = runtime ] && [ -f .venv/.installed-dev ] && ! [ pyproject.toml -nt .venv/.installed-dev ]; then
    exit 0  # the dev install includes the runtime
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "bootstrap: installing opinion-ecology ($what) into .venv" >&2
    # PYTHONWARNINGS: setuptools' notices about editable installs are not for our users
    PYTHONWARNINGS=ignore .venv/bin/python -m pip install --quiet --upgrade pip
    PYTHONWARNINGS=ignore .venv/bin/python -m pip install --quiet -e "$target"
    touch "$stamp"
fi
