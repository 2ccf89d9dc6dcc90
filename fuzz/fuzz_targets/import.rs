//! The importer over any bytes. Whatever it accepts, it accepts again once written back out,
//! and from then on export → import → export gives the same bytes.
#![no_main]

use chrono::{TimeZone, Utc};
use hookscope::export;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(imported) = export::import(data) else {
        return;
    };
    let exported_at = Utc.with_ymd_and_hms(2026, 11, 22, 14, 0, 0).unwrap();
    let mut first = Vec::new();
    export::write_export(&mut first, imported.stats, exported_at, &imported.events)
        .expect("writing into memory");
    let again = export::import(&first).expect("an export hookscope wrote reads back");
    assert_eq!(again.events, imported.events);
    let mut second = Vec::new();
    export::write_export(&mut second, again.stats, exported_at, &again.events)
        .expect("writing into memory");
    assert!(first == second, "export → import → export changed the bytes");
});
