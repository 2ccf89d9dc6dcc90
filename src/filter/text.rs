//! Free text: the plain search of `Filter::matches`, and the prepared one of a `Matcher` —
//! a needle folded once and searched with SIMD, the needle's rarest byte learned from the
//! first haystacks — with the verdicts on shared strings kept by the string's address.

use std::fmt::Write as _;

use crate::event::{CapturedEvent, Provider};
use crate::intern::SharedStr;

/// Verdicts on shared strings (`SharedStr`), keyed by the string's address: events carry the
/// same interned event names and ids over and over, so most look-ups are hits. A small
/// direct-mapped table; each entry holds a reference to its string, so that an address cannot
/// be freed and reused for another string while the verdict is remembered.
#[derive(Default)]
pub(super) struct Verdicts {
    slots: Vec<Option<(SharedStr, bool)>>,
}

impl Verdicts {
    /// Number of entries (a power of two).
    const SLOTS: usize = 1024;

    /// The verdict on `text`, computed by `decide` the first time this string is seen.
    pub(super) fn get_or_insert(
        &mut self,
        text: &SharedStr,
        decide: impl FnOnce(&str) -> bool,
    ) -> bool {
        if self.slots.is_empty() {
            self.slots = vec![None; Self::SLOTS];
        }
        let address = text.address();
        // Fibonacci hashing of the address; allocations are at least 8-byte aligned.
        let hash = (address >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let index = hash >> (usize::BITS - Self::SLOTS.trailing_zeros());
        let Some(slot) = self.slots.get_mut(index) else {
            return decide(text);
        };
        match slot {
            Some((seen, verdict)) if SharedStr::ptr_eq(seen, text) => *verdict,
            _ => {
                let verdict = decide(text);
                *slot = Some((text.clone(), verdict));
                verdict
            }
        }
    }
}

/// Free text prepared for searching many haystacks: the same matches as
/// `contains_ignore_ascii_case`, found faster. Each haystack is folded in windows — every
/// byte with bit `0x20` set, which lower-cases ASCII letters in one instruction per 16 bytes —
/// and searched with a SIMD substring search for the needle folded the same way. Folding
/// also merges a few pairs of other bytes (`_` and DEL, for instance), so each hit is checked
/// against the haystack itself before it counts.
pub(super) struct TextSearch {
    /// The needle, ASCII lower-case.
    needle: Vec<u8>,
    /// The needle's rarest byte in the haystacks searched so far, and its offset: a match can
    /// only start where that byte, in either case, lies that far ahead. `None` until enough
    /// bytes have been seen to tell, and when even the rarest byte is common.
    rare: Option<(usize, u8)>,
    /// How often each byte (ASCII lower-cased) occurred in the first haystacks searched.
    counts: Box<[u32; 256]>,
    /// Bytes counted so far, up to `SAMPLE`.
    sampled: usize,
    /// A search for the folded needle.
    finder: memchr::memmem::Finder<'static>,
    /// The verdict for each provider's name.
    providers: [bool; 4],
    /// Room for one folded window of a haystack.
    window: Box<[u8; TextSearch::WINDOW]>,
    /// Room for an anomaly's sentence, which is composed only to be searched: reused, so that
    /// a scan over many events with anomalies allocates once.
    sentence: String,
}

/// The bit that tells a lower-case ASCII letter from its capital.
const CASE_BIT: u8 = 0x20;

impl TextSearch {
    /// Bytes folded and searched at a time. Consecutive windows overlap by the needle's length
    /// less one, so a match across a window's edge is found in the next window.
    const WINDOW: usize = 4096;
    /// Bytes of haystack counted before the rarest byte of the needle is chosen.
    const SAMPLE: usize = 64 * 1024;

    pub(super) fn new(needle: &str) -> TextSearch {
        let needle = needle.as_bytes().to_ascii_lowercase();
        let folded: Vec<u8> = needle.iter().map(|&b| b | CASE_BIT).collect();
        let finder = memchr::memmem::Finder::new(&folded).into_owned();
        let providers = [
            Provider::Wms,
            Provider::Prism,
            Provider::PrismVideo,
            Provider::Generic,
        ]
        .map(|p| contains_ignore_ascii_case(p.as_str().as_bytes(), &needle));
        TextSearch {
            needle,
            rare: None,
            counts: Box::new([0; 256]),
            sampled: 0,
            finder,
            providers,
            window: Box::new([0; TextSearch::WINDOW]),
            sentence: String::new(),
        }
    }

    /// What `text_matches` answers, with the verdicts on shared strings remembered in `known`.
    /// The cheap fields come first; the body last. For the shared strings (method, path,
    /// query, event name, ids) the verdict is looked up by the string's address before its
    /// text is read: most events share them, and a verdict found spares reading the string,
    /// which over a million events is mostly a cache miss.
    pub(super) fn matches(&mut self, event: &CapturedEvent, known: &mut Verdicts) -> bool {
        let analysis = &event.analysis;
        let subject = &analysis.subject;
        let provider = match analysis.provider {
            Provider::Wms => self.providers[0],
            Provider::Prism => self.providers[1],
            Provider::PrismVideo => self.providers[2],
            Provider::Generic => self.providers[3],
        };
        let needle = &self.needle;
        provider
            || [
                Some(&event.method),
                Some(&event.path),
                event.query_shared(),
                analysis.kind.as_ref(),
                subject.session_id.as_ref(),
                subject.measurement_id.as_ref(),
                subject.scan_id.as_ref(),
                subject.video_id.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|shared| {
                known.get_or_insert(shared, |text| {
                    contains_ignore_ascii_case(text.as_bytes(), needle)
                })
            })
            || analysis.anomalies.iter().any(|a| {
                if self.contains(a.code().as_bytes()) {
                    return true;
                }
                let mut sentence = std::mem::take(&mut self.sentence);
                sentence.clear();
                let _ = write!(sentence, "{a}");
                let found = self.contains(sentence.as_bytes());
                self.sentence = sentence;
                found
            })
            || self.contains(&event.body)
    }

    /// True when the needle occurs in `haystack`, ignoring ASCII case. Candidates are the
    /// places of the needle's rarest byte, found with `memchr` without copying anything; when
    /// they turn out to be frequent in this haystack, the rest of it is folded and searched.
    fn contains(&mut self, haystack: &[u8]) -> bool {
        let n = self.needle.len();
        if n == 0 || n > haystack.len() {
            return n == 0;
        }
        if self.sampled < Self::SAMPLE {
            self.learn(haystack);
            return self.contains_folded(haystack);
        }
        let Some((offset, byte)) = self.rare else {
            return self.contains_folded(haystack);
        };
        let (lower, upper) = (byte.to_ascii_lowercase(), byte.to_ascii_uppercase());
        // Where the rare byte lies for every possible start.
        let places = &haystack[offset..=haystack.len() - n + offset];
        let mut budget = 4 + haystack.len() / 64;
        let mut from = 0;
        while let Some(found) = places
            .get(from..)
            .and_then(|rest| memchr::memchr2(lower, upper, rest))
        {
            let start = from + found;
            if haystack[start..start + n].eq_ignore_ascii_case(&self.needle) {
                return true;
            }
            from = start + 1;
            budget -= 1;
            if budget == 0 {
                // Every start up to `start` has been ruled out.
                return self.contains_folded(&haystack[from..]);
            }
        }
        false
    }

    /// Counts the bytes of the first haystacks; once there are enough, picks the needle's
    /// rarest byte among them, if it is rare enough to be worth looking for first.
    fn learn(&mut self, haystack: &[u8]) {
        for &byte in haystack {
            let count = &mut self.counts[usize::from(byte.to_ascii_lowercase())];
            *count = count.saturating_add(1);
        }
        self.sampled += haystack.len();
        if self.sampled < Self::SAMPLE {
            return;
        }
        self.rare = self
            .needle
            .iter()
            .enumerate()
            .min_by_key(|&(_, &byte)| self.counts[usize::from(byte)])
            // At most one candidate in 32 bytes, on average.
            .filter(|&(_, &byte)| {
                (self.counts[usize::from(byte)] as usize).saturating_mul(32) <= self.sampled
            })
            .map(|(offset, &byte)| (offset, byte));
    }

    /// `contains`, by folding `haystack` in windows and searching for the folded needle.
    fn contains_folded(&mut self, haystack: &[u8]) -> bool {
        let n = self.needle.len();
        if n > haystack.len() {
            return false;
        }
        if n == 0 || n > Self::WINDOW / 2 {
            // Rare enough (an empty or very long needle) for the plain search.
            return contains_ignore_ascii_case(haystack, &self.needle);
        }
        let step = Self::WINDOW - (n - 1);
        let mut start = 0;
        loop {
            let end = haystack.len().min(start + Self::WINDOW);
            let Some(part) = haystack.get(start..end) else {
                return false;
            };
            let folded = &mut self.window[..part.len()];
            for (to, &from) in folded.iter_mut().zip(part) {
                *to = from | CASE_BIT;
            }
            let mut from = 0;
            while let Some(at) = folded.get(from..).and_then(|rest| self.finder.find(rest)) {
                let at = from + at;
                if part
                    .get(at..at + n)
                    .is_some_and(|hit| hit.eq_ignore_ascii_case(&self.needle))
                {
                    return true;
                }
                from = at + 1;
            }
            if end == haystack.len() {
                return false;
            }
            start += step;
        }
    }
}

/// Free text: searched in what a person would remember about an event.
pub(super) fn text_matches(event: &CapturedEvent, needle: &str) -> bool {
    let analysis = &event.analysis;
    let subject = &analysis.subject;
    let fields = [
        Some(&*event.method),
        Some(&*event.path),
        event.query(),
        Some(analysis.provider.as_str()),
        analysis.kind.as_deref(),
        subject.session_id.as_deref(),
        subject.measurement_id.as_deref(),
        subject.scan_id.as_deref(),
        subject.video_id.as_deref(),
    ];
    // Compared without allocating: a filter runs over every stored event on each keystroke.
    let needle = needle.as_bytes();
    fields
        .into_iter()
        .flatten()
        .any(|field| contains_ignore_ascii_case(field.as_bytes(), needle))
        || analysis.anomalies.iter().any(|a| {
            contains_ignore_ascii_case(a.code().as_bytes(), needle)
                || contains_ignore_ascii_case(a.message().as_bytes(), needle)
        })
        || contains_ignore_ascii_case(&event.body, needle)
}

/// Byte search ignoring ASCII case (the needle is already lower-case). Bodies are bytes, not
/// necessarily UTF-8, so they are searched without decoding.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    find_ignore_ascii_case(haystack, needle).is_some()
}

/// Where `needle` first occurs in `haystack`, ignoring ASCII case. Candidates are found with
/// `memchr` on both cases of the first byte, which keeps a search over a million bodies fast.
pub(super) fn find_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if needle.len() > haystack.len() {
        return None;
    }
    let starts = &haystack[..=haystack.len() - needle.len()];
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        starts,
    )
    .find(|&at| haystack[at + 1..at + needle.len()].eq_ignore_ascii_case(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search that has already counted bytes where the needle's bytes never occur, so that
    /// it looks for the rarest of them first.
    fn warmed(needle: &str) -> TextSearch {
        let mut search = TextSearch::new(needle);
        search.learn(&vec![b'.'; TextSearch::SAMPLE]);
        assert!(search.rare.is_some(), "{needle}");
        search
    }

    #[test]
    fn text_search_finds_matches_across_window_edges() {
        let window = TextSearch::WINDOW;
        let mut search = TextSearch::new("needle-x");
        let mut prefiltered = warmed("needle-x");
        for at in [
            0,
            1,
            window - 8,
            window - 7,
            window - 4,
            window - 1,
            window,
            2 * window - 5,
        ] {
            let mut haystack = vec![b'n'; 3 * window];
            haystack[at..at + 8].copy_from_slice(b"NeEdLe-X");
            assert!(search.contains(&haystack), "at {at}");
            assert!(prefiltered.contains(&haystack), "prefiltered, at {at}");
            haystack[at + 7] = b'y';
            assert!(!search.contains(&haystack), "broken at {at}");
            assert!(
                !prefiltered.contains(&haystack),
                "prefiltered, broken at {at}"
            );
        }
        // A needle longer than half a window is searched without windows.
        let long = "ab".repeat(window / 2 + 1);
        let mut search = TextSearch::new(&long);
        let mut haystack = b"x".repeat(window);
        haystack.extend_from_slice(long.to_uppercase().as_bytes());
        assert!(search.contains(&haystack));
        assert!(!search.contains(&haystack[1..haystack.len() - 1]));
    }

    #[test]
    fn common_needle_bytes_are_not_looked_for_first() {
        let mut search = TextSearch::new("ab");
        search.learn(&b"ab.".repeat(TextSearch::SAMPLE / 3 + 1));
        assert_eq!(search.rare, None);
        let mut search = TextSearch::new("a-q");
        search.learn(&b"aaaa-".repeat(TextSearch::SAMPLE / 5 + 1));
        assert_eq!(search.rare, Some((2, b'q')));
        assert!(search.contains(b"xxA-Qxx"));
        assert!(!search.contains(b"xxA-xQx"));
    }

    #[test]
    fn frequent_rare_bytes_hand_over_to_the_folded_search() {
        let mut search = warmed("qz");
        // Hundreds of candidates for either byte before the match, in both cases.
        let mut haystack = b"qQzZ".repeat(300);
        assert!(
            search.contains(&haystack),
            "qZ occurs inside the pattern already"
        );
        haystack = b"qqQQ".repeat(300);
        assert!(!search.contains(&haystack));
        haystack.extend_from_slice(b"Qz");
        assert!(search.contains(&haystack));
        haystack.truncate(haystack.len() - 1);
        assert!(!search.contains(&haystack));
    }

    proptest::proptest! {
        #[test]
        fn text_search_agrees_with_the_plain_search(
            haystack in proptest::collection::vec(
                proptest::sample::select(b"aAbB_\x7f@`-\xc3\xa9\x89\x00 ".to_vec()),
                0..9000,
            ),
            needle in proptest::collection::vec(
                proptest::sample::select(b"abB_\x7f@-\xc3\xa9".to_vec()),
                1..6,
            ),
        ) {
            let needle = String::from_utf8_lossy(&needle).to_lowercase();
            let expected = contains_ignore_ascii_case(&haystack, needle.as_bytes());
            let mut search = TextSearch::new(&needle);
            proptest::prop_assert_eq!(search.contains(&haystack), expected);
            let mut prefiltered = warmed(&needle);
            proptest::prop_assert_eq!(prefiltered.contains(&haystack), expected);
        }
    }

    #[test]
    fn find_ignore_ascii_case_finds_the_first_match() {
        assert_eq!(find_ignore_ascii_case(b"xxABdab", b"abc"), None);
        assert_eq!(find_ignore_ascii_case(b"xxABcabc", b"abc"), Some(2));
        assert_eq!(find_ignore_ascii_case(b"abC", b"abc"), Some(0));
        assert_eq!(find_ignore_ascii_case(b"ab", b"abc"), None);
        assert_eq!(find_ignore_ascii_case(b"1-2", b"-2"), Some(1));
    }
}
