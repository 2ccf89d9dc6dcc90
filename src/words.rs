//! Counts in words for messages people read: `1 event`, `2 events`.

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
}
