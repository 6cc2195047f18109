//! The published ML Emissions Calculator's own tables (mlco2/impact `data/impact.csv` and
//! `data/gpus.csv`, MIT), kept verbatim and read the way its page reads them, for `--compat mlco2`.

use crate::DataError;
use crate::lookup::{self, LookupError};

/// Which snapshot of the calculator's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mlco2Edition {
    /// The repository at commit d0d3ee5 (2026-03-09): what the live page fetches today.
    Current,
    /// Commit 7d50071 (2019-10-26): the numbers of the paper's appendix.
    Paper2019,
}

impl Mlco2Edition {
    pub fn dataset_name(self) -> &'static str {
        match self {
            Mlco2Edition::Current => "mlco2",
            Mlco2Edition::Paper2019 => "mlco2-2019",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Mlco2Edition::Current => "mlco2/impact data at commit d0d3ee5 (2026-03-09)",
            Mlco2Edition::Paper2019 => {
                "mlco2/impact data at commit 7d50071 (2019-10-26, the paper's tables)"
            }
        }
    }

    /// The calculator's files, split into cells at build time (header row first).
    fn rows(
        self,
    ) -> (
        &'static [&'static [&'static str]],
        &'static [&'static [&'static str]],
    ) {
        match self {
            Mlco2Edition::Current => (crate::generated::MLCO2_IMPACT, crate::generated::MLCO2_GPUS),
            Mlco2Edition::Paper2019 => (
                crate::generated::MLCO2_2019_IMPACT,
                crate::generated::MLCO2_2019_GPUS,
            ),
        }
    }
}

/// One compute region of the calculator.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlco2Region {
    pub provider: String,
    pub provider_name: String,
    /// Percent of emissions the calculator says the provider offsets (0 or 100).
    pub offset_ratio: f64,
    /// Region code; empty for the calculator's Scaleway row.
    pub region: String,
    pub region_name: String,
    pub country: String,
    pub state: String,
    pub city: String,
    /// The `impact` cell as written (g/kWh, sometimes with decimals the page drops).
    pub impact_text: String,
    pub source: String,
}

impl Mlco2Region {
    /// What the page computes from the cell: JavaScript `parseInt`, which keeps the leading
    /// integer digits only; `None` where `parseInt` gives NaN.
    pub fn impact_truncated_g_per_kwh(&self) -> Option<f64> {
        js_parse_int(&self.impact_text)
    }

    /// The cell's full value, for the exact default-mode comparison.
    pub fn impact_g_per_kwh(&self) -> Option<f64> {
        self.impact_text.trim().parse().ok()
    }

    pub fn label(&self) -> String {
        if self.region.is_empty() {
            format!("{}/{}", self.provider, self.region_name)
        } else {
            format!("{}/{}", self.provider, self.region)
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut keys = Vec::new();
        if !self.region.is_empty() {
            keys.push(self.region.as_str());
        }
        if !self.region_name.is_empty() {
            keys.push(self.region_name.as_str());
        }
        keys
    }
}

/// One device of the calculator: only its name and watts are used by the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlco2Gpu {
    pub name: String,
    pub kind: String,
    pub tdp_watts: f64,
}

/// JavaScript's `parseInt(text)` for base 10: optional sign, then leading digits.
pub fn js_parse_int(text: &str) -> Option<f64> {
    let trimmed = text.trim_start();
    let (sign, rest) = match trimmed.as_bytes().first() {
        Some(b'-') => (-1.0, &trimmed[1..]),
        Some(b'+') => (1.0, &trimmed[1..]),
        _ => (1.0, trimmed),
    };
    let digits: &str = &rest[..rest.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() {
        return None;
    }
    digits.parse::<f64>().ok().map(|v| sign * v)
}

/// The calculator's data, read once.
#[derive(Debug, Clone)]
pub struct Mlco2Dataset {
    pub edition: Mlco2Edition,
    pub regions: Vec<Mlco2Region>,
    pub gpus: Vec<Mlco2Gpu>,
}

fn column(headers: &[&str], table: &str, name: &str) -> Result<usize, DataError> {
    headers
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
        .ok_or_else(|| DataError::Invalid {
            table: table.to_string(),
            message: format!("missing column `{name}`"),
        })
}

fn split_csv(table: &str, text: &str) -> Result<Vec<Vec<String>>, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| DataError::Parse {
            table: table.to_string(),
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        })?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

impl Mlco2Dataset {
    /// Reads the calculator's two files as text (for tests and other snapshots).
    pub fn parse(edition: Mlco2Edition, impact: &str, gpus: &str) -> Result<Self, DataError> {
        let impact = split_csv("mlco2 impact.csv", impact)?;
        let gpus = split_csv("mlco2 gpus.csv", gpus)?;
        Self::from_rows(edition, &impact, &gpus)
    }

    /// Reads the calculator's tables from rows of cells, header row first.
    pub fn from_rows<R: AsRef<[C]>, C: AsRef<str>>(
        edition: Mlco2Edition,
        impact: &[R],
        gpus: &[R],
    ) -> Result<Self, DataError> {
        let header = |rows: &[R], table: &str| -> Result<Vec<String>, DataError> {
            rows.first()
                .map(|h| h.as_ref().iter().map(|c| c.as_ref().to_string()).collect())
                .ok_or_else(|| DataError::Invalid {
                    table: table.to_string(),
                    message: "empty file".to_string(),
                })
        };
        let impact_header = header(impact, "mlco2 impact.csv")?;
        let headers: Vec<&str> = impact_header.iter().map(String::as_str).collect();
        let col = |name| column(&headers, "mlco2 impact.csv", name);
        let columns = [
            col("provider")?,
            col("providerName")?,
            col("offsetRatio")?,
            col("region")?,
            col("regionName")?,
            col("country")?,
            col("state")?,
            col("city")?,
            col("impact")?,
            col("source")?,
        ];
        let mut regions = Vec::new();
        for row in impact.iter().skip(1) {
            let cells = row.as_ref();
            let field = |i: usize| cells.get(columns[i]).map_or("", |c| c.as_ref()).to_string();
            regions.push(Mlco2Region {
                provider: field(0),
                provider_name: field(1),
                offset_ratio: js_parse_int(&field(2)).unwrap_or(0.0),
                region: field(3),
                region_name: field(4),
                country: field(5),
                state: field(6),
                city: field(7),
                impact_text: field(8),
                source: field(9),
            });
        }

        let gpus_header = header(gpus, "mlco2 gpus.csv")?;
        let headers: Vec<&str> = gpus_header.iter().map(String::as_str).collect();
        let name = column(&headers, "mlco2 gpus.csv", "name")?;
        // The 2019 file calls the column `watt`, later ones `tdp_watts`.
        let watts = column(&headers, "mlco2 gpus.csv", "tdp_watts")
            .or_else(|_| column(&headers, "mlco2 gpus.csv", "watt"))?;
        let kind = column(&headers, "mlco2 gpus.csv", "type").ok();
        let mut devices = Vec::new();
        for row in gpus.iter().skip(1) {
            let cells = row.as_ref();
            let cell = |i: usize| cells.get(i).map_or("", |c| c.as_ref());
            let Ok(tdp) = cell(watts).trim().parse::<f64>() else {
                continue;
            };
            devices.push(Mlco2Gpu {
                name: cell(name).to_string(),
                kind: kind.map_or("gpu", cell).to_string(),
                tdp_watts: tdp,
            });
        }
        Ok(Mlco2Dataset {
            edition,
            regions,
            gpus: devices,
        })
    }

    pub fn builtin(edition: Mlco2Edition) -> Result<Self, DataError> {
        let (impact, gpus) = edition.rows();
        Self::from_rows(edition, impact, gpus)
    }

    /// The built-in tables of an edition, read once per process (a server answers many requests).
    pub fn shared(edition: Mlco2Edition) -> Result<&'static Self, DataError> {
        static CURRENT: std::sync::OnceLock<Result<Mlco2Dataset, DataError>> =
            std::sync::OnceLock::new();
        static PAPER: std::sync::OnceLock<Result<Mlco2Dataset, DataError>> =
            std::sync::OnceLock::new();
        let cell = match edition {
            Mlco2Edition::Current => &CURRENT,
            Mlco2Edition::Paper2019 => &PAPER,
        };
        cell.get_or_init(|| Self::builtin(edition))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn find_gpu(&self, query: &str) -> Result<&Mlco2Gpu, LookupError> {
        lookup::resolve(
            "mlco2 device",
            query,
            &self.gpus,
            |g| vec![g.name.as_str()],
            |g| g.name.clone(),
        )
    }

    /// A region by code or name, within one provider when given.
    pub fn find_region(
        &self,
        provider: Option<&str>,
        query: &str,
    ) -> Result<&Mlco2Region, LookupError> {
        let rows: Vec<&Mlco2Region> = self
            .regions
            .iter()
            .filter(|r| provider.is_none_or(|p| r.provider.eq_ignore_ascii_case(p)))
            .collect();
        lookup::resolve("mlco2 region", query, &rows, |r| r.keys(), |r| r.label()).copied()
    }

    pub fn provider_regions<'a>(
        &'a self,
        provider: &'a str,
    ) -> impl Iterator<Item = &'a Mlco2Region> {
        self.regions.iter().filter(move |r| r.provider == provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_truncates_like_javascript() {
        assert_eq!(js_parse_int("34.5"), Some(34.0));
        assert_eq!(js_parse_int(" 736.6"), Some(736.0));
        assert_eq!(js_parse_int("-3.9"), Some(-3.0));
        assert_eq!(js_parse_int("abc"), None);
        assert_eq!(js_parse_int(""), None);
    }
}
