//! Clearances: which markings a principal may read.

use crate::tlp::{self, Level};

/// Errors of the access model's inputs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    /// A clearance or default-marking item is neither a TLP name nor a marking-definition id.
    #[error("{item:?} is not a marking: give TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED or a marking-definition--<uuid> id")]
    NotAMarking {
        /// The item as given.
        item: String,
    },
}

/// The markings a principal may read: a TLP level (and every level below it) plus
/// compartments (any other marking-definition ids, each covered only by name).
///
/// A marking the clearance does not name is not covered: an unknown id is a
/// compartment nobody was cleared for (fail closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clearance {
    level: Level,
    /// Sorted, without duplicates.
    compartments: Vec<String>,
    full: bool,
}

impl Clearance {
    /// Covers every marking, known or not: the local CLI, and anonymous loopback
    /// access while no user exists.
    pub fn full() -> Clearance {
        Clearance {
            level: Level::Red,
            compartments: Vec::new(),
            full: true,
        }
    }

    /// Parses clearance items: TLP names (`TLP:CLEAR`, `TLP:WHITE`, … `TLP:RED`,
    /// any case) and marking-definition ids. A TLP marking's id counts as its
    /// level; any other id is a compartment. The highest TLP item wins; with none,
    /// the clearance is TLP:CLEAR.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Clearance, AccessError> {
        let mut clearance = Clearance {
            level: Level::Clear,
            compartments: Vec::new(),
            full: false,
        };
        for item in items {
            match parse_marking(item.as_ref())? {
                Marking::Tlp(level) => clearance.level = clearance.level.max(level),
                Marking::Other(id) => clearance.compartments.push(id.to_owned()),
            }
        }
        clearance.compartments.sort_unstable();
        clearance.compartments.dedup();
        Ok(clearance)
    }

    /// Whether this clearance covers the marking-definition `id`.
    pub fn covers(&self, id: &str) -> bool {
        if self.full {
            return true;
        }
        match tlp::level_of(id) {
            Some(level) => level <= self.level,
            None => self
                .compartments
                .binary_search_by(|c| c.as_str().cmp(id))
                .is_ok(),
        }
    }

    /// Whether this is [`Clearance::full`].
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// The highest TLP level covered.
    pub fn level(&self) -> Level {
        self.level
    }

    /// The compartments (non-TLP marking ids) covered, sorted.
    pub fn compartments(&self) -> &[String] {
        &self.compartments
    }

    /// The items [`Clearance::parse`] turns back into this clearance (the TLP
    /// level's name, then the compartments), for storing and showing. A full
    /// clearance has no items form and gives `None`.
    pub fn items(&self) -> Option<Vec<String>> {
        if self.full {
            return None;
        }
        let mut items = vec![self.level.name().to_owned()];
        items.extend(self.compartments.iter().cloned());
        Some(items)
    }
}

/// One clearance or policy item, understood.
pub(crate) enum Marking<'a> {
    Tlp(Level),
    Other(&'a str),
}

/// A TLP name or a `marking-definition--<uuid>` id (lowercase hex, as STIX writes them).
pub(crate) fn parse_marking(item: &str) -> Result<Marking<'_>, AccessError> {
    if let Some(level) = Level::from_name(item).or_else(|| tlp::level_of(item)) {
        return Ok(Marking::Tlp(level));
    }
    match item.strip_prefix("marking-definition--") {
        Some(uuid) if is_uuid(uuid) => Ok(Marking::Other(item)),
        _ => Err(AccessError::NotAMarking {
            item: item.to_owned(),
        }),
    }
}

/// `8-4-4-4-12` lowercase hex digits.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlp::*;

    const COMPARTMENT: &str = "marking-definition--a0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a01";
    const OTHER: &str = "marking-definition--b0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a02";

    fn covered(c: &Clearance) -> Vec<&'static str> {
        IDS.iter()
            .map(|(id, _)| *id)
            .filter(|id| c.covers(id))
            .collect()
    }

    #[test]
    fn amber_covers_clear_green_amber_of_both_generations() {
        let c = Clearance::parse(&["TLP:AMBER"]).unwrap();
        assert_eq!(
            covered(&c),
            [TLP1_WHITE, TLP1_GREEN, TLP1_AMBER, TLP2_CLEAR, TLP2_GREEN, TLP2_AMBER]
        );
        assert!(!c.covers(TLP2_AMBER_STRICT) && !c.covers(TLP2_RED) && !c.covers(TLP1_RED));
    }

    #[test]
    fn each_level_covers_what_is_below_it() {
        for (i, name) in [
            "tlp:white",
            "TLP:GREEN",
            "TLP:AMBER",
            "TLP:AMBER+STRICT",
            "TLP:RED",
        ]
        .iter()
        .enumerate()
        {
            let c = Clearance::parse(&[name]).unwrap();
            for level in Level::ALL {
                assert_eq!(
                    c.covers(level.id()),
                    level as usize <= i,
                    "{name} {level:?}"
                );
            }
        }
    }

    #[test]
    fn no_tlp_item_means_clear_and_the_highest_item_wins() {
        let none = Clearance::parse::<&str>(&[]).unwrap();
        assert_eq!(covered(&none), [TLP1_WHITE, TLP2_CLEAR]);
        let c = Clearance::parse(&[COMPARTMENT]).unwrap();
        assert_eq!(c.level(), Level::Clear);
        let c = Clearance::parse(&["TLP:RED", "TLP:GREEN"]).unwrap();
        assert_eq!(c.level(), Level::Red);
        // A TLP marking's id counts as its level, not as a compartment.
        let c = Clearance::parse(&[TLP1_AMBER]).unwrap();
        assert_eq!((c.level(), c.compartments().len()), (Level::Amber, 0));
    }

    #[test]
    fn compartments_are_covered_only_by_name() {
        let c = Clearance::parse(&["TLP:RED", COMPARTMENT, COMPARTMENT]).unwrap();
        assert!(c.covers(COMPARTMENT));
        assert!(!c.covers(OTHER), "an unknown marking is not covered");
        assert!(!c.covers("x"));
        assert_eq!(c.compartments(), [COMPARTMENT]);
        assert_eq!(
            c.items().unwrap(),
            ["TLP:RED".to_owned(), COMPARTMENT.to_owned()]
        );
        assert_eq!(Clearance::parse(&c.items().unwrap()).unwrap(), c);
    }

    #[test]
    fn full_covers_everything() {
        let c = Clearance::full();
        assert!(c.covers(TLP2_RED) && c.covers(OTHER) && c.covers("anything"));
        assert!(c.is_full() && c.items().is_none());
    }

    #[test]
    fn bad_items_are_named() {
        for bad in [
            "",
            "TLP:PURPLE",
            "AMBER",
            "marking-definition--",
            "marking-definition--A0C1E9C6-5BD3-4D64-9C26-5FCB1C1C4A01",
            "marking-definition--a0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a0",
            "marking-definition--a0c1e9c6x5bd3-4d64-9c26-5fcb1c1c4a01",
            "identity--a0c1e9c6-5bd3-4d64-9c26-5fcb1c1c4a01",
        ] {
            let err = Clearance::parse(&["TLP:GREEN", bad]).unwrap_err();
            assert_eq!(
                err,
                AccessError::NotAMarking {
                    item: bad.to_owned()
                }
            );
            assert!(err.to_string().contains(&format!("{bad:?}")));
        }
    }
}
