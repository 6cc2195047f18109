//! Tables for people (aligned text, Markdown) and machines (CSV, JSON).

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

/// Writes to standard error without ever panicking: with nowhere left to report a failed write
/// (`2>/dev/full`, a closed pipe, a full disk under `2>>log`) the text is dropped and the work,
/// above all a tracked job, goes on.
pub fn to_stderr(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    let _ = stderr.flush();
}

/// `eprintln!` that cannot panic (see [`to_stderr`]).
macro_rules! stderr_line {
    ($($arg:tt)*) => {
        $crate::output::to_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use stderr_line;

/// Writes a command's output to standard output. A closed pipe (`mlcarbon zones | head`) is a
/// reader that has seen enough, not an error; any other failure (a full disk) is one.
pub fn to_stdout(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Text from the run database (command lines, projects, tags, host names) made safe for a
/// terminal: control characters (C0, DEL, C1), which could move the cursor, rewrite the
/// screen or set the window title, are written as Rust escapes (`\x1b`, `\r`, `\u{9b}`);
/// everything else, and a backslash, is kept as it is.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A table: text cells, with the columns that hold numbers right-aligned.
pub struct Table {
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[(&str, bool)]) -> Self {
        Table {
            headers: headers.iter().map(|(h, _)| (*h).to_string()).collect(),
            numeric: headers.iter().map(|(_, n)| *n).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        widths
    }

    pub fn human(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                let width = widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.chars().count());
                let last = i + 1 == cells.len();
                if self.numeric.get(i).copied().unwrap_or(false) {
                    parts.push(format!("{}{cell}", " ".repeat(pad)));
                } else if last {
                    parts.push(cell.clone());
                } else {
                    parts.push(format!("{cell}{}", " ".repeat(pad)));
                }
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.headers, &mut out);
        for row in &self.rows {
            line(row, &mut out);
        }
        out
    }

    pub fn markdown(&self) -> String {
        let escape = |s: &String| s.replace('|', "\\|");
        let mut out = format!(
            "| {} |\n|{}|\n",
            self.headers
                .iter()
                .map(escape)
                .collect::<Vec<_>>()
                .join(" | "),
            self.numeric
                .iter()
                .map(|n| if *n { " ---: " } else { " --- " })
                .collect::<Vec<_>>()
                .join("|")
        );
        for row in &self.rows {
            out.push_str(&format!(
                "| {} |\n",
                row.iter().map(escape).collect::<Vec<_>>().join(" | ")
            ));
        }
        out
    }

    pub fn csv(&self) -> Result<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&self.headers)?;
        for row in &self.rows {
            writer.write_record(row)?;
        }
        Ok(String::from_utf8(writer.into_inner()?)?)
    }
}

pub fn json<T: Serialize>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// A count with its noun, singular for one: `count(1, "run", "runs")` is "1 run".
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// An optional number as a cell ("" when unknown).
pub fn cell(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_in_the_singular() {
        assert_eq!(count(1u64, "run", "runs"), "1 run");
        assert_eq!(count(0u64, "run", "runs"), "0 runs");
        assert_eq!(count(2u32, "sample", "samples"), "2 samples");
    }

    /// A writer that fails every write with one kind of error, as a full disk or a closed pipe.
    struct Failing(std::io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from(self.0))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::from(self.0))
        }
    }

    #[test]
    fn a_full_disk_is_an_error_and_a_closed_pipe_is_not() {
        let full = to_stdout(&mut Failing(std::io::ErrorKind::StorageFull), "text");
        assert_eq!(
            full.expect_err("a full disk").kind(),
            std::io::ErrorKind::StorageFull
        );
        assert!(to_stdout(&mut Failing(std::io::ErrorKind::BrokenPipe), "text").is_ok());
        let mut written = Vec::new();
        to_stdout(&mut written, "text").expect("a working writer");
        assert_eq!(written, b"text");
    }
}
