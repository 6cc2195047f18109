//! One module per command; each returns the text to print.

pub mod compare;
pub mod compat;
pub mod estimate;
pub mod lists;
pub mod runs;
pub mod statement;
pub mod track;
