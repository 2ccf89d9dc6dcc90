//! Regenerates the images in `screenshots/` from the real rendering code:
//!
//! ```sh
//! cargo run --example screenshots
//! ```
//!
//! Each screen is drawn by the real event loop into a `TestBackend` with realistic events, then
//! written as SVG; when `rsvg-convert` (Debian: `librsvg2-bin`) is installed, a PNG is made
//! beside each SVG.

#[path = "../tests/ui_support/mod.rs"]
mod ui_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use hookscope::answer::{AnswerPolicy, AnswerSettings};
use hookscope::ui::app::Mode;
use hookscope::ui::svg::{self, Canvas};
use hookscope::ui::theme::Theme;
use ratatui::crossterm::event::Event as TermEvent;
use ratatui::style::Modifier;
use ui_support::*;

struct Shot {
    name: &'static str,
    what: &'static str,
    size: (u16, u16),
    inputs: Vec<TermEvent>,
    theme: Theme,
    canvas: Canvas,
    /// Drawn over the simulator's traffic recorded through a real analysis (Sessions,
    /// Timelines), rather than the sample events.
    traffic: bool,
}

/// The sample events, the image upload (#19) answered by an app behind `--forward-to` with a
/// 500, its headers and a JSON body, as a forward records it.
fn sample_with_app_answer() -> Vec<hookscope::event::CapturedEvent> {
    use hookscope::event::{ForwardInfo, HeaderList, ResponseInfo, Sent};
    let mut events = sample_events();
    let body = r#"{"error":"image too small","min_width":640,"trace":"c0ffee12"}"#;
    if let Some(event) = events.iter_mut().find(|e| e.id == 19) {
        event.response = ResponseInfo::with_forward(
            500,
            38.4,
            ForwardInfo {
                forwarded_to: Some("http://127.0.0.1:3000/prismatic/image".into()),
                headers: HeaderList::from_pairs([
                    (&b"content-type"[..], &b"application/json"[..]),
                    (&b"x-request-id"[..], &b"7b1e0c94"[..]),
                    (&b"date"[..], &b"Wed, 02 Dec 2026 14:02:16 GMT"[..]),
                ]),
                body: body.as_bytes().to_vec().into(),
                body_size: body.len() as u64,
                ..ForwardInfo::default()
            },
        );
        assert_eq!(event.response.sent, Sent::Held);
    }
    events
}

/// Keys that select event `id` of the sample (the newest is 20) while following.
fn select(id: u64) -> String {
    "k".repeat((20 - id) as usize)
}

fn shots() -> Vec<Shot> {
    let dark = Theme::default;
    vec![
        Shot {
            name: "events",
            what: "the Events view following live traffic",
            size: (120, 32),
            inputs: vec![],
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "events-detail-json",
            what: "a WMS error event's JSON body beside the list (gap, failed job, bad signature rows)",
            size: (150, 34),
            inputs: keys(&format!("{}⏎", select(16))),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "events-detail-analysis",
            what: "the Analysis tab of an event whose signature does not verify",
            size: (150, 34),
            inputs: keys(&format!("{}⏎lll", select(14))),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "events-80x24",
            what: "the smallest supported terminal, detail open on a gap",
            size: (80, 24),
            inputs: keys(&format!("{}⏎", select(9))),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "help",
            what: "the help overlay, generated from the key map",
            size: (120, 40),
            inputs: keys("?"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "filter",
            what: "the filter prompt narrowing the list as you type",
            size: (120, 32),
            inputs: keys("/sev:warn,error"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "theme-light",
            what: "the light theme",
            size: (120, 32),
            inputs: keys(&format!("{}⏎", select(13))),
            theme: Theme::built_in("light").expect("built in"),
            canvas: Canvas::LIGHT,
            traffic: false,
        },
        Shot {
            name: "theme-colorblind",
            what: "the colour-blind safe theme (Okabe–Ito)",
            size: (120, 32),
            inputs: vec![],
            theme: Theme::built_in("colorblind").expect("built in"),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "no-color",
            what: "NO_COLOR: every state still has a glyph or a word",
            size: (120, 32),
            inputs: keys("kkkkk"),
            theme: dark().without_color(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "sessions",
            what: "WMS sessions: one still measuring with a number missing, a late one and a duplicate",
            size: (120, 32),
            inputs: keys("2"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "sessions-ended",
            what: "a session that ended in a constraint violation after a hidden page",
            size: (120, 32),
            inputs: keys("2jj"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "sessions-80x24",
            what: "the Sessions view in the smallest supported terminal",
            size: (80, 24),
            inputs: keys("2"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "timelines",
            what: "a scan whose body creation failed: lanes on a shared time axis, the error, an anomaly",
            size: (120, 32),
            inputs: keys("3jjj"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "timelines-running",
            what: "a scan still processing, just after m switched the answer to 500",
            size: (120, 32),
            inputs: keys("3m"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "timelines-80x24",
            what: "an asset job started before valid capture data, at 80x24",
            size: (80, 24),
            inputs: keys("3jj"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: true,
        },
        Shot {
            name: "events-response",
            what: "the Response tab: the app behind --forward-to answered 500, its headers and body",
            size: (150, 34),
            inputs: keys(&format!("{}⏎llll", select(19))),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "events-diff",
            what: "= marks an event, d compares it with the selected one",
            size: (120, 36),
            inputs: keys(&format!("{}=jjd", select(7))),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
        Shot {
            name: "replay",
            what: "r: the prompt for where to replay the selected event",
            size: (120, 32),
            inputs: keys("kkr"),
            theme: dark(),
            canvas: Canvas::DARK,
            traffic: false,
        },
    ]
}

fn png(svg: &Path) -> Option<PathBuf> {
    let png = svg.with_extension("png");
    let status = Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(svg)
        .status()
        .ok()?;
    status.success().then_some(png)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir)?;
    let mut made_png = false;
    for shot in shots() {
        let (width, height) = shot.size;
        let mut screen = if shot.traffic {
            let (store, mut links, last) = analysed_traffic();
            links.policy = Some(Arc::new(AnswerPolicy::new(AnswerSettings::default())));
            Screen::new(store, live_source(), width, height)
                .with_links(links)
                .at(last + chrono::Duration::seconds(3))
        } else {
            let events = if shot.name == "events-response" {
                sample_with_app_answer()
            } else {
                sample_events()
            };
            Screen::new(store_with(events, 10_000), live_source(), width, height)
        }
        .with_theme(shot.theme.clone());
        // A plausible minute of traffic for the events/s sparkline.
        screen.app.rates = [
            0u64, 2, 5, 9, 14, 12, 8, 11, 19, 24, 21, 16, 9, 6, 11, 17, 20, 14, 8, 5,
        ]
        .into_iter()
        .cycle()
        .take(60)
        .collect();
        screen.send(shot.inputs).await;
        let mut buffer = screen.buffer().clone();
        // A terminal shows the cursor of the filter prompt; the buffer alone does not.
        if matches!(screen.app.mode, Mode::Filter(_) | Mode::Replay(_)) {
            let at = screen.terminal.get_cursor_position()?;
            if buffer.area.contains(at) {
                buffer[at].modifier.insert(Modifier::REVERSED);
            }
        }
        let svg_path = dir.join(format!("{}.svg", shot.name));
        std::fs::write(&svg_path, svg::render(&buffer, shot.canvas))?;
        let png_path = png(&svg_path);
        made_png |= png_path.is_some();
        println!(
            "{}  {}",
            png_path.as_deref().unwrap_or(&svg_path).display(),
            shot.what
        );
    }
    if !made_png {
        println!("rsvg-convert not found: SVG only (Debian: apt-get install librsvg2-bin)");
    }
    Ok(())
}
