# Sourced by the Makefile recipes and .ci/run: finds (or installs) uv and a Python >= 3.12
# without anything installed by hand. Nothing here downloads a toolchain: uv comes from PyPI,
# Python from the machine (PATH or pyenv).
set -euo pipefail

find_uv() {
    if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
    for c in "$HOME/.local/bin/uv" "/usr/local/bin/uv"; do
        if [ -x "$c" ]; then echo "$c"; return; fi
    done
    echo "soms: installing uv from PyPI (one time)" >&2
    python3 -m pip install --user --quiet uv >&2 || pip install --user --quiet uv >&2
    echo "$HOME/.local/bin/uv"
}

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
    for c in python3.12 python3.13 python3.14 python3; do
        # The real interpreter, not a pyenv shim: uv would rebuild the environment on every call when
        # handed a shim (the shim re-resolves it through .python-version each time).
        if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then "$c" -c 'import sys; print(sys.executable)'; return; fi
    done
    for c in "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3 /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
        if [ -x "$c" ] && python_ok "$c"; then echo "$c"; return; fi
    done
    echo "soms: no Python >= 3.12 found; install python3.12 and try again" >&2
    exit 1
}

UV="$(find_uv)"
SOMS_PYTHON="$(find_python)"
export UV SOMS_PYTHON
export UV_PYTHON="$SOMS_PYTHON" UV_PYTHON_DOWNLOADS=never

# `soms_sync [uv sync options]`: install the locked dependencies, byte-compiled. This kind of machine
# sets PYTHONDONTWRITEBYTECODE=1, so Python never caches bytecode itself and every command would
# recompile Django, Ninja and SciPy from source (seconds each time). uv's --compile-bytecode walks
# the whole environment on every call, so it runs only when the lock or the options changed; our own
# sources (an editable install, outside site-packages) are compiled beside them.
soms_sync() {
    local root stamp want
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    stamp="$root/.venv/.soms-bytecode"
    want="$(cksum < "$root/uv.lock") $*"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        # Installed from this very lock with these options: nothing to do (uv sync alone takes seconds).
        return 0
    else
        "$UV" sync --frozen --quiet --compile-bytecode --project "$root" "$@"
        "$root/.venv/bin/python" -m compileall -q "$root/src" >/dev/null || true
        echo "$want" > "$stamp"
    fi
}

# `soms_system_packages`: the Debian libraries WeasyPrint needs for the PDF reports (Pango, HarfBuzz's
# subsetter, a font), installed once when missing and we may (root with apt-get); otherwise it says
# what to install. Called by `make run` and `make test`.
SOMS_DEBIAN_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
soms_system_packages() {
    local missing="" p
    command -v dpkg-query >/dev/null 2>&1 || return 0
    for p in $SOMS_DEBIAN_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "soms: installing Debian packages for PDF reports (one time):$missing" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        echo "soms: PDF reports need these Debian packages: apt-get install$missing" >&2
    fi
}
