//! Screenshots without a terminal: a drawn `Buffer` written as SVG, cell by cell, with the
//! colours and modifiers of each cell. Box-drawing characters are drawn as lines so that
//! borders join whatever font renders the text. Deterministic, so screenshots can be diffed.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

const FONT_SIZE: f64 = 14.0;
const CELL_W: f64 = 8.4;
const CELL_H: f64 = 18.0;
const BASELINE: f64 = 13.5;

/// The colours a terminal uses for `Color::Reset`.
#[derive(Debug, Clone, Copy)]
pub struct Canvas {
    pub foreground: (u8, u8, u8),
    pub background: (u8, u8, u8),
}

impl Canvas {
    pub const DARK: Canvas = Canvas {
        foreground: (0xd0, 0xd0, 0xd0),
        background: (0x1c, 0x1c, 0x1c),
    };
    pub const LIGHT: Canvas = Canvas {
        foreground: (0x26, 0x26, 0x26),
        background: (0xfa, 0xfa, 0xfa),
    };
}

/// The buffer as an SVG document.
pub fn render(buffer: &Buffer, canvas: Canvas) -> String {
    let area = buffer.area;
    let width = f64::from(area.width) * CELL_W;
    let height = f64::from(area.height) * CELL_H;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.1} {height:.1}">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        hex(canvas.background)
    );
    let _ = writeln!(
        out,
        r#"<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT_SIZE}" xml:space="preserve">"#
    );
    for y in 0..area.height {
        let row: Vec<&Cell> = (0..area.width)
            .map(|x| &buffer[(area.x + x, area.y + y)])
            .collect();
        let top = f64::from(y) * CELL_H;
        // Backgrounds, merged into runs of one colour.
        let mut x = 0usize;
        while x < row.len() {
            let (_, bg) = colours(row[x], canvas);
            let start = x;
            while x < row.len() && colours(row[x], canvas).1 == bg {
                x += 1;
            }
            if bg != canvas.background {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_H}" fill="{}"/>"#,
                    start as f64 * CELL_W,
                    (x - start) as f64 * CELL_W,
                    hex(bg)
                );
            }
        }
        // Text, one element per cell so that every glyph sits in its column.
        for (x, cell) in row.iter().enumerate() {
            let symbol = cell.symbol();
            if symbol.trim().is_empty() {
                continue;
            }
            let (fg, _) = colours(cell, canvas);
            let left = x as f64 * CELL_W;
            if let Some(path) = box_path(symbol, left, top) {
                let _ = writeln!(
                    out,
                    r#"<path d="{path}" stroke="{}" stroke-width="1.2" fill="none"/>"#,
                    hex(fg)
                );
                continue;
            }
            let mut attributes = format!(r#"fill="{}""#, hex(fg));
            if cell.modifier.contains(Modifier::BOLD) {
                attributes.push_str(r#" font-weight="bold""#);
            }
            if cell.modifier.contains(Modifier::ITALIC) {
                attributes.push_str(r#" font-style="italic""#);
            }
            if cell.modifier.contains(Modifier::UNDERLINED) {
                attributes.push_str(r#" text-decoration="underline""#);
            }
            if cell.modifier.contains(Modifier::DIM) {
                attributes.push_str(r#" opacity="0.6""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{left:.1}" y="{:.1}" {attributes}>{}</text>"#,
                top + BASELINE,
                crate::sanitize::xml(symbol)
            );
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// Foreground and background of a cell, with reversed video applied.
fn colours(cell: &Cell, canvas: Canvas) -> ((u8, u8, u8), (u8, u8, u8)) {
    let fg = rgb(cell.fg).unwrap_or(canvas.foreground);
    let bg = rgb(cell.bg).unwrap_or(canvas.background);
    if cell.modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// A colour as RGB, `None` for the terminal's default.
fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    const ANSI: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x31, 0x31),
        (0x0d, 0xbc, 0x79),
        (0xe5, 0xe5, 0x10),
        (0x24, 0x72, 0xc8),
        (0xbc, 0x3f, 0xbc),
        (0x11, 0xa8, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x66, 0x66, 0x66),
        (0xf1, 0x4c, 0x4c),
        (0x23, 0xd1, 0x8b),
        (0xf5, 0xf5, 0x43),
        (0x3b, 0x8e, 0xea),
        (0xd6, 0x70, 0xd6),
        (0x29, 0xb8, 0xdb),
        (0xff, 0xff, 0xff),
    ];
    Some(match color {
        Color::Reset => return None,
        Color::Black => ANSI[0],
        Color::Red => ANSI[1],
        Color::Green => ANSI[2],
        Color::Yellow => ANSI[3],
        Color::Blue => ANSI[4],
        Color::Magenta => ANSI[5],
        Color::Cyan => ANSI[6],
        Color::Gray => ANSI[7],
        Color::DarkGray => ANSI[8],
        Color::LightRed => ANSI[9],
        Color::LightGreen => ANSI[10],
        Color::LightYellow => ANSI[11],
        Color::LightBlue => ANSI[12],
        Color::LightMagenta => ANSI[13],
        Color::LightCyan => ANSI[14],
        Color::White => ANSI[15],
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) => indexed(i, &ANSI),
    })
}

/// The xterm 256-colour palette.
fn indexed(i: u8, ansi: &[(u8, u8, u8); 16]) -> (u8, u8, u8) {
    match i {
        0..=15 => ansi[usize::from(i)],
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        232..=255 => {
            let v = 8 + (i - 232) * 10;
            (v, v, v)
        }
    }
}

/// Box-drawing characters as a path of lines from the cell's centre to its edges.
fn box_path(symbol: &str, left: f64, top: f64) -> Option<String> {
    let (cx, cy) = (left + CELL_W / 2.0, top + CELL_H / 2.0);
    let (right, bottom) = (left + CELL_W, top + CELL_H);
    let line = |x1: f64, y1: f64, x2: f64, y2: f64| format!("M{x1:.1} {y1:.1}L{x2:.1} {y2:.1}");
    // A rounded corner: from one edge, curving through the centre, to the other.
    let curve = |x1: f64, y1: f64, x2: f64, y2: f64| {
        format!("M{x1:.1} {y1:.1}Q{cx:.1} {cy:.1} {x2:.1} {y2:.1}")
    };
    Some(match symbol {
        "─" => line(left, cy, right, cy),
        "│" => line(cx, top, cx, bottom),
        "┌" => format!("{}{}", line(cx, cy, right, cy), line(cx, cy, cx, bottom)),
        "┐" => format!("{}{}", line(left, cy, cx, cy), line(cx, cy, cx, bottom)),
        "└" => format!("{}{}", line(cx, top, cx, cy), line(cx, cy, right, cy)),
        "┘" => format!("{}{}", line(cx, top, cx, cy), line(left, cy, cx, cy)),
        "╭" => curve(right, cy, cx, bottom),
        "╮" => curve(left, cy, cx, bottom),
        "╰" => curve(cx, top, right, cy),
        "╯" => curve(cx, top, left, cy),
        "├" => format!("{}{}", line(cx, top, cx, bottom), line(cx, cy, right, cy)),
        "┤" => format!("{}{}", line(cx, top, cx, bottom), line(left, cy, cx, cy)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn cells_become_text_and_rectangles() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 4, 1));
        buffer.set_string(0, 0, "a<", Style::new().fg(Color::Red).bg(Color::Blue));
        buffer.set_string(2, 0, "│", Style::new());
        let svg = render(&buffer, Canvas::DARK);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r##"fill="#cd3131">a</text>"##), "{svg}");
        assert!(svg.contains("&lt;"));
        assert!(
            svg.contains(r##"width="16.8" height="18" fill="#2472c8""##),
            "{svg}"
        );
        assert!(svg.contains("<path d=\"M21.0 0.0L21.0 18.0\""), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn palette_indices() {
        assert_eq!(rgb(Color::Indexed(16)), Some((0, 0, 0)));
        assert_eq!(rgb(Color::Indexed(231)), Some((255, 255, 255)));
        assert_eq!(rgb(Color::Indexed(232)), Some((8, 8, 8)));
        assert_eq!(rgb(Color::Reset), None);
    }
}
