#!/bin/sh
# Rebuild every generated table from the reference copies into out/, validate, and diff against the
# committed files. See README.md.
#   ./rebuild.sh [--install] [REFERENCE_DIR]
# --install  copy the rebuilt tables into ../data/ and the mlco2 expectations into
#            ../../mlcarbon-model/tests/data/ (after the checks passed).
# REFERENCE_DIR defaults to $MLCARBON_REFERENCE, else ../../../../shared/reference.
# zones_build.py needs pycountry: $PYTHON, else .venv/bin/python if present, else python3.
set -eu
cd "$(dirname "$0")"
INSTALL=0
if [ "${1:-}" = "--install" ]; then INSTALL=1; shift; fi
REF="${1:-${MLCARBON_REFERENCE:-../../../../shared/reference}}"
OUT=out
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export MLCARBON_BUILD_OUT="$OUT"

rm -rf "$OUT"
mkdir -p "$OUT"
python3 hw_build.py "$REF" "$OUT" > "$OUT/hw_build.log"
"$PYTHON" zones_build.py "$REF" "$OUT" > "$OUT/zones_build.log" 2>&1
python3 regions_build.py "$REF" "$OUT" > "$OUT/regions_build.log"
python3 merge.py "$OUT"
python3 zones_validate.py "$OUT"
python3 validate.py "$OUT"
node mlco2_expected.js "$OUT/mlco2_expected.csv"

TABLES="sources constants hardware cpus zones zones_odbl zones_ranges_sharealike providers regions water equivalents"
MODEL_EXPECTED=../../mlcarbon-model/tests/data/mlco2_expected.csv
if [ "$INSTALL" = 1 ]; then
  for t in $TABLES; do cp "$OUT/$t.csv" "../data/$t.csv"; done
  cmp -s "$OUT/mlco2_expected.csv" "$MODEL_EXPECTED" || cp "$OUT/mlco2_expected.csv" "$MODEL_EXPECTED"
  echo "installed into ../data/"
fi
status=0
for t in $TABLES; do
  if cmp -s "$OUT/$t.csv" "../data/$t.csv"; then echo "same      data/$t.csv"; else echo "DIFFERENT data/$t.csv"; status=1; fi
done
if cmp -s "$OUT/mlco2_expected.csv" "$MODEL_EXPECTED"; then echo "same      mlcarbon-model/tests/data/mlco2_expected.csv"
else echo "DIFFERENT mlcarbon-model/tests/data/mlco2_expected.csv"; status=1; fi
exit $status
