//! `mlcarbon config`: defaults for tracked runs (location, PUE, project), one `key = value` per
//! line in the XDG config dir. The file, its keys and their checks are the tracker library's,
//! so that the Python package's `track()` reads them as `run` does.

pub use mlcarbon_track::config::Config;
