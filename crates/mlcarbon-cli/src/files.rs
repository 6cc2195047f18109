//! Files a user names (profiles, traces, tables, the configuration, the token): read with a
//! bound, so that `--profile /dev/zero` or a wrong multi-gigabyte file is a clear error instead
//! of memory read without end.

use std::io::Read;
use std::path::Path;

use anyhow::{Result, bail};

/// The most mlcarbon reads from one input file: far above any real table, profile or trace
/// (a year of 1 s samples of four components is ~1.3 GB, so traces are cut down first).
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// The most read from a file that holds one short value (a token, a progress figure).
pub const MAX_SHORT_BYTES: u64 = 4 * 1024;

/// The file as UTF-8 text, or an error naming `what` and the file when it cannot be read, is not
/// text, or is longer than `limit` bytes.
pub fn read_text(path: &Path, what: &str, limit: u64) -> Result<String> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("{what} {}: cannot read it ({e})", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| anyhow::anyhow!("{what} {}: cannot read it ({e})", path.display()))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} {}: larger than {}; mlcarbon reads at most that from such a file (is it the right file?)",
            path.display(),
            human_bytes(limit)
        );
    }
    String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!(
            "{what} {}: not UTF-8 text; give a CSV or text file",
            path.display()
        )
    })
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / 1024 / 1024)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endless_file_stops_at_the_limit_with_a_clear_error() {
        let error =
            read_text(Path::new("/dev/zero"), "--profile", 1024).expect_err("/dev/zero is endless");
        let message = error.to_string();
        assert!(
            message.starts_with("--profile /dev/zero: larger than 1 KiB"),
            "{message}"
        );
    }

    #[test]
    fn a_file_within_the_limit_is_read_whole() {
        let dir = std::env::temp_dir().join(format!("mlcarbon-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("exact.txt");
        std::fs::write(&path, "x".repeat(1024)).expect("write");
        assert_eq!(read_text(&path, "t", 1024).expect("fits").len(), 1024);
        assert!(read_text(&path, "t", 1023).is_err());
        std::fs::write(&path, [0xff, 0xfe]).expect("write");
        assert!(
            read_text(&path, "t", 1024)
                .expect_err("binary")
                .to_string()
                .contains("not UTF-8")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
