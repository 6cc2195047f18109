#!/usr/bin/env python3
"""Merge the per-builder fragments into data/sources.csv and data/constants.csv.

Usage: python3 merge.py [OUT_DIR]
  OUT_DIR  default: $MLCARBON_BUILD_OUT, else out/ next to this file (where the builders wrote)
Reads  OUT_DIR/_sources_{hardware,grid,cloud}.csv and OUT_DIR/_constants_{hardware,grid,cloud}.csv
Writes OUT_DIR/sources.csv and OUT_DIR/constants.csv (rows in fragment order: hardware, grid, cloud).

An id that more than one builder defines must be resolved in MERGED below: the merged row takes the
fields given there, and every field not given must be the same in all fragments (else this fails).
An id defined twice without an entry in MERGED, or a constant defined twice, is an error.
Standard library only.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out"))
PARTS = ("hardware", "grid", "cloud")

# Sources that several builders use, each written once with a title and notes that cover every use.
MERGED = {
    "mlco2-impact": dict(
        title="Machine Learning Emissions Calculator data (impact.csv, gpus.csv)",
        notes="snapshot commit d0d3ee5a71ea222ac344a94900642ed2ce649af4 (2026-03-09); gpus.csv rows name their own "
              "origin (TechPowerUp, NVIDIA, Intel ARK, AMD, Patterson et al. 2021); impact.csv: region rows, "
              "offsetRatio and PUE as published by the calculator"),
    "green-algorithms-v3": dict(
        title="Green Algorithms tool data v3.0 (CI_aggregated, TDP_cpu, TDP_gpu, cloudProviders_datacenters, "
              "defaults_PUE, referenceValues)",
        publisher="Lannelongue, Grealey & Inouye (Green Algorithms)",
        notes="snapshot commit 30df2feead1c7f5db87a3d86ca1239470a0cd415 (2025-02-05); cite Lannelongue et al., "
              "Advanced Science 2021 (doi:10.1002/advs.202100707); CI_aggregated values are mostly carbonfootprint.com "
              "2022 compilations of AIB, Climate Transparency, NIR, NGA and eGRID (2019-2020 data)"),
    "ccf-app": dict(
        title="Cloud Carbon Footprint: estimation constants and region lists",
        notes="commit b7a049c7d25c0022919ab9010199dd9e77aa4577 (2024-03-25); numbers read from "
              "packages/{aws,azure,gcp,ali}/src/domain/*FootprintEstimationConstants.ts and the region enums: "
              "MEMORY_COEFFICIENT 0.000392 kWh per GB-hour (high end of the RAM range), MAX_WATTS_AVG per vCPU (the CPU "
              "default), PUE_AVG per provider, GCP "
              "per-region trailing-twelve-month PUE, Alibaba north-China PUE; region lists of AWS, Azure, Alibaba"),
    "google-region-carbon": dict(
        title="Google Cloud region carbon info (region-carbon-info), yearly grid intensity and CFE per region",
        year="2025",
        notes="commit 49f3f26bfd682305e8d9b572fea1f811900421a9 (2025-12-03), data/yearly: 2024 location-based grid "
              "intensity and Google CFE share (hourly, incl. Google's purchases) for the gcp rows of regions.csv; "
              "2019-2024 grid intensities mapped region->zone where unambiguous, for zones.csv spreads only; "
              "attribute Google Cloud, region-carbon-info"),
}


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [row for row in r if row]


def merge(kind, out_name, resolve):
    header, order, versions = None, [], {}
    for part in PARTS:
        h, rows = read(os.path.join(OUT, f"_{kind}_{part}.csv"))
        header = header or h
        if h != header:
            raise SystemExit(f"_{kind}_{part}.csv: header {h} != {header}")
        for row in rows:
            if row[0] not in versions:
                order.append(row[0])
            versions.setdefault(row[0], []).append((part, dict(zip(header, row))))
    merged, errors = [], []
    for key in order:
        vs = versions[key]
        if len(vs) == 1:
            if resolve and key in MERGED:
                errors.append(f"{key}: in MERGED but defined only in _{kind}_{vs[0][0]}.csv")
            merged.append([vs[0][1][c] for c in header])
            continue
        if not resolve or key not in MERGED:
            errors.append(f"{key}: defined in {', '.join(p for p, _ in vs)} and not resolved in MERGED")
            continue
        row = {}
        for c in header:
            if c in MERGED[key]:
                row[c] = MERGED[key][c]
            else:
                values = {v[c] for _, v in vs}
                if len(values) > 1:
                    errors.append(f"{key}: field {c} differs between fragments ({sorted(values)}); set it in MERGED")
                row[c] = vs[0][1][c]
        merged.append([row[c] for c in header])
    if resolve:
        errors += [f"{k}: in MERGED but in no fragment" for k in MERGED if k not in versions]
    if errors:
        raise SystemExit("\n".join(errors))
    path = os.path.join(OUT, out_name)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(merged)
    print(path, len(merged), "rows")


merge("sources", "sources.csv", resolve=True)
merge("constants", "constants.csv", resolve=False)
