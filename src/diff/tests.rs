use serde_json::json;

use super::*;
use crate::event::build::EventBuilder;
use crate::event::{Redelivery, SequenceInfo};

fn changes(left: &str, right: &str) -> Vec<(String, Change)> {
    match body(left.as_bytes(), right.as_bytes()) {
        BodyDiff::Json { changes, more } => {
            assert_eq!(more, 0);
            changes
                .into_iter()
                .map(|c| (c.path_text(), c.change))
                .collect()
        }
        other => panic!("not a JSON diff: {other:?}"),
    }
}

fn changed(old: &str, new: &str) -> Change {
    Change::Changed {
        old: old.to_owned(),
        new: new.to_owned(),
    }
}

#[test]
fn nested_objects_are_compared_by_path() {
    let left = r#"{"sequence":4,"payload":{"snr":55,"measurementId":"m-1","deep":{"a":1,"b":2}}}"#;
    let right = r#"{"payload":{"deep":{"b":3,"a":1},"snr":61,"measurementId":"m-1","details":{"x":true}},"sequence":4}"#;
    assert_eq!(
        changes(left, right),
        vec![
            ("payload.deep.b".to_owned(), changed("2", "3")),
            ("payload.snr".to_owned(), changed("55", "61")),
            (
                "payload.details".to_owned(),
                Change::Added(r#"{"x":true}"#.to_owned())
            ),
        ]
    );
}

#[test]
fn keys_added_and_removed_at_every_depth() {
    let left = r#"{"gone":[1,2],"keep":{"old":"x"}}"#;
    let right = r#"{"keep":{"new":null},"fresh":1}"#;
    assert_eq!(
        changes(left, right),
        vec![
            ("gone".to_owned(), Change::Removed("[1,2]".to_owned())),
            ("keep.old".to_owned(), Change::Removed(r#""x""#.to_owned())),
            ("keep.new".to_owned(), Change::Added("null".to_owned())),
            ("fresh".to_owned(), Change::Added("1".to_owned())),
        ]
    );
}

#[test]
fn arrays_are_compared_by_index_with_tails_added_or_removed() {
    assert_eq!(
        changes(r#"{"a":[1,{"id":2},3]}"#, r#"{"a":[1,{"id":5},3,4,5]}"#),
        vec![
            ("a[1].id".to_owned(), changed("2", "5")),
            ("a[3]".to_owned(), Change::Added("4".to_owned())),
            ("a[4]".to_owned(), Change::Added("5".to_owned())),
        ]
    );
    assert_eq!(
        changes("[1,2,3]", "[1]"),
        vec![
            ("[1]".to_owned(), Change::Removed("2".to_owned())),
            ("[2]".to_owned(), Change::Removed("3".to_owned())),
        ]
    );
}

#[test]
fn a_type_change_is_one_change_at_its_path() {
    assert_eq!(
        changes(
            r#"{"snr":55,"p":{"a":1},"l":[1],"s":"1"}"#,
            r#"{"snr":"55","p":[1],"l":{"0":1},"s":1}"#
        ),
        vec![
            ("l".to_owned(), changed("[1]", r#"{"0":1}"#)),
            ("p".to_owned(), changed(r#"{"a":1}"#, "[1]")),
            ("s".to_owned(), changed(r#""1""#, "1")),
            ("snr".to_owned(), changed("55", r#""55""#)),
        ]
    );
    // The whole body changing type is a change of the root.
    assert_eq!(
        changes("[1]", r#"{"a":1}"#),
        vec![("(body)".to_owned(), changed("[1]", r#"{"a":1}"#))]
    );
}

#[test]
fn odd_keys_are_quoted_in_paths() {
    assert_eq!(
        changes(r#"{"a.b":{"":1,"x y":2}}"#, r#"{"a.b":{"":2,"x y":3}}"#),
        vec![
            (r#"["a.b"][""]"#.to_owned(), changed("1", "2")),
            (r#"["a.b"]["x y"]"#.to_owned(), changed("2", "3")),
        ]
    );
}

#[test]
fn identical_bodies_and_bodies_equal_as_json() {
    assert_eq!(
        body(b"{\"a\":1}", b"{\"a\":1}"),
        BodyDiff::Identical { size: 7 }
    );
    assert_eq!(body(b"", b""), BodyDiff::Identical { size: 0 });
    // Spacing and key order only: JSON with no change.
    assert_eq!(
        body(b"{\"a\":1,\"b\":2}", b"{ \"b\": 2, \"a\": 1 }"),
        BodyDiff::Json {
            changes: vec![],
            more: 0
        }
    );
}

#[test]
fn very_many_changes_are_counted_past_the_limit() {
    let left: Vec<u32> = (0..3000).collect();
    let right: Vec<u32> = (1..3001).collect();
    let BodyDiff::Json { changes, more } = body(
        json!(left).to_string().as_bytes(),
        json!(right).to_string().as_bytes(),
    ) else {
        panic!("not JSON");
    };
    assert_eq!(changes.len(), MAX_CHANGES);
    assert_eq!(more, 3000 - MAX_CHANGES);
}

#[test]
fn deeply_nested_json_does_not_overflow() {
    // serde_json refuses nesting past 128 levels, so such a body is text.
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let other = "[".repeat(10_000) + "1" + &"]".repeat(10_000);
    assert!(matches!(
        body(deep.as_bytes(), other.as_bytes()),
        BodyDiff::Text { .. }
    ));
    let nested = "[".repeat(100) + &"]".repeat(100);
    let nested_one = "[".repeat(100) + "1" + &"]".repeat(100);
    let BodyDiff::Json { changes, .. } = body(nested.as_bytes(), nested_one.as_bytes()) else {
        panic!("not JSON");
    };
    assert_eq!(changes[0].path.len(), 100);
}

#[test]
fn text_bodies_get_a_line_diff() {
    let left = "a\nb\nc\nd\ne\n";
    let right = "a\nB\nc\nd\ne\nf\n";
    assert_eq!(
        body(left.as_bytes(), right.as_bytes()),
        BodyDiff::Text {
            lines: vec![
                LineChange::Same { count: 1 },
                LineChange::Removed {
                    line: 2,
                    text: "b".to_owned()
                },
                LineChange::Added {
                    line: 2,
                    text: "B".to_owned()
                },
                LineChange::Same { count: 3 },
                LineChange::Added {
                    line: 6,
                    text: "f".to_owned()
                },
            ],
            more: 0
        }
    );
    // A line dropped from the middle, common lines around it kept.
    let (lines, _) = text("x=1\ny=2\nz=3", "x=1\nz=3\nw=4");
    assert_eq!(
        lines,
        vec![
            LineChange::Same { count: 1 },
            LineChange::Removed {
                line: 2,
                text: "y=2".to_owned()
            },
            LineChange::Same { count: 1 },
            LineChange::Added {
                line: 3,
                text: "w=4".to_owned()
            },
        ]
    );
}

#[test]
fn long_texts_beyond_the_table_are_shown_as_replaced() {
    let left: String = (0..3000).map(|i| format!("l{i}\n")).collect();
    let right: String = (0..3000).map(|i| format!("r{i}\n")).collect();
    let (lines, more) = text(&left, &right);
    assert_eq!(lines.len() + more, 6000);
    assert_eq!(lines.len(), MAX_CHANGES);
}

#[test]
fn binary_bodies_tell_the_first_difference() {
    let left = [0u8, 159, 146, 150, 1, 2, 3, 255];
    let mut right = left;
    right[2] = 0;
    right[3] = 0;
    assert_eq!(
        body(&left, &right),
        BodyDiff::Binary {
            offset: 2,
            length: 2,
            left_size: 8,
            right_size: 8
        }
    );
    // One a prefix of the other: the difference is the longer one's tail.
    assert_eq!(
        binary(&left, &left[..5]),
        BodyDiff::Binary {
            offset: 5,
            length: 3,
            left_size: 8,
            right_size: 5
        }
    );
    // Bytes against text are bytes.
    assert!(matches!(
        body(&left, b"hello"),
        BodyDiff::Binary { offset: 0, .. }
    ));
}

#[test]
fn binary_differences_read_as_one_sentence() {
    let sentence = |left: &[u8], right: &[u8]| binary(left, right).bytes_sentence().unwrap();
    let left = vec![7u8; 151];
    let right = vec![9u8; 160];
    assert_eq!(
        sentence(&left, &right),
        "bodies differ from byte 0 (0x00) on; left 151 bytes, right 160 bytes"
    );
    // A run that ends inside both bodies: where it is, and that they agree after it.
    assert_eq!(
        sentence(&[0, 0xff, 1, 2, 3], &[0, 0xff, 9, 9, 3, 4]),
        "bodies first differ at bytes 2-3 (0x02-0x03), then agree again; left 5 bytes, right 6 bytes"
    );
    assert_eq!(
        sentence(&[1, 2, 3], &[1, 0, 3]),
        "bodies first differ at byte 1 (0x01), then agree again; left 3 bytes, right 3 bytes"
    );
    // One a prefix of the other: which one ends where.
    assert_eq!(
        sentence(&[1, 2, 3, 4, 5, 6, 7, 8], &[1, 2, 3, 4, 5]),
        "bodies agree up to byte 5 (0x05), where the right one ends; left 8 bytes, right 5 bytes"
    );
    assert_eq!(
        sentence(b"", b"\x01"),
        "the left body is empty; left 0 bytes, right 1 byte"
    );
    // Offsets get the digits the longer body needs.
    let mut long = vec![0u8; 70_000];
    let mut other = long.clone();
    other[65_536..].fill(1);
    assert_eq!(
        sentence(&long, &other),
        "bodies differ from byte 65536 (0x010000) on; left 70000 bytes, right 70000 bytes"
    );
    long[300] = 2;
    assert!(sentence(&long, &other).starts_with("bodies first differ at byte 300 (0x00012c)"));
    assert_eq!(body(b"{}", b"{}").bytes_sentence(), None);
}

fn wms(id: u64, seq: u64, status: SequenceStatus, body: &str) -> CapturedEvent {
    let mut event = EventBuilder::new(id)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .build();
    event.analysis.sequence = Some(SequenceInfo {
        seq,
        status,
        missing: Default::default(),
    });
    event.analysis.subject.session_id = Some("s-1".into());
    event
}

#[test]
fn request_line_headers_and_facets() {
    let left = EventBuilder::new(1)
        .method("POST")
        .path("/hook")
        .header("content-type", "application/json")
        .header("x-a", "1")
        .header("x-a", "2")
        .header("x-gone", "g")
        .body("{}")
        .build();
    let mut right = EventBuilder::new(2)
        .method("PUT")
        .path("/hook")
        .query("a=1")
        .header("Content-Type", "application/json")
        .header("x-a", "1")
        .header("x-new", "n")
        .body("{}")
        .build();
    right.response.status = 503;
    // Built a moment apart: the same receive time, so that only what the test changed differs.
    right.received_at = left.received_at;
    let diff = EventDiff::new(&left, &right);
    assert_eq!(
        diff.request,
        vec![
            ("method", changed("POST", "PUT")),
            ("query", Change::Added("a=1".to_owned()))
        ]
    );
    assert_eq!(
        diff.headers,
        vec![
            HeaderChange {
                name: "x-a".to_owned(),
                change: changed("1, 2", "1")
            },
            HeaderChange {
                name: "x-gone".to_owned(),
                change: Change::Removed("g".to_owned())
            },
            HeaderChange {
                name: "x-new".to_owned(),
                change: Change::Added("n".to_owned())
            },
        ]
    );
    assert_eq!(diff.body, BodyDiff::Identical { size: 2 });
    assert!(!diff.same_request());
    let differing: Vec<&str> = diff
        .facets
        .iter()
        .filter(|f| f.differs())
        .map(|f| f.label)
        .collect();
    assert_eq!(differing, ["id", "answer"]);
}

#[test]
fn a_conflict_names_the_event_first_placed_with_its_number() {
    let original = wms(1, 4, SequenceStatus::InOrder, r#"{"snr":55}"#);
    let repeat = wms(2, 4, SequenceStatus::Duplicate, r#"{"snr":55}"#);
    let other_session = {
        let mut e = wms(3, 4, SequenceStatus::InOrder, r#"{"snr":1}"#);
        e.analysis.subject.session_id = Some("s-2".into());
        e
    };
    let conflict = wms(4, 4, SequenceStatus::Conflict, r#"{"snr":61}"#);
    let partner = Partner::of(&conflict).unwrap();
    assert_eq!(
        partner,
        Partner::Sequence {
            session_id: "s-1".to_owned(),
            seq: 4
        }
    );
    assert!(partner.is(&original));
    assert!(!partner.is(&repeat));
    assert!(!partner.is(&other_session));
    assert!(!partner.is(&conflict));
    assert_eq!(Partner::of(&original), None);
}

#[test]
fn a_redelivery_names_the_delivery_before() {
    let first = EventBuilder::new(7).body("x").build();
    let mut again = EventBuilder::new(9).body("x").build();
    again.analysis.redelivery = Some(Box::new(Redelivery {
        retry: 2,
        first_id: 5,
        delay_ms: 1000.0,
        previous_id: 7,
        previous_status: 503,
        schedule: None,
    }));
    let partner = Partner::of(&again).unwrap();
    assert_eq!(partner, Partner::Delivery { id: 7 });
    assert!(partner.is(&first));
    let diff = EventDiff::new(&first, &again);
    assert!(diff.same_request());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_bytes_compare_without_panic(
            left in proptest::collection::vec(any::<u8>(), 0..64),
            right in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let diff = body(&left, &right);
            prop_assert_eq!(
                diff.bytes_sentence().is_some(),
                matches!(diff, BodyDiff::Binary { .. })
            );
            match diff {
                BodyDiff::Identical { size } => prop_assert_eq!(size, left.len()),
                BodyDiff::Binary { offset, length, left_size, right_size } => {
                    prop_assert!(offset <= left_size.min(right_size));
                    prop_assert!(offset + length <= left_size.max(right_size));
                    prop_assert!(length > 0);
                    prop_assert_eq!(&left[..offset], &right[..offset]);
                }
                BodyDiff::Json { .. } | BodyDiff::Text { .. } => {}
            }
        }

        #[test]
        fn a_line_diff_accounts_for_every_line_of_both_sides(
            left in proptest::collection::vec("[abc]{0,2}", 0..12),
            right in proptest::collection::vec("[abc]{0,2}", 0..12),
        ) {
            let (left, right) = (left.join("\n"), right.join("\n"));
            let (lines, more) = text(&left, &right);
            prop_assert_eq!(more, 0);
            let (mut old, mut new) = (Vec::new(), Vec::new());
            for change in &lines {
                match change {
                    LineChange::Same { count } => {
                        // Equal lines stand at the same places of both sides.
                        for _ in 0..*count {
                            let at = old.len();
                            old.push(left.lines().nth(at).unwrap_or_default().to_owned());
                            new.push(right.lines().nth(new.len()).unwrap_or_default().to_owned());
                            prop_assert_eq!(old.last(), new.last());
                        }
                    }
                    LineChange::Removed { line, text } => {
                        prop_assert_eq!(*line, old.len() + 1);
                        old.push(text.clone());
                    }
                    LineChange::Added { line, text } => {
                        prop_assert_eq!(*line, new.len() + 1);
                        new.push(text.clone());
                    }
                }
            }
            prop_assert_eq!(old, left.lines().map(str::to_owned).collect::<Vec<_>>());
            prop_assert_eq!(new, right.lines().map(str::to_owned).collect::<Vec<_>>());
        }
    }
}
