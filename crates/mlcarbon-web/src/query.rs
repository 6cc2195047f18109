//! Query strings: parameters named like the CLI flags (`energy-kwh` or `energy_kwh`), empty
//! values treated as absent (what an HTML form sends for an empty field), every bad value a 400
//! that names its parameter.

use mlcarbon_model::duration::{DurationUnit, parse_duration};
use mlcarbon_model::params::{self, Param};
use mlcarbon_model::report::CompareBy;
use mlcarbon_model::request::EstimateRequest;

use crate::error::ApiError;

/// Longest query string accepted (bytes); longer gets 414.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

/// Longest name or search text accepted (characters).
pub const MAX_TEXT_CHARS: usize = 200;

/// The parameters of `estimate`, `compare` and `statement`, as the model describes them.
pub const ESTIMATE_PARAMS: [&[Param]; 3] = [params::JOB, params::LOCATION, params::ESTIMATE_EXTRA];

/// The decoded pairs of a query string, names normalized to snake_case, empty values dropped.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        let pairs = query
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.trim().replace('-', "_"), v.trim().to_string()))
                    .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Params { pairs }
    }

    /// The parameters in a canonical order (by name, then by position for repeated names),
    /// as a cache key: `a=1&b=2` and `b=2&a=1` are the same request.
    pub fn canonical(&self) -> String {
        let mut pairs: Vec<(usize, &(String, String))> = self.pairs.iter().enumerate().collect();
        pairs.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(a.0.cmp(&b.0)));
        let mut out = String::new();
        for (_, (k, v)) in pairs {
            out.push_str(k);
            out.push('=');
            out.push_str(&encode(v));
            out.push('&');
        }
        out
    }

    /// The same parameters less those named.
    pub fn without(&self, names: &[&str]) -> Params {
        Params {
            pairs: self
                .pairs
                .iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// The last value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for `name`, in order (`with=A&with=B`).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every value of a repeatable name parameter, each checked like [`Params::text`], at most
    /// `max` of them.
    pub fn texts(&self, name: &str, max: usize) -> Result<Vec<String>, ApiError> {
        let values = self.all(name);
        if values.len() > max {
            return Err(ApiError::bad(name, format!("{name}: at most {max} values")));
        }
        for v in &values {
            if v.chars().count() > MAX_TEXT_CHARS || v.chars().any(char::is_control) {
                return Err(ApiError::bad(
                    name,
                    format!("{name}: at most {MAX_TEXT_CHARS} characters of text each"),
                ));
            }
        }
        Ok(values)
    }

    /// Parameters from a JSON object body: the same names as the query string; numbers,
    /// strings and booleans as values, an array for a repeatable parameter, null as absent.
    pub fn from_json(body: &[u8]) -> Result<Params, ApiError> {
        let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                format!("the body is not JSON: {e}"),
                Some("body"),
            )
        })?;
        let serde_json::Value::Object(map) = value else {
            return Err(ApiError::bad(
                "body",
                "the body must be a JSON object of parameters, e.g. {\"hardware\": \"A100 SXM4 80GB\", \"hours\": 24}",
            ));
        };
        fn scalar(key: &str, v: &serde_json::Value) -> Result<Option<String>, ApiError> {
            match v {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) => Ok(Some(s.trim().to_string())),
                serde_json::Value::Number(n) => Ok(Some(n.to_string())),
                serde_json::Value::Bool(b) => Ok(Some(b.to_string())),
                _ => Err(ApiError::bad(
                    key,
                    format!("{key}: expected a number, a string or a boolean"),
                )),
            }
        }
        let mut pairs = Vec::new();
        for (k, v) in &map {
            let key = k.trim().replace('-', "_");
            let values: Vec<&serde_json::Value> = match v {
                serde_json::Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in values {
                if let Some(text) = scalar(&key, item)?
                    && !text.is_empty()
                {
                    pairs.push((key.clone(), text));
                }
            }
        }
        Ok(Params { pairs })
    }

    /// 400 for the first parameter not in `known` (a typo should not pass silently).
    pub fn only(&self, described: &[&[Param]], known: &[&[&str]]) -> Result<(), ApiError> {
        for (k, _) in &self.pairs {
            let is_described = described.iter().any(|set| set.iter().any(|p| p.name == k));
            if !is_described && !known.iter().any(|set| set.contains(&k.as_str())) {
                let mut names: Vec<&str> = described
                    .iter()
                    .flat_map(|s| s.iter().map(|p| p.name))
                    .chain(known.iter().flat_map(|s| s.iter().copied()))
                    .collect();
                names.dedup();
                names.sort_unstable();
                return Err(ApiError::bad(
                    k,
                    format!("unknown parameter `{k}`; known: {}", names.join(", ")),
                ));
            }
        }
        Ok(())
    }

    /// A name or search text: at most [`MAX_TEXT_CHARS`] characters, no control characters
    /// (fuzzy matching costs grow with the square of a name's length).
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.chars().count() > MAX_TEXT_CHARS => Err(ApiError::bad(
                name,
                format!("{name}: at most {MAX_TEXT_CHARS} characters"),
            )),
            Some(v) if v.chars().any(char::is_control) => Err(ApiError::bad(
                name,
                format!("{name}: control characters are not allowed"),
            )),
            Some(v) => Ok(Some(v.to_string())),
        }
    }

    pub fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(ApiError::bad(
                    name,
                    format!("{name}: `{v}` is not a finite number"),
                )),
            },
        }
    }

    pub fn whole(&self, name: &str) -> Result<Option<u32>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse::<u32>().map(Some).map_err(|_| {
                ApiError::bad(
                    name,
                    format!("{name}: `{v}` is not a whole number ≥ 0 (e.g. 8)"),
                )
            }),
        }
    }

    /// A count of rows: 1..=max, default `default`.
    pub fn limit(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::bad(
                    name,
                    format!("{name}: `{v}` is not a whole number from 1 to {max}"),
                )),
            },
        }
    }

    /// One of `choices`, or none.
    pub fn choice(
        &self,
        name: &str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => choices
                .iter()
                .find(|c| c.eq_ignore_ascii_case(v))
                .copied()
                .map(Some)
                .ok_or_else(|| {
                    ApiError::bad(
                        name,
                        format!("{name}: `{v}` is not one of {}", choices.join(", ")),
                    )
                }),
        }
    }

    /// A number parameter, checked against its description: the message is the model's.
    /// Durations in hours also take units (`hours=90m`), as the CLI's flags do.
    pub fn value(&self, param: &Param) -> Result<Option<f64>, ApiError> {
        let value = if param.is_hours() {
            match self.get(param.name) {
                None => None,
                Some(text) => {
                    Some(parse_duration(text, DurationUnit::Hours).map_err(|why| {
                        ApiError::bad(param.name, format!("{}: {why}", param.name))
                    })?)
                }
            }
        } else {
            self.number(param.name)?
        };
        let Some(value) = value else {
            return Ok(None);
        };
        match param.problem(value) {
            Some(problem) => Err(ApiError::bad(
                param.name,
                format!("{} {problem}", param.name),
            )),
            None => Ok(Some(value)),
        }
    }

    /// A switch: absent is off; `true`/`false` (also `1`/`0`, `yes`/`no`).
    pub fn switch(&self, param: &Param) -> Result<bool, ApiError> {
        Ok(matches!(
            self.choice(param.name, &["true", "false", "1", "0", "yes", "no"])?,
            Some("true" | "1" | "yes")
        ))
    }

    /// A whole-number parameter, checked against its description.
    pub fn count(&self, param: &Param) -> Result<Option<u32>, ApiError> {
        let Some(value) = self.get(param.name) else {
            return Ok(None);
        };
        param
            .parse_whole(value)
            .ok()
            .and_then(|n| u32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| {
                ApiError::bad(
                    param.name,
                    format!("{} must be {}, not {value}", param.name, param.what()),
                )
            })
    }

    /// The request of `estimate`, `compare` and `statement`.
    pub fn estimate_request(&self) -> Result<EstimateRequest, ApiError> {
        use mlcarbon_model::params as p;
        Ok(EstimateRequest {
            hardware: self.text(p::HARDWARE.name)?,
            watts: self.value(&p::WATTS)?,
            count: self.count(&p::COUNT)?,
            hours: self.value(&p::HOURS)?,
            energy_kwh: self.value(&p::ENERGY_KWH)?,
            utilization: self.value(&p::UTILIZATION)?,
            cpu: self.text(p::CPU.name)?,
            cpu_count: self.count(&p::CPU_COUNT)?,
            cpu_utilization: self.value(&p::CPU_UTILIZATION)?,
            ram_gb: self.value(&p::RAM_GB)?,
            provider: self.text(p::PROVIDER.name)?,
            region: self.text(p::REGION.name)?,
            zone: self.text(p::ZONE.name)?,
            intensity: self.value(&p::INTENSITY)?,
            offset_percent: self.value(&p::OFFSET_PERCENT)?,
            pue: self.value(&p::PUE)?,
            lifetime_years: self.value(&p::LIFETIME_YEARS)?,
            basis: match self.get(p::BASIS.name) {
                None => None,
                Some(text) => Some(
                    mlcarbon_data::Basis::parse(text)
                        .map_err(|e| ApiError::bad(p::BASIS.name, e))?,
                ),
            },
        })
    }

    pub fn compare_by(&self) -> Result<Option<CompareBy>, ApiError> {
        Ok(
            match self.choice("by", &["regions", "providers", "zones", "hardware"])? {
                Some("regions") => Some(CompareBy::Regions),
                Some("providers") => Some(CompareBy::Providers),
                Some("zones") => Some(CompareBy::Zones),
                Some("hardware") => Some(CompareBy::Hardware),
                _ => None,
            },
        )
    }
}

/// Percent-encodes a query value (for links the pages build).
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_take_the_cli_durations() {
        let p = Params::parse(Some("hours=1h30m&within=2d"));
        assert_eq!(p.value(&params::HOURS).expect("1h30m"), Some(1.5));
        assert_eq!(p.value(&params::WITHIN).expect("2d"), Some(48.0));
        let bad = Params::parse(Some("hours=90x"));
        let error = bad.value(&params::HOURS).expect_err("90x");
        assert_eq!(error.body.field.as_deref(), Some("hours"));
        assert!(error.body.error.contains("hours"), "{}", error.body.error);
    }

    #[test]
    fn kebab_names_and_empty_values() {
        let p = Params::parse(Some(
            "energy-kwh=3&zone=&hardware=A100%20SXM4+80GB&with=a&with=b",
        ));
        assert_eq!(p.get("energy_kwh"), Some("3"));
        assert_eq!(p.get("zone"), None);
        assert_eq!(p.get("hardware"), Some("A100 SXM4 80GB"));
        assert_eq!(p.all("with"), vec!["a", "b"]);
    }

    #[test]
    fn bad_numbers_name_the_field() {
        let p = Params::parse(Some("hours=abc&count=-1&pue=inf"));
        assert_eq!(
            p.number("hours").expect_err("abc").body.field.as_deref(),
            Some("hours")
        );
        assert!(p.whole("count").is_err());
        assert!(p.number("pue").is_err());
    }
}
