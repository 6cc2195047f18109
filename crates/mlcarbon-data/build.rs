//! Turns the CSV tables into static Rust data at build time, so that starting `mlcarbon` parses
//! nothing. The same CSVs are still parsed at run time for a user's `--data-dir`.

use std::fmt::Write as _;
use std::path::Path;

/// How one CSV column becomes a Rust field.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    List,
    F64,
    OptF64,
    U16,
    OptU16,
    OptU32,
    Enum(&'static str),
    /// An enum cell that may be empty (`None`).
    OptEnum(&'static str),
    /// `yes` or empty.
    Flag,
}

struct Spec {
    file: &'static str,
    rust_type: &'static str,
    constant: &'static str,
    columns: &'static [(&'static str, Kind)],
    /// Extra field initializers appended to every row.
    extra: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        file: "sources.csv",
        rust_type: "Source",
        constant: "SOURCES",
        columns: SOURCE_COLUMNS,
        extra: "",
    },
    Spec {
        file: "hardware.csv",
        rust_type: "Hardware",
        constant: "HARDWARE",
        columns: &[
            ("id", Kind::Text),
            ("name", Kind::Text),
            ("aliases", Kind::List),
            ("vendor", Kind::Text),
            ("kind", Kind::Enum("HardwareKind")),
            ("power_w", Kind::OptF64),
            ("power_kind", Kind::OptEnum("PowerKind")),
            ("system_power_w", Kind::OptF64),
            ("memory_gb", Kind::OptF64),
            ("fp32_tflops", Kind::OptF64),
            ("fp16_tflops_dense", Kind::OptF64),
            ("bf16_tflops_dense", Kind::OptF64),
            ("release_year", Kind::OptU16),
            ("family_default", Kind::Flag),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "cpus.csv",
        rust_type: "Cpu",
        constant: "CPUS",
        columns: &[
            ("name", Kind::Text),
            ("tdp_w", Kind::F64),
            ("cores", Kind::OptU32),
            ("source", Kind::Text),
            ("year", Kind::U16),
        ],
        extra: "",
    },
    Spec {
        file: "zones.csv",
        rust_type: "Zone",
        constant: "ZONES",
        columns: ZONE_COLUMNS,
        extra: "table: Cow::Borrowed(\"zones.csv\"),",
    },
    Spec {
        file: "zones_odbl.csv",
        rust_type: "Zone",
        constant: "ZONES_ODBL",
        columns: ZONE_COLUMNS,
        extra: "table: Cow::Borrowed(\"zones_odbl.csv\"),",
    },
    Spec {
        file: "zones_ranges_sharealike.csv",
        rust_type: "ShareAlikeRange",
        constant: "ZONES_RANGES_SHAREALIKE",
        columns: &[
            ("zone", Kind::Text),
            ("basis", Kind::Enum("Basis")),
            ("low", Kind::F64),
            ("high", Kind::F64),
            ("source", Kind::Text),
            ("years", Kind::List),
            ("license", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "providers.csv",
        rust_type: "Provider",
        constant: "PROVIDERS",
        columns: &[
            ("id", Kind::Text),
            ("name", Kind::Text),
            ("aliases", Kind::List),
            ("pue", Kind::OptF64),
            ("pue_low", Kind::OptF64),
            ("pue_high", Kind::OptF64),
            ("pue_source", Kind::Text),
            ("offset_percent", Kind::OptF64),
            ("claim", Kind::Text),
            ("claim_year", Kind::OptU16),
            ("claim_source", Kind::Text),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "regions.csv",
        rust_type: "Region",
        constant: "REGIONS",
        columns: &[
            ("provider", Kind::Text),
            ("region", Kind::Text),
            ("name", Kind::Text),
            ("location", Kind::Text),
            ("zone", Kind::Text),
            ("range_zones", Kind::List),
            ("pue", Kind::OptF64),
            ("pue_source", Kind::Text),
            ("provider_intensity_g_per_kwh", Kind::OptF64),
            ("provider_basis", Kind::OptEnum("Basis")),
            ("provider_low", Kind::OptF64),
            ("provider_high", Kind::OptF64),
            ("cfe_percent", Kind::OptF64),
            ("offset_percent", Kind::OptF64),
            ("claim_year", Kind::OptU16),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "water.csv",
        rust_type: "Wue",
        constant: "WATER",
        columns: &[
            ("provider", Kind::Text),
            ("region", Kind::Text),
            ("wue_l_per_kwh", Kind::F64),
            ("low", Kind::F64),
            ("high", Kind::F64),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "constants.csv",
        rust_type: "Constant",
        constant: "CONSTANTS",
        columns: CONSTANT_COLUMNS,
        extra: "",
    },
    Spec {
        file: "equivalents.csv",
        rust_type: "Equivalent",
        constant: "EQUIVALENTS",
        columns: &[
            ("id", Kind::Text),
            ("name", Kind::Text),
            ("g_co2e_per_unit", Kind::F64),
            ("unit", Kind::Text),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    // The act features' tables: sources and constants that extend the two above, then their own.
    Spec {
        file: "sources_act.csv",
        rust_type: "Source",
        constant: "SOURCES_ACT",
        columns: SOURCE_COLUMNS,
        extra: "",
    },
    Spec {
        file: "constants_act.csv",
        rust_type: "Constant",
        constant: "CONSTANTS_ACT",
        columns: CONSTANT_COLUMNS,
        extra: "",
    },
    Spec {
        file: "embodied.csv",
        rust_type: "Embodied",
        constant: "EMBODIED",
        columns: &[
            ("id", Kind::Text),
            ("applies_to", Kind::Enum("EmbodiedScope")),
            ("matches", Kind::List),
            ("unit", Kind::Text),
            ("kg_co2e", Kind::F64),
            ("low", Kind::OptF64),
            ("high", Kind::OptF64),
            ("lifetime_years", Kind::F64),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "idle_power.csv",
        rust_type: "IdlePower",
        constant: "IDLE_POWER",
        columns: &[
            ("hardware", Kind::List),
            ("idle_w", Kind::F64),
            ("low", Kind::OptF64),
            ("high", Kind::OptF64),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "power_caps.csv",
        rust_type: "PowerCap",
        constant: "POWER_CAPS",
        columns: &[
            ("gpu", Kind::Text),
            ("hardware", Kind::List),
            ("max_power_limit_w", Kind::F64),
            ("cap_w", Kind::F64),
            ("cap_fraction", Kind::F64),
            ("energy_change_percent", Kind::F64),
            ("energy_low", Kind::F64),
            ("energy_high", Kind::F64),
            ("time_change_percent", Kind::F64),
            ("time_low", Kind::F64),
            ("time_high", Kind::F64),
            ("workloads", Kind::U16),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "profile_proxies.csv",
        rust_type: "ProfileProxy",
        constant: "PROFILE_PROXIES",
        columns: &[
            ("zone", Kind::Text),
            ("profile_zone", Kind::Text),
            ("source", Kind::Text),
            ("year", Kind::U16),
            ("notes", Kind::Text),
        ],
        extra: "",
    },
    Spec {
        file: "profiles_month_hour.csv",
        rust_type: "MonthHourCell",
        constant: "PROFILES_MONTH_HOUR",
        columns: &[
            ("zone", Kind::Text),
            ("month", Kind::U16),
            ("hour", Kind::U16),
            ("g_per_kwh", Kind::F64),
            ("source", Kind::Text),
            ("year", Kind::U16),
        ],
        extra: "",
    },
];

const SOURCE_COLUMNS: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("title", Kind::Text),
    ("publisher", Kind::Text),
    ("url", Kind::Text),
    ("license", Kind::Text),
    ("year", Kind::OptU16),
    ("notes", Kind::Text),
];

const CONSTANT_COLUMNS: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("value", Kind::F64),
    ("unit", Kind::Text),
    ("low", Kind::OptF64),
    ("high", Kind::OptF64),
    ("source", Kind::Text),
    ("year", Kind::U16),
    ("notes", Kind::Text),
];

const ZONE_COLUMNS: &[(&str, Kind)] = &[
    ("id", Kind::Text),
    ("name", Kind::Text),
    ("aliases", Kind::List),
    ("kind", Kind::Enum("ZoneKind")),
    ("country", Kind::Text),
    ("intensity_g_per_kwh", Kind::F64),
    ("low", Kind::F64),
    ("high", Kind::F64),
    ("basis", Kind::Enum("IntensityBasis")),
    ("year", Kind::U16),
    ("source", Kind::Text),
    ("newest_year", Kind::OptU16),
    ("direct_g_per_kwh", Kind::OptF64),
    ("direct_low", Kind::OptF64),
    ("direct_high", Kind::OptF64),
    ("direct_year", Kind::OptU16),
    ("direct_source", Kind::Text),
    ("direct_newest_year", Kind::OptU16),
    ("notes", Kind::Text),
];

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

fn float(text: &str, where_: &str) -> String {
    let value: f64 = text
        .parse()
        .unwrap_or_else(|_| panic!("{where_}: `{text}` is not a number"));
    assert!(value.is_finite(), "{where_}: `{text}` is not finite");
    format!("{value:?}")
}

fn field(kind: Kind, text: &str, where_: &str) -> String {
    let text = text.trim();
    match kind {
        Kind::Text => format!("Cow::Borrowed({text:?})"),
        Kind::List => {
            let items: Vec<String> = text
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("Cow::Borrowed({s:?})"))
                .collect();
            format!("Cow::Borrowed(&[{}])", items.join(", "))
        }
        Kind::F64 => float(text, where_),
        Kind::OptF64 if text.is_empty() => "None".to_string(),
        Kind::OptF64 => format!("Some({})", float(text, where_)),
        Kind::U16 => format!(
            "{}",
            text.parse::<u16>()
                .unwrap_or_else(|_| panic!("{where_}: `{text}` is not a year"))
        ),
        Kind::OptU16 if text.is_empty() => "None".to_string(),
        Kind::OptU16 => format!(
            "Some({})",
            text.parse::<u16>()
                .unwrap_or_else(|_| panic!("{where_}: `{text}` is not a year"))
        ),
        Kind::OptU32 if text.is_empty() => "None".to_string(),
        Kind::OptU32 => format!(
            "Some({})",
            text.parse::<u32>()
                .unwrap_or_else(|_| panic!("{where_}: `{text}` is not a count"))
        ),
        Kind::Enum(name) => format!("{name}::{}", camel(text)),
        Kind::Flag => match text {
            "yes" => "true".to_string(),
            "" => "false".to_string(),
            _ => panic!("{where_}: `{text}` is not `yes` or empty"),
        },
        Kind::OptEnum(_) if text.is_empty() => "None".to_string(),
        Kind::OptEnum(name) => format!("Some({name}::{})", camel(text)),
    }
}

fn main() {
    let data = Path::new("data");
    let mut out = String::from("// Generated by build.rs from data/*.csv; do not edit.\n\n");
    for spec in SPECS {
        let path = data.join(spec.file);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut reader = csv::ReaderBuilder::new()
            .from_path(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let headers = reader
            .headers()
            .unwrap_or_else(|e| panic!("{}: {e}", spec.file))
            .clone();
        let index: Vec<usize> = spec
            .columns
            .iter()
            .map(|(name, _)| {
                headers
                    .iter()
                    .position(|h| h.trim() == *name)
                    .unwrap_or_else(|| panic!("{}: missing column {name}", spec.file))
            })
            .collect();
        let mut rows = Vec::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.unwrap_or_else(|e| panic!("{}: {e}", spec.file));
            let mut fields = String::new();
            for ((name, kind), i) in spec.columns.iter().zip(&index) {
                let where_ = format!("{} line {} column {name}", spec.file, line + 2);
                let _ = write!(
                    fields,
                    "{name}: {}, ",
                    field(*kind, record.get(*i).unwrap_or(""), &where_)
                );
            }
            rows.push(format!(
                "    {} {{ {fields}{} }},\n",
                spec.rust_type, spec.extra
            ));
        }
        let _ = write!(
            out,
            "pub(crate) static {}: &[{}] = &[\n{}];\n\n",
            spec.constant,
            spec.rust_type,
            rows.concat()
        );
    }
    // The published calculator's files stay verbatim; only their cells are split here, keeping
    // ragged rows as they are (its A10G row has a field fewer).
    for (file, constant) in [
        ("mlco2/impact.csv", "MLCO2_IMPACT"),
        ("mlco2/gpus.csv", "MLCO2_GPUS"),
        ("mlco2/paper-2019-impact.csv", "MLCO2_2019_IMPACT"),
        ("mlco2/paper-2019-gpus.csv", "MLCO2_2019_GPUS"),
    ] {
        let path = data.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut rows = String::new();
        for record in reader.records() {
            let record = record.unwrap_or_else(|e| panic!("{file}: {e}"));
            let cells: Vec<String> = record.iter().map(|c| format!("{c:?}")).collect();
            let _ = writeln!(rows, "    &[{}],", cells.join(", "));
        }
        let _ = write!(
            out,
            "pub(crate) static {constant}: &[&[&str]] = &[\n{rows}];\n\n"
        );
    }
    let target =
        Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo")).join("tables.rs");
    std::fs::write(&target, out).expect("write generated tables");
}
