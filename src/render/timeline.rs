//! The timeline at the top of the What index: an SVG drawn at build time
//! (no JavaScript), computed here as a small typed view that
//! `templates/part.html` turns into markup (so Tera escapes every text).
//!
//! Horizontal positions are percentages of the drawing's width, vertical
//! ones CSS pixels: the drawing takes the column's width while dots, bars
//! and labels keep their size, so it stays readable on a phone. A date to
//! the day is a dot; a month or a year is a (hatched) bar over that month
//! or year; a range is a bar from its start to its end. Marks that would
//! overlap go on separate lanes; past [`MAX_LANES`] they are counted under
//! the axis instead of drawn, so the drawing's size is bounded whatever the
//! number of events (the list under it has them all).

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

use crate::date::{DateSpec, PartialDate};

/// At most this many lanes of marks.
pub const MAX_LANES: usize = 12;
/// At most this many intervals between ticks.
const MAX_TICKS: i64 = 12;
/// Lanes are packed for a drawing this wide (CSS px), a small phone's
/// column: wider drawings only have more room between marks.
const NARROW_PX: f64 = 300.0;
/// A dot's radius and the least room between two marks of a lane (px).
pub const DOT_R: f64 = 6.0;
const GAP_PX: f64 = 4.0;
/// A bar is at least this wide, as a fraction of the width.
const MIN_BAR: f64 = 0.02;
/// Height of a lane and the room above the first one (px).
pub const LANE_PX: u32 = 18;
const TOP_PX: u32 = 4;

/// One event to draw.
pub struct Event<'a> {
    pub title: &'a str,
    /// The event's page, relative to the index.
    pub href: String,
    pub date: DateSpec,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct TimelineView {
    /// Height of the drawing (px); its width is the column's.
    pub height: u32,
    /// Where the axis line is drawn (px from the top).
    pub axis_y: u32,
    /// Baseline of the tick labels and of the "+N" counts (px).
    pub label_y: u32,
    pub more_y: u32,
    pub ticks: Vec<Tick>,
    /// In timeline order (the order of the list under it).
    pub marks: Vec<Mark>,
    /// Per tick interval, how many of its events found no lane.
    pub more: Vec<More>,
    /// How many events there are, and how many are drawn.
    pub total: usize,
    pub shown: usize,
    /// The earliest date and the latest, as written.
    pub from: String,
    pub to: String,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Tick {
    /// `"12.5%"`.
    pub x: String,
    pub label: String,
    /// `start` for the first tick, `end` for the last, else `middle`, so
    /// that no label sticks out of the drawing.
    pub anchor: &'static str,
    /// Labels a narrow screen leaves out (every other one).
    pub minor: bool,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Mark {
    pub href: String,
    /// The event's title and its date as written, for hover and for
    /// screen readers (the link's name).
    pub title: String,
    /// `day` (a dot), `month` or `year` (a hatched bar over it), or
    /// `range` (a bar from start to end).
    pub shape: &'static str,
    /// The dot's centre, or the bar's left edge.
    pub x: String,
    /// The bar's width (empty for a dot).
    pub width: String,
    /// Centre of the mark's lane (px).
    pub y: u32,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct More {
    /// Centre of the tick interval.
    pub x: String,
    pub count: usize,
    /// "3 more events, 2019 – 2020, in the list below".
    pub title: String,
}

/// The timeline of `events` (given in timeline order), or `None` when
/// there are none.
pub fn timeline(events: &[Event]) -> Option<TimelineView> {
    let first = events.iter().map(|e| e.date.start.first_day()).min()?;
    // Exclusive: the day after the last day of the latest event.
    let end = events.iter().map(|e| next_day(last_day(&e.date))).max()?;
    let axis = Axis::new(first, end);

    // Each mark's place, as fractions of the width: its drawn extent and
    // the extent it occupies in its lane (with room for a dot's size).
    let places: Vec<(f64, f64, f64, f64)> = events
        .iter()
        .map(|e| {
            let d = &e.date;
            if d.end.is_none()
                && let PartialDate::Day(day) = d.start
            {
                let c = axis.at(day, 0.5);
                let half = (DOT_R + GAP_PX / 2.0) / NARROW_PX;
                (c, c, c - half, c + half)
            } else {
                let (a, z) = (
                    axis.at(d.start.first_day(), 0.0),
                    axis.at(next_day(last_day(d)), 0.0),
                );
                let (a, z) = if z - a < MIN_BAR {
                    let a = ((a + z - MIN_BAR) / 2.0).clamp(0.0, 1.0 - MIN_BAR);
                    (a, a + MIN_BAR)
                } else {
                    (a, z)
                };
                (a, z, a, z + GAP_PX / NARROW_PX)
            }
        })
        .collect();

    let extents: Vec<(f64, f64)> = places.iter().map(|p| (p.2, p.3)).collect();
    let (lane, lanes) = pack(&extents, MAX_LANES);

    let mut marks = Vec::new();
    let mut hidden = vec![0usize; axis.ticks.len() - 1];
    for (i, e) in events.iter().enumerate() {
        let (a, z, _, _) = places[i];
        let Some(l) = lane[i] else {
            let c = (a + z) / 2.0;
            let intervals = hidden.len();
            let k = axis.ticks.iter().filter(|t| t.1 <= c).count();
            hidden[k.clamp(1, intervals) - 1] += 1;
            continue;
        };
        let shape = match (e.date.start, e.date.end) {
            (_, Some(_)) => "range",
            (PartialDate::Day(_), None) => "day",
            (PartialDate::Month(..), None) => "month",
            (PartialDate::Year(_), None) => "year",
        };
        marks.push(Mark {
            href: e.href.clone(),
            title: format!("{} ({})", e.title, e.date),
            shape,
            x: percent(a),
            width: if shape == "day" {
                String::new()
            } else {
                percent(z - a)
            },
            y: TOP_PX + l as u32 * LANE_PX + LANE_PX / 2,
        });
    }

    let more: Vec<More> = hidden
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(k, &n)| {
            let (from, to) = (&axis.ticks[k], &axis.ticks[k + 1]);
            More {
                x: percent((from.1 + to.1) / 2.0),
                count: n,
                title: format!(
                    "{n} more event{} from {} to {}, in the list below",
                    if n == 1 { "" } else { "s" },
                    from.2,
                    to.2
                ),
            }
        })
        .collect();

    let n = axis.ticks.len();
    let ticks = axis
        .ticks
        .iter()
        .enumerate()
        .map(|(k, (_, x, label))| Tick {
            x: percent(*x),
            label: label.clone(),
            anchor: match k {
                0 => "start",
                _ if k + 1 == n => "end",
                _ => "middle",
            },
            // Every other one, the ends kept (so, with an odd number of
            // intervals, the one before the last is left out too).
            minor: n > 7 && k + 1 != n && (k % 2 == 1 || (n.is_multiple_of(2) && k + 2 == n)),
        })
        .collect();

    let lanes = lanes as u32;
    let axis_y = TOP_PX + lanes * LANE_PX + 4;
    let label_y = axis_y + 17;
    let more_y = label_y + 17;
    let earliest = events
        .iter()
        .map(|e| e.date.start)
        .min_by_key(|d| d.first_day())?;
    let latest = events
        .iter()
        .map(|e| e.date.end.unwrap_or(e.date.start))
        .max_by_key(|d| d.last_day())?;
    Some(TimelineView {
        height: if more.is_empty() {
            label_y + 5
        } else {
            more_y + 5
        },
        axis_y,
        label_y,
        more_y,
        ticks,
        total: events.len(),
        shown: marks.len(),
        marks,
        more,
        from: earliest.to_string(),
        to: latest.to_string(),
    })
}

/// Puts each extent `(left, right)` on a lane, no two of a lane
/// overlapping, in at most `max` lanes: each extent's lane (`None` for
/// those left out) and how many lanes are used. When all fit, first fit by
/// left edge, which uses the fewest lanes; when not, extents are tried in
/// an order spread evenly over the list, so that those drawn are a fair
/// sample of all rather than the earliest of each crowded stretch.
fn pack(extents: &[(f64, f64)], max: usize) -> (Vec<Option<usize>>, usize) {
    let mut by_left: Vec<usize> = (0..extents.len()).collect();
    by_left.sort_by(|&i, &j| extents[i].0.total_cmp(&extents[j].0));
    let mut lane = vec![None; extents.len()];
    let mut ends: Vec<f64> = Vec::new();
    for &i in &by_left {
        let (left, right) = extents[i];
        let l = match ends.iter().position(|&e| e <= left) {
            Some(l) => l,
            None => {
                ends.push(f64::NEG_INFINITY);
                ends.len() - 1
            }
        };
        ends[l] = right;
        lane[i] = Some(l);
    }
    if ends.len() <= max {
        return (lane, ends.len());
    }
    // The golden-ratio sequence visits the list evenly at every length.
    let mut order: Vec<usize> = (0..extents.len()).collect();
    let spread = |i: usize| (i as f64 * 0.618_033_988_749_895).fract();
    order.sort_by(|&i, &j| spread(i).total_cmp(&spread(j)));
    // Per lane, its extents sorted by left edge (so by right edge too).
    let mut lanes: Vec<Vec<(f64, f64)>> = vec![Vec::new(); max];
    for i in order {
        let (left, right) = extents[i];
        lane[i] = lanes.iter_mut().enumerate().find_map(|(l, taken)| {
            let at = taken.partition_point(|t| t.0 < right);
            // Only the extent starting last before `right` can overlap.
            let free = at == 0 || taken[at - 1].1 <= left;
            free.then(|| {
                taken.insert(at, (left, right));
                l
            })
        });
    }
    let used = lanes.iter().filter(|t| !t.is_empty()).count();
    (lane, used)
}

fn last_day(d: &DateSpec) -> NaiveDate {
    d.end.unwrap_or(d.start).last_day()
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.succ_opt().unwrap_or(d)
}

/// `0.125` → `"12.5%"`, with at most two decimals.
fn percent(f: f64) -> String {
    let s = format!("{:.2}", f.clamp(0.0, 1.0) * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

/// The time axis: a whole number of years, months or days around the
/// events, with its ticks.
struct Axis {
    start: NaiveDate,
    days: f64,
    /// Each tick's date, place (fraction) and label.
    ticks: Vec<(NaiveDate, f64, String)>,
}

impl Axis {
    fn new(first: NaiveDate, end: NaiveDate) -> Axis {
        let span = (end - first).num_days().max(1);
        let (unit, dates) = if span > 3 * 365 {
            ("year", year_ticks(first, end))
        } else if span > 62 {
            ("month", month_ticks(first, end))
        } else {
            ("day", day_ticks(first, end))
        };
        let start = dates[0];
        let days = ((dates[dates.len() - 1] - start).num_days().max(1)) as f64;
        let ticks = dates
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                let label = match unit {
                    "year" => d.format("%Y").to_string(),
                    "month" if k == 0 || d.month() == 1 => d.format("%b %Y").to_string(),
                    "month" => d.format("%b").to_string(),
                    _ if k == 0 || d.ordinal() == 1 => d.format("%-d %b %Y").to_string(),
                    _ => d.format("%-d %b").to_string(),
                };
                (d, (d - start).num_days() as f64 / days, label)
            })
            .collect();
        Axis { start, days, ticks }
    }

    /// Where `day` (plus `offset` of a day) is, as a fraction of the width.
    fn at(&self, day: NaiveDate, offset: f64) -> f64 {
        (((day - self.start).num_days() as f64 + offset) / self.days).clamp(0.0, 1.0)
    }
}

/// The smallest of `steps` that gives at most [`MAX_TICKS`] intervals
/// between `lo` rounded down and `hi` rounded up to a multiple of it.
fn step_for(lo: i64, hi: i64, steps: &[i64]) -> (i64, i64, i64) {
    let fit = |s: i64| {
        let a = lo.div_euclid(s) * s;
        let b = (hi + s - 1).div_euclid(s) * s;
        (s, a, b)
    };
    steps
        .iter()
        .map(|&s| fit(s))
        .find(|&(s, a, b)| (b - a) / s <= MAX_TICKS)
        .unwrap_or_else(|| fit(steps[steps.len() - 1]))
}

fn year_ticks(first: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let lo = i64::from(first.year());
    let hi = i64::from(end.year()) + i64::from(end.ordinal() != 1);
    let (s, a, b) = step_for(
        lo,
        hi.max(lo + 1),
        &[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    );
    (0..=(b - a) / s)
        .filter_map(|k| NaiveDate::from_ymd_opt((a + k * s) as i32, 1, 1))
        .collect()
}

fn month_ticks(first: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    let lo = index(first);
    let hi = index(end) + i64::from(end.day() != 1);
    let (s, a, b) = step_for(lo, hi.max(lo + 1), &[1, 2, 3, 6, 12]);
    let start = NaiveDate::from_ymd_opt(a.div_euclid(12) as i32, a.rem_euclid(12) as u32 + 1, 1)
        .expect("a month of a valid date");
    (0..=(b - a) / s)
        .filter_map(|k| start.checked_add_months(Months::new((k * s) as u32)))
        .collect()
}

fn day_ticks(first: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let span = (end - first).num_days().max(1);
    let (s, _, b) = step_for(0, span, &[1, 2, 7, 14]);
    (0..=b / s)
        .filter_map(|k| first.checked_add_days(Days::new((k * s) as u64)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(dates: &[&str]) -> Vec<Event<'static>> {
        dates
            .iter()
            .enumerate()
            .map(|(i, d)| Event {
                title: "Event",
                href: format!("e{i}.html"),
                date: DateSpec::parse(d).unwrap(),
            })
            .collect()
    }

    fn pct(s: &str) -> f64 {
        s.trim_end_matches('%').parse().unwrap()
    }

    #[test]
    fn no_events_no_timeline() {
        assert_eq!(timeline(&[]), None);
    }

    #[test]
    fn a_day_is_a_dot_a_month_or_year_a_bar_over_it_and_a_range_a_bar_from_start_to_end() {
        let t = timeline(&events(&["2020", "2021-07", "2022-03-01", "2023/2024"])).unwrap();
        let shapes: Vec<&str> = t.marks.iter().map(|m| m.shape).collect();
        assert_eq!(shapes, ["year", "month", "day", "range"]);
        // The axis: 2020 to 2025, one tick a year.
        let labels: Vec<&str> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["2020", "2021", "2022", "2023", "2024", "2025"]);
        let [year, month, day, range] = &t.marks[..] else {
            unreachable!()
        };
        assert_eq!(year.x, "0%");
        assert!(
            (pct(&year.width) - 100.0 * 366.0 / 1827.0).abs() < 0.01,
            "{year:?}"
        );
        // July 2021: 1.5 years in; a month (1.7 %) is drawn as wide as the
        // narrowest bar, around its middle.
        let middle = pct(&month.x) + pct(&month.width) / 2.0;
        assert!((middle - 100.0 * 562.5 / 1827.0).abs() < 0.01, "{month:?}");
        assert_eq!(pct(&month.width), 100.0 * MIN_BAR, "{month:?}");
        assert_eq!(day.width, "", "a dot has no width");
        assert!(
            (pct(&day.x) - 100.0 * 790.5 / 1827.0).abs() < 0.01,
            "{day:?}"
        );
        assert!(
            (pct(&range.x) - 100.0 * 1096.0 / 1827.0).abs() < 0.01,
            "{range:?}"
        );
        assert!(
            (pct(&range.width) - 100.0 * 731.0 / 1827.0).abs() < 0.01,
            "{range:?}"
        );
        // Nothing overlaps: one lane.
        assert!(t.marks.iter().all(|m| m.y == t.marks[0].y));
        assert_eq!((t.total, t.shown), (4, 4));
        assert!(t.more.is_empty());
        assert_eq!((t.from.as_str(), t.to.as_str()), ("2020", "2024"));
    }

    #[test]
    fn overlapping_marks_get_their_own_lanes_and_others_share() {
        let t = timeline(&events(&[
            "2010/2020",
            "2012-05-01",
            "2012-05-01",
            "2012-05-02",
            "2018-01-01",
        ]))
        .unwrap();
        let lanes: Vec<u32> = t.marks.iter().map(|m| (m.y - TOP_PX) / LANE_PX).collect();
        assert_eq!(lanes, [0, 1, 2, 3, 1]);
        assert_eq!(t.axis_y, TOP_PX + 4 * LANE_PX + 4);
        // Links and names, in timeline order.
        assert_eq!(t.marks[1].href, "e1.html");
        assert_eq!(t.marks[1].title, "Event (1 May 2012)");
        assert_eq!(t.marks[0].title, "Event (2010 – 2020)");
    }

    #[test]
    fn short_spans_have_month_or_day_ticks() {
        let t = timeline(&events(&["2023-11-20", "2024-03"])).unwrap();
        let labels: Vec<&str> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["Nov 2023", "Dec", "Jan 2024", "Feb", "Mar", "Apr"]);
        let t = timeline(&events(&[
            "2024-03-18/2024-03-24",
            "2024-03-25",
            "2024-03-26",
        ]))
        .unwrap();
        let labels: Vec<&str> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels[..3], ["18 Mar 2024", "19 Mar", "20 Mar"]);
        assert_eq!(labels.last(), Some(&"27 Mar"));
        assert_eq!(t.ticks[0].anchor, "start");
        assert_eq!(t.ticks[labels.len() - 1].anchor, "end");
        // The range covers 7 of the 9 days.
        assert_eq!(t.marks[0].x, "0%");
        assert!((pct(&t.marks[0].width) - 700.0 / 9.0).abs() < 0.01);
        // A single day.
        let t = timeline(&events(&["2024-03-25"])).unwrap();
        assert_eq!(t.marks[0].x, "50%");
        assert_eq!(t.ticks.len(), 2);
    }

    #[test]
    fn long_spans_have_fewer_ticks() {
        let t = timeline(&events(&["1901", "1999-12-31"])).unwrap();
        let labels: Vec<&str> = t.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "1900", "1910", "1920", "1930", "1940", "1950", "1960", "1970", "1980", "1990",
                "2000"
            ]
        );
        let t = timeline(&events(&["1900", "2100"])).unwrap();
        assert_eq!(t.ticks.len(), 12, "every 20 years: {:?}", t.ticks);
        let t = timeline(&events(&["0001/9999"])).unwrap();
        assert!(t.ticks.len() <= MAX_TICKS as usize + 1, "{:?}", t.ticks);
        assert!((pct(&t.marks[0].x) + pct(&t.marks[0].width) - 100.0).abs() < 0.02);
        // Every other label is left out on a phone when there are many.
        let t = timeline(&events(&["2010", "2021"])).unwrap();
        assert_eq!(t.ticks.len(), 13);
        assert!(t.ticks[1].minor && !t.ticks[2].minor && !t.ticks[12].minor);
        let t = timeline(&events(&["2014", "2024-03"])).unwrap();
        let shown: Vec<&str> = t
            .ticks
            .iter()
            .filter(|t| !t.minor)
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(shown, ["2014", "2016", "2018", "2020", "2022", "2025"]);
    }

    #[test]
    fn a_tiny_bar_is_still_visible() {
        let t = timeline(&events(&["1900", "2024-03-25/2024-03-26"])).unwrap();
        assert_eq!(pct(&t.marks[1].width), 100.0 * MIN_BAR);
        assert!(pct(&t.marks[1].x) + 100.0 * MIN_BAR <= 100.0);
    }

    #[test]
    fn thousands_of_events_draw_a_bounded_number_of_marks_and_count_the_rest() {
        let dates: Vec<String> = (0..5000)
            .map(|i| format!("20{:02}-{:02}-{:02}", 10 + i % 15, 1 + i % 12, 1 + i % 28))
            .collect();
        let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
        let t = timeline(&events(&refs)).unwrap();
        assert_eq!(t.total, 5000);
        let per_lane = (NARROW_PX / (2.0 * DOT_R + GAP_PX)).ceil() as usize + 1;
        assert!(t.shown <= MAX_LANES * per_lane, "{} marks", t.shown);
        assert_eq!(t.axis_y, TOP_PX + MAX_LANES as u32 * LANE_PX + 4);
        // A fair sample: not the earliest of each stretch stacked in columns.
        let mut xs: Vec<&str> = t.marks.iter().map(|m| m.x.as_str()).collect();
        xs.sort();
        xs.dedup();
        assert!(
            xs.len() * 2 > t.shown,
            "{} places for {} marks",
            xs.len(),
            t.shown
        );
        let counted: usize = t.more.iter().map(|m| m.count).sum();
        assert_eq!(t.shown + counted, 5000);
        assert!(
            t.more[0].title.contains("more events from 2010 to"),
            "{:?}",
            t.more[0]
        );
    }

    #[test]
    fn when_not_all_fit_those_drawn_are_spread_over_the_span_and_never_overlap() {
        // 2,000 events in 2010, and 20 a year after it.
        let mut dates: Vec<String> = (0..2000)
            .map(|i| format!("2010-{:02}-{:02}", 1 + i % 12, 1 + i % 28))
            .collect();
        dates.extend((0..200).map(|i| format!("20{:02}-{:02}-01", 11 + i / 20, 1 + i % 12)));
        dates.sort();
        let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
        let t = timeline(&events(&refs)).unwrap();
        assert!(t.shown < t.total);
        // Every year has marks, 2010 among the rest too.
        for y in 0..10 {
            let (lo, hi) = (100.0 * y as f64 / 10.0, 100.0 * (y + 1) as f64 / 10.0);
            let n = t
                .marks
                .iter()
                .filter(|m| (lo..hi).contains(&pct(&m.x)))
                .count();
            assert!(n >= 5, "{n} marks in year {y}");
        }
        // On a lane, dots are at least a dot and a gap apart at the
        // narrowest width.
        let min = 100.0 * (2.0 * DOT_R + GAP_PX) / NARROW_PX - 0.01;
        for a in &t.marks {
            for b in &t.marks {
                if a.y == b.y && a.href != b.href {
                    assert!((pct(&a.x) - pct(&b.x)).abs() >= min, "{a:?} {b:?}");
                }
            }
        }
    }

    #[test]
    fn percentages_are_short() {
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(1.0 / 3.0), "33.33%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.5), "100%");
    }
}
