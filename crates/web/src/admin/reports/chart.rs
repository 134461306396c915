//! Horizontal bar charts drawn on the server as inline SVG: no JavaScript,
//! no inline style (the CSP forbids it; classes in `admin.css` colour the
//! bars). Every bar carries its number as text, so the chart reads without
//! colour, and the SVG has a title and a description for screen readers;
//! the table beside each chart holds the same figures.

/// Width of the drawing in SVG units. It scales to the page width, so it is
/// kept narrow: on a 375 px phone the 14-unit text still reads at ~10 px.
const WIDTH: i64 = 500;
/// Where bars start: room for the labels on their left (ten characters).
const BAR_X: i64 = 150;
/// The longest bar, leaving room for its number on the right.
const BAR_MAX: i64 = 230;
const ROW: i64 = 26;
const BAR_HEIGHT: i64 = 18;

/// One bar as drawn.
pub(crate) struct Bar {
    pub label: String,
    /// The value as written beside the bar ("12件", "82.5%").
    pub text: String,
    /// Top of the row.
    pub y: i64,
    pub width: i64,
    /// Baseline of the row's text.
    pub text_y: i64,
    /// Where the value's text starts.
    pub text_x: i64,
}

/// A chart ready for `admin/reports/_chart.html`.
pub(crate) struct BarChart {
    /// Unique on the page (for `aria-labelledby`).
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: i64,
    pub height: i64,
    pub bar_x: i64,
    pub label_x: i64,
    pub bars: Vec<Bar>,
}

impl BarChart {
    /// Bars for `(label, value, text)`, scaled so the largest value takes
    /// the full length. Negative values draw as empty bars.
    pub fn new(id: &str, title: &str, rows: Vec<(String, f64, String)>) -> Self {
        let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max);
        let desc = if rows.is_empty() {
            "データはありません。".to_owned()
        } else {
            rows.iter()
                .map(|(label, _, text)| format!("{label}：{text}"))
                .collect::<Vec<_>>()
                .join("、")
        };
        let bars = rows
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, text))| {
                let width = if max > 0.0 && value > 0.0 {
                    ((value / max) * BAR_MAX as f64).round().max(1.0) as i64
                } else {
                    0
                };
                let y = i as i64 * ROW;
                Bar {
                    label,
                    text,
                    y: y + (ROW - BAR_HEIGHT) / 2,
                    width,
                    text_y: y + ROW / 2 + 5,
                    text_x: BAR_X + width + 6,
                }
            })
            .collect::<Vec<_>>();
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            desc,
            width: WIDTH,
            height: (bars.len() as i64).max(1) * ROW,
            bar_x: BAR_X,
            label_x: BAR_X - 8,
            bars,
        }
    }

    pub fn bar_height(&self) -> i64 {
        BAR_HEIGHT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_value_takes_the_full_length_and_every_bar_has_its_number() {
        let chart = BarChart::new(
            "c",
            "予約数",
            vec![
                ("尾西".to_owned(), 4.0, "4件".to_owned()),
                ("本庁".to_owned(), 2.0, "2件".to_owned()),
                ("木曽川".to_owned(), 0.0, "0件".to_owned()),
            ],
        );
        let widths: Vec<i64> = chart.bars.iter().map(|b| b.width).collect();
        assert_eq!(widths, [BAR_MAX, BAR_MAX / 2, 0]);
        assert_eq!(chart.desc, "尾西：4件、本庁：2件、木曽川：0件");
        assert_eq!(chart.height, 3 * ROW);
    }

    #[test]
    fn an_empty_chart_says_so() {
        let chart = BarChart::new("c", "予約数", vec![]);
        assert_eq!(chart.desc, "データはありません。");
        assert!(chart.bars.is_empty());
    }
}
