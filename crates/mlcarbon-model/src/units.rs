//! Physical quantities as types, so watts never get multiplied by grams by accident.

use serde::Serialize;
use std::fmt;
use std::ops::{Add, Mul};

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident, $symbol:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);

        impl $name {
            pub const SYMBOL: &'static str = $symbol;
            pub fn get(self) -> f64 {
                self.0
            }
            pub fn scale(self, factor: f64) -> Self {
                $name(self.0 * factor)
            }
            pub fn min(self, other: Self) -> Self {
                $name(self.0.min(other.0))
            }
            pub fn max(self, other: Self) -> Self {
                $name(self.0.max(other.0))
            }
        }

        impl Add for $name {
            type Output = $name;
            fn add(self, other: $name) -> $name {
                $name(self.0 + other.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match f.precision() {
                    Some(p) => write!(f, "{:.*} {}", p, self.0, $symbol),
                    None => write!(f, "{} {}", self.0, $symbol),
                }
            }
        }
    };
}

unit!(/// Power.
    Watts, "W");
unit!(/// Duration.
    Hours, "h");
unit!(/// Energy.
    KilowattHours, "kWh");
unit!(/// Carbon intensity of electricity.
    GramsPerKwh, "g/kWh");
unit!(/// Emissions (CO2 equivalent).
    KgCo2e, "kg CO2e");

impl Mul<Hours> for Watts {
    type Output = KilowattHours;
    fn mul(self, hours: Hours) -> KilowattHours {
        KilowattHours(self.0 * hours.0 / 1000.0)
    }
}

impl Mul<GramsPerKwh> for KilowattHours {
    type Output = KgCo2e;
    fn mul(self, intensity: GramsPerKwh) -> KgCo2e {
        KgCo2e(self.0 * intensity.0 / 1000.0)
    }
}

/// A value with the low and high ends of its plausible range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ranged<T> {
    pub value: T,
    pub low: T,
    pub high: T,
}

impl<T: Copy> Ranged<T> {
    pub fn exact(value: T) -> Self {
        Ranged {
            value,
            low: value,
            high: value,
        }
    }

    pub fn map<U>(self, f: impl Fn(T) -> U) -> Ranged<U> {
        Ranged {
            value: f(self.value),
            low: f(self.low),
            high: f(self.high),
        }
    }
}

impl<T: Copy + Add<Output = T>> Add for Ranged<T> {
    type Output = Ranged<T>;
    fn add(self, other: Ranged<T>) -> Ranged<T> {
        Ranged {
            value: self.value + other.value,
            low: self.low + other.low,
            high: self.high + other.high,
        }
    }
}

/// Multiplies the ends of two non-negative ranges (value by value, low by low, high by high).
pub fn combine<A: Copy, B: Copy, C>(
    a: Ranged<A>,
    b: Ranged<B>,
    f: impl Fn(A, B) -> C,
) -> Ranged<C> {
    Ranged {
        value: f(a.value, b.value),
        low: f(a.low, b.low),
        high: f(a.high, b.high),
    }
}
