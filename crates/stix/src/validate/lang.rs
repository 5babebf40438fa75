//! RFC 5646 language tags (BCP 47), which `lang` properties MUST be (STIX 2.1 §3.2,
//! §7.1, §7.2.3). Checked for well-formedness per the RFC 5646 §2.1 ABNF; whether
//! each subtag is registered with IANA is not checked.

/// Tags registered before RFC 4646 that do not fit the generic syntax (RFC 5646 §2.2.8).
const GRANDFATHERED: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str, lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphabetic())
}

fn alphanum(s: &str, lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Whether `s` is a well-formed RFC 5646 language tag such as `en`, `pt-BR`, `zh-Hant-TW`.
pub(crate) fn is_language_tag(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 || !s.is_ascii() {
        return false;
    }
    if GRANDFATHERED.iter().any(|g| g.eq_ignore_ascii_case(s)) {
        return true;
    }
    let mut parts = s.split('-').peekable();
    let Some(first) = parts.next() else {
        return false;
    };
    if first.eq_ignore_ascii_case("x") {
        return private_use(parts);
    }
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
    if !alpha(first, 2, 8) {
        return false;
    }
    if first.len() <= 3 {
        // extlang = 3ALPHA *2("-" 3ALPHA)
        let mut extlangs = 0;
        while extlangs < 3 && parts.peek().is_some_and(|p| alpha(p, 3, 3)) {
            parts.next();
            extlangs += 1;
        }
    }
    // script = 4ALPHA
    if parts.peek().is_some_and(|p| alpha(p, 4, 4)) {
        parts.next();
    }
    // region = 2ALPHA / 3DIGIT
    if parts
        .peek()
        .is_some_and(|p| alpha(p, 2, 2) || (p.len() == 3 && p.bytes().all(|c| c.is_ascii_digit())))
    {
        parts.next();
    }
    // variant = 5*8alphanum / (DIGIT 3alphanum)
    while parts.peek().is_some_and(|p| {
        alphanum(p, 5, 8) || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit() && alphanum(p, 4, 4))
    }) {
        parts.next();
    }
    // extension = singleton 1*("-" (2*8alphanum)); privateuse = "x" 1*("-" (1*8alphanum))
    while let Some(p) = parts.next() {
        if p.eq_ignore_ascii_case("x") {
            return private_use(parts);
        }
        if !(p.len() == 1 && p.as_bytes()[0].is_ascii_alphanumeric()) {
            return false;
        }
        let mut n = 0;
        while parts.peek().is_some_and(|q| alphanum(q, 2, 8)) {
            parts.next();
            n += 1;
        }
        if n == 0 {
            return false;
        }
    }
    true
}

fn private_use<'a>(parts: impl Iterator<Item = &'a str>) -> bool {
    let mut n = 0;
    for p in parts {
        if !alphanum(p, 1, 8) {
            return false;
        }
        n += 1;
    }
    n > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_tags() {
        for ok in [
            "en",
            "de",
            "pt-BR",
            "zh-Hant-TW",
            "ja-Latn",
            "sl-rozaj-biske",
            "en-US-x-twain",
            "x-whatever",
            "i-klingon",
            "tlh",
            "es-419",
            "eng",
            "zh-yue-HK",
            "en-a-bbb-x-a-ccc",
        ] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "english!",
            "en_US",
            "en-",
            "-en",
            "en--US",
            "x",
            "en-a",
            "abcdefghi",
            "en-US-x",
            "ünglish",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
