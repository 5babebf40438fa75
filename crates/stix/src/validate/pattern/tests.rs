//! Patterns the reference grammar accepts and rejects, by rule.

use super::*;

#[test]
fn valid_patterns() {
    for p in [
        "[file:name = 'a']",
        " [file:'name' = 'a']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        "[file:size = +5]",
        "[file:size = .5]",
        r"[file:name = 'a\'b']",
        "[file:name = 'a'] AND [file:name = 'b'] FOLLOWEDBY [file:name = 'c'] OR [file:name = 'd']",
        "[file:name = 'a'] REPEATS 2 TIMES WITHIN 6.5 SECONDS",
        "[file:name = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.5Z'",
        "([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
        "[file:name /* x */ = 'a'] // trailing",
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
        "[file:name IN ()]",
        "[file:name NOT IN ('a', 1)]",
        "[file:name <> 'a' OR file:name == 'b' OR file:name != 'c' OR file:size >= 3]",
        "[NOT EXISTS file:name]",
        "[artifact:payload_bin = b'aGk=' OR artifact:payload_bin = h'']",
        "[(file:name = 'a' OR file:name = 'b') AND file:size = 1]",
        "(([file:name = 'a']))",
        "[x-acme-thing:some_prop = true]",
    ] {
        assert!(check_pattern(p).is_ok(), "{p}: {:?}", check_pattern(p));
    }
}

#[test]
fn invalid_patterns() {
    for (p, rule) in [
        ("[file:size = 012]", "pattern-syntax"),
        ("[file:name = 'a\\b']", "pattern-syntax"),
        ("[file:name = \"a\"]", "pattern-syntax"),
        ("[file:name = 'a' and file:name = 'b']", "pattern-syntax"),
        ("[file:name = 'a'] WITHIN -5 SECONDS", "pattern-syntax"),
        ("[file:name = 'a'] REPEATS 2.5 TIMES", "pattern-syntax"),
        (
            "[file:name = 'a'] START '2016-06-01T00:00:00Z' STOP '2016-07-01T00:00:00Z'",
            "pattern-syntax",
        ),
        (
            "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
            "pattern-qualifier",
        ),
        ("file:name = 'a'", "pattern-syntax"),
        ("/* c */ [file:name = 'a']", "pattern-syntax"),
        ("[file:name = 'a'", "pattern-syntax"),
        ("[]", "pattern-syntax"),
        ("[file:name = TRUE]", "pattern-syntax"),
        ("[file:name > true]", "pattern-syntax"),
        ("[file:name LIKE 5]", "pattern-syntax"),
        ("[artifact:payload_bin = b'aGk']", "pattern-syntax"),
        ("[artifact:payload_bin = h'abc']", "pattern-syntax"),
        (
            "[file:extensions.windows-pebinary-ext.sections[*].entropy > 7.0]",
            "pattern-syntax",
        ),
        ("[file:hashes.MD5 = 'abc']", "pattern-hash"),
        ("[file:hashes.'SHA-256' = 'abc']", "pattern-hash"),
        ("[ab:name = 'a']", "pattern-object-type"),
        ("[X-Foo:name = 'a']", "pattern-object-type"),
        ("[file:Name = 'a']", "pattern-property"),
        ("[fíle:name = 'a']", "pattern-syntax"),
        ("", "pattern-syntax"),
        (
            &format!(
                "{}[file:name = 'a']{}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ),
            "pattern-limit",
        ),
        (
            &format!(
                "[{}file:name = 'a'{}]",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ),
            "pattern-limit",
        ),
    ] {
        let shown: String = p.chars().take(80).collect();
        assert_eq!(check_pattern(p).map_err(|e| e.rule), Err(rule), "{shown}");
    }
}
