//! The declarative per-type table: for every STIX 2.1 object type, its specific
//! properties and their kinds, the required ones, and the rules that tie properties
//! together. A spec change is one row here; `mod.rs` walks the rows.
//!
//! Common properties (§3.2) are checked for every object in `common.rs`; the rows
//! below list only what each type adds. Cyber-observable rows live in `sco.rs`.

use super::props::Kind::{self, *};
use super::refs::Targets;
pub(crate) use super::shape::{Class, Order, Rule, Shape};
use super::{markings, pattern, sco, values, vocab};

const SOFTWARE: Targets = Targets::Only(&["software"]);
const NAME_DESC: [(&str, Kind); 2] = [("name", Str), ("description", Str)];

/// SDO rows, §4.
static SDOS: &[Shape] = &[
    Shape::new(
        "attack-pattern",
        "4.1",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
        ],
        &["name"],
        &[],
    ),
    Shape::new(
        "campaign",
        "4.2",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("objective", Str),
        ],
        &["name"],
        &[Rule::Order("last_seen", Order::Ge, "first_seen")],
    ),
    Shape::new(
        "course-of-action",
        "4.3",
        Class::Sdo,
        &[NAME_DESC[0], NAME_DESC[1]],
        &["name"],
        &[],
    ),
    Shape::new(
        "grouping",
        "4.4",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("context", Vocab(vocab::GROUPING_CONTEXT)),
            ("object_refs", Refs(Targets::Any)),
        ],
        &["context", "object_refs"],
        &[],
    ),
    Shape::new(
        "identity",
        "4.5",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("roles", StrList),
            ("identity_class", Vocab(vocab::IDENTITY_CLASS)),
            ("sectors", VocabList(vocab::INDUSTRY_SECTOR)),
            ("contact_information", Str),
        ],
        &["name"],
        &[],
    ),
    Shape::new(
        "incident",
        "4.6",
        Class::Sdo,
        &[NAME_DESC[0], NAME_DESC[1]],
        &["name"],
        &[],
    ),
    Shape::new(
        "indicator",
        "4.7",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("indicator_types", VocabList(vocab::INDICATOR_TYPE)),
            ("pattern", Str),
            ("pattern_type", Vocab(vocab::PATTERN_TYPE)),
            ("pattern_version", Str),
            ("valid_from", Ts),
            ("valid_until", Ts),
            ("kill_chain_phases", KillChain),
        ],
        &["pattern", "pattern_type", "valid_from"],
        &[
            Rule::Order("valid_until", Order::Gt, "valid_from"),
            Rule::Custom(pattern::check_indicator),
        ],
    ),
    Shape::new(
        "infrastructure",
        "4.8",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            (
                "infrastructure_types",
                VocabList(vocab::INFRASTRUCTURE_TYPE),
            ),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Ts),
            ("last_seen", Ts),
        ],
        &["name"],
        &[Rule::Order("last_seen", Order::Ge, "first_seen")],
    ),
    Shape::new(
        "intrusion-set",
        "4.9",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("goals", StrList),
            ("resource_level", Vocab(vocab::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", Vocab(vocab::ATTACK_MOTIVATION)),
            ("secondary_motivations", VocabList(vocab::ATTACK_MOTIVATION)),
        ],
        &["name"],
        &[Rule::Order("last_seen", Order::Ge, "first_seen")],
    ),
    Shape::new(
        "location",
        "4.10",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("latitude", Float(-90.0, 90.0)),
            ("longitude", Float(-180.0, 180.0)),
            ("precision", Float(f64::MIN, f64::MAX)),
            ("region", Vocab(vocab::REGION)),
            ("country", Special(values::country)),
            ("administrative_area", Str),
            ("city", Str),
            ("street_address", Str),
            ("postal_code", Str),
        ],
        &[],
        &[
            Rule::AtLeastOne(&["region", "country", "latitude", "longitude"]),
            Rule::Requires("latitude", "longitude"),
            Rule::Requires("longitude", "latitude"),
            Rule::Requires("precision", "latitude"),
            Rule::Requires("precision", "longitude"),
        ],
    ),
    Shape::new(
        "malware",
        "4.11",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("malware_types", VocabList(vocab::MALWARE_TYPE)),
            ("is_family", Bool),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("operating_system_refs", Refs(SOFTWARE)),
            (
                "architecture_execution_envs",
                VocabList(vocab::PROCESSOR_ARCHITECTURE),
            ),
            (
                "implementation_languages",
                VocabList(vocab::IMPLEMENTATION_LANGUAGE),
            ),
            ("capabilities", VocabList(vocab::MALWARE_CAPABILITIES)),
            ("sample_refs", Refs(Targets::Only(&["file", "artifact"]))),
        ],
        &["is_family"],
        &[
            Rule::RequiredIf("is_family", true, "name"),
            Rule::Order("last_seen", Order::Ge, "first_seen"),
        ],
    ),
    Shape::new(
        "malware-analysis",
        "4.12",
        Class::Sdo,
        &[
            ("product", Str),
            ("version", Str),
            ("host_vm_ref", Ref(SOFTWARE)),
            ("operating_system_ref", Ref(SOFTWARE)),
            ("installed_software_refs", Refs(SOFTWARE)),
            ("configuration_version", Str),
            ("modules", StrList),
            ("analysis_engine_version", Str),
            ("analysis_definition_version", Str),
            ("submitted", Ts),
            ("analysis_started", Ts),
            ("analysis_ended", Ts),
            ("result_name", Str),
            ("result", Vocab(vocab::MALWARE_RESULT)),
            ("analysis_sco_refs", Refs(Targets::Sco)),
            (
                "sample_ref",
                Ref(Targets::Only(&["file", "network-traffic", "artifact"])),
            ),
        ],
        &["product"],
        &[Rule::AtLeastOne(&["result", "analysis_sco_refs"])],
    ),
    Shape::new(
        "note",
        "4.13",
        Class::Sdo,
        &[
            ("abstract", Str),
            ("content", Str),
            ("authors", StrList),
            ("object_refs", Refs(Targets::Any)),
        ],
        &["content", "object_refs"],
        &[],
    ),
    Shape {
        name: "observed-data",
        section: "4.14",
        class: Class::Sdo,
        props: &[
            ("first_observed", Ts),
            ("last_observed", Ts),
            ("number_observed", Int(1, 999_999_999)),
            ("objects", Special(values::observable_container)),
            ("object_refs", Refs(Targets::ScoOrSro)),
        ],
        required: &["first_observed", "last_observed", "number_observed"],
        rules: &[
            Rule::ExactlyOne(&["objects", "object_refs"]),
            Rule::Order("last_observed", Order::Ge, "first_observed"),
        ],
        extensions: &[],
        deprecated: &["objects"],
    },
    Shape::new(
        "opinion",
        "4.15",
        Class::Sdo,
        &[
            ("explanation", Str),
            ("authors", StrList),
            ("opinion", Enum(vocab::OPINION)),
            ("object_refs", Refs(Targets::Any)),
        ],
        &["opinion", "object_refs"],
        &[],
    ),
    Shape::new(
        "report",
        "4.16",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("report_types", VocabList(vocab::REPORT_TYPE)),
            ("published", Ts),
            ("object_refs", Refs(Targets::Any)),
        ],
        &["name", "published", "object_refs"],
        &[],
    ),
    Shape::new(
        "threat-actor",
        "4.17",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("threat_actor_types", VocabList(vocab::THREAT_ACTOR_TYPE)),
            ("aliases", StrList),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("roles", VocabList(vocab::THREAT_ACTOR_ROLE)),
            ("goals", StrList),
            ("sophistication", Vocab(vocab::THREAT_ACTOR_SOPHISTICATION)),
            ("resource_level", Vocab(vocab::ATTACK_RESOURCE_LEVEL)),
            ("primary_motivation", Vocab(vocab::ATTACK_MOTIVATION)),
            ("secondary_motivations", VocabList(vocab::ATTACK_MOTIVATION)),
            ("personal_motivations", VocabList(vocab::ATTACK_MOTIVATION)),
        ],
        &["name"],
        &[Rule::Order("last_seen", Order::Ge, "first_seen")],
    ),
    Shape::new(
        "tool",
        "4.18",
        Class::Sdo,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("tool_types", VocabList(vocab::TOOL_TYPE)),
            ("aliases", StrList),
            ("kill_chain_phases", KillChain),
            ("tool_version", Str),
        ],
        &["name"],
        &[],
    ),
    Shape::new(
        "vulnerability",
        "4.19",
        Class::Sdo,
        &[NAME_DESC[0], NAME_DESC[1]],
        &["name"],
        &[],
    ),
];

/// SRO rows, §5.
static SROS: &[Shape] = &[
    Shape::new(
        "relationship",
        "5.1",
        Class::Sro,
        &[
            ("relationship_type", Special(values::relationship_type)),
            ("description", Str),
            ("source_ref", Ref(Targets::SdoOrSco)),
            ("target_ref", Ref(Targets::SdoOrSco)),
            ("start_time", Ts),
            ("stop_time", Ts),
        ],
        &["relationship_type", "source_ref", "target_ref"],
        &[Rule::Order("stop_time", Order::Gt, "start_time")],
    ),
    Shape::new(
        "sighting",
        "5.2",
        Class::Sro,
        &[
            ("description", Str),
            ("first_seen", Ts),
            ("last_seen", Ts),
            ("count", Int(0, 999_999_999)),
            ("sighting_of_ref", Ref(Targets::Sdo)),
            (
                "observed_data_refs",
                Refs(Targets::Only(&["observed-data"])),
            ),
            (
                "where_sighted_refs",
                Refs(Targets::Only(&["identity", "location"])),
            ),
            ("summary", Bool),
        ],
        &["sighting_of_ref"],
        &[Rule::Order("last_seen", Order::Ge, "first_seen")],
    ),
];

/// Meta-object rows, §7.
static METAS: &[Shape] = &[
    Shape::new(
        "language-content",
        "7.1",
        Class::LanguageContent,
        &[
            ("object_ref", Ref(Targets::Any)),
            ("object_modified", Ts),
            ("contents", Special(markings::language_contents)),
        ],
        &["object_ref", "contents"],
        &[],
    ),
    Shape::new(
        "marking-definition",
        "7.2.1",
        Class::MarkingDefinition,
        &[
            ("name", Str),
            ("definition_type", Vocab(&["statement", "tlp"])),
            ("definition", Special(markings::definition_value)),
        ],
        &[],
        &[Rule::Custom(markings::check_marking_definition)],
    ),
    Shape::new(
        "extension-definition",
        "7.3",
        Class::ExtensionDefinition,
        &[
            NAME_DESC[0],
            NAME_DESC[1],
            ("schema", Str),
            ("version", Str),
            ("extension_types", EnumList(vocab::EXTENSION_TYPE)),
            ("extension_properties", StrList),
        ],
        &[
            "name",
            "schema",
            "version",
            "extension_types",
            "created_by_ref",
        ],
        &[Rule::Custom(markings::check_extension_properties)],
    ),
];

/// The row for a STIX 2.1 type, or `None` for a custom type.
pub(crate) fn shape_for(object_type: &str) -> Option<&'static Shape> {
    SDOS.iter()
        .chain(SROS)
        .chain(METAS)
        .chain(sco::SCOS)
        .find(|s| s.name == object_type)
}

/// The rows for custom objects (§11.2): only the common rules apply.
pub(crate) static CUSTOM_SDO: Shape =
    Shape::new("custom object", "11.2", Class::Sdo, &[], &[], &[]);
/// A custom object without `created`/`modified` is read as a custom cyber-observable.
pub(crate) static CUSTOM_SCO: Shape =
    Shape::new("custom observable", "11.2", Class::Sco, &[], &[], &[]);

/// Every row, for tests.
#[cfg(test)]
pub(crate) fn all() -> impl Iterator<Item = &'static Shape> {
    SDOS.iter().chain(SROS).chain(METAS).chain(sco::SCOS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stix_type_has_one_row() {
        let meta = [
            "marking-definition",
            "extension-definition",
            "language-content",
        ];
        let expected = super::super::refs::SDO_TYPES
            .iter()
            .chain(super::super::refs::SRO_TYPES)
            .chain(crate::object::SCO_TYPES)
            .chain(&meta)
            .copied()
            .collect::<Vec<_>>();
        assert_eq!(expected.len(), 19 + 2 + 18 + 3);
        for &t in &expected {
            assert!(shape_for(t).is_some(), "{t}");
        }
        assert_eq!(all().count(), expected.len());
        for s in all() {
            for r in s.required {
                let common = matches!(*r, "created_by_ref");
                assert!(
                    common || s.kind_of(r).is_some(),
                    "{}: required '{r}' has no kind",
                    s.name
                );
            }
        }
    }
}
