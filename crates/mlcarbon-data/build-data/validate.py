#!/usr/bin/env python3
"""Checks over all mlcarbon tables (zone-specific checks are in zones_validate.py).

Usage: python3 validate.py [DIR]   (DIR: default out/ next to this file, after merge.py; or ../data)
- no duplicate ids in any table (zones and zones_odbl together; regions by provider+region)
- every source id used (source, pue_source, claim_source) exists in sources.csv
- every row has a source and a year
- low <= value <= high (zones, constants, provider PUE)
- pue_source is set exactly where pue is; claim_source exactly where claim is
- every region's zone exists; France 30-90 and Poland 550-800 g/kWh
Standard library only.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
D = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out"))
err = []


def load(name):
    with open(os.path.join(D, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(x):
    return float(x) if x not in ("", None) else None


tables = {n: load(n + ".csv") for n in
          ("sources", "hardware", "cpus", "zones", "zones_odbl", "providers", "regions", "constants", "equivalents")}
sources = {r["id"] for r in tables["sources"]}


def unique(label, keys):
    seen = set()
    for k in keys:
        kk = k.lower() if isinstance(k, str) else k
        if kk in seen:
            err.append(f"{label}: duplicate id {k}")
        seen.add(kk)


unique("sources", [r["id"] for r in tables["sources"]])
unique("hardware", [r["id"] for r in tables["hardware"]])
unique("cpus", [r["name"] for r in tables["cpus"]])
unique("zones+zones_odbl", [r["id"] for r in tables["zones"] + tables["zones_odbl"]])
unique("providers", [r["id"] for r in tables["providers"]])
unique("regions", [(r["provider"], r["region"]) for r in tables["regions"]])
unique("constants", [r["id"] for r in tables["constants"]])
unique("equivalents", [r["id"] for r in tables["equivalents"]])

used = set()
for name, rows in tables.items():
    if name == "sources":
        continue
    for r in rows:
        key = r.get("id") or r.get("name") or f"{r.get('provider')}/{r.get('region')}"
        if not r.get("source") or not r.get("year"):
            err.append(f"{name} {key}: missing source or year")
        for col in ("source", "pue_source", "claim_source"):
            if r.get(col):
                used.add(r[col])
                if r[col] not in sources:
                    err.append(f"{name} {key}: {col} `{r[col]}` not in sources.csv")

for name in ("zones", "zones_odbl"):
    for r in tables[name]:
        v, lo, hi = num(r["intensity_g_per_kwh"]), num(r["low"]), num(r["high"])
        if None in (v, lo, hi) or not lo <= v <= hi:
            err.append(f"{name} {r['id']}: low/value/high {lo} {v} {hi}")
for r in tables["constants"]:
    v, lo, hi = num(r["value"]), num(r["low"]), num(r["high"])
    if None in (v, lo, hi) or not lo <= v <= hi:
        err.append(f"constants {r['id']}: low/value/high {lo} {v} {hi}")
for r in tables["providers"]:
    p, lo, hi = num(r["pue"]), num(r["pue_low"]), num(r["pue_high"])
    if p is not None and not (lo is not None and hi is not None and lo <= p <= hi):
        err.append(f"providers {r['id']}: pue_low/pue/pue_high {lo} {p} {hi}")
    if bool(r["pue"]) != bool(r["pue_source"]):
        err.append(f"providers {r['id']}: pue_source must be set exactly where pue is")
    if bool(r["claim"]) != bool(r["claim_source"]):
        err.append(f"providers {r['id']}: claim_source must be set exactly where claim is")
for r in tables["regions"]:
    if bool(r["pue"]) != bool(r["pue_source"]):
        err.append(f"regions {r['provider']}/{r['region']}: pue_source must be set exactly where pue is")

zone_ids = {r["id"] for r in tables["zones"] + tables["zones_odbl"]}
for r in tables["regions"]:
    if r["zone"] not in zone_ids:
        err.append(f"regions {r['provider']}/{r['region']}: zone {r['zone']} unknown")
zones = {r["id"]: r for r in tables["zones"]}
for z, lo, hi in (("FR", 30, 90), ("PL", 550, 800)):
    v = float(zones[z]["intensity_g_per_kwh"])
    if not lo <= v <= hi:
        err.append(f"{z} {v} outside {lo}-{hi}")

unused = sorted(sources - used)
print("\n".join(err) if err else "OK: all checks passed")
print("sources not named in a source/pue_source/claim_source column (cited in notes only):", ", ".join(unused))
sys.exit(1 if err else 0)
