//! The source of "now". Logic never reads the system clock directly, so tests can set time.

use chrono::{DateTime, Utc};

/// The source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The real clock moved by a fixed offset: a demo set at another moment (training on the day
/// of a reception, the browser test). Only `serve --demo --demo-now` uses it.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    pub offset: chrono::Duration,
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}
