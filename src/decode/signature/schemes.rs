//! The table of schemes: one row per scheme, each made in the scheme's own file.

use super::rules::Rules;
use super::{github, prism, shopify, slack, standard, stripe, wms};
use crate::event::SignatureScheme;

/// Every scheme, in the order of `SignatureScheme::ALL`, which is also the order their headers
/// are looked for in: when several come, the first scheme here is the one checked.
pub(super) static SCHEMES: [Rules; SignatureScheme::ALL.len()] = ROWS;

// Written as a const so that `HEADER_NAMES` can be counted from it at compile time; the static
// above is what lends rows out for `'static`.
const ROWS: [Rules; SignatureScheme::ALL.len()] = [
    wms::RULES,
    prism::RULES,
    github::RULES,
    stripe::RULES,
    standard::RULES,
    shopify::RULES,
    slack::RULES,
];

/// The row of `scheme`, found by position: the rows follow `SignatureScheme::ALL` (tested).
pub(super) fn rules(scheme: SignatureScheme) -> &'static Rules {
    &SCHEMES[scheme as usize]
}

/// How many header names all schemes together look for.
pub(super) const HEADER_NAMES: usize = {
    let mut count = 0;
    let mut row = 0;
    while row < ROWS.len() {
        count += ROWS[row].headers.len();
        row += 1;
    }
    count
};

/// Every row's header names one after another, in table order: the request's headers are
/// matched against this flat list, one pass each.
pub(super) const ALL_HEADER_NAMES: [&str; HEADER_NAMES] = {
    let mut names = [""; HEADER_NAMES];
    let mut next = 0;
    let mut row = 0;
    while row < ROWS.len() {
        let mut index = 0;
        while index < ROWS[row].headers.len() {
            names[next] = ROWS[row].headers[index];
            next += 1;
            index += 1;
        }
        row += 1;
    }
    names
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_has_its_row_in_the_order_of_all() {
        for (row, scheme) in SCHEMES.iter().zip(SignatureScheme::ALL) {
            assert_eq!(row.scheme, scheme);
            assert_eq!(rules(scheme).scheme, scheme);
        }
    }
}
