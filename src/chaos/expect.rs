//! `--expect-status`: the answer every event sent must end in for a chaos run to pass — a class
//! (`2xx`, `4xx`) or one status (`200`, `409`).

/// What a final answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectStatus {
    /// Any status of this hundred: 2 for `2xx`.
    Class(u8),
    Exact(u16),
}

impl Default for ExpectStatus {
    fn default() -> ExpectStatus {
        ExpectStatus::Class(2)
    }
}

impl ExpectStatus {
    pub fn parse(text: &str) -> Result<ExpectStatus, String> {
        let t = text.trim().to_ascii_lowercase();
        let bad = || format!("'{text}' is not a status class or status; write e.g. 2xx, 4xx, 200");
        if let Some(digit) = t.strip_suffix("xx") {
            return match digit.parse::<u8>() {
                Ok(class @ 1..=5) if digit.len() == 1 => Ok(ExpectStatus::Class(class)),
                _ => Err(bad()),
            };
        }
        match t.parse::<u16>() {
            Ok(status @ 100..=599) => Ok(ExpectStatus::Exact(status)),
            _ => Err(bad()),
        }
    }

    pub fn matches(self, status: u16) -> bool {
        match self {
            ExpectStatus::Class(class) => status / 100 == u16::from(class),
            ExpectStatus::Exact(expected) => status == expected,
        }
    }
}

impl std::fmt::Display for ExpectStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectStatus::Class(class) => write!(f, "{class}xx"),
            ExpectStatus::Exact(status) => write!(f, "{status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_statuses_parse_and_match() {
        assert_eq!(ExpectStatus::parse("2xx"), Ok(ExpectStatus::Class(2)));
        assert_eq!(ExpectStatus::parse("4XX"), Ok(ExpectStatus::Class(4)));
        assert_eq!(ExpectStatus::parse("200"), Ok(ExpectStatus::Exact(200)));
        for bad in ["", "xx", "6xx", "22xx", "abc", "99", "600", "2x"] {
            assert!(ExpectStatus::parse(bad).is_err(), "{bad}");
        }
        assert!(ExpectStatus::Class(2).matches(204) && !ExpectStatus::Class(2).matches(302));
        assert!(ExpectStatus::Exact(409).matches(409) && !ExpectStatus::Exact(409).matches(200));
        assert_eq!(ExpectStatus::default().to_string(), "2xx");
        assert_eq!(ExpectStatus::Exact(200).to_string(), "200");
    }
}
