//! UTC instants for intensity profiles and schedules: the workspace's one time type, from
//! `mlcarbon-time`, re-exported where the model's users expect it.

pub use mlcarbon_time::{
    Civil, SECONDS_PER_DAY, SECONDS_PER_HOUR, TimeError, UtcTime, days_in_month, is_leap_year,
};
