//! Small helpers for sysfs and procfs files that are read once per sample.

use crate::SensorError;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// A file read again and again from offset 0. sysfs attributes and procfs files regenerate
/// their text on each read at offset 0, so keeping them open makes each sample one `pread`
/// and no `open`/`close`.
#[derive(Debug)]
pub(crate) struct PolledFile {
    file: File,
    path: PathBuf,
}

impl PolledFile {
    pub(crate) fn new(file: File, path: PathBuf) -> Self {
        PolledFile { file, path }
    }

    pub(crate) fn open(path: PathBuf) -> io::Result<Self> {
        Ok(PolledFile {
            file: File::open(&path)?,
            path,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads from offset 0 into `buf` until it is full or the file ends; returns what was read.
    pub(crate) fn read<'b>(&self, buf: &'b mut [u8]) -> io::Result<&'b [u8]> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.file.read_at(&mut buf[filled..], filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(&buf[..filled])
    }

    /// Reads a file holding one unsigned integer (`energy_uj`, `power1_average`).
    pub(crate) fn read_u64(&self, fix: impl FnOnce() -> String) -> Result<u64, SensorError> {
        let mut buf = [0u8; 32];
        let bytes = self
            .read(&mut buf)
            .map_err(|e| SensorError::from_io(&self.path, e, fix))?;
        parse_u64(bytes).ok_or_else(|| {
            SensorError::parse(
                &self.path,
                format!(
                    "expected an unsigned integer, found {:?}",
                    String::from_utf8_lossy(bytes)
                ),
            )
        })
    }
}

/// An unsigned decimal integer with optional surrounding ASCII whitespace, parsed with no
/// allocation.
pub(crate) fn parse_u64(bytes: &[u8]) -> Option<u64> {
    let digits = bytes.trim_ascii();
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

/// A small text file (`name`, `max_energy_range_uj`), trimmed. `None` if it cannot be read.
pub(crate) fn read_trimmed(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|text| text.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_integers_with_whitespace() {
        assert_eq!(parse_u64(b"12345\n"), Some(12345));
        assert_eq!(parse_u64(b"  7 "), Some(7));
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b"12a"), None);
        assert_eq!(parse_u64(b"99999999999999999999999"), None);
    }
}
