//! The timeline at the top of the What index: an SVG drawn at build time
//! (no JavaScript), computed here as a small typed view that
//! `templates/part.html` turns into markup (so Tera escapes every text).
//!
//! Time runs down the page, one row per event with its title beside its
//! mark, so labels never collide and every event is a tap target the full
//! width of the column and at least [`ROW_MIN`] pixels high, on a phone as
//! on a desktop. Rows follow each other closely, with a little more room
//! the longer the time between them; a stretch longer than [`BREAK_DAYS`]
//! with nothing in it is cut out of the axis and the cut is marked and
//! labelled ("3 years later"). So a busy week gets a row per event while
//! the quiet years around it take a line — a broken axis rather than a
//! proportional one, which gave a week of events a few pixels.
//!
//! What a mark looks like says how precise its date is: a filled dot for a
//! day, a ring for a month, a year or a period; a period, a month or a year
//! that spans other rows is also drawn as a bar in a lane left of the axis
//! (solid for a period, hatched for a month or year), and a date the author
//! marked as derived (`date_derived: true`) has a dashed, unfilled bar.
//!
//! All positions are CSS pixels from the drawing's top left; the drawing
//! is as wide as the column and only its height depends on the events.
//! Past [`MAX_ROWS`] events an even sample is drawn and the gaps say how
//! many more the list under it has.

use chrono::NaiveDate;
use serde::Serialize;

use crate::date::{DateSpec, PartialDate};
use crate::i18n::Words;

/// At most this many rows (events drawn).
pub const MAX_ROWS: usize = 60;
/// The least height of a row: a tap target of at least 24 px.
pub const ROW_MIN: u32 = 28;
/// Height of a line of a title, and of the date line above it.
pub const LINE: u32 = 18;
const DATE_LINE: u32 = 16;
/// Room above and below a row's text.
const PAD: u32 = 5;
/// A title is wrapped to lines of at most this many characters (wide
/// characters count two), which fit a 390 px phone at the label's size,
/// and cut after [`MAX_LINES`] lines (the link's name keeps it whole).
pub const WRAP: usize = 38;
const MAX_LINES: usize = 3;
/// A stretch without events longer than this is cut out of the axis.
pub const BREAK_DAYS: i64 = 92;
/// Room a cut takes.
pub const BREAK_PX: u32 = 26;
/// Most extra room between two rows that are not cut apart.
const GAP_MAX: f64 = 14.0;
/// Lanes of bars left of the axis: each this wide, this far apart.
const LANE_X: u32 = 4;
const LANE_W: u32 = 6;
const LANE_STEP: u32 = 10;
const MAX_LANES: usize = 4;
/// A dot's radius.
pub const DOT_R: u32 = 6;

/// One event to draw.
pub struct Event<'a> {
    pub title: &'a str,
    /// The event's page, relative to the index.
    pub href: String,
    pub date: DateSpec,
    /// The author worked the date out; no source states it.
    pub derived: bool,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct TimelineView {
    /// Height of the drawing (px); its width is the column's.
    pub height: u32,
    /// The axis's x, and where titles start.
    pub axis_x: u32,
    pub label_x: u32,
    /// The axis, top to bottom, in pieces between cuts.
    pub axis: Vec<Segment>,
    /// The cuts, with what they leave out.
    pub breaks: Vec<Break>,
    /// Bars of the events that span other rows, drawn under the rows.
    pub spans: Vec<Span>,
    /// In timeline order (the order of the list under it).
    pub rows: Vec<Row>,
    /// How many events there are, and how many are drawn.
    pub total: usize,
    pub shown: usize,
    /// The earliest date and the latest, as written.
    pub from: String,
    pub to: String,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Segment {
    pub y1: u32,
    pub y2: u32,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Break {
    /// The middle of the cut.
    pub y: u32,
    /// "3 years later", "+4 events in the list below" or both.
    pub label: String,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Span {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    /// `range`, `month` or `year`, as the row's shape.
    pub shape: &'static str,
    pub derived: bool,
}

#[derive(Serialize, Debug, Hash, Clone, PartialEq, Eq)]
pub struct Row {
    pub href: String,
    /// The event's title and its date as written: the link's name.
    pub title: String,
    /// `day` (a filled dot), or `month`, `year`, `range` (a ring).
    pub shape: &'static str,
    pub derived: bool,
    /// The row's box: the link's target area.
    pub top: u32,
    pub height: u32,
    /// The mark's centre.
    pub y: u32,
    /// The date, above the title, on the first row of each date.
    pub date: Option<String>,
    pub date_y: u32,
    /// The title's lines and the first one's baseline.
    pub lines: Vec<String>,
    pub line_y: u32,
}

/// The timeline of `events` (given in timeline order), or `None` when
/// there are none.
pub fn timeline(events: &[Event], w: &Words) -> Option<TimelineView> {
    let earliest = events
        .iter()
        .map(|e| e.date.start)
        .min_by_key(|d| d.first_day())?;
    let latest = events
        .iter()
        .map(|e| e.date.end.unwrap_or(e.date.start))
        .max_by_key(|d| d.last_day())?;
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].date.start.first_day());
    let shown = sample(order.len(), MAX_ROWS);

    // Spans first: their lanes set where the axis goes.
    let lanes_of = span_lanes(events, &order, &shown);
    let lanes = lanes_of.iter().flatten().max().map_or(0, |&l| l + 1) as u32;
    let axis_x = LANE_X + lanes * LANE_STEP + DOT_R + 2;
    let label_x = axis_x + DOT_R + 8;

    let mut rows: Vec<Row> = Vec::with_capacity(shown.len());
    let mut breaks = Vec::new();
    let mut axis = Vec::new();
    let mut y = 0u32;
    let mut segment_top = 0u32;
    let mut previous: Option<(usize, NaiveDate)> = None;
    for &k in &shown {
        let e = &events[order[k]];
        let day = e.date.start.first_day();
        if let Some((pk, pday)) = previous {
            let days = (day - pday).num_days();
            let hidden = k - pk - 1;
            if days > BREAK_DAYS || hidden > 0 {
                axis.push(Segment {
                    y1: segment_top,
                    y2: y,
                });
                breaks.push(Break {
                    y: y + BREAK_PX / 2,
                    label: gap_label(w, days, hidden),
                });
                y += BREAK_PX;
                segment_top = y;
            } else {
                y += ((days.max(0) as f64).sqrt() * 2.0).min(GAP_MAX) as u32;
            }
        }
        let new_date = previous.is_none_or(|(pk, _)| {
            let p = &events[order[pk]].date;
            p.start != e.date.start || p.end != e.date.end
        });
        let lines = wrap(e.title, WRAP, MAX_LINES);
        let date_h = if new_date { DATE_LINE } else { 0 };
        let text_h = date_h + lines.len() as u32 * LINE;
        let height = (text_h + 2 * PAD).max(ROW_MIN);
        let text_top = y + (height - text_h) / 2;
        rows.push(Row {
            href: e.href.clone(),
            title: format!("{} ({})", e.title, w.date(&e.date)),
            shape: shape(&e.date),
            derived: e.derived,
            top: y,
            height,
            y: text_top + date_h + LINE / 2,
            date: new_date.then(|| w.date(&e.date)),
            date_y: text_top + DATE_LINE - 4,
            lines,
            line_y: text_top + date_h + LINE - 5,
        });
        y += height;
        previous = Some((k, day));
    }
    axis.push(Segment {
        y1: segment_top,
        y2: y,
    });

    let spans = spans(events, &order, &shown, &lanes_of, &rows);
    Some(TimelineView {
        height: y,
        axis_x,
        label_x,
        axis,
        breaks,
        spans,
        total: events.len(),
        shown: rows.len(),
        rows,
        from: w.date(&DateSpec {
            start: earliest,
            end: None,
        }),
        to: w.date(&DateSpec {
            start: latest,
            end: None,
        }),
    })
}

fn shape(d: &DateSpec) -> &'static str {
    match (d.start, d.end) {
        (_, Some(_)) => "range",
        (PartialDate::Day(_), None) => "day",
        (PartialDate::Month(..), None) => "month",
        (PartialDate::Year(_), None) => "year",
    }
}

/// The positions (in `0..n`) drawn when at most `max` can be: all of them,
/// or `max` spread evenly, the first and the last among them.
fn sample(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let mut picked: Vec<usize> = (0..max).map(|i| i * (n - 1) / (max - 1)).collect();
    picked.dedup();
    picked
}

/// "3 years later", "5 months later", "4 more events in the list below",
/// or both.
fn gap_label(w: &Words, days: i64, hidden: usize) -> String {
    let time = (days > BREAK_DAYS).then(|| {
        let months = (days as f64 / 30.44).round() as usize;
        if days >= 2 * 365 || months == 12 {
            w.count("tl_years", (days as f64 / 365.25).round() as usize)
        } else {
            w.count("tl_months", months)
        }
    });
    let more = (hidden > 0).then(|| w.count("tl_more", hidden));
    match (time, more) {
        (Some(t), Some(m)) => format!("{t} · {m}"),
        (t, m) => t.or(m).unwrap_or_default(),
    }
}

/// Which events get a bar, and in which lane: periods, months and years
/// that reach past their own row's date, packed so that no two bars of a
/// lane overlap in time; past [`MAX_LANES`] a period keeps only its ring.
fn span_lanes(events: &[Event], order: &[usize], shown: &[usize]) -> Vec<Option<usize>> {
    let mut ends: Vec<NaiveDate> = Vec::new();
    shown
        .iter()
        .map(|&k| {
            let d = &events[order[k]].date;
            let (from, to) = (d.start.first_day(), last_day(d));
            if from == to {
                return None;
            }
            let lane = ends.iter().position(|&end| end < from);
            match lane {
                Some(l) => {
                    ends[l] = to;
                    Some(l)
                }
                None if ends.len() < MAX_LANES => {
                    ends.push(to);
                    Some(ends.len() - 1)
                }
                None => None,
            }
        })
        .collect()
}

/// The bars, placed on the rows' scale: a date between two rows' dates is
/// placed between them in proportion; the end of a bar reaches the row of
/// the last event it covers.
fn spans(
    events: &[Event],
    order: &[usize],
    shown: &[usize],
    lanes: &[Option<usize>],
    rows: &[Row],
) -> Vec<Span> {
    let anchors: Vec<(NaiveDate, u32, u32)> = shown
        .iter()
        .zip(rows)
        .map(|(&k, r)| {
            (
                events[order[k]].date.start.first_day(),
                r.y,
                r.top + r.height,
            )
        })
        .collect();
    shown
        .iter()
        .zip(lanes)
        .zip(rows)
        .filter_map(|((&k, lane), row)| {
            let lane = (*lane)? as u32;
            let d = &events[order[k]].date;
            let bottom = place(&anchors, last_day(d)).max(row.top + row.height - PAD);
            let top = row.y.min(bottom);
            Some(Span {
                x: LANE_X + lane * LANE_STEP,
                y: top,
                height: (bottom - top).max(LANE_W),
                shape: row.shape,
                derived: row.derived,
            })
        })
        .collect()
}

/// Where `day` falls on the rows' scale: `(date, mark's y, row's bottom)`
/// of each row, in date order.
fn place(anchors: &[(NaiveDate, u32, u32)], day: NaiveDate) -> u32 {
    let after = anchors.partition_point(|a| a.0 <= day);
    match (after.checked_sub(1).map(|i| anchors[i]), anchors.get(after)) {
        (None, _) => anchors[0].1,
        (Some(a), None) => a.2,
        (Some(a), Some(b)) => {
            let span = (b.0 - a.0).num_days().max(1) as f64;
            let part = (day - a.0).num_days() as f64 / span;
            a.1 + ((f64::from(b.1 - a.1)) * part) as u32
        }
    }
}

fn last_day(d: &DateSpec) -> NaiveDate {
    d.end.unwrap_or(d.start).last_day()
}

/// Display width: most characters one, East Asian wide ones two.
fn width(c: char) -> usize {
    let wide = matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// `text` in lines of at most `max` wide, broken between words (a word
/// longer than a line is cut), at most `lines` lines, the last ending in
/// "…" when the text goes on.
pub fn wrap(text: &str, max: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    let mut cut = false;
    'words: for word in text.split_whitespace() {
        let w: usize = word.chars().map(width).sum();
        if used > 0 && used + 1 + w > max {
            out.push(std::mem::take(&mut line));
            used = 0;
        }
        if out.len() == lines {
            cut = true;
            break;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        for c in word.chars() {
            if used + width(c) > max {
                out.push(std::mem::take(&mut line));
                used = 0;
                if out.len() == lines {
                    cut = true;
                    break 'words;
                }
            }
            line.push(c);
            used += width(c);
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    if cut && let Some(last) = out.last_mut() {
        // Room for the ellipsis on the last line.
        while last.chars().map(width).sum::<usize>() + 1 > max {
            last.pop();
        }
        let trimmed = last.trim_end().len();
        last.truncate(trimmed);
        last.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline_en(events: &[Event]) -> Option<TimelineView> {
        timeline(events, crate::i18n::english())
    }

    fn events(dates: &[&str]) -> Vec<Event<'static>> {
        dates
            .iter()
            .enumerate()
            .map(|(i, d)| Event {
                title: "Event",
                href: format!("e{i}.html"),
                date: DateSpec::parse(d).unwrap(),
                derived: false,
            })
            .collect()
    }

    #[test]
    fn no_events_no_timeline() {
        assert_eq!(timeline_en(&[]), None);
    }

    #[test]
    fn rows_follow_the_dates_and_each_is_a_large_enough_target() {
        let t = timeline_en(&events(&["2024-03-26", "2020", "2024-03-25", "2024-03-25"])).unwrap();
        let hrefs: Vec<&str> = t.rows.iter().map(|r| r.href.as_str()).collect();
        assert_eq!(hrefs, ["e1.html", "e2.html", "e3.html", "e0.html"]);
        for pair in t.rows.windows(2) {
            assert!(pair[0].top + pair[0].height <= pair[1].top, "{pair:?}");
        }
        assert!(t.rows.iter().all(|r| r.height >= ROW_MIN));
        // The date once per date.
        let dates: Vec<Option<&str>> = t.rows.iter().map(|r| r.date.as_deref()).collect();
        assert_eq!(
            dates,
            [
                Some("2020"),
                Some("25 March 2024"),
                None,
                Some("26 March 2024")
            ]
        );
        // Four years without events are cut out, and the cut says so.
        assert_eq!(t.breaks.len(), 1);
        assert_eq!(t.breaks[0].label, "4 years later");
        assert_eq!(t.axis.len(), 2);
        assert_eq!(t.height, t.rows[3].top + t.rows[3].height);
    }

    #[test]
    fn periods_months_and_years_that_span_rows_get_bars_in_lanes() {
        let t = timeline_en(&events(&[
            "2021/2022",
            "2021-07",
            "2022-10",
            "2023-08-01",
            "2014/2024-03",
        ]))
        .unwrap();
        let shapes: Vec<&str> = t.rows.iter().map(|r| r.shape).collect();
        assert_eq!(shapes, ["range", "range", "month", "month", "day"]);
        // Two periods overlapping in time: two lanes; the months span
        // no other row but still get a (short) bar.
        let xs: Vec<u32> = t.spans.iter().map(|s| s.x).collect();
        assert_eq!(
            xs,
            [
                LANE_X,
                LANE_X + LANE_STEP,
                LANE_X + 2 * LANE_STEP,
                LANE_X + 2 * LANE_STEP
            ]
        );
        // 2014–2024 reaches the last row; 2021–2022 stops before 2023.
        let long = &t.spans[0];
        assert!(long.y + long.height >= t.rows[4].top);
        let short = &t.spans[1];
        assert!(short.y + short.height < t.rows[4].top);
        assert!(
            short.y + short.height >= t.rows[3].top,
            "{short:?} {:?}",
            t.rows[3]
        );
    }

    #[test]
    fn many_events_are_sampled_and_the_rest_counted() {
        let dates: Vec<String> = (0..500)
            .map(|i| format!("20{:02}-{:02}-{:02}", 10 + i % 15, 1 + i % 12, 1 + i % 28))
            .collect();
        let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
        let t = timeline_en(&events(&refs)).unwrap();
        assert_eq!((t.total, t.shown), (500, MAX_ROWS));
        let counted: usize = t
            .breaks
            .iter()
            .filter_map(|b| {
                let more = b.label.split(" more event").next()?;
                more.rsplit(' ').next()?.parse::<usize>().ok()
            })
            .sum();
        assert_eq!(counted + MAX_ROWS, 500);
    }

    #[test]
    fn titles_wrap_between_words_and_long_ones_are_cut() {
        assert_eq!(
            wrap(
                "Hostile actors have access to the Electoral Commission's systems",
                38,
                3
            ),
            [
                "Hostile actors have access to the",
                "Electoral Commission's systems"
            ]
        );
        let long = "word ".repeat(40);
        let lines = wrap(&long, 20, 2);
        assert_eq!(lines.len(), 2);
        assert!(
            lines[1].ends_with('…') && lines[1].chars().count() <= 20,
            "{lines:?}"
        );
        assert_eq!(wrap(&"x".repeat(50), 20, 3).concat().len(), 50);
        assert_eq!(wrap("中国外交部", 4, 3), ["中国", "外交", "部"]);
    }
}
