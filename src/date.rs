//! Dates at the precision the sources support: a day, a month, a year, or a
//! range between two of those ("2021–2022").

use std::cmp::Ordering;
use std::fmt;

use chrono::{Datelike, NaiveDate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartialDate {
    Year(i32),
    Month(i32, u32),
    Day(NaiveDate),
}

impl PartialDate {
    pub fn first_day(self) -> NaiveDate {
        match self {
            PartialDate::Year(y) => NaiveDate::from_ymd_opt(y, 1, 1),
            PartialDate::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1),
            PartialDate::Day(d) => Some(d),
        }
        .expect("validated when parsed")
    }

    pub fn last_day(self) -> NaiveDate {
        match self {
            PartialDate::Year(y) => NaiveDate::from_ymd_opt(y, 12, 31).expect("valid"),
            PartialDate::Month(y, m) => {
                let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                NaiveDate::from_ymd_opt(ny, nm, 1)
                    .and_then(|d| d.pred_opt())
                    .expect("valid")
            }
            PartialDate::Day(d) => d,
        }
    }

    /// 0 for a day, 1 for a month, 2 for a year: finer dates sort first.
    fn coarseness(self) -> u8 {
        match self {
            PartialDate::Day(_) => 0,
            PartialDate::Month(..) => 1,
            PartialDate::Year(_) => 2,
        }
    }

    fn parse(s: &str) -> Result<PartialDate, String> {
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, what: &str| -> Result<u32, String> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{p}` is not a {what}"));
            }
            p.parse().map_err(|_| format!("`{p}` is not a {what}"))
        };
        let year = |p: &str| -> Result<i32, String> {
            if p.len() != 4 {
                return Err(format!("`{p}` is not a four-digit year"));
            }
            Ok(num(p, "year")? as i32)
        };
        match parts.as_slice() {
            [y] => Ok(PartialDate::Year(year(y)?)),
            [y, m] => {
                let (y, m) = (year(y)?, num(m, "month")?);
                if !(1..=12).contains(&m) {
                    return Err(format!("month {m} does not exist"));
                }
                Ok(PartialDate::Month(y, m))
            }
            [y, m, d] => {
                let (y, m, d) = (year(y)?, num(m, "month")?, num(d, "day")?);
                NaiveDate::from_ymd_opt(y, m, d)
                    .map(PartialDate::Day)
                    .ok_or_else(|| format!("{y:04}-{m:02}-{d:02} is not a calendar date"))
            }
            _ => Err(format!("`{s}` has too many parts")),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Year(y) => write!(f, "{y}"),
            PartialDate::Month(..) => write!(f, "{}", self.first_day().format("%B %Y")),
            PartialDate::Day(d) => write!(f, "{} {}", d.day(), d.format("%B %Y")),
        }
    }
}

/// A date or a range of dates, as written by the author.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateSpec {
    pub start: PartialDate,
    pub end: Option<PartialDate>,
}

/// Separators accepted between the two ends of a range.
const RANGE_SEPARATORS: [&str; 4] = ["/", "–", "—", ".."];

impl DateSpec {
    /// Parses `2024-03-25`, `2024-03`, `2024` or a range such as `2021/2022`,
    /// `2021–2022` or `2021-08..2022-10`. `2021-2022` (two years joined by a
    /// hyphen) is also read as a range, since it cannot be a month.
    pub fn parse(text: &str) -> Result<DateSpec, String> {
        let s = text.trim();
        let split = RANGE_SEPARATORS
            .iter()
            .find_map(|sep| s.split_once(sep))
            .or_else(|| two_years(s));
        let spec = match split {
            Some((a, b)) => DateSpec {
                start: PartialDate::parse(a.trim())?,
                end: Some(PartialDate::parse(b.trim())?),
            },
            None => DateSpec {
                start: PartialDate::parse(s)?,
                end: None,
            },
        };
        if let Some(end) = spec.end
            && end.last_day() < spec.start.first_day()
        {
            return Err(format!(
                "the range ends ({end}) before it starts ({})",
                spec.start
            ));
        }
        Ok(spec)
    }

    /// Timeline order: by start, finer precision first.
    pub fn sort_key(&self) -> (NaiveDate, u8) {
        (self.start.first_day(), self.start.coarseness())
    }

    /// A machine-readable form for `<time datetime>`: the start.
    pub fn iso_start(&self) -> String {
        match self.start {
            PartialDate::Year(y) => format!("{y:04}"),
            PartialDate::Month(y, m) => format!("{y:04}-{m:02}"),
            PartialDate::Day(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

fn two_years(s: &str) -> Option<(&str, &str)> {
    let (a, b) = s.split_once('-')?;
    let is_year = |p: &str| p.len() == 4 && p.bytes().all(|c| c.is_ascii_digit());
    (is_year(a) && is_year(b) && !b.starts_with('0') && !b.starts_with('1')).then_some((a, b))
}

impl fmt::Display for DateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(end) => write!(f, "{} – {}", self.start, end),
            None => write!(f, "{}", self.start),
        }
    }
}

impl PartialOrd for DateSpec {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DateSpec {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision() {
        assert_eq!(DateSpec::parse("2024").unwrap().to_string(), "2024");
        assert_eq!(
            DateSpec::parse("2024-03").unwrap().to_string(),
            "March 2024"
        );
        assert_eq!(
            DateSpec::parse("2024-03-25").unwrap().to_string(),
            "25 March 2024"
        );
    }

    #[test]
    fn parses_ranges_with_every_separator() {
        for s in [
            "2021/2022",
            "2021–2022",
            "2021—2022",
            "2021..2022",
            "2021-2022",
        ] {
            let d = DateSpec::parse(s).unwrap();
            assert_eq!(d.to_string(), "2021 – 2022", "{s}");
        }
        let d = DateSpec::parse("2021-08/2022-10").unwrap();
        assert_eq!(d.to_string(), "August 2021 – October 2022");
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        assert!(
            DateSpec::parse("2024-02-30")
                .unwrap_err()
                .contains("not a calendar date")
        );
        assert!(DateSpec::parse("2024-13").unwrap_err().contains("month 13"));
        assert!(DateSpec::parse("March 2024").is_err());
        assert!(DateSpec::parse("24").unwrap_err().contains("four-digit"));
        assert!(
            DateSpec::parse("2022/2021")
                .unwrap_err()
                .contains("before it starts")
        );
    }

    #[test]
    fn timeline_order_is_by_start_then_precision() {
        let mut v: Vec<DateSpec> = ["2024-03-25", "2024", "2024-03", "2021/2022"]
            .iter()
            .map(|s| DateSpec::parse(s).unwrap())
            .collect();
        v.sort();
        let shown: Vec<String> = v.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            ["2021 – 2022", "2024", "March 2024", "25 March 2024"]
        );
    }
}
