//! Unicode Normalization Form C, for `LIKE` and `MATCHES`: the OASIS matcher
//! normalises both the observed string and the pattern's expression to NFC
//! before matching (the spec is silent; `=` and `IN` compare code points as
//! they are). The tables are generated (`gen_nfc_table.py`); the algorithm is
//! UAX #15's: full canonical decomposition, canonical ordering, canonical
//! composition, with Hangul syllables computed.

use std::borrow::Cow;

#[path = "nfc_table.rs"]
mod table;

/// `s` in NFC; borrowed when it already is (always when every character is
/// below U+0300, the first one that can combine).
pub(crate) fn nfc(s: &str) -> Cow<'_, str> {
    if s.chars().all(|c| (c as u32) < 0x300) {
        return Cow::Borrowed(s);
    }
    let out = compose(decompose(s));
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = V_COUNT * T_COUNT;
const S_COUNT: u32 = L_COUNT * N_COUNT;

fn ccc(c: u32) -> u8 {
    match table::CCC.binary_search_by(|&(lo, hi, _)| {
        if hi < c {
            std::cmp::Ordering::Less
        } else if lo > c {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    }) {
        Ok(i) => table::CCC[i].2,
        Err(_) => 0,
    }
}

fn decompose(s: &str) -> Vec<(u32, u8)> {
    let mut out: Vec<(u32, u8)> = Vec::with_capacity(s.len());
    let push = |c: u32, out: &mut Vec<(u32, u8)>| {
        let class = ccc(c);
        // Canonical ordering: a mark sinks below the marks of higher class before it.
        let mut at = out.len();
        if class != 0 {
            while at > 0 && out[at - 1].1 > class {
                at -= 1;
            }
        }
        out.insert(at, (c, class));
    };
    for ch in s.chars() {
        let c = ch as u32;
        if (S_BASE..S_BASE + S_COUNT).contains(&c) {
            let i = c - S_BASE;
            push(L_BASE + i / N_COUNT, &mut out);
            push(V_BASE + (i % N_COUNT) / T_COUNT, &mut out);
            if !i.is_multiple_of(T_COUNT) {
                push(T_BASE + i % T_COUNT, &mut out);
            }
        } else if let Ok(i) = table::DECOMP.binary_search_by_key(&c, |d| d.0) {
            let (_, start, len) = table::DECOMP[i];
            let start = usize::from(start);
            for &d in &table::DECOMP_CHARS[start..start + usize::from(len)] {
                push(d, &mut out);
            }
        } else {
            push(c, &mut out);
        }
    }
    out
}

fn compose_pair(a: u32, b: u32) -> Option<u32> {
    if (L_BASE..L_BASE + L_COUNT).contains(&a) && (V_BASE..V_BASE + V_COUNT).contains(&b) {
        return Some(S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT);
    }
    if (S_BASE..S_BASE + S_COUNT).contains(&a)
        && (a - S_BASE).is_multiple_of(T_COUNT)
        && (T_BASE + 1..T_BASE + T_COUNT).contains(&b)
    {
        return Some(a + (b - T_BASE));
    }
    let key = (u64::from(a) << 32) | u64::from(b);
    table::COMPOSE
        .binary_search_by_key(&key, |p| p.0)
        .ok()
        .map(|i| table::COMPOSE[i].1)
}

fn compose(chars: Vec<(u32, u8)>) -> String {
    let mut out: Vec<(u32, u8)> = Vec::with_capacity(chars.len());
    let mut starter: Option<usize> = None;
    for (c, class) in chars {
        if let Some(si) = starter {
            let last_class = out
                .last()
                .map_or(0, |l| if out.len() - 1 == si { 0 } else { l.1 });
            // Not blocked: nothing between the starter and c, or the last
            // character between has a lower class than c (non-zero).
            let blocked = out.len() - 1 != si && (last_class == 0 || last_class >= class);
            if !blocked {
                if let Some(p) = compose_pair(out[si].0, c) {
                    out[si].0 = p;
                    continue;
                }
            }
        }
        if class == 0 {
            starter = Some(out.len());
        }
        out.push((c, class));
    }
    out.into_iter()
        .filter_map(|(c, _)| char::from_u32(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::nfc;

    #[test]
    fn normalises_to_composed_form() {
        assert_eq!(nfc("abc"), "abc");
        assert_eq!(nfc("e\u{301}"), "\u{e9}");
        assert_eq!(nfc("d\u{323}\u{307}"), "\u{1e0d}\u{307}");
        assert_eq!(nfc("\u{1e0b}\u{323}"), "\u{1e0d}\u{307}");
        assert_eq!(nfc("\u{1e0d}\u{307}"), "\u{1e0d}\u{307}");
        assert_eq!(nfc("\u{1100}\u{1161}\u{11a8}"), "\u{ac01}");
        assert_eq!(nfc("\u{212b}"), "\u{c5}");
    }
}
