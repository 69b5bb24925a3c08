//! Instants and durations as plain integers, so the domain stays free of clocks and time zones.
//!
//! Every instant is milliseconds since the Unix epoch in UTC. Parsing and formatting follow the
//! API's convention (ISO-8601 UTC with milliseconds).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::text::{quoted, Text};

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;

/// An instant in UTC, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Why a text could not be read as an instant or a duration, in each language (a person typed
/// it, in a filter or a form); `Display` is the English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeParseError(pub Text);

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for TimeParseError {}

impl Timestamp {
    /// Reads an RFC 3339 instant such as `2026-11-01T09:00:00Z`.
    pub fn parse(text: &str) -> Result<Self, TimeParseError> {
        let parsed = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            let example = quoted("2026-11-01T09:00:00Z");
            TimeParseError(Text::new(
                format!(
                    "{} is not an RFC 3339 time such as {example} ({e})",
                    quoted(text)
                ),
                format!(
                    "{} is geen RFC 3339-tijd zoals {example} ({e})",
                    quoted(text)
                ),
            ))
        })?;
        Ok(Timestamp(
            (parsed.unix_timestamp_nanos() / 1_000_000) as i64,
        ))
    }

    /// A day (`2026-11-01`, the start of that day in UTC) or an RFC 3339 time, as a person types a
    /// date into a filter.
    pub fn parse_day_or_time(text: &str) -> Result<Self, TimeParseError> {
        let text = text.trim();
        if text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-' {
            return Timestamp::parse(&format!("{text}T00:00:00Z"));
        }
        Timestamp::parse(text)
    }

    /// The instant plus a number of milliseconds.
    pub fn plus_ms(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// The instant plus whole days.
    pub fn plus_days(self, days: i64) -> Self {
        self.plus_ms(days.saturating_mul(DAY_MS))
    }

    /// The API form: ISO-8601 UTC with milliseconds, e.g. `2026-11-22T14:26:16.000Z`.
    pub fn to_iso(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.millisecond()
            ),
            Err(_) => format!("{}ms", self.0),
        }
    }

    /// The instant as a person reads it, in their language and in UTC, saying so: `1 Nov 2026,
    /// 09:00 UTC` in English, `1 nov 2026, 09:00 UTC` in Dutch. The console's pages give it where no
    /// script can put the time in the reader's own zone (a message after a change), and as the text
    /// of a `<time>` element that the console's script then shows in the reader's zone; an ISO
    /// form (`to_iso`) is for files and the API, not for people (issue 14).
    pub fn in_words(self, lang: crate::Lang) -> String {
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const NL: [&str; 12] = [
            "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
        ];
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) => {
                let months = match lang {
                    crate::Lang::En => EN,
                    crate::Lang::Nl => NL,
                };
                let month = months[usize::from(u8::from(t.month())) - 1];
                format!(
                    "{} {month} {}, {:02}:{:02} UTC",
                    t.day(),
                    t.year(),
                    t.hour(),
                    t.minute()
                )
            }
            Err(_) => self.to_iso(),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

/// Reads a duration such as `90m`, `36h`, `15d` or `30s` into milliseconds.
pub fn parse_duration_ms(text: &str) -> Result<i64, TimeParseError> {
    let bad = || {
        let units = [quoted("90m"), quoted("36h"), quoted("15d")].join(", ");
        TimeParseError(Text::new(
            format!(
                "{} is not a duration; write a whole number and a unit: {units}",
                quoted(text)
            ),
            format!(
                "{} is geen duur; schrijf een heel getal en een eenheid: {units}",
                quoted(text)
            ),
        ))
    };
    let text = text.trim();
    let unit_start = text.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = text.split_at(unit_start);
    let n: i64 = number.parse().map_err(|_| bad())?;
    if n < 0 {
        return Err(bad());
    }
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => DAY_MS,
        _ => return Err(bad()),
    };
    n.checked_mul(unit_ms).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_its_start_in_utc() {
        assert_eq!(
            Timestamp::parse_day_or_time("2026-11-01").unwrap(),
            Timestamp::parse("2026-11-01T00:00:00Z").unwrap()
        );
        assert_eq!(
            Timestamp::parse_day_or_time("2026-11-01T09:00:00Z").unwrap(),
            Timestamp::parse("2026-11-01T09:00:00Z").unwrap()
        );
        assert!(Timestamp::parse_day_or_time("2026-13-01").is_err());
        assert!(Timestamp::parse_day_or_time("1 Nov").is_err());
    }

    #[test]
    fn parses_and_formats_round_trip() {
        let t = Timestamp::parse("2026-11-01T09:00:00Z").unwrap();
        assert_eq!(t.to_iso(), "2026-11-01T09:00:00.000Z");
        assert_eq!(t.plus_days(1).to_iso(), "2026-11-02T09:00:00.000Z");
    }

    #[test]
    fn a_time_in_words_is_in_the_readers_language_and_says_utc() {
        use crate::Lang;
        let t = Timestamp::parse("2026-03-01T09:05:59Z").unwrap();
        assert_eq!(t.in_words(Lang::En), "1 Mar 2026, 09:05 UTC");
        assert_eq!(t.in_words(Lang::Nl), "1 mrt 2026, 09:05 UTC");
        let t = Timestamp::parse("2026-10-31T23:59:00Z").unwrap();
        assert_eq!(t.in_words(Lang::En), "31 Oct 2026, 23:59 UTC");
        assert_eq!(t.in_words(Lang::Nl), "31 okt 2026, 23:59 UTC");
        assert_eq!(Timestamp(0).in_words(Lang::Nl), "1 jan 1970, 00:00 UTC");
    }

    #[test]
    fn reads_durations() {
        assert_eq!(parse_duration_ms("90m").unwrap(), 90 * 60_000);
        assert_eq!(parse_duration_ms("36h").unwrap(), 36 * 3_600_000);
        assert_eq!(parse_duration_ms("15d").unwrap(), 15 * DAY_MS);
        assert!(parse_duration_ms("15w").is_err());
        assert!(parse_duration_ms("d").is_err());
        assert!(parse_duration_ms("-1d").is_err());
        assert!(parse_duration_ms("15é").is_err());
        assert!(parse_duration_ms("").is_err());
    }
}
