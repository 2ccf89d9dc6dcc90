//! Colours: the `Theme` type the views ask for styles by meaning (`theme.severity(sev)`,
//! `theme.signature(verdict)`, `theme.gap()`), the built-in palettes from `themes/*.toml`, and
//! loading a user's theme file patched over the default one key by key.
//!
//! With `NO_COLOR` set the theme gives no colours at all, only modifiers (bold, reversed), and
//! the views still say every state with a glyph or a word.

use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::event::{SequenceStatus, Severity, SignatureVerdict};

/// The built-in themes, by name. The first is the default, and the base of every other.
pub const BUILT_IN: [(&str, &str); 4] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

/// A theme file that could not be used, in one sentence naming the file and the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ThemeError(String);

macro_rules! palette {
    ($($field:ident),* $(,)?) => {
        /// One colour per meaning.
        #[derive(Debug, Clone, PartialEq, Eq)]
        struct Palette {
            $($field: Color,)*
        }

        /// What a theme file may set: any subset of the palette's keys.
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct PaletteFile {
            $(#[serde(default)] $field: Option<ThemeColor>,)*
        }

        impl Palette {
            const UNSET: Palette = Palette { $($field: Color::Reset,)* };

            fn apply(&mut self, file: PaletteFile) {
                $(if let Some(color) = file.$field { self.$field = color.0; })*
            }
        }

        impl PaletteFile {
            /// Keys the file left out.
            #[cfg(test)]
            fn missing(&self) -> Vec<&'static str> {
                let mut missing = Vec::new();
                $(if self.$field.is_none() { missing.push(stringify!($field)); })*
                missing
            }
        }
    };
}

palette!(
    text,
    dim,
    accent,
    border,
    border_focus,
    title,
    header_bg,
    selection_bg,
    key,
    info,
    warn,
    error,
    sig_valid,
    sig_invalid,
    sig_missing,
    sig_no_secret,
    sig_unsigned,
    gap,
    late,
    duplicate,
    status_ok,
    status_redirect,
    status_client_error,
    status_server_error,
    json_key,
    json_string,
    json_number,
    json_literal,
    json_punct,
    masked,
);

/// A colour as written in a theme file.
#[derive(Debug, Clone, Copy)]
struct ThemeColor(Color);

impl<'de> Deserialize<'de> for ThemeColor {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Color::from_str(text.trim()).map(ThemeColor).map_err(|_| {
            serde::de::Error::custom(format!(
                "'{text}' is not a colour: use a name such as \"lightred\", an index such as \
                 \"208\", or \"#rrggbb\""
            ))
        })
    }
}

/// The kinds of JSON token the body view colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonToken {
    Key,
    String,
    Number,
    /// `true`, `false`, `null`.
    Literal,
    Punctuation,
}

/// Styles by meaning. Cheap to clone; views borrow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    name: String,
    palette: Palette,
    color: bool,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::built_in("dark").expect("the built-in default theme is valid")
    }
}

impl Theme {
    /// A built-in theme by name (`dark`, `light`, `high-contrast`, `colorblind`).
    pub fn built_in(name: &str) -> Option<Theme> {
        let (name, text) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        // Built-in files are checked by the tests; a failure here is a build mistake.
        let base = parse_file(BUILT_IN[0].1, "themes/dark.toml").ok()?;
        let mut palette = Palette::UNSET;
        palette.apply(base);
        palette.apply(parse_file(text, name).ok()?);
        Some(Theme {
            name: (*name).to_owned(),
            palette,
            color: true,
        })
    }

    /// `--theme NAME|PATH`: a built-in name, or a TOML file patched over the default theme.
    pub fn load(name_or_path: &str) -> Result<Theme, ThemeError> {
        if let Some(theme) = Theme::built_in(name_or_path) {
            return Ok(theme);
        }
        let path = Path::new(name_or_path);
        let text = std::fs::read_to_string(path).map_err(|error| {
            let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
            // A value written as a path means a file, however it is spelt: say it is missing
            // rather than suggest theme names to someone who meant a file.
            let looks_like_a_path = name_or_path.contains(['/', '\\'])
                || name_or_path.to_ascii_lowercase().ends_with(".toml");
            if error.kind() == std::io::ErrorKind::NotFound && looks_like_a_path {
                ThemeError(format!("theme file {}: no such file", path.display()))
            } else if error.kind() == std::io::ErrorKind::NotFound {
                ThemeError(format!(
                    "no theme named '{name_or_path}': use one of {} or the path of a theme file",
                    names.join(", ")
                ))
            } else {
                ThemeError(format!(
                    "cannot read theme file {}: {error}",
                    path.display()
                ))
            }
        })?;
        Theme::from_toml(&text, &path.display().to_string())
    }

    /// A theme from the text of a TOML file; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let mut theme = Theme::default();
        theme.palette.apply(parse_file(text, origin)?);
        theme.name = Path::new(origin)
            .file_stem()
            .map_or_else(|| origin.to_owned(), |s| s.to_string_lossy().into_owned());
        Ok(theme)
    }

    /// The same theme without any colour (for `NO_COLOR`).
    pub fn without_color(mut self) -> Theme {
        self.color = false;
        self
    }

    /// Applies the `NO_COLOR` convention: any non-empty value turns colour off.
    pub fn honour_no_color(self, no_color: Option<&str>) -> Theme {
        match no_color {
            Some(value) if !value.is_empty() => self.without_color(),
            _ => self,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn has_color(&self) -> bool {
        self.color
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    pub fn text(&self) -> Style {
        self.fg(self.palette.text)
    }

    /// Less important text: column headings, labels, hints.
    pub fn dim(&self) -> Style {
        self.fg(self.palette.dim)
    }

    pub fn accent(&self) -> Style {
        self.fg(self.palette.accent)
    }

    pub fn title(&self) -> Style {
        self.fg(self.palette.title).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(self.palette.border_focus)
        } else {
            self.fg(self.palette.border)
        }
    }

    /// The header lines at the top.
    pub fn header(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.text)
                .bg(self.palette.header_bg)
        } else {
            Style::new()
        }
    }

    /// The selected row: a background colour, or reversed video without colour.
    pub fn selection(&self) -> Style {
        if self.color {
            Style::new()
                .bg(self.palette.selection_bg)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// A key name in hints and help.
    pub fn key(&self) -> Style {
        self.fg(self.palette.key).add_modifier(Modifier::BOLD)
    }

    pub fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Info => self.fg(self.palette.info),
            Severity::Warn => self.fg(self.palette.warn),
            Severity::Error => self.fg(self.palette.error).add_modifier(Modifier::BOLD),
        }
    }

    pub fn signature(&self, verdict: SignatureVerdict) -> Style {
        match verdict {
            SignatureVerdict::Valid => self.fg(self.palette.sig_valid),
            SignatureVerdict::Invalid | SignatureVerdict::Malformed | SignatureVerdict::Stale => {
                self.fg(self.palette.sig_invalid)
                    .add_modifier(Modifier::BOLD)
            }
            SignatureVerdict::Missing => self.fg(self.palette.sig_missing),
            SignatureVerdict::NoSecret => self.fg(self.palette.sig_no_secret),
            SignatureVerdict::Unsigned => self.fg(self.palette.sig_unsigned),
        }
    }

    /// Missing sequence numbers.
    pub fn gap(&self) -> Style {
        self.fg(self.palette.gap).add_modifier(Modifier::BOLD)
    }

    pub fn sequence(&self, status: SequenceStatus) -> Style {
        match status {
            SequenceStatus::First | SequenceStatus::InOrder => self.dim(),
            SequenceStatus::Gap => self.gap(),
            SequenceStatus::Late => self.fg(self.palette.late),
            SequenceStatus::Duplicate => self.fg(self.palette.duplicate),
            SequenceStatus::Conflict => self.fg(self.palette.error).add_modifier(Modifier::BOLD),
            SequenceStatus::Restart => self.fg(self.palette.warn),
        }
    }

    /// The status hookscope answered with.
    pub fn status(&self, status: u16) -> Style {
        match status / 100 {
            2 => self.fg(self.palette.status_ok),
            1 | 3 => self.fg(self.palette.status_redirect),
            4 => self.fg(self.palette.status_client_error),
            _ => self
                .fg(self.palette.status_server_error)
                .add_modifier(Modifier::BOLD),
        }
    }

    pub fn json(&self, token: JsonToken) -> Style {
        match token {
            JsonToken::Key => self.fg(self.palette.json_key),
            JsonToken::String => self.fg(self.palette.json_string),
            JsonToken::Number => self.fg(self.palette.json_number),
            JsonToken::Literal => self.fg(self.palette.json_literal),
            JsonToken::Punctuation => self.fg(self.palette.json_punct),
        }
    }

    /// A hidden credential (`••••`).
    pub fn masked(&self) -> Style {
        self.fg(self.palette.masked).add_modifier(Modifier::BOLD)
    }

    /// Something that went wrong (an error message, a failed action).
    pub fn problem(&self) -> Style {
        self.fg(self.palette.error).add_modifier(Modifier::BOLD)
    }

    /// Something that went well (a finished export).
    pub fn success(&self) -> Style {
        self.fg(self.palette.sig_valid)
    }
}

fn parse_file(text: &str, origin: &str) -> Result<PaletteFile, ThemeError> {
    toml::from_str::<PaletteFile>(text).map_err(|error| {
        let place = error.span().map_or_else(String::new, |span| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!(", line {line}")
        });
        let message = error.message().trim().replace('\n', " ");
        ThemeError(format!("theme file {origin}{place}: {message}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_sets_every_key() {
        for (name, text) in BUILT_IN {
            let file = parse_file(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(file.missing(), Vec::<&str>::new(), "{name}");
            let theme = Theme::built_in(name).unwrap();
            assert_eq!(theme.name(), name);
        }
        assert_eq!(Theme::default().name(), "dark");
    }

    #[test]
    fn a_user_file_overrides_key_by_key() {
        let theme = Theme::from_toml("error = \"#ff0000\"\n", "mine.toml").unwrap();
        assert_eq!(theme.name(), "mine");
        assert_eq!(
            theme.severity(Severity::Error).fg,
            Some(Color::Rgb(255, 0, 0))
        );
        assert_eq!(
            theme.severity(Severity::Warn),
            Theme::default().severity(Severity::Warn)
        );
    }

    #[test]
    fn errors_name_the_file_and_the_line() {
        let error = Theme::from_toml("text = \"white\"\nerror = \"blurple\"\n", "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("theme file bad.toml, line 2:"), "{error}");
        assert!(error.contains("'blurple' is not a colour"), "{error}");
        assert!(!error.contains('\n'));

        let error = Theme::from_toml("\n\nerorr = \"red\"\n", "typo.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("theme file typo.toml, line 3:"),
            "{error}"
        );
        assert!(error.contains("erorr"), "{error}");

        let error = Theme::from_toml("text = \n", "syntax.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("theme file syntax.toml, line 1:"),
            "{error}"
        );
    }

    #[test]
    fn load_takes_names_and_paths() {
        assert_eq!(Theme::load("light").unwrap().name(), "light");
        let error = Theme::load("no-such-theme").unwrap_err().to_string();
        assert!(
            error.contains("dark, light, high-contrast, colorblind"),
            "{error}"
        );
        let path =
            std::env::temp_dir().join(format!("hookscope-theme-{}.toml", std::process::id()));
        std::fs::write(&path, "gap = \"magenta\"\n").unwrap();
        let theme = Theme::load(path.to_str().unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(theme.gap().fg, Some(Color::Magenta));
    }

    #[test]
    fn no_color_means_no_colour_anywhere() {
        let theme = Theme::default().honour_no_color(Some("1"));
        assert!(!theme.has_color());
        let styles = [
            theme.text(),
            theme.severity(Severity::Error),
            theme.signature(SignatureVerdict::Invalid),
            theme.gap(),
            theme.status(500),
            theme.selection(),
            theme.header(),
            theme.json(JsonToken::Key),
        ];
        for style in styles {
            assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
        }
        assert!(theme.selection().add_modifier.contains(Modifier::REVERSED));
        // An empty NO_COLOR does not count.
        assert!(Theme::default().honour_no_color(Some("")).has_color());
    }
}
