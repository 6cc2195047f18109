//! Row types of the project's own tables (schema: `data/SCHEMA.md`).

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

/// Text of a table cell: borrowed from the binary for built-in data, owned for a user's files.
pub type Text = Cow<'static, str>;
/// A `|`-separated list cell.
pub type List = Cow<'static, [Text]>;

pub(crate) fn pipe_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<List, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(Cow::Owned(
        text.split('|')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Cow::Owned(s.to_string()))
            .collect(),
    ))
}

/// Where a figure comes from; `id` is what the `source` column of every other table names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: Text,
    pub title: Text,
    pub publisher: Text,
    pub url: Text,
    pub license: Text,
    pub year: Option<u16>,
    #[serde(default)]
    pub notes: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardwareKind {
    Gpu,
    Tpu,
    Accelerator,
    Cpu,
}

/// What kind of figure a rated power is; it decides how wide the power range is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerKind {
    /// Thermal design power (the vendor's sustained power limit).
    Tdp,
    /// Total board / graphics power (TBP, TGP).
    BoardPower,
    /// A measured mean draw under a real workload.
    MeasuredMean,
}

impl PowerKind {
    pub fn label(self) -> &'static str {
        match self {
            PowerKind::Tdp => "TDP",
            PowerKind::BoardPower => "board power",
            PowerKind::MeasuredMean => "measured mean",
        }
    }
}

/// An accelerator (or one of the few CPUs the published calculator lists beside them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hardware {
    pub id: Text,
    pub name: Text,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: List,
    pub vendor: Text,
    pub kind: HardwareKind,
    /// Rated power per device; `None` where the vendor publishes none (TPU v5e/v5p/v6e): an
    /// estimate then needs the user's figure (`--watts`).
    pub power_w: Option<f64>,
    /// What kind of figure `power_w` is; `None` exactly when `power_w` is.
    pub power_kind: Option<PowerKind>,
    /// Power per device of the whole system where a source measured one (host, network and
    /// cooling share included; Patterson et al. 2021 for TPU v2/v3): a separate quantity, never
    /// the device's own power.
    #[serde(default)]
    pub system_power_w: Option<f64>,
    pub memory_gb: Option<f64>,
    pub fp32_tflops: Option<f64>,
    pub fp16_tflops_dense: Option<f64>,
    pub bf16_tflops_dense: Option<f64>,
    pub release_year: Option<u16>,
    /// The variant a query naming only the model (`A100`, `H100`) picks when the variants'
    /// figures differ: the most common data-centre one (`yes` in the table).
    #[serde(default, deserialize_with = "yes_flag")]
    pub family_default: bool,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// `yes` / empty cells as a bool.
pub(crate) fn yes_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    let text = String::deserialize(deserializer)?;
    match text.trim().to_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "" | "no" | "false" => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "`{other}` is not `yes` or empty"
        ))),
    }
}

impl Hardware {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_ref(), self.name.as_ref()];
        keys.extend(self.aliases.iter().map(|a| a.as_ref()));
        keys
    }

    /// Peak dense throughput used to compare devices for the same work: the lowest-precision
    /// tensor figure published (BF16, else FP16), else FP32; with the name of the figure.
    pub fn peak_tflops(&self) -> Option<(f64, &'static str)> {
        self.bf16_tflops_dense
            .map(|t| (t, "BF16 dense"))
            .or(self.fp16_tflops_dense.map(|t| (t, "FP16 dense")))
            .or(self.fp32_tflops.map(|t| (t, "FP32")))
            .filter(|(t, _)| *t > 0.0)
    }

    /// The rated power per device and what kind of figure it is; `None` where the vendor
    /// publishes no power figure.
    pub fn rated_power(&self) -> Option<(f64, PowerKind)> {
        Some((self.power_w?, self.power_kind?))
    }

    /// `700 W (TDP)`, or `power not published` where the vendor publishes none.
    pub fn power_label(&self) -> String {
        match self.rated_power() {
            Some((w, kind)) => format!("{w} W ({})", kind.label()),
            None => "power not published".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    pub name: Text,
    pub tdp_w: f64,
    pub cores: Option<u32>,
    pub source: Text,
    pub year: u16,
}

impl Cpu {
    pub(crate) fn keys(&self) -> Vec<&str> {
        vec![self.name.as_ref()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    World,
    Country,
    State,
    Province,
    Territory,
    BalancingAuthority,
    BiddingZone,
    Region,
}

impl ZoneKind {
    pub const ALL: [ZoneKind; 8] = [
        ZoneKind::World,
        ZoneKind::Country,
        ZoneKind::State,
        ZoneKind::Province,
        ZoneKind::Territory,
        ZoneKind::BalancingAuthority,
        ZoneKind::BiddingZone,
        ZoneKind::Region,
    ];

    /// The name in the tables and the JSON: `balancing_authority`.
    pub fn as_str(self) -> &'static str {
        match self {
            ZoneKind::World => "world",
            ZoneKind::Country => "country",
            ZoneKind::State => "state",
            ZoneKind::Province => "province",
            ZoneKind::Territory => "territory",
            ZoneKind::BalancingAuthority => "balancing_authority",
            ZoneKind::BiddingZone => "bidding_zone",
            ZoneKind::Region => "region",
        }
    }

    /// A kind as people type it: any case, `-` or space for `_` (`Balancing-Authority`); the
    /// error names every kind.
    pub fn parse(text: &str) -> Result<ZoneKind, String> {
        let wanted = text.to_lowercase().replace(['-', ' '], "_");
        ZoneKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = ZoneKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown zone kind `{text}`; use one of {}",
                    names.join(", ")
                )
            })
    }
}

/// The basis a row's default figure is labelled with in the tables (`unknown` where the
/// source does not say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntensityBasis {
    Lifecycle,
    Direct,
    Unknown,
}

/// What a grid intensity counts: life-cycle emissions of the generators (construction, fuel
/// supply and combustion; the default everywhere) or direct emissions (combustion only).
/// Figures of two bases are never compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Lifecycle,
    Direct,
}

impl Basis {
    pub const ALL: [Basis; 2] = [Basis::Lifecycle, Basis::Direct];

    /// The name in the tables and the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Lifecycle => "lifecycle",
            Basis::Direct => "direct",
        }
    }

    /// A basis as people type it (`lifecycle`, `life-cycle`, `direct`, any case); the error
    /// names both.
    pub fn parse(text: &str) -> Result<Basis, String> {
        match text.to_lowercase().replace(['-', '_', ' '], "").as_str() {
            "lifecycle" | "lca" => Ok(Basis::Lifecycle),
            "direct" | "combustion" => Ok(Basis::Direct),
            _ => Err(format!(
                "unknown basis `{text}`; use `lifecycle` (the default) or `direct`"
            )),
        }
    }
}

impl IntensityBasis {
    /// The range a figure labelled so belongs to: a figure whose basis the source does not
    /// state sits with the life-cycle ones (the default), as the build scripts place it.
    pub fn basis(self) -> Basis {
        match self {
            IntensityBasis::Direct => Basis::Direct,
            IntensityBasis::Lifecycle | IntensityBasis::Unknown => Basis::Lifecycle,
        }
    }
}

/// One yearly grid intensity of a zone on one basis, with the spread of the references' figures
/// on that basis (see `data/SCHEMA.md`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZoneFigure<'a> {
    pub basis: Basis,
    pub g_per_kwh: f64,
    pub low: f64,
    pub high: f64,
    pub year: u16,
    /// Source id (`sources.csv`).
    pub source: &'a str,
    /// How the table labels the figure: `unknown` where the source does not state its basis.
    pub label: IntensityBasis,
}

/// Share-alike figures (Electricity Maps, Ember as republished) that widen a `zones.csv` range;
/// kept in their own file, `zones_ranges_sharealike.csv`, with their licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareAlikeRange {
    pub zone: Text,
    pub basis: Basis,
    pub low: f64,
    pub high: f64,
    pub source: Text,
    #[serde(deserialize_with = "pipe_list")]
    pub years: List,
    pub license: Text,
}

/// A grid zone with its yearly average carbon intensity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub id: Text,
    pub name: Text,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: List,
    pub kind: ZoneKind,
    pub country: Text,
    pub intensity_g_per_kwh: f64,
    pub low: f64,
    pub high: f64,
    pub basis: IntensityBasis,
    pub year: u16,
    pub source: Text,
    /// The newest year of a figure the row's table could take as its value (same basis, a licence
    /// the file allows, not a provider's own figure): `year` is never older.
    #[serde(default)]
    pub newest_year: Option<u16>,
    /// The zone's direct figure where the default one is life-cycle and the references hold one.
    #[serde(default)]
    pub direct_g_per_kwh: Option<f64>,
    #[serde(default)]
    pub direct_low: Option<f64>,
    #[serde(default)]
    pub direct_high: Option<f64>,
    #[serde(default)]
    pub direct_year: Option<u16>,
    #[serde(default)]
    pub direct_source: Text,
    /// The newest year of any direct figure the references hold for the zone (provider tables'
    /// grid figures included): `direct_year` is never older.
    #[serde(default)]
    pub direct_newest_year: Option<u16>,
    #[serde(default)]
    pub notes: Text,
    /// Which file the row came from (`zones.csv` or the share-alike `zones_odbl.csv`).
    #[serde(skip_deserializing, default)]
    pub table: Text,
}

impl Zone {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_ref(), self.name.as_ref()];
        keys.extend(self.aliases.iter().map(|a| a.as_ref()));
        keys
    }

    /// The row's default figure (`intensity_g_per_kwh`, `low`, `high`, `year`, `source`): the
    /// life-cycle one, or the direct one where the references hold no life-cycle figure (US
    /// states, Chinese provinces, the world average); its `basis` says which.
    pub fn default_figure(&self) -> ZoneFigure<'_> {
        ZoneFigure {
            basis: self.basis.basis(),
            g_per_kwh: self.intensity_g_per_kwh,
            low: self.low,
            high: self.high,
            year: self.year,
            source: &self.source,
            label: self.basis,
        }
    }

    /// The zone's figure on `basis`, or `None` where the references hold none on that basis.
    pub fn figure(&self, basis: Basis) -> Option<ZoneFigure<'_>> {
        let default = self.default_figure();
        if default.basis == basis {
            return Some(default);
        }
        if basis != Basis::Direct {
            return None;
        }
        let g_per_kwh = self.direct_g_per_kwh?;
        Some(ZoneFigure {
            basis,
            g_per_kwh,
            low: self.direct_low.unwrap_or(g_per_kwh),
            high: self.direct_high.unwrap_or(g_per_kwh),
            year: self.direct_year.unwrap_or(self.year),
            source: &self.direct_source,
            label: IntensityBasis::Direct,
        })
    }

    /// The figures of both bases the zone has, default first.
    pub fn figures(&self) -> impl Iterator<Item = ZoneFigure<'_>> {
        Basis::ALL.into_iter().filter_map(|b| self.figure(b))
    }

    /// Widens the range of the figure on `basis` to cover `low..=high` (share-alike figures kept
    /// in their own file).
    pub(crate) fn widen(&mut self, basis: Basis, low: f64, high: f64) {
        if self.basis.basis() == basis {
            self.low = self.low.min(low);
            self.high = self.high.max(high);
        } else if basis == Basis::Direct && self.direct_g_per_kwh.is_some() {
            self.direct_low = self.direct_low.map(|l| l.min(low));
            self.direct_high = self.direct_high.map(|h| h.max(high));
        }
    }
}

/// A cloud provider: fleet PUE and its published offset or renewable-matching claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    pub id: Text,
    pub name: Text,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: List,
    pub pue: Option<f64>,
    pub pue_low: Option<f64>,
    pub pue_high: Option<f64>,
    /// Source of the PUE figures (empty: the row's `source`).
    #[serde(default)]
    pub pue_source: Text,
    pub offset_percent: Option<f64>,
    #[serde(default)]
    pub claim: Text,
    pub claim_year: Option<u16>,
    /// Source of the offset or renewable claim (empty: the row's `source`).
    #[serde(default)]
    pub claim_source: Text,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

impl Provider {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_ref(), self.name.as_ref()];
        keys.extend(self.aliases.iter().map(|a| a.as_ref()));
        keys
    }
}

/// A cloud region mapped to its grid zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub provider: Text,
    pub region: Text,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub location: Text,
    pub zone: Text,
    /// Other zones whose figures the region's range also covers (a US region's state, whose
    /// in-state generation figure differs from the balancing authority's consumption figure).
    #[serde(default, deserialize_with = "pipe_list")]
    pub range_zones: List,
    pub pue: Option<f64>,
    /// Source of the region's PUE (empty: the row's `source`).
    #[serde(default)]
    pub pue_source: Text,
    /// The provider's own published figure for the region (Google's table): never the region's
    /// default, which is its zone's; see [`crate::Dataset::region_figure`].
    pub provider_intensity_g_per_kwh: Option<f64>,
    /// Basis of `provider_intensity_g_per_kwh` (Google's 2021+ figures are operational, direct).
    #[serde(default)]
    pub provider_basis: Option<Basis>,
    /// Spread of the provider's yearly figures for the region (2022+), same basis.
    #[serde(default)]
    pub provider_low: Option<f64>,
    #[serde(default)]
    pub provider_high: Option<f64>,
    pub cfe_percent: Option<f64>,
    pub offset_percent: Option<f64>,
    pub claim_year: Option<u16>,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

impl Region {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.region.as_ref()];
        if !self.name.is_empty() {
            keys.push(self.name.as_ref());
        }
        keys
    }

    /// `provider/region`, the label used in lists and errors.
    pub fn label(&self) -> String {
        format!("{}/{}", self.provider, self.region)
    }
}

/// A provider's published water usage effectiveness: litres of water consumed on site per kWh
/// of IT energy. `region` empty: the provider's fleet figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wue {
    pub provider: Text,
    #[serde(default)]
    pub region: Text,
    pub wue_l_per_kwh: f64,
    pub low: f64,
    pub high: f64,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

impl Wue {
    /// The figure among `rows` that applies to a region of `provider`: the region's own, else
    /// the provider's fleet figure.
    pub fn applying<'a>(rows: &'a [Wue], provider: &str, region: Option<&str>) -> Option<&'a Wue> {
        let of_provider = || rows.iter().filter(|w| w.provider == provider);
        region
            .and_then(|code| of_provider().find(|w| w.region == code))
            .or_else(|| of_provider().find(|w| w.region.is_empty()))
    }
}

/// A model parameter with its spread and source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    pub id: Text,
    pub value: f64,
    pub unit: Text,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// Grams of CO2e of one unit of something familiar (a km by car, a smartphone charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equivalent {
    pub id: Text,
    pub name: Text,
    pub g_co2e_per_unit: f64,
    pub unit: Text,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}
