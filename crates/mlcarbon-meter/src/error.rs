use std::io;
use std::path::{Path, PathBuf};

/// Why a sensor cannot be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum SensorError {
    /// A source exists but this user may not read it; `fix` says how to allow it.
    #[error("cannot read {}: permission denied; {fix}", path.display())]
    PermissionDenied { path: PathBuf, fix: String },
    /// The source is absent on this machine (no RAPL zones, no NVIDIA driver, …).
    #[error("{sensor} unavailable: {reason}")]
    Unavailable {
        sensor: &'static str,
        reason: String,
    },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    /// A device answered with an error (NVML calls).
    #[error("{sensor}: {message}")]
    Device {
        sensor: &'static str,
        message: String,
    },
    #[error("{sensor} cannot do {what}")]
    Unsupported { sensor: String, what: &'static str },
    /// A replay trace that does not follow the format of [`crate::replay`].
    #[error("replay trace line {line}: {message}")]
    Replay { line: usize, message: String },
}

impl SensorError {
    /// An I/O error on `path`; a denied read becomes [`SensorError::PermissionDenied`] with `fix`.
    pub(crate) fn from_io(path: &Path, source: io::Error, fix: impl FnOnce() -> String) -> Self {
        if source.kind() == io::ErrorKind::PermissionDenied {
            SensorError::PermissionDenied {
                path: path.to_path_buf(),
                fix: fix(),
            }
        } else {
            SensorError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    pub(crate) fn parse(path: &Path, message: impl Into<String>) -> Self {
        SensorError::Parse {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
