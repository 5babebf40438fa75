//! Cyber-observable rows of the table (STIX 2.1 §6), their predefined extensions,
//! and the value formats specific to observables.

use super::cx::{quote, Cx, Path};
use super::formats;
use super::props::{self, DictValues, Kind::*};
use super::refs::Targets;
use super::table::{Class, Order, Rule, Shape};
use super::vocab;
use serde_json::Value;

const fn sco(
    name: &'static str,
    section: &'static str,
    props: &'static [(&'static str, props::Kind)],
    required: &'static [&'static str],
    rules: &'static [Rule],
) -> Shape {
    Shape {
        name,
        section,
        class: Class::Sco,
        props,
        required,
        rules,
        extensions: &[],
        deprecated: &[],
    }
}

const fn embedded(
    name: &'static str,
    section: &'static str,
    props: &'static [(&'static str, props::Kind)],
    required: &'static [&'static str],
    rules: &'static [Rule],
) -> Shape {
    Shape {
        name,
        section,
        class: Class::Embedded,
        props,
        required,
        rules,
        extensions: &[],
        deprecated: &[],
    }
}

const ADDR_TARGETS: Targets = Targets::Only(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
const ARTIFACT: Targets = Targets::Only(&["artifact"]);
const EMAIL_ADDR: Targets = Targets::Only(&["email-addr"]);
const FILE: Targets = Targets::Only(&["file"]);
const USER_ACCOUNT: Targets = Targets::Only(&["user-account"]);
const NON_NEG: props::Kind = Int(0, i64::MAX);
const ANY_INT: props::Kind = Int(i64::MIN, i64::MAX);
/// A predefined extension MUST carry at least one of its properties.
const ONE_PROPERTY: &[Rule] = &[Rule::AtLeastOneProperty];

static MIME_PART: Shape = embedded(
    "email MIME component",
    "6.6.2",
    &[
        ("body", Str),
        ("body_raw_ref", Ref(Targets::Only(&["artifact", "file"]))),
        ("content_type", Str),
        ("content_disposition", Str),
    ],
    &[],
    &[Rule::ExactlyOne(&["body", "body_raw_ref"])],
);

static ARCHIVE_EXT: Shape = embedded(
    "archive-ext",
    "6.7.2",
    &[
        ("contains_refs", Refs(Targets::Only(&["file", "directory"]))),
        ("comment", Str),
    ],
    &["contains_refs"],
    &[],
);
static ADS: Shape = embedded(
    "alternate data stream",
    "6.7.3.2",
    &[("name", Str), ("hashes", Hashes), ("size", NON_NEG)],
    &["name"],
    &[],
);
static NTFS_EXT: Shape = embedded(
    "ntfs-ext",
    "6.7.3",
    &[("sid", Str), ("alternate_data_streams", ObjList(&ADS))],
    &[],
    ONE_PROPERTY,
);
static PDF_EXT: Shape = embedded(
    "pdf-ext",
    "6.7.4",
    &[
        ("version", Str),
        ("is_optimized", Bool),
        ("document_info_dict", Dict(DictValues::Str)),
        ("pdfid0", Str),
        ("pdfid1", Str),
    ],
    &[],
    ONE_PROPERTY,
);
static RASTER_EXT: Shape = embedded(
    "raster-image-ext",
    "6.7.5",
    &[
        ("image_height", ANY_INT),
        ("image_width", ANY_INT),
        ("bits_per_pixel", ANY_INT),
        ("exif_tags", Special(exif_tags)),
    ],
    &[],
    ONE_PROPERTY,
);
static PE_OPTIONAL_HEADER: Shape = embedded(
    "windows PE optional header",
    "6.7.6.2",
    &[
        ("magic_hex", Hex),
        ("major_linker_version", ANY_INT),
        ("minor_linker_version", ANY_INT),
        ("size_of_code", NON_NEG),
        ("size_of_initialized_data", NON_NEG),
        ("size_of_uninitialized_data", NON_NEG),
        ("address_of_entry_point", ANY_INT),
        ("base_of_code", ANY_INT),
        ("base_of_data", ANY_INT),
        ("image_base", ANY_INT),
        ("section_alignment", ANY_INT),
        ("file_alignment", ANY_INT),
        ("major_os_version", ANY_INT),
        ("minor_os_version", ANY_INT),
        ("major_image_version", ANY_INT),
        ("minor_image_version", ANY_INT),
        ("major_subsystem_version", ANY_INT),
        ("minor_subsystem_version", ANY_INT),
        ("win32_version_value_hex", Hex),
        ("size_of_image", NON_NEG),
        ("size_of_headers", NON_NEG),
        ("checksum_hex", Hex),
        ("subsystem_hex", Hex),
        ("dll_characteristics_hex", Hex),
        ("size_of_stack_reserve", NON_NEG),
        ("size_of_stack_commit", NON_NEG),
        ("size_of_heap_reserve", NON_NEG),
        ("size_of_heap_commit", NON_NEG),
        ("loader_flags_hex", Hex),
        ("number_of_rva_and_sizes", ANY_INT),
        ("hashes", Hashes),
    ],
    &[],
    ONE_PROPERTY,
);
static PE_SECTION: Shape = embedded(
    "windows PE section",
    "6.7.6.3",
    &[
        ("name", Str),
        ("size", NON_NEG),
        ("entropy", Float(f64::MIN, f64::MAX)),
        ("hashes", Hashes),
    ],
    &["name"],
    &[],
);
static PEBINARY_EXT: Shape = embedded(
    "windows-pebinary-ext",
    "6.7.6",
    &[
        ("pe_type", Vocab(vocab::WINDOWS_PEBINARY_TYPE)),
        ("imphash", Str),
        ("machine_hex", Hex),
        ("number_of_sections", NON_NEG),
        ("time_date_stamp", TsSecond),
        ("pointer_to_symbol_table_hex", Hex),
        ("number_of_symbols", NON_NEG),
        ("size_of_optional_header", NON_NEG),
        ("characteristics_hex", Hex),
        ("file_header_hashes", Hashes),
        ("optional_header", Obj(&PE_OPTIONAL_HEADER)),
        ("sections", ObjList(&PE_SECTION)),
    ],
    &["pe_type"],
    &[Rule::AtLeastOneBesides("pe_type")],
);

static HTTP_REQUEST_EXT: Shape = embedded(
    "http-request-ext",
    "6.12.2",
    &[
        ("request_method", Str),
        ("request_value", Str),
        ("request_version", Str),
        ("request_header", Dict(DictValues::StrList)),
        ("message_body_length", NON_NEG),
        ("message_body_data_ref", Ref(ARTIFACT)),
    ],
    &["request_method", "request_value"],
    &[],
);
static ICMP_EXT: Shape = embedded(
    "icmp-ext",
    "6.12.3",
    &[("icmp_type_hex", Hex), ("icmp_code_hex", Hex)],
    &["icmp_type_hex", "icmp_code_hex"],
    &[],
);
static SOCKET_EXT: Shape = embedded(
    "socket-ext",
    "6.12.4",
    &[
        ("address_family", Enum(vocab::SOCKET_ADDRESS_FAMILY)),
        ("is_blocking", Bool),
        ("is_listening", Bool),
        ("options", Special(socket_options)),
        ("socket_type", Enum(vocab::SOCKET_TYPE)),
        ("socket_descriptor", NON_NEG),
        ("socket_handle", ANY_INT),
    ],
    &["address_family"],
    &[],
);
static TCP_EXT: Shape = embedded(
    "tcp-ext",
    "6.12.5",
    &[("src_flags_hex", Hex), ("dst_flags_hex", Hex)],
    &[],
    ONE_PROPERTY,
);

static WINDOWS_PROCESS_EXT: Shape = embedded(
    "windows-process-ext",
    "6.13.2",
    &[
        ("aslr_enabled", Bool),
        ("dep_enabled", Bool),
        ("priority", Str),
        ("owner_sid", Str),
        ("window_title", Str),
        ("startup_info", Dict(DictValues::Any)),
        ("integrity_level", Enum(vocab::WINDOWS_INTEGRITY_LEVEL)),
    ],
    &[],
    ONE_PROPERTY,
);
static WINDOWS_SERVICE_EXT: Shape = embedded(
    "windows-service-ext",
    "6.13.3",
    &[
        ("service_name", Str),
        ("descriptions", StrList),
        ("display_name", Str),
        ("group_name", Str),
        ("start_type", Enum(vocab::WINDOWS_SERVICE_START_TYPE)),
        ("service_dll_refs", Refs(FILE)),
        ("service_type", Enum(vocab::WINDOWS_SERVICE_TYPE)),
        ("service_status", Enum(vocab::WINDOWS_SERVICE_STATUS)),
    ],
    &[],
    ONE_PROPERTY,
);
static UNIX_ACCOUNT_EXT: Shape = embedded(
    "unix-account-ext",
    "6.16.2",
    &[
        ("gid", ANY_INT),
        ("groups", StrList),
        ("home_dir", Str),
        ("shell", Str),
    ],
    &[],
    ONE_PROPERTY,
);
static REGISTRY_VALUE: Shape = embedded(
    "windows registry value",
    "6.17.2",
    &[
        ("name", Str),
        ("data", Str),
        ("data_type", Enum(vocab::WINDOWS_REGISTRY_DATATYPE)),
    ],
    &[],
    ONE_PROPERTY,
);
static X509_V3_EXTENSIONS: Shape = embedded(
    "x509 v3 extensions",
    "6.18.2",
    &[
        ("basic_constraints", Str),
        ("name_constraints", Str),
        ("policy_constraints", Str),
        ("key_usage", Str),
        ("extended_key_usage", Str),
        ("subject_key_identifier", Str),
        ("authority_key_identifier", Str),
        ("subject_alternative_name", Str),
        ("issuer_alternative_name", Str),
        ("subject_directory_attributes", Str),
        ("crl_distribution_points", Str),
        ("inhibit_any_policy", Str),
        ("private_key_usage_period_not_before", Ts),
        ("private_key_usage_period_not_after", Ts),
        ("certificate_policies", Str),
        ("policy_mappings", Str),
    ],
    &[],
    ONE_PROPERTY,
);

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

fn string_value<'v>(cx: &mut Cx<'_>, at: &Path<'_>, v: &'v Value) -> Option<&'v str> {
    let s = v.as_str();
    if s.is_none() {
        cx.wrong_type(at, "a string", v);
    }
    s
}

fn format_check(
    cx: &mut Cx<'_>,
    at: &Path<'_>,
    v: &Value,
    ok: fn(&str) -> bool,
    rule: &'static str,
    expected: &str,
) {
    if let Some(s) = string_value(cx, at, v) {
        if !ok(s) {
            cx.error(
                at,
                rule,
                format!("'{}' must be {expected}, got {}", at.display(), quote(s)),
            );
        }
    }
}

fn ipv4_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        formats::is_ipv4_value,
        "ipv4-value",
        "an IPv4 address or CIDR block such as '198.51.100.3' or '198.51.100.0/24'",
    );
}

fn ipv6_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        formats::is_ipv6_value,
        "ipv6-value",
        "an IPv6 address or CIDR block such as '2001:db8::1' or '2001:db8::/32'",
    );
}

fn mac_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(cx, at, v, formats::is_mac_value, "mac-value", "a lowercase, colon-delimited MAC-48 address with leading zeros, such as '00:0a:95:9d:68:16'");
}

fn domain_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(cx, at, v, formats::is_domain_name, "domain-value", "a domain name of letters, digits and hyphens per label (RFC 1034/5890), such as 'example.com'");
}

fn email_value(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        formats::is_email_value,
        "email-value",
        "an email address 'local@domain', without a display name",
    );
}

fn charset(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        formats::is_charset_name,
        "charset-name",
        "a character set name from the IANA registry, such as 'windows-1252' or 'UTF-8'",
    );
}

fn cpe(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        formats::is_cpe23,
        "cpe-format",
        "a CPE 2.3 name such as 'cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*'",
    );
}

/// `mime_type` of a file: a SHOULD (§6.7.1), so only a warning.
fn file_mime_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    if let Some(s) = string_value(cx, at, v) {
        mime_warning(cx, at, s);
    }
}

/// `mime_type` of an artifact: MUST be a MIME type; SHOULD be registered (§6.1.1).
fn artifact_mime_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    if let Some(s) = string_value(cx, at, v) {
        if formats::is_mime_type(s) {
            mime_warning(cx, at, s);
        } else {
            cx.error(
                at,
                "mime-type",
                format!(
                    "'{}' must be a MIME type 'type/subtype' such as 'application/zip', got {}",
                    at.display(),
                    quote(s)
                ),
            );
        }
    }
}

fn mime_warning(cx: &mut Cx<'_>, at: &Path<'_>, s: &str) {
    let top = s.split('/').next().unwrap_or("");
    if !formats::is_mime_type(s) || !formats::MEDIA_TOP_LEVEL.contains(&top) {
        cx.warn(
            at,
            "mime-type",
            format!(
                "{} SHOULD be a media type from the IANA registry, such as 'application/zip'",
                quote(s)
            ),
        );
    }
}

fn language_list(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    let Some(items) = props::non_empty_list(cx, at, v) else {
        return;
    };
    for (i, item) in items.iter().enumerate() {
        props::check(cx, &at.index(i), item, Lang);
    }
}

/// The hive of a registry key MUST be written out in full (§6.17.1).
fn registry_key(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    let Some(s) = string_value(cx, at, v) else {
        return;
    };
    let hive = s.split('\\').next().unwrap_or("");
    if ["HKLM", "HKCU", "HKCR", "HKU", "HKCC"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(hive))
    {
        cx.error(
            at,
            "registry-hive",
            format!(
                "'{}' must name the hive in full (e.g. HKEY_LOCAL_MACHINE, not HKLM), got {}",
                at.display(),
                quote(s)
            ),
        );
    }
}

/// Socket options (§6.12.4): keys are option names such as `SO_REUSEADDR`, values integers.
fn socket_options(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    const PREFIXES: &[&str] = &[
        "SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_", "MCAST_", "TCP_", "IRLMP_",
    ];
    for (k, item) in m {
        let here = at.key(k);
        let name_ok = PREFIXES
            .iter()
            .any(|p| k.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
            && k.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
        if !name_ok {
            cx.error(&here, "socket-option", format!("socket option {} must be an option name such as 'SO_REUSEADDR' (prefix SO_, ICMP_, ICMP6_, IP_, IPV6_, MCAST_, TCP_ or IRLMP_)", quote(k)));
        }
        if props::as_integer(item).is_none() {
            cx.wrong_type(&here, "an integer", item);
        }
    }
}

/// EXIF tags (§6.7.5): keys are case-preserved EXIF tag names, values strings or integers.
fn exif_tags(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        if !k.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
            || k.len() < 2
            || !props::is_dict_key(k)
        {
            cx.error(&here, "exif-tag", format!("EXIF tag {} must be a case-preserved EXIF tag name such as 'Make' or 'XResolution'", quote(k)));
        }
        if !item.is_string() && props::as_integer(item).is_none() {
            cx.wrong_type(&here, "a string or an integer", item);
        }
    }
}

/// The deprecated observable container of observed-data (§2.13): a dictionary of SCOs keyed by local ids.
pub(crate) fn observable_container(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    let Some(m) = props::non_empty_dict(cx, at, v) else {
        return;
    };
    for (k, item) in m {
        let here = at.key(k);
        match item.as_object() {
            None => cx.wrong_type(&here, "a cyber-observable object", item),
            Some(o) => match o.get("type") {
                Some(Value::String(_)) => {}
                Some(other) => cx.wrong_type(&here.key("type"), "a type name string", other),
                None => cx.error(
                    &here,
                    "required-property",
                    format!("observable '{}' is missing 'type'", here.display()),
                ),
            },
        }
    }
}

/// `relationship_type` (§5.1.2): ASCII lowercase letters, digits and hyphens.
pub(crate) fn relationship_type(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    format_check(
        cx,
        at,
        v,
        |s| {
            !s.is_empty()
                && s.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        },
        "relationship-type",
        "lowercase ASCII letters, digits and hyphens, such as 'indicates'",
    );
}

/// `country` of a location (§4.10.1): SHOULD be an ISO 3166-1 ALPHA-2 code.
pub(crate) fn country(cx: &mut Cx<'_>, at: &Path<'_>, v: &Value) {
    if let Some(s) = string_value(cx, at, v) {
        if !(s.len() == 2 && s.bytes().all(|c| c.is_ascii_uppercase())) {
            cx.warn(
                at,
                "country-code",
                format!(
                    "{} SHOULD be an ISO 3166-1 ALPHA-2 country code such as 'DE'",
                    quote(s)
                ),
            );
        }
    }
}
