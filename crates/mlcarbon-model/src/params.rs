//! One description of every request parameter: its name, unit, range, default and help text.
//! The model validates with it, the CLI's flags take their help and checks from it (a CLI test
//! holds clap to it), the web parses query strings with it and writes the OpenAPI document and the
//! calculator form from it. A parameter's CLI flag is its name in kebab case (`--energy-kwh`); the
//! web takes both spellings.

use crate::duration::{DurationUnit, parse_duration};
use crate::error::RequestError;

/// What values a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A name looked up in the data, or free text.
    Text,
    /// A whole number from `min` to `max`.
    Whole { min: u64, max: u64 },
    /// A number from `min` (excluded when `min_open`) to `max`; `what` completes "must be …".
    Number {
        min: f64,
        min_open: bool,
        max: f64,
        max_open: bool,
        what: &'static str,
    },
    /// A switch: present, or `true`/`false` on the web.
    Switch,
    /// One of these names.
    Choice(&'static [&'static str]),
    /// An instant: RFC 3339, or `YYYY-MM-DD HH:MM` in UTC.
    Time,
}

/// One request parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Param {
    /// snake_case, as JSON and the model name it (`energy_kwh`).
    pub name: &'static str,
    /// The placeholder in usage lines (`--hours <H>`).
    pub value_name: &'static str,
    pub kind: Kind,
    /// The default as shown to people, when there is one.
    pub default: Option<&'static str>,
    /// One or two sentences for `--help`, the API document and the form's tooltips.
    pub help: &'static str,
}

const fn number(
    name: &'static str,
    value_name: &'static str,
    (min, min_open): (f64, bool),
    (max, max_open): (f64, bool),
    what: &'static str,
    help: &'static str,
) -> Param {
    Param {
        name,
        value_name,
        kind: Kind::Number {
            min,
            min_open,
            max,
            max_open,
            what,
        },
        default: None,
        help,
    }
}

const fn text(name: &'static str, value_name: &'static str, help: &'static str) -> Param {
    Param {
        name,
        value_name,
        kind: Kind::Text,
        default: None,
        help,
    }
}

const fn with_default(param: Param, default: &'static str) -> Param {
    Param {
        default: Some(default),
        ..param
    }
}

/// A century of compute: far past any real job, well inside f64 arithmetic.
pub const MAX_HOURS: f64 = 1_000_000.0;
pub const MAX_COUNT: u32 = 10_000_000;

const CLOSED: bool = false;
const OPEN: bool = true;

// What ran.
pub const HARDWARE: Param = text(
    "hardware",
    "NAME",
    "Accelerator by name, id or alias (\"A100 SXM4 80GB\", \"tpu v3\", \"Tesla V100-PCIE-16GB\").",
);
pub const COUNT: Param = with_default(
    Param {
        name: "count",
        value_name: "N",
        kind: Kind::Whole {
            min: 1,
            max: MAX_COUNT as u64,
        },
        default: None,
        help: "Number of accelerators.",
    },
    "1",
);
pub const HOURS: Param = number(
    "hours",
    "H",
    (0.0, OPEN),
    (MAX_HOURS, CLOSED),
    "a positive number of hours up to 1000000, e.g. 24 or 0.5",
    "Wall-clock duration of the job in hours (or with a unit: 90m, 1h30m, 2d).",
);
pub const ENERGY_KWH: Param = number(
    "energy_kwh",
    "E",
    (0.0, CLOSED),
    (1e15, CLOSED),
    "a number of kWh ≥ 0, e.g. 12.5",
    "IT energy already known (e.g. metered), in kWh, instead of hardware × hours.",
);
pub const UTILIZATION: Param = number(
    "utilization",
    "U",
    (0.0, OPEN),
    (1.0, CLOSED),
    "a fraction in (0, 1], e.g. 0.8 for 80 %",
    "Mean accelerator draw as a fraction of rated power, 0–1 [default: the median measured in training runs for rated figures; 1 for measured means].",
);
pub const WATTS: Param = number(
    "watts",
    "W",
    (0.0, OPEN),
    (1e6, CLOSED),
    "a positive power in W, e.g. 350",
    "Rated power of a device the table does not hold, in W (--hardware NAME then only labels it).",
);
pub const CPU: Param = text(
    "cpu",
    "NAME",
    "Host CPU model (from the CPU power table), to count the host too.",
);
pub const CPU_COUNT: Param = with_default(
    Param {
        name: "cpu_count",
        value_name: "N",
        kind: Kind::Whole {
            min: 1,
            max: MAX_COUNT as u64,
        },
        default: None,
        help: "Number of CPU sockets.",
    },
    "1",
);
pub const CPU_UTILIZATION: Param = number(
    "cpu_utilization",
    "U",
    (0.0, OPEN),
    (1.0, CLOSED),
    "a fraction in (0, 1], e.g. 0.5",
    "Mean CPU load as a fraction of TDP, 0–1 [default: 1].",
);
pub const RAM_GB: Param = number(
    "ram_gb",
    "GB",
    (0.0, CLOSED),
    (1e9, CLOSED),
    "a number of GB ≥ 0",
    "Host memory in GB, counted at a fixed power per GB.",
);

// Where it ran.
pub const PROVIDER: Param = text(
    "provider",
    "P",
    "Cloud provider (aws, gcp, azure, ovhcloud, scaleway, alibaba, coreweave, ...).",
);
pub const REGION: Param = text(
    "region",
    "R",
    "Cloud region code or name (us-east-1, europe-west4, canadaeast).",
);
pub const ZONE: Param = text(
    "zone",
    "Z",
    "Grid zone: country (FR, FRA, France), state or province (US-IA, CA-QC), grid (US-CAL-CISO), or WORLD for the world average.",
);
pub const INTENSITY: Param = number(
    "intensity",
    "G",
    (0.0, CLOSED),
    (1e9, CLOSED),
    "a carbon intensity in g/kWh ≥ 0",
    "Grid carbon intensity in g CO2e/kWh (private infrastructure).",
);
pub const OFFSET_PERCENT: Param = number(
    "offset_percent",
    "PCT",
    (0.0, CLOSED),
    (100.0, CLOSED),
    "a percentage from 0 to 100",
    "Share of emissions offset or matched by your provider, percent (with --intensity).",
);
pub const BASIS: Param = with_default(
    Param {
        name: "basis",
        value_name: "BASIS",
        kind: Kind::Choice(&["lifecycle", "direct"]),
        default: None,
        help: "What grid intensities count: life-cycle emissions of the generators (construction, fuel supply, combustion) or direct emissions (combustion only); every comparison stays on it.",
    },
    "lifecycle",
);
pub const ALL_ZONES: Param = Param {
    name: "all_zones",
    value_name: "",
    kind: Kind::Switch,
    default: None,
    help: "Compare with every grid zone, also those where no listed provider has a data centre [default: only zones that host cloud regions, where compute can be rented].",
};
pub const CANDIDATES: Param = text(
    "candidates",
    "LIST",
    "Compare only these places (comma-separated): provider/region (aws/us-east-1), grid zones (FR) or region codes; the cleanest of them is the place advice [default: the listed providers' regions and the zones that host them].",
);
pub const PUE: Param = number(
    "pue",
    "X",
    (1.0, CLOSED),
    (5.0, CLOSED),
    "a PUE between 1.0 and 5.0 (total facility power over IT power), e.g. 1.1",
    "Power usage effectiveness of the facility [default: the provider's, else the industry average].",
);

// Estimates.
pub const LIFETIME_YEARS: Param = number(
    "lifetime_years",
    "YEARS",
    (0.0, OPEN),
    (100.0, CLOSED),
    "a positive number of years up to 100, e.g. 4",
    "Hardware lifetime in years over which manufacturing (embodied) emissions are spread [default: the figure's own, 4 years for Cloud Carbon Footprint's].",
);

// Advice, schedules and searches.
pub const RUN: Param = text(
    "run",
    "RUN",
    "A tracked run (id, `last`, uuid prefix) instead of an estimate.",
);
pub const DEADLINE: Param = number(
    "deadline",
    "HOURS",
    (0.0, OPEN),
    (MAX_HOURS, CLOSED),
    "a positive number of hours, e.g. 24",
    "The job must finish within this many hours from now: consider starting later, where the zone has an intensity profile (or with a unit: 90m, 1h30m, 2d).",
);
pub const NOW: Param = Param {
    name: "now",
    value_name: "TIME",
    kind: Kind::Time,
    default: None,
    help: "The current time (RFC 3339, e.g. 2026-03-01T12:00:00Z) [default: the system clock].",
};
pub const MAX_SLOWDOWN: Param = with_default(
    number(
        "max_slowdown",
        "PCT",
        (0.0, CLOSED),
        (100.0, CLOSED),
        "a percentage from 0 to 100",
        "The most extra run time, percent, accepted for a GPU power limit.",
    ),
    "10",
);
pub const GRID: Param = text(
    "grid",
    "SPEC",
    "A grid search over these values: name=count or name=v1|v2|… terms separated by commas (lr=5,batch=4,wd=3).",
);
pub const TOP: Param = with_default(
    number(
        "top",
        "Q",
        (0.0, OPEN),
        (1.0, CLOSED),
        "a fraction in (0, 1], e.g. 0.05",
        "The best fraction q of the space a random search should reach.",
    ),
    "0.05",
);
pub const PROBABILITY: Param = with_default(
    number(
        "probability",
        "P",
        (0.0, OPEN),
        (1.0, OPEN),
        "a probability in (0, 1), e.g. 0.95",
        "The wanted probability p that random search lands in it.",
    ),
    "0.95",
);
pub const TRIALS: Param = Param {
    name: "trials",
    value_name: "N",
    kind: Kind::Whole {
        min: 1,
        max: u64::MAX,
    },
    default: None,
    help: "The number of trials planned, instead of a grid.",
};
pub const HALVING: Param = Param {
    name: "halving",
    value_name: "",
    kind: Kind::Switch,
    default: None,
    help: "Add successive halving (early stopping) over the random configurations.",
};
pub const ETA: Param = number(
    "eta",
    "ETA",
    (1.0, OPEN),
    (1e6, CLOSED),
    "a reduction factor above 1, e.g. 3",
    "Reduction factor η of successive halving: keep the best 1/η at each rung [default: 3].",
);
pub const MIN_BUDGET: Param = number(
    "min_budget",
    "R0",
    (0.0, OPEN),
    (1.0, CLOSED),
    "a fraction of a full trial in (0, 1], e.g. 0.04",
    "Budget of the first rung as a fraction of a full trial [default: η^-3, 1/27 for η = 3].",
);
pub const WITHIN: Param = number(
    "within",
    "D",
    (0.0, OPEN),
    (MAX_HOURS, CLOSED),
    "a positive number of hours, e.g. 24",
    "The job must finish within this many hours from now (or with a unit: 90m, 1h30m, 2d).",
);
pub const WINDOWS: Param = with_default(
    Param {
        name: "windows",
        value_name: "N",
        kind: Kind::Whole { min: 1, max: 1_000 },
        default: None,
        help: "How many good windows to list.",
    },
    "5",
);

// Inference.
pub const REQUESTS: Param = number(
    "requests",
    "N",
    (1.0, CLOSED),
    (1e18, CLOSED),
    "a number of requests from 1 to 1e18, e.g. 1000000 or 1e9",
    "Requests served (inference): energy and emissions of them all, and the training share of each with --training-kg or --training-run.",
);
pub const RATE: Param = number(
    "rate",
    "RPS",
    (0.0, OPEN),
    (1e15, CLOSED),
    "a positive number of requests per second",
    "Requests per second arriving at the service, for per-day figures (and the busy share of the replicas with --throughput).",
);
pub const THROUGHPUT: Param = number(
    "throughput",
    "RPS",
    (0.0, OPEN),
    (1e15, CLOSED),
    "a positive number of requests per second",
    "Requests per second one replica (--count devices of --hardware) serves when busy.",
);
pub const ENERGY_PER_REQUEST_WH: Param = number(
    "energy_per_request_wh",
    "WH",
    (0.0, OPEN),
    (1e15, CLOSED),
    "a positive number of Wh",
    "Measured IT energy per request in Wh (PUE not included), e.g. from the ML.ENERGY leaderboard.",
);
pub const TRAINING_KG: Param = number(
    "training_kg",
    "KG",
    (0.0, OPEN),
    (1e15, CLOSED),
    "a positive number of kg",
    "Emissions of training the model, kg CO2e, to spread over the requests.",
);
pub const TRAINING_RUN: Param = text(
    "training_run",
    "RUN",
    "A tracked run (id, `last`, uuid prefix) whose emissions were the training.",
);

/// What ran (`estimate`, `compare`, `statement`, `advise`, `plan-search`, `schedule`).
pub const JOB: &[Param] = &[
    HARDWARE,
    WATTS,
    COUNT,
    HOURS,
    ENERGY_KWH,
    UTILIZATION,
    CPU,
    CPU_COUNT,
    CPU_UTILIZATION,
    RAM_GB,
];
/// Where it ran.
pub const LOCATION: &[Param] = &[
    PROVIDER,
    REGION,
    ZONE,
    INTENSITY,
    OFFSET_PERCENT,
    PUE,
    BASIS,
];
/// `compare`'s own, beside the job and the location.
pub const COMPARE_EXTRA: &[Param] = &[ALL_ZONES, CANDIDATES];
/// `estimate`'s own, beside the job and the location.
pub const ESTIMATE_EXTRA: &[Param] = &[LIFETIME_YEARS];
pub const ADVISE_EXTRA: &[Param] = &[
    RUN,
    DEADLINE,
    NOW,
    MAX_SLOWDOWN,
    GRID,
    TOP,
    PROBABILITY,
    CANDIDATES,
];
pub const PLAN_SEARCH_EXTRA: &[Param] = &[
    RUN,
    GRID,
    TRIALS,
    TOP,
    PROBABILITY,
    HALVING,
    ETA,
    MIN_BUDGET,
];
/// `schedule` takes the job, a zone or region (not an intensity: it needs a profile) and these.
pub const SCHEDULE_EXTRA: &[Param] = &[ZONE, PROVIDER, REGION, PUE, BASIS, WITHIN, NOW, WINDOWS];
pub const INFERENCE_EXTRA: &[Param] = &[
    REQUESTS,
    RATE,
    THROUGHPUT,
    ENERGY_PER_REQUEST_WH,
    TRAINING_KG,
    TRAINING_RUN,
];

/// Every parameter, once, for lookups by name.
pub const ALL: &[Param] = &[
    HARDWARE,
    WATTS,
    COUNT,
    HOURS,
    ENERGY_KWH,
    UTILIZATION,
    CPU,
    CPU_COUNT,
    CPU_UTILIZATION,
    RAM_GB,
    PROVIDER,
    REGION,
    ZONE,
    INTENSITY,
    OFFSET_PERCENT,
    PUE,
    BASIS,
    ALL_ZONES,
    CANDIDATES,
    LIFETIME_YEARS,
    RUN,
    DEADLINE,
    NOW,
    MAX_SLOWDOWN,
    GRID,
    TOP,
    PROBABILITY,
    TRIALS,
    HALVING,
    ETA,
    MIN_BUDGET,
    WITHIN,
    WINDOWS,
    REQUESTS,
    RATE,
    THROUGHPUT,
    ENERGY_PER_REQUEST_WH,
    TRAINING_KG,
    TRAINING_RUN,
];

/// Parameters holding a duration in hours: a plain number is hours, units are accepted.
const HOUR_VALUED: &[&str] = &[HOURS.name, DEADLINE.name, WITHIN.name];

/// The parameter named `name` (snake or kebab case).
pub fn find(name: &str) -> Option<&'static Param> {
    let name = name.replace('-', "_");
    ALL.iter().find(|p| p.name == name)
}

impl Param {
    /// The CLI flag's name, without dashes in front (`energy-kwh`).
    pub fn flag(&self) -> String {
        self.name.replace('_', "-")
    }

    /// Why `value` is out of range ("must be …, not …"), or `None` when it is fine.
    pub fn problem(&self, value: f64) -> Option<String> {
        let ok = match self.kind {
            Kind::Number {
                min,
                min_open,
                max,
                max_open,
                ..
            } => {
                value.is_finite()
                    && (if min_open { value > min } else { value >= min })
                    && (if max_open { value < max } else { value <= max })
            }
            Kind::Whole { min, max } => {
                value.is_finite()
                    && value.fract() == 0.0
                    && value >= min as f64
                    && value <= max as f64
            }
            Kind::Text | Kind::Switch | Kind::Time | Kind::Choice(_) => true,
        };
        (!ok).then(|| format!("must be {}, not {value}", self.what()))
    }

    /// What a value must be, for messages ("a positive number of hours up to 1000000").
    pub fn what(&self) -> String {
        match self.kind {
            Kind::Number { what, .. } => what.to_string(),
            Kind::Whole { min, max } if max == u64::MAX => format!("a whole number ≥ {min}"),
            Kind::Whole { min, max } => format!("a whole number from {min} to {max}"),
            Kind::Text => "text".to_string(),
            Kind::Choice(names) => format!("one of {}", names.join(", ")),
            Kind::Switch => "true or false".to_string(),
            Kind::Time => "a time (RFC 3339, e.g. 2026-03-01T12:00:00Z)".to_string(),
        }
    }

    /// Checks a value given to the model: the error names this parameter.
    pub fn check(&self, value: Option<f64>) -> Result<(), RequestError> {
        match value.and_then(|v| self.problem(v)) {
            Some(problem) => Err(RequestError::new(
                self.name,
                format!("{} {problem}", self.name),
            )),
            None => Ok(()),
        }
    }

    /// Whether the value is a duration in hours, which may also be written with units (`90m`).
    pub fn is_hours(&self) -> bool {
        HOUR_VALUED.contains(&self.name)
    }

    /// A number written as text (a flag or a query value), checked: the error says what the
    /// value must be, without naming the parameter (the caller does). Durations in hours also
    /// take units (`90m`, `1h30m`, `2d`).
    pub fn parse_number(&self, text: &str) -> Result<f64, String> {
        let value: f64 = if self.is_hours() {
            parse_duration(text, DurationUnit::Hours)?
        } else {
            text.trim()
                .parse()
                .map_err(|_| format!("`{text}` is not a number; give {}", self.what()))?
        };
        match self.problem(value) {
            Some(problem) => Err(problem),
            None => Ok(value),
        }
    }

    /// A whole number written as text, checked.
    pub fn parse_whole(&self, text: &str) -> Result<u64, String> {
        let value: u64 = text
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a whole number; give {}", self.what()))?;
        match self.problem(value as f64) {
            Some(problem) => Err(problem),
            None => Ok(value),
        }
    }

    /// The bounds as (minimum, exclusive, maximum, exclusive), for numbers and whole numbers.
    pub fn bounds(&self) -> Option<(f64, bool, f64, bool)> {
        match self.kind {
            Kind::Number {
                min,
                min_open,
                max,
                max_open,
                ..
            } => Some((min, min_open, max, max_open)),
            Kind::Whole { min, max } => Some((min as f64, false, max as f64, false)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lists_hold_known_parameters() {
        for (i, p) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|q| q.name != p.name),
                "{} twice",
                p.name
            );
            assert!(!p.help.is_empty(), "{} has no help", p.name);
        }
        for list in [
            JOB,
            LOCATION,
            ESTIMATE_EXTRA,
            COMPARE_EXTRA,
            ADVISE_EXTRA,
            PLAN_SEARCH_EXTRA,
            SCHEDULE_EXTRA,
            INFERENCE_EXTRA,
        ] {
            for p in list {
                assert_eq!(find(&p.flag()), Some(p));
            }
        }
    }

    #[test]
    fn checks_and_messages() {
        assert_eq!(HOURS.problem(24.0), None);
        assert!(HOURS.problem(0.0).is_some());
        assert!(HOURS.problem(f64::NAN).is_some());
        assert!(PROBABILITY.problem(1.0).is_some());
        assert_eq!(TOP.problem(1.0), None);
        assert_eq!(
            HOURS.parse_number("-3").expect_err("negative"),
            "must be a positive number of hours up to 1000000, e.g. 24 or 0.5, not -3"
        );
        assert!(
            HOURS
                .parse_number("abc")
                .expect_err("text")
                .contains("not a duration; give hours")
        );
        assert_eq!(HOURS.parse_number("1h30m"), Ok(1.5));
        assert_eq!(WITHIN.parse_number("2d"), Ok(48.0));
        assert_eq!(DEADLINE.parse_number("90m"), Ok(1.5));
        assert!(HOURS.parse_number("0m").is_err());
        assert!(PUE.parse_number("90m").is_err());
        assert_eq!(COUNT.parse_whole("8"), Ok(8));
        assert!(COUNT.parse_whole("0").is_err());
        let error = PUE.check(Some(0.5)).expect_err("low");
        assert_eq!(error.field, "pue");
        assert!(
            error
                .message
                .starts_with("pue must be a PUE between 1.0 and 5.0")
        );
    }
}
