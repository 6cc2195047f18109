//! One module per command; each returns the text to print.

pub mod advise;
pub mod compare;
pub mod estimate;
pub mod lists;
pub mod monitor;
pub mod plan_search;
pub mod push;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod serve_admin;
pub mod slurm;
pub mod statement;
