//! Cyber-observable rows of the table (STIX 2.1 §6). Their predefined extensions and
//! embedded structures are in `extensions.rs`; checks of particular values in `values.rs`.

use super::extensions::*;
use super::props::{self, DictValues, Kind::*};
use super::refs::Targets;
use super::table::{Class, Order, Rule, Shape};
use super::values::{
    artifact_mime_type, charset, cpe, domain_value, email_value, file_mime_type, ipv4_value,
    ipv6_value, language_list, mac_value, registry_key,
};
use super::vocab;

const fn sco(
    name: &'static str,
    section: &'static str,
    props: &'static [(&'static str, props::Kind)],
    required: &'static [&'static str],
    rules: &'static [Rule],
) -> Shape {
    Shape::new(name, section, Class::Sco, props, required, rules)
}

const ADDR_TARGETS: Targets = Targets::Only(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
pub(super) const ARTIFACT: Targets = Targets::Only(&["artifact"]);
pub(super) const EMAIL_ADDR: Targets = Targets::Only(&["email-addr"]);
pub(super) const FILE: Targets = Targets::Only(&["file"]);
pub(super) const USER_ACCOUNT: Targets = Targets::Only(&["user-account"]);
pub(super) const NON_NEG: props::Kind = Int(0, i64::MAX);
pub(super) const ANY_INT: props::Kind = Int(i64::MIN, i64::MAX);

/// SCO rows, §6.
pub(crate) static SCOS: &[Shape] = &[
    sco(
        "artifact",
        "6.1",
        &[
            ("mime_type", Special(artifact_mime_type)),
            ("payload_bin", Binary),
            ("url", Url),
            ("hashes", Hashes),
            ("encryption_algorithm", Enum(vocab::ENCRYPTION_ALGORITHM)),
            ("decryption_key", Str),
        ],
        &[],
        &[
            Rule::ExactlyOne(&["payload_bin", "url"]),
            Rule::Requires("url", "hashes"),
            Rule::Requires("decryption_key", "encryption_algorithm"),
            Rule::UuidV4Unless(&["hashes", "payload_bin"]),
        ],
    ),
    sco(
        "autonomous-system",
        "6.2",
        &[("number", ANY_INT), ("name", Str), ("rir", Str)],
        &["number"],
        &[],
    ),
    sco(
        "directory",
        "6.3",
        &[
            ("path", Str),
            ("path_enc", Special(charset)),
            ("ctime", Ts),
            ("mtime", Ts),
            ("atime", Ts),
            ("contains_refs", Refs(Targets::Only(&["file", "directory"]))),
        ],
        &["path"],
        &[],
    ),
    sco(
        "domain-name",
        "6.4",
        &[
            ("value", Special(domain_value)),
            (
                "resolves_to_refs",
                Refs(Targets::Only(&["domain-name", "ipv4-addr", "ipv6-addr"])),
            ),
        ],
        &["value"],
        &[],
    ),
    sco(
        "email-addr",
        "6.5",
        &[
            ("value", Special(email_value)),
            ("display_name", Str),
            ("belongs_to_ref", Ref(USER_ACCOUNT)),
        ],
        &["value"],
        &[],
    ),
    sco(
        "email-message",
        "6.6",
        &[
            ("is_multipart", Bool),
            ("date", Ts),
            ("content_type", Str),
            ("from_ref", Ref(EMAIL_ADDR)),
            ("sender_ref", Ref(EMAIL_ADDR)),
            ("to_refs", Refs(EMAIL_ADDR)),
            ("cc_refs", Refs(EMAIL_ADDR)),
            ("bcc_refs", Refs(EMAIL_ADDR)),
            ("message_id", Str),
            ("subject", Str),
            ("received_lines", StrList),
            ("additional_header_fields", Dict(DictValues::StrList)),
            ("body", Str),
            ("body_multipart", ObjList(&MIME_PART)),
            ("raw_email_ref", Ref(ARTIFACT)),
        ],
        &["is_multipart"],
        &[
            Rule::ForbiddenIf("is_multipart", true, "body"),
            Rule::ForbiddenIf("is_multipart", false, "body_multipart"),
            Rule::UuidV4Unless(&["from_ref", "subject", "body"]),
        ],
    ),
    Shape {
        name: "file",
        section: "6.7",
        class: Class::Sco,
        props: &[
            ("hashes", Hashes),
            ("size", NON_NEG),
            ("name", Str),
            ("name_enc", Special(charset)),
            ("magic_number_hex", Hex),
            ("mime_type", Special(file_mime_type)),
            ("ctime", Ts),
            ("mtime", Ts),
            ("atime", Ts),
            ("parent_directory_ref", Ref(Targets::Only(&["directory"]))),
            ("contains_refs", Refs(Targets::Sco)),
            ("content_ref", Ref(ARTIFACT)),
        ],
        required: &[],
        rules: &[Rule::AtLeastOne(&["hashes", "name"])],
        extensions: &[
            ("archive-ext", &ARCHIVE_EXT),
            ("ntfs-ext", &NTFS_EXT),
            ("pdf-ext", &PDF_EXT),
            ("raster-image-ext", &RASTER_EXT),
            ("windows-pebinary-ext", &PEBINARY_EXT),
        ],
        deprecated: &[],
    },
    sco(
        "ipv4-addr",
        "6.8",
        &[
            ("value", Special(ipv4_value)),
            ("resolves_to_refs", Refs(Targets::Only(&["mac-addr"]))),
            (
                "belongs_to_refs",
                Refs(Targets::Only(&["autonomous-system"])),
            ),
        ],
        &["value"],
        &[],
    ),
    sco(
        "ipv6-addr",
        "6.9",
        &[
            ("value", Special(ipv6_value)),
            ("resolves_to_refs", Refs(Targets::Only(&["mac-addr"]))),
            (
                "belongs_to_refs",
                Refs(Targets::Only(&["autonomous-system"])),
            ),
        ],
        &["value"],
        &[],
    ),
    sco(
        "mac-addr",
        "6.10",
        &[("value", Special(mac_value))],
        &["value"],
        &[],
    ),
    sco("mutex", "6.11", &[("name", Str)], &["name"], &[]),
    Shape {
        name: "network-traffic",
        section: "6.12",
        class: Class::Sco,
        props: &[
            ("start", Ts),
            ("end", Ts),
            ("is_active", Bool),
            ("src_ref", Ref(ADDR_TARGETS)),
            ("dst_ref", Ref(ADDR_TARGETS)),
            ("src_port", Int(0, 65535)),
            ("dst_port", Int(0, 65535)),
            ("protocols", StrList),
            ("src_byte_count", NON_NEG),
            ("dst_byte_count", NON_NEG),
            ("src_packets", NON_NEG),
            ("dst_packets", NON_NEG),
            ("ipfix", Dict(DictValues::StrOrInt)),
            ("src_payload_ref", Ref(ARTIFACT)),
            ("dst_payload_ref", Ref(ARTIFACT)),
            (
                "encapsulates_refs",
                Refs(Targets::Only(&["network-traffic"])),
            ),
            (
                "encapsulated_by_ref",
                Ref(Targets::Only(&["network-traffic"])),
            ),
        ],
        required: &["protocols"],
        rules: &[
            Rule::AtLeastOne(&["src_ref", "dst_ref"]),
            Rule::ForbiddenIf("is_active", true, "end"),
            Rule::Order("end", Order::Ge, "start"),
        ],
        extensions: &[
            ("http-request-ext", &HTTP_REQUEST_EXT),
            ("icmp-ext", &ICMP_EXT),
            ("socket-ext", &SOCKET_EXT),
            ("tcp-ext", &TCP_EXT),
        ],
        deprecated: &[],
    },
    Shape {
        name: "process",
        section: "6.13",
        class: Class::Sco,
        props: &[
            ("is_hidden", Bool),
            ("pid", ANY_INT),
            ("created_time", Ts),
            ("cwd", Str),
            ("command_line", Str),
            ("environment_variables", Dict(DictValues::Any)),
            (
                "opened_connection_refs",
                Refs(Targets::Only(&["network-traffic"])),
            ),
            ("creator_user_ref", Ref(USER_ACCOUNT)),
            ("image_ref", Ref(FILE)),
            ("parent_ref", Ref(Targets::Only(&["process"]))),
            ("child_refs", Refs(Targets::Only(&["process"]))),
        ],
        required: &[],
        rules: &[Rule::AtLeastOneProperty, Rule::UuidV4Unless(&[])],
        extensions: &[
            ("windows-process-ext", &WINDOWS_PROCESS_EXT),
            ("windows-service-ext", &WINDOWS_SERVICE_EXT),
        ],
        deprecated: &[],
    },
    sco(
        "software",
        "6.14",
        &[
            ("name", Str),
            ("cpe", Special(cpe)),
            ("swid", Str),
            ("languages", Special(language_list)),
            ("vendor", Str),
            ("version", Str),
        ],
        &["name"],
        &[],
    ),
    sco("url", "6.15", &[("value", Url)], &["value"], &[]),
    Shape {
        name: "user-account",
        section: "6.16",
        class: Class::Sco,
        props: &[
            ("user_id", Str),
            ("credential", Str),
            ("account_login", Str),
            ("account_type", Vocab(vocab::ACCOUNT_TYPE)),
            ("display_name", Str),
            ("is_service_account", Bool),
            ("is_privileged", Bool),
            ("can_escalate_privs", Bool),
            ("is_disabled", Bool),
            ("account_created", Ts),
            ("account_expires", Ts),
            ("credential_last_changed", Ts),
            ("account_first_login", Ts),
            ("account_last_login", Ts),
        ],
        required: &[],
        rules: &[
            Rule::AtLeastOneProperty,
            Rule::UuidV4Unless(&["account_type", "user_id", "account_login"]),
        ],
        extensions: &[("unix-account-ext", &UNIX_ACCOUNT_EXT)],
        deprecated: &[],
    },
    sco(
        "windows-registry-key",
        "6.17",
        &[
            ("key", Special(registry_key)),
            ("values", ObjList(&REGISTRY_VALUE)),
            ("modified_time", Ts),
            ("creator_user_ref", Ref(USER_ACCOUNT)),
            ("number_of_subkeys", NON_NEG),
        ],
        &[],
        &[
            Rule::AtLeastOneProperty,
            Rule::UuidV4Unless(&["key", "values"]),
        ],
    ),
    sco(
        "x509-certificate",
        "6.18",
        &[
            ("is_self_signed", Bool),
            ("hashes", Hashes),
            ("version", Str),
            ("serial_number", Str),
            ("signature_algorithm", Str),
            ("issuer", Str),
            ("validity_not_before", Ts),
            ("validity_not_after", Ts),
            ("subject", Str),
            ("subject_public_key_algorithm", Str),
            ("subject_public_key_modulus", Str),
            ("subject_public_key_exponent", ANY_INT),
            ("x509_v3_extensions", Obj(&X509_V3_EXTENSIONS)),
        ],
        &[],
        &[
            Rule::AtLeastOneProperty,
            Rule::UuidV4Unless(&["hashes", "serial_number"]),
        ],
    ),
];
