//! Reference tables of mlcarbon, embedded at build time: accelerator and CPU power, grid carbon
//! intensity by zone, cloud regions and providers, model constants, equivalents, and the sources
//! of every row. Typed lookups by id, alias or fuzzy name. No I/O: callers that load a user's
//! folder (`--data-dir`) read the files and pass their text to [`Dataset::from_texts`].

mod lookup;
pub mod mlco2;
mod tables;

use std::sync::OnceLock;

pub use lookup::LookupError;
pub use tables::{
    Constant, Cpu, Equivalent, Hardware, HardwareKind, IntensityBasis, PowerKind, Provider, Region,
    Source, Zone, ZoneKind,
};

/// Why a table could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("{table}: line {line}: {message}")]
    Parse {
        table: String,
        line: u64,
        message: String,
    },
    #[error("{table}: {message}")]
    Invalid { table: String, message: String },
}

/// The files of a dataset, in the schema of `data/SCHEMA.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Sources,
    Hardware,
    Cpus,
    Zones,
    ZonesOdbl,
    Providers,
    Regions,
    Constants,
    Equivalents,
}

impl Table {
    pub const ALL: [Table; 9] = [
        Table::Sources,
        Table::Hardware,
        Table::Cpus,
        Table::Zones,
        Table::ZonesOdbl,
        Table::Providers,
        Table::Regions,
        Table::Constants,
        Table::Equivalents,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Sources => "sources.csv",
            Table::Hardware => "hardware.csv",
            Table::Cpus => "cpus.csv",
            Table::Zones => "zones.csv",
            Table::ZonesOdbl => "zones_odbl.csv",
            Table::Providers => "providers.csv",
            Table::Regions => "regions.csv",
            Table::Constants => "constants.csv",
            Table::Equivalents => "equivalents.csv",
        }
    }

    /// The built-in text of the table.
    pub fn builtin_text(self) -> &'static str {
        match self {
            Table::Sources => include_str!("../data/sources.csv"),
            Table::Hardware => include_str!("../data/hardware.csv"),
            Table::Cpus => include_str!("../data/cpus.csv"),
            Table::Zones => include_str!("../data/zones.csv"),
            Table::ZonesOdbl => include_str!("../data/zones_odbl.csv"),
            Table::Providers => include_str!("../data/providers.csv"),
            Table::Regions => include_str!("../data/regions.csv"),
            Table::Constants => include_str!("../data/constants.csv"),
            Table::Equivalents => include_str!("../data/equivalents.csv"),
        }
    }
}

/// The sources' licence notes, as shipped (`data/SOURCES.md`).
pub const SOURCES_MD: &str = include_str!("../data/SOURCES.md");

fn parse_table<T: serde::de::DeserializeOwned>(
    table: Table,
    text: &str,
) -> Result<Vec<T>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.deserialize() {
        rows.push(record.map_err(|e| DataError::Parse {
            table: table.file_name().to_string(),
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?);
    }
    Ok(rows)
}

/// Ids of constants the model reads; a dataset without them is refused at load time.
pub mod constant_ids {
    pub const RAM_W_PER_GB: &str = "ram_w_per_gb";
    pub const GPU_DRAW_RATIO: &str = "gpu_draw_ratio_training";
    pub const PUE_UNKNOWN: &str = "pue_unknown_datacenter";
    pub const WORLD_INTENSITY: &str = "world_intensity_g_per_kwh";
    pub const INTENSITY_SPREAD: &str = "intensity_default_relative_spread";
    pub const REQUIRED: [&str; 5] = [
        RAM_W_PER_GB,
        GPU_DRAW_RATIO,
        PUE_UNKNOWN,
        WORLD_INTENSITY,
        INTENSITY_SPREAD,
    ];
}

/// One named, versioned set of tables.
#[derive(Debug)]
pub struct Dataset {
    pub name: String,
    pub sources: Vec<Source>,
    pub hardware: Vec<Hardware>,
    pub zones: Vec<Zone>,
    pub providers: Vec<Provider>,
    pub regions: Vec<Region>,
    pub constants: Vec<Constant>,
    pub equivalents: Vec<Equivalent>,
    /// The CPU table is large and few commands need it: parsed on first use.
    cpus_text: String,
    cpus: OnceLock<Result<Vec<Cpu>, DataError>>,
}

static BUILTIN: OnceLock<Result<Dataset, DataError>> = OnceLock::new();

impl Dataset {
    /// The built-in `mlcarbon` dataset, parsed once per process.
    pub fn builtin() -> Result<&'static Dataset, DataError> {
        BUILTIN
            .get_or_init(|| Dataset::from_texts("mlcarbon", |_| None))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A dataset from table texts: `text_of(table)` gives a replacement text, or `None` to use
    /// the built-in table.
    pub fn from_texts(
        name: &str,
        text_of: impl Fn(Table) -> Option<String>,
    ) -> Result<Dataset, DataError> {
        let text =
            |table: Table| text_of(table).unwrap_or_else(|| table.builtin_text().to_string());
        let mut zones: Vec<Zone> = parse_table(Table::Zones, &text(Table::Zones))?;
        for zone in &mut zones {
            zone.table = Table::Zones.file_name().to_string();
        }
        let mut odbl: Vec<Zone> = parse_table(Table::ZonesOdbl, &text(Table::ZonesOdbl))?;
        for zone in &mut odbl {
            zone.table = Table::ZonesOdbl.file_name().to_string();
        }
        zones.extend(odbl);
        let dataset = Dataset {
            name: name.to_string(),
            sources: parse_table(Table::Sources, &text(Table::Sources))?,
            hardware: parse_table(Table::Hardware, &text(Table::Hardware))?,
            zones,
            providers: parse_table(Table::Providers, &text(Table::Providers))?,
            regions: parse_table(Table::Regions, &text(Table::Regions))?,
            constants: parse_table(Table::Constants, &text(Table::Constants))?,
            equivalents: parse_table(Table::Equivalents, &text(Table::Equivalents))?,
            cpus_text: text(Table::Cpus),
            cpus: OnceLock::new(),
        };
        for id in constant_ids::REQUIRED {
            if dataset.constant(id).is_none() {
                return Err(DataError::Invalid {
                    table: Table::Constants.file_name().to_string(),
                    message: format!("missing constant `{id}`"),
                });
            }
        }
        Ok(dataset)
    }

    pub fn cpus(&self) -> Result<&[Cpu], DataError> {
        self.cpus
            .get_or_init(|| parse_table(Table::Cpus, &self.cpus_text))
            .as_ref()
            .map(Vec::as_slice)
            .map_err(Clone::clone)
    }

    pub fn constant(&self, id: &str) -> Option<&Constant> {
        self.constants.iter().find(|c| c.id == id)
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn find_hardware(&self, query: &str) -> Result<&Hardware, LookupError> {
        lookup::resolve("hardware", query, &self.hardware, Hardware::keys, |h| {
            h.name.clone()
        })
    }

    pub fn search_hardware(&self, search: &str) -> Vec<&Hardware> {
        lookup::filter(search, &self.hardware, |h| {
            let mut keys = h.keys();
            keys.push(h.vendor.as_str());
            keys
        })
    }

    pub fn find_cpu(&self, query: &str) -> Result<Result<&Cpu, LookupError>, DataError> {
        Ok(lookup::resolve(
            "CPU",
            query,
            self.cpus()?,
            Cpu::keys,
            |c| c.name.clone(),
        ))
    }

    pub fn find_zone(&self, query: &str) -> Result<&Zone, LookupError> {
        lookup::resolve("zone", query, &self.zones, Zone::keys, |z| {
            format!("{} ({})", z.id, z.name)
        })
    }

    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }

    pub fn world_zone(&self) -> Option<&Zone> {
        self.zones.iter().find(|z| z.kind == ZoneKind::World)
    }

    pub fn search_zones(&self, search: &str) -> Vec<&Zone> {
        lookup::filter(search, &self.zones, Zone::keys)
    }

    pub fn find_provider(&self, query: &str) -> Result<&Provider, LookupError> {
        lookup::resolve("provider", query, &self.providers, Provider::keys, |p| {
            p.id.clone()
        })
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// A region by code or name, within one provider when given (ids such as `us-east-1` are
    /// unique enough to need none).
    pub fn find_region(
        &self,
        provider: Option<&Provider>,
        query: &str,
    ) -> Result<&Region, LookupError> {
        let start = self.regions.as_slice();
        match provider {
            Some(p) => {
                let rows: Vec<&Region> = start.iter().filter(|r| r.provider == p.id).collect();
                lookup::resolve("region", query, &rows, |r| r.keys(), |r| r.label()).copied()
            }
            None => lookup::resolve("region", query, start, Region::keys, Region::label),
        }
    }

    pub fn provider_regions<'a>(&'a self, provider: &'a str) -> impl Iterator<Item = &'a Region> {
        self.regions.iter().filter(move |r| r.provider == provider)
    }
}
