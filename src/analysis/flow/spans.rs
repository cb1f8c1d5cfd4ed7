//! Source positions of syn nodes: spans to byte offsets, and the text of a node.

use super::*;

impl Walker<'_> {
    pub(super) fn span<T: Spanned + located::Located>(&self, node: &T) -> Span {
        let (first, last) = node.ends().unwrap_or_else(|| {
            let s = node.span();
            (s, s)
        });
        let start = self.byte_at(first.start());
        start..self.byte_at(last.end()).max(start)
    }

    /// The offset in the text of a line and column (in characters) of the
    /// parsed text.
    pub(super) fn byte_at(&self, at: proc_macro2::LineColumn) -> usize {
        let (line_starts, ascii) = self
            .lines
            .get_or_init(|| line_starts(self.text, crate::analysis::stripped_prefix(self.text)));
        let Some(&start) = line_starts.get(at.line.saturating_sub(1)) else {
            return self.text.len();
        };
        if *ascii {
            return (start + at.column).min(self.text.len());
        }
        let line = &self.text[start..];
        match line.get(..at.column) {
            Some(head) if head.is_ascii() => start + at.column,
            _ => start + line.char_indices().nth(at.column).map_or(line.len(), |(i, _)| i),
        }
    }

    pub(super) fn range_of(&self, span: proc_macro2::Span) -> Span {
        self.byte_at(span.start())..self.byte_at(span.end())
    }

    /// The source text of a node, without whitespace (`a.b ()` -> `a.b()`).
    pub(super) fn src<T: Spanned + located::Located>(&self, node: &T) -> String {
        let r = self.span(node);
        self.text.get(r).map(without_whitespace).unwrap_or_default()
    }

    pub(super) fn id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }
}

/// `text` without its whitespace. ASCII text (all but a vertical tab,
/// which `split_ascii_whitespace` keeps) is copied a run at a time.
pub(super) fn without_whitespace(text: &str) -> String {
    if text.is_ascii() && !text.contains('\x0b') {
        let mut out = String::with_capacity(text.len());
        text.split_ascii_whitespace().for_each(|run| out.push_str(run));
        return out;
    }
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Where each line of `text[offset..]` starts, as proc-macro2 counts lines
/// (at `\n`), and whether that text is all ASCII. Eight bytes at a time:
/// lines are short, so a search per line costs more than the bytes it
/// skips, and most words hold no newline.
pub(super) fn line_starts(text: &str, offset: usize) -> (Vec<usize>, bool) {
    const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    const NEWLINES: u64 = u64::from_le_bytes([b'\n'; 8]);
    let bytes = text.as_bytes();
    let mut starts = Vec::with_capacity(bytes.len() / 32 + 1);
    starts.push(offset);
    let mut at = offset;
    let mut high_bits = 0;
    let mut words = bytes[offset.min(bytes.len())..].chunks_exact(8);
    for word in words.by_ref() {
        // Little-endian: byte i of the word is bits 8i..8i+8.
        let w = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        // The high bit of exactly the bytes that are newlines (zero in
        // `x`): no carry crosses a byte, so there are no false hits.
        high_bits |= w;
        let x = w ^ NEWLINES;
        let mut newlines = !(((x & LOWS) + LOWS) | x) & HIGHS;
        while newlines != 0 {
            starts.push(at + newlines.trailing_zeros() as usize / 8 + 1);
            newlines &= newlines - 1;
        }
        at += 8;
    }
    let rest = words.remainder();
    starts.extend((0..rest.len()).filter(|&i| rest[i] == b'\n').map(|i| at + i + 1));
    (starts, high_bits & HIGHS == 0 && rest.is_ascii())
}
