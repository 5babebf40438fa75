//! STIX 2.1 vocabularies (open: a SHOULD) and enumerations (closed: a MUST),
//! §10 "STIX Vocabularies", as static data.

/// account-type-ov (§10.1).
pub(crate) const ACCOUNT_TYPE: &[&str] = &[
    "facebook",
    "ldap",
    "nis",
    "openid",
    "radius",
    "skype",
    "tacacs",
    "twitter",
    "unix",
    "windows-local",
    "windows-domain",
];
/// attack-motivation-ov (§10.2).
pub(crate) const ATTACK_MOTIVATION: &[&str] = &[
    "accidental",
    "coercion",
    "dominance",
    "ideology",
    "notoriety",
    "organizational-gain",
    "personal-gain",
    "personal-satisfaction",
    "revenge",
    "unpredictable",
];
/// attack-resource-level-ov (§10.3).
pub(crate) const ATTACK_RESOURCE_LEVEL: &[&str] = &[
    "individual",
    "club",
    "contest",
    "team",
    "organization",
    "government",
];
/// encryption-algorithm-enum (§10.4).
pub(crate) const ENCRYPTION_ALGORITHM: &[&str] =
    &["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];
/// extension-type-enum (§10.5).
pub(crate) const EXTENSION_TYPE: &[&str] = &[
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];
/// grouping-context-ov (§10.6).
pub(crate) const GROUPING_CONTEXT: &[&str] =
    &["suspicious-activity", "malware-analysis", "unspecified"];
/// hash-algorithm-ov (§10.7).
pub(crate) const HASH_ALGORITHM: &[&str] = &[
    "MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",
];
/// identity-class-ov (§10.8).
pub(crate) const IDENTITY_CLASS: &[&str] = &[
    "individual",
    "group",
    "system",
    "organization",
    "class",
    "unknown",
];
/// implementation-language-ov (§10.9).
pub(crate) const IMPLEMENTATION_LANGUAGE: &[&str] = &[
    "applescript",
    "bash",
    "c",
    "c++",
    "c#",
    "go",
    "java",
    "javascript",
    "lua",
    "objective-c",
    "perl",
    "php",
    "powershell",
    "python",
    "ruby",
    "scala",
    "swift",
    "typescript",
    "visual-basic",
    "x86-32",
    "x86-64",
];
/// indicator-type-ov (§10.10).
pub(crate) const INDICATOR_TYPE: &[&str] = &[
    "anomalous-activity",
    "anonymization",
    "benign",
    "compromised",
    "malicious-activity",
    "attribution",
    "unknown",
];
/// industry-sector-ov (§10.11).
pub(crate) const INDUSTRY_SECTOR: &[&str] = &[
    "agriculture",
    "aerospace",
    "automotive",
    "chemical",
    "commercial",
    "communications",
    "construction",
    "defense",
    "education",
    "energy",
    "entertainment",
    "financial-services",
    "government",
    "emergency-services",
    "government-local",
    "government-national",
    "government-public-services",
    "government-regional",
    "healthcare",
    "hospitality-leisure",
    "infrastructure",
    "dams",
    "nuclear",
    "water",
    "insurance",
    "manufacturing",
    "mining",
    "non-profit",
    "pharmaceuticals",
    "retail",
    "technology",
    "telecommunications",
    "transportation",
    "utilities",
];
/// infrastructure-type-ov (§10.12).
pub(crate) const INFRASTRUCTURE_TYPE: &[&str] = &[
    "amplification",
    "anonymization",
    "botnet",
    "command-and-control",
    "control-system",
    "exfiltration",
    "firewall",
    "hosting-malware",
    "hosting-target-lists",
    "phishing",
    "reconnaissance",
    "routers-switches",
    "staging",
    "workstation",
    "unknown",
];
/// malware-capabilities-ov (§10.13).
pub(crate) const MALWARE_CAPABILITIES: &[&str] = &[
    "accesses-remote-machines",
    "anti-debugging",
    "anti-disassembly",
    "anti-emulation",
    "anti-memory-forensics",
    "anti-sandbox",
    "anti-vm",
    "captures-input-peripherals",
    "captures-output-peripherals",
    "captures-system-state-data",
    "cleans-traces-of-infection",
    "commits-fraud",
    "communicates-with-c2",
    "compromises-data-availability",
    "compromises-data-integrity",
    "compromises-system-availability",
    "controls-local-machine",
    "degrades-security-software",
    "degrades-system-updates",
    "determines-c2-server",
    "emails-spam",
    "escalates-privileges",
    "evades-av",
    "exfiltrates-data",
    "fingerprints-host",
    "hides-artifacts",
    "hides-executing-code",
    "infects-files",
    "infects-remote-machines",
    "installs-other-components",
    "persists-after-system-reboot",
    "prevents-artifact-access",
    "prevents-artifact-deletion",
    "probes-network-environment",
    "self-modifies",
    "steals-authentication-credentials",
    "violates-system-operational-integrity",
];
/// malware-result-ov (§10.14).
pub(crate) const MALWARE_RESULT: &[&str] = &["malicious", "suspicious", "benign", "unknown"];
/// malware-type-ov (§10.15).
pub(crate) const MALWARE_TYPE: &[&str] = &[
    "adware",
    "backdoor",
    "bot",
    "bootkit",
    "ddos",
    "downloader",
    "dropper",
    "exploit-kit",
    "keylogger",
    "ransomware",
    "remote-access-trojan",
    "resource-exploitation",
    "rogue-security-software",
    "rootkit",
    "screen-capture",
    "spyware",
    "trojan",
    "unknown",
    "virus",
    "webshell",
    "wiper",
    "worm",
];
/// network-socket-address-family-enum (§10.16).
pub(crate) const SOCKET_ADDRESS_FAMILY: &[&str] = &[
    "AF_UNSPEC",
    "AF_INET",
    "AF_IPX",
    "AF_APPLETALK",
    "AF_NETBIOS",
    "AF_INET6",
    "AF_IRDA",
    "AF_BTH",
];
/// network-socket-type-enum (§10.17).
pub(crate) const SOCKET_TYPE: &[&str] = &[
    "SOCK_STREAM",
    "SOCK_DGRAM",
    "SOCK_RAW",
    "SOCK_RDM",
    "SOCK_SEQPACKET",
];
/// opinion-enum (§10.18).
pub(crate) const OPINION: &[&str] = &[
    "strongly-disagree",
    "disagree",
    "neutral",
    "agree",
    "strongly-agree",
];
/// pattern-type-ov (§10.19).
pub(crate) const PATTERN_TYPE: &[&str] = &["stix", "pcre", "sigma", "snort", "suricata", "yara"];
/// processor-architecture-ov (§10.20).
pub(crate) const PROCESSOR_ARCHITECTURE: &[&str] = &[
    "alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",
];
/// region-ov (§10.21).
pub(crate) const REGION: &[&str] = &[
    "africa",
    "eastern-africa",
    "middle-africa",
    "northern-africa",
    "southern-africa",
    "western-africa",
    "americas",
    "latin-america-caribbean",
    "south-america",
    "caribbean",
    "central-america",
    "northern-america",
    "asia",
    "central-asia",
    "eastern-asia",
    "southern-asia",
    "south-eastern-asia",
    "western-asia",
    "europe",
    "eastern-europe",
    "northern-europe",
    "southern-europe",
    "western-europe",
    "oceania",
    "australia-new-zealand",
    "melanesia",
    "micronesia",
    "polynesia",
    "antarctica",
];
/// report-type-ov (§10.22).
pub(crate) const REPORT_TYPE: &[&str] = &[
    "attack-pattern",
    "campaign",
    "identity",
    "indicator",
    "intrusion-set",
    "malware",
    "observed-data",
    "threat-actor",
    "threat-report",
    "tool",
    "vulnerability",
];
/// threat-actor-type-ov (§10.23).
pub(crate) const THREAT_ACTOR_TYPE: &[&str] = &[
    "activist",
    "competitor",
    "crime-syndicate",
    "criminal",
    "hacker",
    "insider-accidental",
    "insider-disgruntled",
    "nation-state",
    "sensationalist",
    "spy",
    "terrorist",
    "unknown",
];
/// threat-actor-role-ov (§10.24).
pub(crate) const THREAT_ACTOR_ROLE: &[&str] = &[
    "agent",
    "director",
    "independent",
    "infrastructure-architect",
    "infrastructure-operator",
    "malware-author",
    "sponsor",
];
/// threat-actor-sophistication-ov (§10.25).
pub(crate) const THREAT_ACTOR_SOPHISTICATION: &[&str] = &[
    "none",
    "minimal",
    "intermediate",
    "advanced",
    "expert",
    "innovator",
    "strategic",
];
/// tool-type-ov (§10.26).
pub(crate) const TOOL_TYPE: &[&str] = &[
    "denial-of-service",
    "exploitation",
    "information-gathering",
    "network-capture",
    "credential-exploitation",
    "remote-access",
    "vulnerability-scanning",
    "unknown",
];
/// windows-integrity-level-enum (§10.27).
pub(crate) const WINDOWS_INTEGRITY_LEVEL: &[&str] = &["low", "medium", "high", "system"];
/// windows-pebinary-type-ov (§10.28).
pub(crate) const WINDOWS_PEBINARY_TYPE: &[&str] = &["dll", "exe", "sys"];
/// windows-registry-datatype-enum (§10.29).
pub(crate) const WINDOWS_REGISTRY_DATATYPE: &[&str] = &[
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
];
/// windows-service-start-type-enum (§10.30).
pub(crate) const WINDOWS_SERVICE_START_TYPE: &[&str] = &[
    "SERVICE_AUTO_START",
    "SERVICE_BOOT_START",
    "SERVICE_DEMAND_START",
    "SERVICE_DISABLED",
    "SERVICE_SYSTEM_ALERT",
];
/// windows-service-type-enum (§10.31).
pub(crate) const WINDOWS_SERVICE_TYPE: &[&str] = &[
    "SERVICE_KERNEL_DRIVER",
    "SERVICE_FILE_SYSTEM_DRIVER",
    "SERVICE_WIN32_OWN_PROCESS",
    "SERVICE_WIN32_SHARE_PROCESS",
];
/// windows-service-status-enum (§10.32).
pub(crate) const WINDOWS_SERVICE_STATUS: &[&str] = &[
    "SERVICE_CONTINUE_PENDING",
    "SERVICE_PAUSE_PENDING",
    "SERVICE_PAUSED",
    "SERVICE_RUNNING",
    "SERVICE_START_PENDING",
    "SERVICE_STOP_PENDING",
    "SERVICE_STOPPED",
];

/// Whether a custom open-vocabulary value follows §2.14's style: lowercase words joined by hyphens.
pub(crate) fn is_vocab_style(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_style() {
        assert!(is_vocab_style("nation-state"));
        assert!(!is_vocab_style("Nation State"));
        assert!(!is_vocab_style("nation_state"));
        assert!(HASH_ALGORITHM.contains(&"SHA-256"));
    }
}
