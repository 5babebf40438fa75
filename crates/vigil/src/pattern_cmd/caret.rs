//! A pattern error as a person reads it: the message, the pattern (or a window
//! of a long one around the error), and carets under the offending text.
//!
//! Spans are byte ranges; columns on screen are counted in display width
//! (a CJK character takes two columns, a combining accent none), and control
//! characters (tabs, newlines) are shown as one space each so that carets stay
//! aligned on one line.

use unicode_width::UnicodeWidthChar;
use vigil_pattern::PatternError;

/// Columns of pattern shown at most; longer patterns are cut to a window.
const WIDTH: usize = 100;
/// Columns of context kept before the error in a window.
const BEFORE: usize = 30;
const ELLIPSIS: &str = "...";

/// `error [rule]: message`, the pattern line and the caret line, each ending in a newline.
pub fn report(text: &str, e: &PatternError) -> String {
    let (line, carets) = underline(text, e.span);
    format!(
        "error [{}]: {} (at byte {})\n  {line}\n  {carets}\n",
        e.rule, e.message, e.span.0
    )
}

/// The pattern line and the caret line for the byte range `span` of `text`.
pub fn underline(text: &str, span: (usize, usize)) -> (String, String) {
    let start = floor_boundary(text, span.0.min(text.len()));
    let end = floor_boundary(text, span.1.clamp(start, text.len())).max(start);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    // Index (in chars) of the span's first and one-past-last characters.
    let first = chars.partition_point(|&(b, _)| b < start);
    let last = chars.partition_point(|&(b, _)| b < end);
    let width = |c: char| shown(c).width().unwrap_or(0);
    let total: usize = chars.iter().map(|&(_, c)| width(c)).sum();

    // The window [lo, hi) of chars shown.
    let (mut lo, mut hi) = (0, chars.len());
    if total > WIDTH {
        lo = first;
        let mut before = 0;
        while lo > 0 && before + width(chars[lo - 1].1) <= BEFORE {
            lo -= 1;
            before += width(chars[lo].1);
        }
        hi = lo;
        let mut cols = 0;
        while hi < chars.len() && cols + width(chars[hi].1) <= WIDTH {
            cols += width(chars[hi].1);
            hi += 1;
        }
    }

    let mut line = String::new();
    let mut carets = String::new();
    if lo > 0 {
        line.push_str(ELLIPSIS);
        carets.push_str(&" ".repeat(ELLIPSIS.len()));
    }
    let mut marked = 0;
    for (i, &(_, c)) in chars.iter().enumerate().take(hi).skip(lo) {
        line.push(shown(c));
        let w = width(c);
        if i < first {
            carets.push_str(&" ".repeat(w));
        } else if i < last {
            carets.push_str(&"^".repeat(w));
            marked += w;
        }
    }
    if hi < chars.len() {
        line.push_str(ELLIPSIS);
    }
    // An empty span (e.g. the end of the input), or one of zero-width
    // characters only, still gets one caret where it is.
    if marked == 0 {
        carets.push('^');
    }
    (line, carets)
}

/// A character as it is shown on the pattern line: control characters as a space.
fn shown(c: char) -> char {
    if c.is_control() {
        ' '
    } else {
        c
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `text` on one line, cut to about `max` characters with an ellipsis.
pub fn shorten(text: &str, max: usize) -> String {
    let one_line: String = text.chars().take(max).map(shown).collect();
    if text.chars().nth(max).is_some() {
        format!("{one_line}{ELLIPSIS} ({} bytes in all)", text.len())
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_under_the_span() {
        let (l, c) = underline("[file:name = 'a' AND]", (17, 20));
        assert_eq!(l, "[file:name = 'a' AND]");
        assert_eq!(c, "                 ^^^");
    }

    #[test]
    fn empty_span_at_the_end() {
        let (l, c) = underline("[a:b = 1", (8, 8));
        assert_eq!(l, "[a:b = 1");
        assert_eq!(c, "        ^");
    }

    #[test]
    fn multi_byte_and_wide_characters() {
        // 'é' is two bytes and one column; '日' is three bytes and two columns.
        let text = "[a:b = 'é日'] XX";
        let at = text.find("XX").unwrap();
        let (l, c) = underline(text, (at, at + 2));
        assert_eq!(l, text);
        assert_eq!(c, format!("{}^^", " ".repeat(14)));
        // Ends inside a character are moved to its start.
        let (_, c) = underline(text, (9, 13));
        assert_eq!(c, format!("{}^^^", " ".repeat(8)));
    }

    #[test]
    fn newlines_and_tabs_keep_alignment() {
        let (l, c) = underline("[a:b\n=\t1 x]", (9, 10));
        assert_eq!(l, "[a:b = 1 x]");
        assert_eq!(c, "         ^");
    }

    #[test]
    fn long_patterns_show_a_window() {
        let text = format!("[a:b = '{}'] BAD {}", "x".repeat(500), "y".repeat(500));
        let at = text.find("BAD").unwrap();
        let (l, c) = underline(&text, (at, at + 3));
        assert!(l.starts_with("...") && l.ends_with("..."), "{l}");
        assert!(l.chars().count() <= WIDTH + 6);
        let col = c.find('^').unwrap();
        assert_eq!(&l[col..col + 3], "BAD");
        assert_eq!(c.trim(), "^^^");
        // A span running past the window is cut at its end.
        let (l, c) = underline(&text, (at, text.len()));
        assert_eq!(c.len(), l.len() - ELLIPSIS.len());
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let (_, c) = underline("abc", (10, 2));
        assert_eq!(c, "   ^");
        let (_, c) = underline("", (0, 0));
        assert_eq!(c, "^");
    }
}
