//! Text for cells: widths of wide characters (measured per grapheme exactly as ratatui's buffer
//! measures what it draws, so a cut or a padded column is as wide on screen as computed), truncation with `…`, number formats, the glyphs
//! that say each state without colour, and `RichLine`, text tagged by meaning (`Role`) that the
//! theme turns into styles only when drawn.

use std::borrow::Cow;

use ratatui::buffer::CellWidth as _;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation as _;

use crate::event::{SequenceInfo, SequenceStatus, Severity, SignatureVerdict};
use crate::ui::theme::{JsonToken, Theme};

/// What a piece of text means, so that the theme can colour it when it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Text,
    Dim,
    Accent,
    Title,
    Key,
    Severity(Severity),
    Signature(SignatureVerdict),
    Sequence(SequenceStatus),
    Status(u16),
    Json(JsonToken),
    Masked,
    Problem,
    Success,
}

impl Role {
    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Role::Text => theme.text(),
            Role::Dim => theme.dim(),
            Role::Accent => theme.accent(),
            Role::Title => theme.title(),
            Role::Key => theme.key(),
            Role::Severity(severity) => theme.severity(severity),
            Role::Signature(verdict) => theme.signature(verdict),
            Role::Sequence(status) => theme.sequence(status),
            Role::Status(status) => theme.status(status),
            Role::Json(token) => theme.json(token),
            Role::Masked => theme.masked(),
            Role::Problem => theme.problem(),
            Role::Success => theme.success(),
        }
    }
}

/// The mark of an event whose forward to the app failed (list note and Response tab): a glyph
/// and words, so it does not rest on colour alone.
pub const FORWARD_FAILED: &str = "✗ forward failed";

/// A line of text in pieces, each with its role. Text in it is already made safe.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichLine(pub Vec<(Role, String)>);

impl RichLine {
    pub fn new() -> RichLine {
        RichLine(Vec::new())
    }

    pub fn plain(text: impl Into<String>) -> RichLine {
        RichLine(vec![(Role::Text, text.into())])
    }

    pub fn with(mut self, role: Role, text: impl Into<String>) -> RichLine {
        self.push(role, text);
        self
    }

    pub fn push(&mut self, role: Role, text: impl Into<String>) {
        let text = text.into();
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some((last, piece)) if *last == role => piece.push_str(&text),
            _ => self.0.push((role, text)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, t)| t.is_empty())
    }

    /// The text without roles, for tests and searching.
    pub fn text(&self) -> String {
        self.0.iter().map(|(_, t)| t.as_str()).collect()
    }

    /// A styled line cut to `width` columns (with `…` where it was cut).
    pub fn to_line(&self, theme: &Theme, width: usize) -> Line<'static> {
        let total: usize = self.0.iter().map(|(_, t)| display_width(t)).sum();
        let mut spans = Vec::with_capacity(self.0.len());
        if total <= width {
            for (role, text) in &self.0 {
                spans.push(Span::styled(text.clone(), role.style(theme)));
            }
            return Line::from(spans);
        }
        let mut left = width;
        for (role, text) in &self.0 {
            if left == 0 {
                break;
            }
            let w = display_width(text);
            if w < left {
                spans.push(Span::styled(text.clone(), role.style(theme)));
                left -= w;
            } else {
                // The last visible piece: cut it, leaving room for the ellipsis.
                spans.push(Span::styled(cut(text, left), role.style(theme)));
                left = 0;
            }
        }
        Line::from(spans)
    }
}

impl RichLine {
    /// The line cut to at most `max` columns, saying how much was left out: a one-line
    /// megabyte of JSON must not cost a megabyte of work on every frame.
    pub fn limit(self, max: usize) -> RichLine {
        let total: usize = self.0.iter().map(|(_, t)| display_width(t)).sum();
        if total <= max {
            return self;
        }
        let mut out = RichLine::new();
        let mut left = max;
        for (role, text) in self.0 {
            if left == 0 {
                break;
            }
            let w = display_width(&text);
            if w <= left {
                left -= w;
                out.push(role, text);
            } else {
                out.push(role, cut(&text, left));
                left = 0;
            }
        }
        out.push(
            Role::Dim,
            format!(
                " ({} more columns; export to see them)",
                thousands((total - max) as u64)
            ),
        );
        out
    }

    /// The line broken into lines of at most `width` columns; continuations keep the first
    /// line's indentation, so nested JSON stays readable.
    pub fn wrap(&self, width: usize) -> Vec<RichLine> {
        let width = width.max(2);
        let total: usize = self.0.iter().map(|(_, t)| display_width(t)).sum();
        if total <= width {
            return vec![self.clone()];
        }
        let text = self.text();
        let indent = text.len() - text.trim_start_matches(' ').len();
        let indent = " ".repeat(indent.min(width / 2));
        let mut lines = Vec::new();
        let mut line = RichLine::new();
        let mut used = 0;
        for (role, piece) in &self.0 {
            for (g, w) in graphemes(piece) {
                if used + w > width {
                    lines.push(std::mem::take(&mut line));
                    line.push(Role::Text, indent.clone());
                    used = indent.len();
                }
                line.push(*role, g);
                used += w;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Columns a string takes on screen: the sum of its graphemes' widths as ratatui draws them.
pub fn display_width(text: &str) -> usize {
    if text.is_ascii() {
        // ratatui draws nothing for a control character.
        return text.bytes().filter(|b| !b.is_ascii_control()).count();
    }
    graphemes(text).map(|(_, w)| w).sum()
}

/// Each grapheme of `text` with the columns ratatui's buffer gives it: its `cell_width`, or 0
/// for one it skips (a grapheme holding a control character). Measuring by code point instead
/// disagrees with the buffer on sequences such as an emoji with a variation selector.
fn graphemes(text: &str) -> impl Iterator<Item = (&str, usize)> {
    text.graphemes(true).map(|g| {
        let width = if g.contains(char::is_control) {
            0
        } else {
            usize::from(g.cell_width())
        };
        (g, width)
    })
}

/// `text` cut to at most `max` columns, ending in `…` when something was cut.
pub fn truncate(text: &str, max: usize) -> Cow<'_, str> {
    if display_width(text) <= max {
        return Cow::Borrowed(text);
    }
    Cow::Owned(cut(text, max))
}

/// `text` cut so that it and a final `…` fit in `max` columns, whatever its width.
fn cut(text: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for (g, w) in graphemes(text) {
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// The columns the Sessions view's SESSION column has at its narrowest (80 columns): the Events
/// list cuts a session id to the same width, so that it reads alike in both views.
pub const SESSION_ID_WIDTH: usize = 16;
/// The columns of the Timelines view's ID column: the Events list cuts a scan or video id to
/// the same width.
pub const SCAN_ID_WIDTH: usize = 14;

/// A session, scan or video id in a list cell `width` columns wide: escaped, whole when it
/// fits, else its start and `…`. Every list draws ids with it, so the short id of one session
/// or scan is the same in every view (and `session:PREFIX*` finds it).
pub fn short_id(id: &str, width: usize) -> Cow<'_, str> {
    match crate::sanitize::escape(id) {
        Cow::Borrowed(id) => truncate(id, width),
        Cow::Owned(id) => Cow::Owned(truncate(&id, width).into_owned()),
    }
}

/// `text` in exactly `width` columns: cut with `…` or padded with spaces on the right.
/// A table's heading: each `(label, width, right_aligned)` fitted to its column, columns of
/// width 0 left out, one space between columns and one before the first.
pub fn table_heading(cells: &[(&str, usize, bool)], theme: &Theme) -> Line<'static> {
    let mut text = String::from(" ");
    for &(label, width, right) in cells.iter().filter(|c| c.1 > 0) {
        text.push_str(&if right {
            fit_right(label, width)
        } else {
            fit(label, width)
        });
        text.push(' ');
    }
    Line::styled(text.trim_end().to_owned(), theme.dim())
}

pub fn fit(text: &str, width: usize) -> String {
    let cut = truncate(text, width);
    let pad = width.saturating_sub(display_width(&cut));
    let mut out = cut.into_owned();
    out.extend(std::iter::repeat_n(' ', pad));
    out
}

/// `text` in exactly `width` columns, aligned right.
pub fn fit_right(text: &str, width: usize) -> String {
    let cut = truncate(text, width);
    let pad = width.saturating_sub(display_width(&cut));
    let mut out: String = std::iter::repeat_n(' ', pad).collect();
    out.push_str(&cut);
    out
}

/// `text` broken into lines of at most `width` columns, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ') {
        let w = display_width(word);
        if used > 0 && used + 1 + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        // A word longer than a line is cut where the line ends.
        for (g, gw) in graphemes(word) {
            if used + gw > width && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push_str(g);
            used += gw;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `1204` → `1,204`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `600 B`, `1.2 KiB`, `3.4 MiB`: short enough for a column.
pub fn short_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `850 ms`, `4.1 s`, `12 s`, `3 min`, `2 h`: a duration short enough for a column.
pub fn short_duration(duration: std::time::Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 1.0 {
        format!("{} ms", duration.as_millis())
    } else if secs < 10.0 {
        format!("{secs:.1} s")
    } else if secs < 120.0 {
        format!("{} s", duration.as_secs())
    } else if secs < 2.0 * 3600.0 {
        format!("{} min", duration.as_secs() / 60)
    } else if secs < 2.0 * 86_400.0 {
        format!("{} h", duration.as_secs() / 3600)
    } else {
        format!("{} d", duration.as_secs() / 86_400)
    }
}

pub fn severity_glyph(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "·",
        Severity::Warn => "▲",
        Severity::Error => "✖",
    }
}

/// `✓` valid, `✗` failed (invalid, malformed, stale), `?` not checkable (missing header, no
/// secret), `–` unsigned.
pub fn signature_glyph(verdict: SignatureVerdict) -> &'static str {
    match verdict {
        SignatureVerdict::Valid => "✓",
        SignatureVerdict::Invalid | SignatureVerdict::Malformed | SignatureVerdict::Stale => "✗",
        SignatureVerdict::Missing | SignatureVerdict::NoSecret => "?",
        SignatureVerdict::Unsigned => "–",
    }
}

/// The verdict in words, for the detail and the legend.
pub fn signature_words(verdict: SignatureVerdict) -> &'static str {
    match verdict {
        SignatureVerdict::Valid => "valid",
        SignatureVerdict::Invalid => "invalid",
        SignatureVerdict::Missing => "missing (a secret is set but no signature came)",
        SignatureVerdict::Unsigned => "unsigned (no signature, no secret)",
        SignatureVerdict::NoSecret => "not checked (signed, but no secret for the scheme)",
        SignatureVerdict::Malformed => "malformed signature header",
        SignatureVerdict::Stale => "stale (timestamp outside the tolerance)",
    }
}

/// `[3, 4, 7]` → `3-4,7`.
pub fn ranges(numbers: &[u64]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Where a WMS event sits in its sequence, as a glyph and words: `41`, `⚠ gap 3-4`,
/// `↺ 43 late`…
pub fn sequence_label(info: &SequenceInfo) -> String {
    match info.status {
        SequenceStatus::First | SequenceStatus::InOrder => info.seq.to_string(),
        SequenceStatus::Gap => format!("⚠ gap {}", ranges(&info.missing)),
        SequenceStatus::Late => format!("↺ {} late", info.seq),
        SequenceStatus::Duplicate => format!("⧉ {} dup", info.seq),
        SequenceStatus::Conflict => format!("≠ {} conflict", info.seq),
        SequenceStatus::Restart => format!("⟲ {} restart", info.seq),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_wide_characters() {
        assert_eq!(truncate("hello", 5), "hello");
        assert_eq!(truncate("hello!", 5), "hell…");
        assert_eq!(truncate("日本語テキスト", 6), "日本…");
        assert_eq!(truncate("日本語", 5), "日本…");
        assert_eq!(truncate("abc", 0), "");
        assert_eq!(truncate("abc", 1), "…");
        assert_eq!(fit("日本語", 5), "日本…");
        assert_eq!(display_width(&fit("日本語テ", 6)), 6);
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(fit_right("ab", 4), "  ab");
        for width in 0..12 {
            assert!(display_width(&fit("a日b本c語d", width)) == width);
        }
    }

    #[test]
    fn widths_are_what_the_buffer_draws() {
        use ratatui::buffer::Buffer;
        use ratatui::layout::Rect;
        for text in [
            "plain",
            "日本語",
            "u\u{301}ber",
            "heart \u{2764}\u{fe0f} ok",
            "keycap 1\u{fe0f}\u{20e3}",
            "tone \u{1f44d}\u{1f3fd}",
            "\u{1f1fa}\u{1f1f8}",
            "ﾊﾞ",
            "a\u{1b}b",
        ] {
            let mut buffer = Buffer::empty(Rect::new(0, 0, 40, 1));
            let (x, _) = buffer.set_stringn(0, 0, text, 40, Style::default());
            assert_eq!(display_width(text), usize::from(x), "{text:?}");
            for max in 1..8 {
                let cut = truncate(text, max);
                let mut buffer = Buffer::empty(Rect::new(0, 0, 40, 1));
                let (x, _) = buffer.set_stringn(0, 0, &cut, 40, Style::default());
                assert!(usize::from(x) <= max, "{text:?} cut to {max}: {cut:?}");
            }
        }
    }

    #[test]
    fn wrapping_breaks_at_spaces_and_inside_long_words() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("日本語テキスト", 5), ["日本", "語テ", "キス", "ト"]);
        for line in wrap("a very long sentence with words", 1) {
            assert!(display_width(&line) <= 1);
        }
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(short_size(600), "600 B");
        assert_eq!(short_size(1536), "1.5 KiB");
        assert_eq!(short_size(20 * 1024 * 1024), "20 MiB");
    }

    #[test]
    fn missing_numbers_are_ranges() {
        assert_eq!(ranges(&[3, 4]), "3-4");
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn very_long_lines_are_limited() {
        let long = RichLine::new()
            .with(Role::Key, "k: ")
            .with(Role::Text, "x".repeat(10_000));
        let limited = long.limit(100);
        assert!(limited.text().starts_with("k: xxx"));
        assert!(
            limited.text().contains("9,903 more columns"),
            "{}",
            limited.text()
        );
        assert!(display_width(&limited.text()) < 150);
        let short = RichLine::plain("short");
        assert_eq!(short.clone().limit(100), short);
    }

    #[test]
    fn rich_lines_wrap_under_their_indentation() {
        let line = RichLine::new()
            .with(Role::Text, "  ")
            .with(Role::Key, "\"k\": ")
            .with(Role::Text, "abcdefghij");
        let wrapped: Vec<String> = line.wrap(8).iter().map(RichLine::text).collect();
        assert_eq!(wrapped, ["  \"k\": a", "  bcdefg", "  hij"]);
        assert_eq!(line.wrap(100), std::slice::from_ref(&line));
        let wide = RichLine::plain("日本語テキスト");
        for part in wide.wrap(5) {
            assert!(display_width(&part.text()) <= 5);
        }
    }

    #[test]
    fn rich_lines_cut_with_an_ellipsis() {
        let theme = Theme::default();
        let line = RichLine::new()
            .with(Role::Key, "name: ")
            .with(Role::Text, "value that is long");
        let cut = line.to_line(&theme, 10);
        assert_eq!(cut.to_string(), "name: val…");
        assert_eq!(line.to_line(&theme, 100).to_string(), line.text());
        assert_eq!(line.to_line(&theme, 24).to_string(), line.text());
        assert_eq!(line.to_line(&theme, 0).to_string(), "");
    }
}
