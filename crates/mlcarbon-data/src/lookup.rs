//! Name matching shared by every table: exact (id, name or alias, ignoring case and punctuation),
//! then by words, then a "did you mean" list from string similarity.

/// Lower-case words of a name, split at anything that is not a letter or digit.
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

/// A name with case and punctuation removed: "A100-SXM4 80GB" and "a100 sxm4 80 gb" compare equal.
pub(crate) fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How well one query matches one row (higher is better); `None` when it does not match at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MatchQuality {
    /// Every query word starts a word of the name, or the name starts with the query.
    Words,
    /// Same letters and digits as the id, name or an alias.
    Exact,
    /// The id, name or an alias itself, ignoring case only (`us-east-1` is not `us-east1`).
    Verbatim,
}

/// Letters and digits of `text`, lower-cased, without allocating.
fn compact_chars(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
}

/// Whether some word of `key` starts with `prefix` (already lower-case), ignoring case.
fn some_word_starts_with(key: &str, prefix: &str) -> bool {
    key.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|word| {
            let mut word_chars = word.chars().flat_map(char::to_lowercase);
            prefix.chars().all(|p| word_chars.next() == Some(p))
        })
}

/// A query in the forms matching compares, computed once for all the rows it is matched with.
struct Query<'q> {
    trimmed: &'q str,
    compact: String,
    words: Vec<String>,
}

impl<'q> Query<'q> {
    /// None for a query without letters or digits: it matches nothing.
    fn new(query: &'q str) -> Option<Self> {
        let compact = compact(query);
        (!compact.is_empty()).then(|| Query {
            trimmed: query.trim(),
            compact,
            words: words(query),
        })
    }

    /// How well this query matches a row with `keys`, or `None`. Levels below `floor` are not
    /// looked for (another row already matched better): `None` then also means "only worse".
    fn quality<'k>(
        &self,
        keys: impl IntoIterator<Item = &'k str>,
        floor: Option<MatchQuality>,
    ) -> Option<MatchQuality> {
        let mut best = None;
        for key in keys {
            if key.trim().eq_ignore_ascii_case(self.trimmed) {
                return Some(MatchQuality::Verbatim);
            }
            if floor == Some(MatchQuality::Verbatim) {
                continue;
            }
            if compact_chars(key).eq(self.compact.chars()) {
                best = Some(MatchQuality::Exact);
                continue;
            }
            if best.is_some() || floor == Some(MatchQuality::Exact) {
                continue;
            }
            let by_words = self.words.iter().all(|q| some_word_starts_with(key, q));
            let mut key_chars = compact_chars(key);
            let by_prefix = self.compact.chars().all(|q| key_chars.next() == Some(q));
            if by_words || by_prefix {
                best = Some(MatchQuality::Words);
            }
        }
        best
    }
}

#[cfg(test)]
fn match_quality<'k>(query: &str, keys: impl IntoIterator<Item = &'k str>) -> Option<MatchQuality> {
    Query::new(query)?.quality(keys, None)
}

/// Similarity in 0..=1 of a query to the closest of a row's keys, for "did you mean".
pub(crate) fn similarity<'k>(query: &str, keys: impl IntoIterator<Item = &'k str>) -> f64 {
    let query_compact = compact(query);
    keys.into_iter()
        .map(|key| strsim::jaro_winkler(&query_compact, &compact(key)))
        .fold(0.0, f64::max)
}

/// Why a name did not resolve to exactly one row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown {kind} `{query}`{}", suggestion_text(suggestions))]
    NotFound {
        kind: &'static str,
        query: String,
        suggestions: Vec<String>,
    },
    #[error("`{query}` matches {} {}: {}; name one of them", candidates.len(), plural(kind), candidates.join(", "))]
    Ambiguous {
        kind: &'static str,
        query: String,
        candidates: Vec<String>,
    },
}

fn plural(kind: &str) -> String {
    match kind {
        "hardware" => "devices".to_string(),
        k if k.ends_with('y') => format!("{}ies", &k[..k.len() - 1]),
        k => format!("{k}s"),
    }
}

fn suggestion_text(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => format!(
            "; did you mean {}?",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The rows `query` matches at its best level (verbatim, else exact, else by words), with that
/// level; empty when nothing matches.
pub(crate) fn best_matches<'r, T>(
    query: &str,
    rows: &'r [T],
    keys: impl Fn(&'r T) -> Vec<&'r str>,
) -> (Vec<&'r T>, Option<MatchQuality>) {
    let mut verbatim = Vec::new();
    let mut exact = Vec::new();
    let mut by_words = Vec::new();
    if let Some(q) = Query::new(query) {
        let mut floor = None;
        for row in rows {
            let quality = q.quality(keys(row), floor);
            match quality {
                Some(MatchQuality::Verbatim) => verbatim.push(row),
                Some(MatchQuality::Exact) => exact.push(row),
                Some(MatchQuality::Words) => by_words.push(row),
                None => {}
            }
            floor = floor.max(quality);
        }
    }
    [
        (verbatim, MatchQuality::Verbatim),
        (exact, MatchQuality::Exact),
        (by_words, MatchQuality::Words),
    ]
    .into_iter()
    .find(|(level, _)| !level.is_empty())
    .map_or((Vec::new(), None), |(level, quality)| {
        (level, Some(quality))
    })
}

/// The "did you mean" error for a query no row matches.
pub(crate) fn not_found<'r, T>(
    kind: &'static str,
    query: &str,
    rows: &'r [T],
    keys: impl Fn(&'r T) -> Vec<&'r str>,
    label: impl Fn(&'r T) -> String,
) -> LookupError {
    let mut scored: Vec<(f64, &T)> = rows
        .iter()
        .map(|row| (similarity(query, keys(row)), row))
        .filter(|(score, _)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    LookupError::NotFound {
        kind,
        query: query.to_string(),
        suggestions: scored.iter().take(3).map(|(_, row)| label(row)).collect(),
    }
}

/// The error for a query several rows match equally well.
pub(crate) fn ambiguous<'r, T>(
    kind: &'static str,
    query: &str,
    many: &[&'r T],
    label: impl Fn(&'r T) -> String,
) -> LookupError {
    let mut candidates: Vec<String> = many.iter().map(|row| label(row)).collect();
    candidates.dedup();
    LookupError::Ambiguous {
        kind,
        query: query.to_string(),
        candidates,
    }
}

/// Resolve `query` among `rows`: one exact match wins; otherwise the rows matched by words, which
/// must be exactly one; otherwise suggestions by similarity.
pub(crate) fn resolve<'r, T>(
    kind: &'static str,
    query: &str,
    rows: &'r [T],
    keys: impl Fn(&'r T) -> Vec<&'r str> + Copy,
    label: impl Fn(&'r T) -> String,
) -> Result<&'r T, LookupError> {
    let (chosen, _) = best_matches(query, rows, keys);
    match chosen.as_slice() {
        [one] => Ok(one),
        [] => Err(not_found(kind, query, rows, keys, label)),
        many => Err(ambiguous(kind, query, many, label)),
    }
}

/// A memory size named in a query (`80GB`, `80 gb`, `a100-80g`), in GB.
pub(crate) fn memory_in_query(query: &str) -> Option<f64> {
    let lower = query.to_lowercase();
    let bytes = lower.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let number = &lower[start..i];
            let rest = lower[i..].trim_start();
            let unit_len = if rest.starts_with("gb") {
                2
            } else if rest.starts_with('g') {
                1
            } else {
                0
            };
            let after = rest[unit_len..].chars().next();
            if unit_len > 0 && after.is_none_or(|c| !c.is_alphanumeric()) {
                return number.parse().ok();
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The one row `query` names (verbatim, exact, else by words), without the similarity search
/// of [`resolve`]; none when no row or several match.
pub(crate) fn resolve_quietly<'r, T>(
    query: &str,
    rows: &'r [T],
    keys: impl Fn(&'r T) -> Vec<&'r str>,
) -> Option<&'r T> {
    let q = Query::new(query)?;
    let mut best: Option<(MatchQuality, &T)> = None;
    let mut tied = false;
    for row in rows {
        let Some(quality) = q.quality(keys(row), best.map(|(b, _)| b)) else {
            continue;
        };
        match best {
            Some((b, _)) if quality < b => {}
            Some((b, _)) if quality == b => tied = true,
            _ => {
                best = Some((quality, row));
                tied = false;
            }
        }
    }
    best.filter(|_| !tied).map(|(_, row)| row)
}

/// A kernel-reported CPU model name without trademarks, clock speed and filler words.
pub(crate) fn clean_cpu_model_name(reported: &str) -> String {
    let without_speed = reported.split('@').next().unwrap_or(reported);
    without_speed
        .replace("(R)", " ")
        .replace("(r)", " ")
        .replace("(TM)", " ")
        .replace("(tm)", " ")
        .split_whitespace()
        .filter(|w| {
            !["cpu", "processor"].contains(&w.to_lowercase().as_str()) && !w.ends_with("-Core")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Rows whose keys match every word of `search` (for listing commands); all rows when empty.
pub(crate) fn filter<'r, T>(
    search: &str,
    rows: &'r [T],
    keys: impl Fn(&'r T) -> Vec<&'r str>,
) -> Vec<&'r T> {
    let search_words = words(search);
    if search_words.is_empty() {
        return rows.iter().collect();
    }
    rows.iter()
        .filter(|row| {
            let key_words: Vec<String> = keys(row).into_iter().flat_map(words).collect();
            search_words
                .iter()
                .all(|s| key_words.iter().any(|k| k.contains(s.as_str())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_ignores_case_and_punctuation() {
        assert_eq!(compact("A100-SXM4 80GB"), compact("a100 sxm4 80 gb"));
    }

    #[test]
    fn words_match_prefixes() {
        assert_eq!(
            match_quality("a100 sxm", ["A100 SXM4 80GB"]),
            Some(MatchQuality::Words)
        );
        assert_eq!(match_quality("sxm4", ["A100 PCIe 40GB"]), None);
        assert_eq!(
            match_quality("tpu v3", ["TPU v3"]),
            Some(MatchQuality::Verbatim)
        );
        assert_eq!(
            match_quality("tpu-v3", ["TPU v3"]),
            Some(MatchQuality::Exact)
        );
    }

    #[test]
    fn kernel_cpu_names_are_cleaned() {
        assert_eq!(
            clean_cpu_model_name("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz"),
            "Intel Xeon E5-2686 v4"
        );
        assert_eq!(
            clean_cpu_model_name("AMD EPYC 7763 64-Core Processor"),
            "AMD EPYC 7763"
        );
        assert_eq!(
            clean_cpu_model_name("Intel(R) Xeon(R) Processor"),
            "Intel Xeon"
        );
    }

    #[test]
    fn memory_sizes_are_read_from_queries() {
        assert_eq!(memory_in_query("a100 80gb"), Some(80.0));
        assert_eq!(memory_in_query("A100-SXM4-40GB"), Some(40.0));
        assert_eq!(memory_in_query("H100 80 GB"), Some(80.0));
        assert_eq!(memory_in_query("a100-80g"), Some(80.0));
        assert_eq!(memory_in_query("A100 SXM4"), None);
        assert_eq!(memory_in_query("H100 SXM5"), None);
        assert_eq!(memory_in_query("RTX 4090"), None);
    }

    #[test]
    fn empty_query_matches_nothing() {
        assert_eq!(match_quality("--", ["anything"]), None);
    }

    /// The level pruning of `resolve` and `resolve_quietly` changes nothing: both agree with
    /// matching every row at every level, for queries cut from the real names.
    mod pruning {
        use super::super::*;
        use crate::Dataset;
        use proptest::prelude::*;

        fn unpruned<'r, T>(
            query: &str,
            rows: &'r [T],
            keys: impl Fn(&'r T) -> Vec<&'r str>,
        ) -> Vec<&'r T> {
            let Some(q) = Query::new(query) else {
                return Vec::new();
            };
            let graded: Vec<(MatchQuality, &T)> = rows
                .iter()
                .filter_map(|row| q.quality(keys(row), None).map(|m| (m, row)))
                .collect();
            let best = graded.iter().map(|(m, _)| *m).max();
            graded
                .into_iter()
                .filter(|(m, _)| Some(*m) == best)
                .map(|(_, row)| row)
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn pruned_matching_agrees(row in 0usize..1000, start in 0usize..40, len in 1usize..30, upper in any::<bool>()) {
                let Ok(data) = Dataset::builtin() else { panic!("built-in data") };
                let hardware = &data.hardware[row % data.hardware.len()];
                let name = hardware.keys()[row % hardware.keys().len()];
                let chars: Vec<char> = name.chars().collect();
                let from = start % chars.len();
                let query: String = chars[from..(from + len).min(chars.len())].iter().collect();
                let query = if upper { query.to_uppercase() } else { query };
                let expected = unpruned(&query, &data.hardware, crate::Hardware::keys);
                let resolved = resolve("hardware", &query, &data.hardware, crate::Hardware::keys, |h| h.name.to_string());
                match expected.as_slice() {
                    [one] => prop_assert!(resolved.is_ok_and(|r| std::ptr::eq(r, *one))),
                    [] => prop_assert!(matches!(resolved, Err(LookupError::NotFound { .. })), "{query}"),
                    _ => prop_assert!(matches!(resolved, Err(LookupError::Ambiguous { .. })), "{query}"),
                }
                let quiet = resolve_quietly(&query, &data.hardware, crate::Hardware::keys);
                match expected.as_slice() {
                    [one] => prop_assert!(quiet.is_some_and(|r| std::ptr::eq(r, *one))),
                    _ => prop_assert!(quiet.is_none()),
                }
            }
        }
    }
}
