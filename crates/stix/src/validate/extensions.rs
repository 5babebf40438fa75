//! Predefined extensions of cyber-observables (STIX 2.1 §3.10, §6) and the structures
//! embedded in observables (MIME parts, PE headers and sections, registry values, X.509 v3
//! extensions): rows of the table like the objects' own.

use super::props::{self, DictValues, Kind::*};
use super::refs::Targets;
use super::sco::{ANY_INT, ARTIFACT, FILE, NON_NEG};
use super::table::{Class, Rule, Shape};
use super::values::{exif_tags, socket_options};
use super::vocab;

const fn embedded(
    name: &'static str,
    section: &'static str,
    props: &'static [(&'static str, props::Kind)],
    required: &'static [&'static str],
    rules: &'static [Rule],
) -> Shape {
    Shape::new(name, section, Class::Embedded, props, required, rules)
}

/// A predefined extension MUST carry at least one of its properties.
const ONE_PROPERTY: &[Rule] = &[Rule::AtLeastOneProperty];

pub(super) static MIME_PART: Shape = embedded(
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

pub(super) static ARCHIVE_EXT: Shape = embedded(
    "archive-ext",
    "6.7.2",
    &[
        ("contains_refs", Refs(Targets::Only(&["file", "directory"]))),
        ("comment", Str),
    ],
    &["contains_refs"],
    &[],
);
pub(super) static ADS: Shape = embedded(
    "alternate data stream",
    "6.7.3.2",
    &[("name", Str), ("hashes", Hashes), ("size", NON_NEG)],
    &["name"],
    &[],
);
pub(super) static NTFS_EXT: Shape = embedded(
    "ntfs-ext",
    "6.7.3",
    &[("sid", Str), ("alternate_data_streams", ObjList(&ADS))],
    &[],
    ONE_PROPERTY,
);
pub(super) static PDF_EXT: Shape = embedded(
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
pub(super) static RASTER_EXT: Shape = embedded(
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
pub(super) static PE_OPTIONAL_HEADER: Shape = embedded(
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
pub(super) static PE_SECTION: Shape = embedded(
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
pub(super) static PEBINARY_EXT: Shape = embedded(
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

pub(super) static HTTP_REQUEST_EXT: Shape = embedded(
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
pub(super) static ICMP_EXT: Shape = embedded(
    "icmp-ext",
    "6.12.3",
    &[("icmp_type_hex", Hex), ("icmp_code_hex", Hex)],
    &["icmp_type_hex", "icmp_code_hex"],
    &[],
);
pub(super) static SOCKET_EXT: Shape = embedded(
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
pub(super) static TCP_EXT: Shape = embedded(
    "tcp-ext",
    "6.12.5",
    &[("src_flags_hex", Hex), ("dst_flags_hex", Hex)],
    &[],
    ONE_PROPERTY,
);

pub(super) static WINDOWS_PROCESS_EXT: Shape = embedded(
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
pub(super) static WINDOWS_SERVICE_EXT: Shape = embedded(
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
pub(super) static UNIX_ACCOUNT_EXT: Shape = embedded(
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
pub(super) static REGISTRY_VALUE: Shape = embedded(
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
pub(super) static X509_V3_EXTENSIONS: Shape = embedded(
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
