//! One module per command; each returns the text to print.

pub mod advise;
pub mod compare;
pub mod estimate;
pub mod lists;
pub mod plan_search;
pub mod runs;
pub mod schedule;
pub mod statement;
pub mod track;
