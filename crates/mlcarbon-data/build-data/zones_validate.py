#!/usr/bin/env python3
"""Validate zones.csv / zones_odbl.csv against sources.csv / constants.csv.

Usage: python3 zones_validate.py [DIR]   (DIR: default out/ next to this file, after merge.py; or ../data)
"""
import csv, os, re, sys
HERE = os.path.dirname(os.path.abspath(__file__))
D = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out"))
SHARE_ALIKE = ("ODbL-1.0", "CC-BY-SA-4.0")
COLS = ("id,name,aliases,kind,country,intensity_g_per_kwh,low,high,basis,year,source,newest_year,"
        "direct_g_per_kwh,direct_low,direct_high,direct_year,direct_source,direct_newest_year,notes").split(",")
KINDS = set("world country state province territory balancing_authority bidding_zone region".split())
BASIS = {"lifecycle", "direct", "unknown"}
err = []
def load(f):
    with open(f"{D}/{f}", newline="", encoding="utf-8") as fh:
        r = csv.reader(fh)
        hdr = next(r)
        rows = [dict(zip(hdr, x)) for x in r]
        for x in csv.reader(open(f"{D}/{f}", newline="", encoding="utf-8")):
            pass
        return hdr, rows
srcs = {r["id"]: r for r in load("sources.csv")[1]}
allrows = []
for f in ("zones.csv", "zones_odbl.csv"):
    hdr, rows = load(f)
    if hdr != COLS: err.append(f"{f}: header {hdr}")
    for r in rows:
        if len(r) != len(COLS): err.append(f"{f}: bad field count {r}")
        r["_file"] = f
        allrows.append(r)
ids = {}
for r in allrows:
    k = r["id"].lower()
    if k in ids: err.append(f"duplicate id {r['id']} in {r['_file']} and {ids[k]}")
    ids[k] = r["_file"]
alias_owner = {}
names = {}
for r in allrows:
    for a in [a for a in r["aliases"].split("|") if a != ""] if r["aliases"] else []:
        k = a.lower()
        if k != k.strip(): err.append(f"alias whitespace {r['id']} {a!r}")
        if k in ids and k != r["id"].lower(): err.append(f"alias {a} of {r['id']} equals an id")
        if k in alias_owner and alias_owner[k] != r["id"]: err.append(f"alias {a} shared by {alias_owner[k]} and {r['id']}")
        alias_owner[k] = r["id"]
    if "||" in r["aliases"] or r["aliases"].startswith("|") or r["aliases"].endswith("|"):
        err.append(f"empty alias in {r['id']}")
    names.setdefault(r["name"].lower(), []).append(r["id"])
for r in allrows:  # a name that is another zone's alias
    o = alias_owner.get(r["name"].lower())
    if o and o != r["id"]: err.append(f"name {r['name']} of {r['id']} is an alias of {o}")
for n, v in names.items():
    if len(v) > 1: err.append(f"name {n} used by {v}")
for r in allrows:
    z = r["id"]
    if not r["source"] or not r["year"]: err.append(f"{z}: missing source/year")
    if r["source"] not in srcs: err.append(f"{z}: source {r['source']} not in sources.csv"); continue
    if r["kind"] not in KINDS: err.append(f"{z}: kind {r['kind']}")
    if r["basis"] not in BASIS: err.append(f"{z}: basis {r['basis']}")
    v, lo, hi = float(r["intensity_g_per_kwh"]), float(r["low"]), float(r["high"])
    if not (lo <= v <= hi): err.append(f"{z}: low/value/high {lo} {v} {hi}")
    if v < 0 or v > 2000: err.append(f"{z}: implausible {v}")
    if not (2019 <= int(r["year"]) <= 2025): err.append(f"{z}: year {r['year']}")
    if r["_file"] == "zones_odbl.csv" and srcs[r["source"]]["license"] != "ODbL-1.0": err.append(f"{z}: odbl file non-ODbL source")
    if r["_file"] == "zones.csv" and srcs[r["source"]]["license"] in SHARE_ALIKE: err.append(f"{z}: share-alike source in zones.csv")
    if int(r["year"]) < int(r["newest_year"]): err.append(f"{z}: value of {r['year']} older than newest {r['newest_year']}")
    if r["direct_g_per_kwh"]:
        dv, dlo, dhi = float(r["direct_g_per_kwh"]), float(r["direct_low"]), float(r["direct_high"])
        if not (0 <= dlo <= dv <= dhi): err.append(f"{z}: direct low/value/high {dlo} {dv} {dhi}")
        if int(r["direct_year"]) < int(r["direct_newest_year"]):
            err.append(f"{z}: direct value of {r['direct_year']} older than newest {r['direct_newest_year']}")
        if r["direct_source"] not in srcs: err.append(f"{z}: direct source {r['direct_source']} not in sources.csv")
        elif r["_file"] == "zones.csv" and srcs[r["direct_source"]]["license"] in SHARE_ALIKE:
            err.append(f"{z}: share-alike direct source in zones.csv")
    if r["_file"] == "zones.csv" and z != "WORLD":  # the figures that set low/high, as the notes list them, must be permissive
        m = re.search(r"Range: (?:(\d+) (?:life-cycle|direct) figures? (?:2019|2022)\+ \(([^)]*)\)|no other)", r["notes"])
        if not m: err.append(f"{z}: notes do not say which figures set low/high"); continue
        for part in (m.group(2) or "").split("; ") if m.group(2) else []:
            sid = part.split(" ")[0]
            if sid not in srcs: err.append(f"{z}: notes cite unknown source {sid}")
            elif srcs[sid]["license"] in SHARE_ALIKE: err.append(f"{z}: spread uses share-alike {sid}")
        if m.group(1) is None and lo != hi: err.append(f"{z}: no other figure but low != high")
    if r["country"] != "WORLD" and r["country"].lower() not in ids: err.append(f"{z}: country {r['country']} not a zone")
byid = {r["id"]: r for r in allrows}
for z, lo, hi in (("FR", 30, 90), ("PL", 550, 800)):
    v = float(byid[z]["intensity_g_per_kwh"])
    if not lo <= v <= hi: err.append(f"{z} {v} outside {lo}-{hi}")
for z in ("US-IA", "CA-QC", "WORLD", "US-CAL-CISO", "NO-NO1"):
    if z not in byid: err.append(f"{z} missing")
if sum(r["kind"] == "country" for r in allrows) < 200: err.append("fewer than 200 countries")
hdr, widen = load("zones_ranges_sharealike.csv")
for w in widen:
    if byid.get(w["zone"], {}).get("_file") != "zones.csv": err.append(f"sharealike range for {w['zone']}: not a zones.csv row")
    if w["source"] not in srcs or srcs[w["source"]]["license"] != w["license"] or w["license"] not in SHARE_ALIKE:
        err.append(f"sharealike range {w['zone']}: source/licence {w['source']} {w['license']}")
    if w["basis"] not in ("lifecycle", "direct") or float(w["low"]) > float(w["high"]) or float(w["low"]) < 0:
        err.append(f"sharealike range {w['zone']}: basis/low/high")
consts = {r["id"]: r for r in load("constants.csv")[1]}
if consts["world_intensity_g_per_kwh"]["value"] != byid["WORLD"]["intensity_g_per_kwh"]: err.append("world constant != WORLD row")
for c in consts.values():
    if c["source"] not in srcs: err.append(f"constant {c['id']} source missing")
    if not float(c["low"]) <= float(c["value"]) <= float(c["high"]): err.append(f"constant {c['id']} low/high")
print("\n".join(err) if err else "OK: all checks passed")
print({k: sum(1 for r in allrows if r['_file']==f and r['kind']==k) for f in ('zones.csv',) for k in sorted(KINDS)}, "odbl", sum(r['_file']=='zones_odbl.csv' for r in allrows))
sys.exit(1 if err else 0)
