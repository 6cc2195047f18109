#!/usr/bin/env bash
# mlcarbon's Python package and CodeCarbon 3.3.2 side by side in one run: import, start-up,
# CPU per 1 s sample in-process, RSS added, window (task) enter+exit; a table with ratios and
# issue 13's targets. See bench/python_vs_codecarbon.py for what each figure is.
#
#   bench/python_vs_codecarbon.sh [SECONDS] [ROUNDS]
#
# SECONDS: the idle tracked period (default 30); ROUNDS: periods measured, medians reported
# (default 3).
#
# Venvs (made when missing, reused otherwise): $MLCARBON_VENV (target/bench-python-venv,
# `pip install .`: the release build) and $CC_VENV (target/codecarbon-venv, codecarbon==3.3.2
# from PyPI). CodeCarbon runs offline with a country, so nothing goes to the network.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
rounds=${2:-3}
ml_venv=${MLCARBON_VENV:-target/bench-python-venv}
cc_venv=${CC_VENV:-target/codecarbon-venv}
if ! "$ml_venv/bin/python" -c "import mlcarbon" 2>/dev/null; then
  python3 -m venv "$ml_venv"
  "$ml_venv/bin/pip" install -q --upgrade pip
  "$ml_venv/bin/pip" install -q .
fi
if ! "$cc_venv/bin/python" -c "import codecarbon" 2>/dev/null; then
  python3 -m venv "$cc_venv"
  "$cc_venv/bin/pip" install -q codecarbon==3.3.2
fi
echo "$(date -u +%FT%TZ), $(nproc) CPUs, $(uname -sr), $(python3 --version)," \
  "codecarbon $("$cc_venv/bin/python" -c 'import codecarbon; print(codecarbon.__version__)')"
"$ml_venv/bin/python" bench/python_vs_codecarbon.py --seconds "$seconds" --rounds "$rounds" \
  --mlcarbon-python "$ml_venv/bin/python" --codecarbon-python "$cc_venv/bin/python"
