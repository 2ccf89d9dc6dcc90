//! Counts and sizes in words for messages people read: `1 event`, `2 events`, `1.5 MiB`.

/// `n` and the noun, plural unless `n` is 1: `count(1, "event")` is `1 event`. Nouns whose
/// plural is not the singular plus `s` give both forms to [`count_as`].
pub fn count(n: u64, noun: &str) -> String {
    count_as(n, noun, &format!("{noun}s"))
}

/// The noun alone, plural unless `n` is 1, for numbers formatted otherwise (`1,024 events`).
pub fn noun(n: u64, singular: &str) -> String {
    if n == 1 {
        singular.to_owned()
    } else {
        format!("{singular}s")
    }
}

/// `n` and `singular` when `n` is 1, `plural` otherwise.
pub fn count_as(n: u64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// A size for people: `512 B`, `64 KiB`, `1.5 MiB`.
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(count(0, "event"), "0 events");
        assert_eq!(count(1, "event"), "1 event");
        assert_eq!(count(2, "re-send"), "2 re-sends");
        assert_eq!(noun(1, "event"), "event");
        assert_eq!(noun(1024, "event"), "events");
        assert_eq!(count_as(1, "event was", "events were"), "1 event was");
        assert_eq!(count_as(3, "event was", "events were"), "3 events were");
    }

    #[test]
    fn sizes() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(64 * 1024), "64 KiB");
        assert_eq!(format_size(1536 * 1024), "1.5 MiB");
    }
}
