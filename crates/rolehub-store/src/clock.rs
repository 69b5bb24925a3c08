//! The system clock, read in one place; everything else takes `now` as a value.

use rolehub_domain::Timestamp;

/// The current time.
pub fn system_now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    Timestamp(ms)
}
