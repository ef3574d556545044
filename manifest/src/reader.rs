//! Read one input document by document, holding at most one document.
//!
//! A file, a pipe or standard input can be endless (`/dev/zero`, `yes`, a
//! broken `helm template` pipe) or hold one giant document. The reader keeps
//! only the document it is building: once that passes the per-document limit
//! its text is dropped and the rest of it is counted, not held, up to the next
//! `---`. The input as a whole stops at a byte budget. Peak memory is about
//! twice the per-document limit whatever the input.
//!
//! YAML forbids `---` and `...` at the start of a line inside any scalar, so a
//! line-level scan finds exactly the document boundaries a parser would.

use std::borrow::Cow;
use std::io::{self, BufRead};

use crate::split::RawDocument;

/// Bytes at the start of an input in which a NUL byte means binary data, as
/// git and ripgrep decide.
const BINARY_PROBE: u64 = 8000;

/// What the reader yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A document's text and where it sits.
    Document(RawDocument<'static>),
    /// A document over the per-document limit: reported, not held.
    Oversized { first_line: u32, content_line: u32, bytes: u64 },
    /// A document that is not UTF-8: `line` and `byte` (from the start of the
    /// input) of the first bad byte.
    NotText { line: u32, byte: u64 },
}

/// Why an input ended before its end.
#[derive(Debug)]
pub enum Stop {
    /// A NUL byte near the start: not a text file.
    Binary { line: u32, byte: u64 },
    /// The byte budget ran out on this line.
    Budget { line: u32, budget: u64 },
    /// Reading failed on this line.
    Io { line: u32, error: io::Error },
}

/// Splits a byte stream into [`Piece`]s; after a [`Stop`] it yields nothing.
pub struct Reader<R> {
    input: R,
    limit: usize,
    budget: u64,
    consumed: u64,
    line_no: u32,
    /// The current document's bytes (its first line may be a `--- value` remnant).
    doc: Vec<u8>,
    meta: Meta,
    /// Bytes of the current document once it passed the limit (`doc` is then scratch).
    oversized: Option<u64>,
    /// Input offset of the current document's first byte (for `NotText`).
    doc_offset: u64,
    /// Bytes at the start in which a NUL means binary data (0 for text already decoded).
    probe: u64,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    /// A reader keeping documents up to `limit` bytes, reading at most `budget` bytes.
    pub fn new(input: R, limit: usize, budget: u64) -> Self {
        Reader {
            input,
            limit,
            budget,
            consumed: 0,
            line_no: 0,
            doc: Vec::new(),
            meta: Meta::new(1),
            oversized: None,
            doc_offset: 0,
            probe: BINARY_PROBE,
            done: false,
        }
    }

    /// Text already known to be text (a `&str`): NUL bytes are left to the YAML parser.
    pub fn text(mut self) -> Self {
        self.probe = 0;
        self
    }

    /// Bytes read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Read one line onto the end of `doc`, keeping at most enough of it to
    /// fill the document to the limit (and always enough to see a marker).
    /// Returns the line's length, 0 at the end of input.
    fn read_line(&mut self) -> Result<u64, Stop> {
        let room = (self.limit + 1).saturating_sub(self.doc.len()).max(4);
        let mut kept = 0usize;
        let mut total = 0u64;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(Stop::Io { line: self.line_no + 1, error }),
            };
            if chunk.is_empty() {
                return Ok(total);
            }
            let (take, ends) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if self.consumed < self.probe {
                let probe = &chunk[..take.min((self.probe - self.consumed) as usize)];
                if let Some(i) = memchr::memchr(0, probe) {
                    return Err(Stop::Binary { line: self.line_no + 1, byte: self.consumed + i as u64 });
                }
            }
            let keep = take.min(room - kept);
            self.doc.extend_from_slice(&chunk[..keep]);
            kept += keep;
            total += take as u64;
            self.consumed += take as u64;
            self.input.consume(take);
            if self.consumed > self.budget {
                return Err(Stop::Budget { line: self.line_no + 1, budget: self.budget });
            }
            if ends {
                return Ok(total);
            }
        }
    }

    /// In a document past the limit, skip to the next line that may be a
    /// marker (one starting with `-` or `.`), counting lines and bytes a chunk
    /// at a time: an endless line or an endless `yes "a: b"` goes by at memchr
    /// speed, not line by line.
    fn skip_oversized(&mut self) -> Result<(), Stop> {
        let mut at_line_start = true;
        while self.consumed >= self.probe {
            let chunk = match self.input.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(Stop::Io { line: self.line_no + 1, error }),
            };
            if chunk.is_empty() || (at_line_start && matches!(chunk[0], b'-' | b'.')) {
                return Ok(());
            }
            let next = [&b"\n-"[..], b"\n."].iter().filter_map(|n| memchr::memmem::find(chunk, n)).min();
            let take = next.map_or(chunk.len(), |i| i + 1);
            self.line_no += memchr::memchr_iter(b'\n', &chunk[..take]).count() as u32;
            at_line_start = chunk[take - 1] == b'\n';
            self.input.consume(take);
            self.consumed += take as u64;
            if let Some(bytes) = &mut self.oversized {
                *bytes += take as u64;
            }
            if self.consumed > self.budget {
                return Err(Stop::Budget { line: self.line_no + 1, budget: self.budget });
            }
            if next.is_some() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The next piece, reading lines until a document ends.
    fn advance(&mut self) -> Result<Option<Piece>, Stop> {
        loop {
            if self.oversized.is_some() {
                self.skip_oversized()?;
            }
            let start = self.doc.len();
            let offset = self.consumed;
            let total = self.read_line()?;
            if total == 0 {
                let meta = std::mem::replace(&mut self.meta, Meta::new(self.line_no + 1));
                return Ok(self.finish(meta));
            }
            self.line_no += 1;
            let truncated = ((self.doc.len() - start) as u64) < total;
            if self.line_no == 1 && self.doc.starts_with(b"\xef\xbb\xbf") {
                self.doc.drain(..3);
                self.doc_offset = 3;
            }
            let line = trim_newline(&self.doc[start..]);
            let marker =
                marker_rest(line, b"---").map(|rest| (true, rest)).or(marker_rest(line, b"...").map(|r| (false, r)));
            if let Some((dashes, rest)) = marker {
                let remnant = dashes.then(|| value_after_marker(line, rest)).flatten();
                self.doc.truncate(start);
                let line_no = self.line_no;
                let meta = std::mem::replace(&mut self.meta, Meta::new(line_no + 1));
                let piece = self.finish(meta);
                self.doc_offset = offset + total;
                if let Some(remnant) = remnant {
                    self.meta = Meta { first_line: line_no, content_line: Some(line_no), source: None };
                    if truncated {
                        self.oversized = Some(total);
                    } else {
                        self.doc = remnant;
                    }
                }
                match piece {
                    Some(piece) => return Ok(Some(piece)),
                    None => continue,
                }
            }
            self.meta.observe(line, self.line_no);
            match &mut self.oversized {
                Some(bytes) => {
                    *bytes += total;
                    self.doc.clear();
                }
                None if truncated || self.doc.len() > self.limit => {
                    self.oversized = Some(start as u64 + total);
                    // Give the memory back now: the rest of this document is only counted.
                    self.doc = Vec::new();
                }
                None => {}
            }
        }
    }

    /// The document built so far, if it holds any content; resets for the next.
    fn finish(&mut self, meta: Meta) -> Option<Piece> {
        let body = std::mem::take(&mut self.doc);
        let oversized = self.oversized.take();
        let content_line = meta.content_line?;
        if let Some(bytes) = oversized {
            return Some(Piece::Oversized { first_line: meta.first_line, content_line, bytes });
        }
        match String::from_utf8(body) {
            Ok(text) => Some(Piece::Document(RawDocument {
                text: Cow::Owned(text),
                first_line: meta.first_line,
                content_line,
                source: meta.source,
            })),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let newlines = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() as u32;
                Some(Piece::NotText { line: meta.first_line + newlines, byte: self.doc_offset + at as u64 })
            }
        }
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Piece, Stop>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.advance() {
            Ok(Some(piece)) => Some(Ok(piece)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(stop) => {
                self.done = true;
                self.doc = Vec::new();
                Some(Err(stop))
            }
        }
    }
}

/// What is known of a document before its end: where it starts, its first
/// content line, and the `# Source:` comment Helm writes before it.
struct Meta {
    first_line: u32,
    content_line: Option<u32>,
    source: Option<String>,
}

impl Meta {
    fn new(first_line: u32) -> Self {
        Meta { first_line, content_line: None, source: None }
    }

    fn observe(&mut self, line: &[u8], line_no: u32) {
        if self.content_line.is_some() {
            return;
        }
        let trimmed = line.trim_ascii_start();
        if let Some(comment) = trimmed.strip_prefix(b"#") {
            let comment = String::from_utf8_lossy(comment);
            if let Some(path) = comment.trim_start().strip_prefix("Source:") {
                let path = path.trim();
                if !path.is_empty() {
                    self.source = Some(path.to_string());
                }
            }
        } else if !trimmed.is_empty() && !line.starts_with(b"%") {
            // `%YAML`/`%TAG` directives precede `---`; a chunk holding only
            // directives is not a document.
            self.content_line = Some(line_no);
        }
    }
}

fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let mut end = line.len();
    while end > 0 && line[end - 1] == b'\r' {
        end -= 1;
    }
    &line[..end]
}

/// `Some(rest)` when `line` is the marker alone or the marker followed by
/// whitespace (and possibly content).
fn marker_rest<'l>(line: &'l [u8], marker: &[u8]) -> Option<&'l [u8]> {
    let rest = line.strip_prefix(marker)?;
    if rest.is_empty() || rest.starts_with(b" ") || rest.starts_with(b"\t") { Some(rest) } else { None }
}

/// `--- value`: the value, at its column, as the next document's first line.
fn value_after_marker(line: &[u8], rest: &[u8]) -> Option<Vec<u8>> {
    let trimmed = rest.trim_ascii_start();
    if trimmed.is_empty() || trimmed.starts_with(b"#") {
        return None;
    }
    let mut remnant = vec![b' '; line.len() - rest.len()];
    remnant.extend_from_slice(rest);
    remnant.push(b'\n');
    Some(remnant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(input: &[u8], limit: usize, budget: u64) -> Vec<Result<Piece, String>> {
        Reader::new(input, limit, budget).map(|p| p.map_err(|s| format!("{s:?}"))).collect()
    }

    fn doc(text: &str, first_line: u32, content_line: u32) -> Result<Piece, String> {
        Ok(Piece::Document(RawDocument { text: Cow::Owned(text.into()), first_line, content_line, source: None }))
    }

    #[test]
    fn a_document_over_the_limit_is_counted_not_held() {
        let big = format!("a: {}\nb: {}\n", "x".repeat(40), "y".repeat(40));
        let input = format!("c: 1\n---\n{big}---\nd: 2\n");
        let got = pieces(input.as_bytes(), 32, u64::MAX);
        assert_eq!(
            got,
            vec![
                doc("c: 1\n", 1, 1),
                Ok(Piece::Oversized { first_line: 3, content_line: 3, bytes: big.len() as u64 }),
                doc("d: 2\n", 6, 6)
            ]
        );
    }

    #[test]
    fn a_single_endless_line_is_held_only_up_to_the_limit() {
        struct Endless(Vec<u8>);
        impl io::Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                Ok(n)
            }
        }
        let mut reader = Reader::new(io::BufReader::new(Endless(vec![b'a'; 1 << 16])), 1 << 10, 10 << 20);
        match reader.next() {
            Some(Err(Stop::Budget { line: 1, budget })) => assert_eq!(budget, 10 << 20),
            other => panic!("{other:?}"),
        }
        assert!(reader.doc.capacity() <= 1 << 12, "held {} bytes", reader.doc.capacity());
        assert!(reader.next().is_none());
    }

    #[test]
    fn skipping_a_long_document_keeps_lines_and_finds_every_marker() {
        // Past the binary probe, so the chunked skip runs; a tiny buffer splits
        // markers and newlines across chunks.
        let mut input = "a: x\n".repeat(4000);
        input.push_str("- list\n.dot\n-- not a marker\n---\nb: 1\n");
        let lines = 4000 + 3;
        for capacity in [1, 2, 3, 5, 64, 8192] {
            let reader = Reader::new(io::BufReader::with_capacity(capacity, input.as_bytes()), 100, u64::MAX);
            let got: Vec<_> = reader.map(|p| p.map_err(|s| format!("{s:?}"))).collect();
            assert_eq!(
                got,
                vec![
                    Ok(Piece::Oversized {
                        first_line: 1,
                        content_line: 1,
                        bytes: (input.len() - "---\nb: 1\n".len()) as u64
                    }),
                    doc("b: 1\n", lines + 2, lines + 2)
                ],
                "buffer of {capacity}"
            );
        }
    }

    #[test]
    fn nul_bytes_near_the_start_are_binary() {
        let got = pieces(b"a: 1\n\0\0\0", 1 << 20, u64::MAX);
        assert_eq!(got, vec![Err("Binary { line: 2, byte: 5 }".to_string())]);
    }

    #[test]
    fn invalid_utf8_names_its_line_and_byte_and_the_next_document_loads() {
        let got = pieces(b"a: 1\n---\nb: caf\xe9\n---\nc: 3\n", 1 << 20, u64::MAX);
        assert_eq!(got, vec![doc("a: 1\n", 1, 1), Ok(Piece::NotText { line: 3, byte: 15 }), doc("c: 3\n", 5, 5)]);
    }

    #[test]
    fn a_marker_carrying_a_value_starts_the_next_document() {
        let got = pieces(b"--- {a: 1}\n...\n--- # note\nb: 2\n", 1 << 20, u64::MAX);
        assert_eq!(got, vec![doc("    {a: 1}\n", 1, 1), doc("b: 2\n", 4, 4)]);
    }
}
