//! Split a YAML stream into documents without parsing it.
//!
//! Splitting first, then parsing each document on its own, gives three things a
//! single libyaml pass cannot: the exact line each document starts on, the
//! `# Source:` comment Helm writes before it, and recovery after a parse error
//! (the next document still loads).
//!
//! YAML forbids `---` and `...` at the start of a line inside any scalar, so a
//! line-level scan finds exactly the document boundaries a parser would.

/// One document's raw text and where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// The document text. Borrowed from the input unless the `---` line itself
    /// carried content (`--- {a: 1}`), which is rare.
    pub text: std::borrow::Cow<'a, str>,
    /// 1-based file line of the first line of `text`.
    pub first_line: u32,
    /// 1-based file line of the first line that is neither blank nor a comment.
    /// Documents holding only comments are empty and never returned.
    pub content_line: u32,
    /// The template path of a `# Source: <path>` comment before the content.
    pub source: Option<String>,
}

/// Split `text` into documents. A leading byte-order mark is ignored; `\r\n`
/// line ends count as one line.
pub fn split_documents(text: &str) -> Vec<RawDocument<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut docs = Vec::new();
    let mut current = Builder::new(0, 1);
    let mut offset = 0usize;
    let mut line_no = 0u32;

    for raw_line in text.split_inclusive('\n') {
        line_no += 1;
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);

        if let Some(rest) = marker_rest(line, "---") {
            docs.extend(current.finish(text, line_start));
            current = Builder::new(offset, line_no + 1);
            let rest_trimmed = rest.trim_start();
            if !rest_trimmed.is_empty() && !rest_trimmed.starts_with('#') {
                // `--- value`: keep the value, at its column, as the first line.
                let padded = format!("{}{}\n", " ".repeat(line.len() - rest.len()), rest);
                current = Builder::with_prefix(offset, line_no, padded);
            }
            continue;
        }
        if marker_rest(line, "...").is_some() {
            docs.extend(current.finish(text, line_start));
            current = Builder::new(offset, line_no + 1);
            continue;
        }
        current.observe(line, line_no);
    }
    docs.extend(current.finish(text, offset));
    docs
}

/// `Some(rest)` when `line` is the marker alone or the marker followed by
/// whitespace (and possibly content).
fn marker_rest<'l>(line: &'l str, marker: &str) -> Option<&'l str> {
    let rest = line.strip_prefix(marker)?;
    if rest.is_empty() || rest.starts_with([' ', '\t']) { Some(rest) } else { None }
}

struct Builder {
    start: usize,
    first_line: u32,
    prefix: Option<String>,
    content_line: Option<u32>,
    source: Option<String>,
}

impl Builder {
    fn new(start: usize, first_line: u32) -> Self {
        Builder { start, first_line, prefix: None, content_line: None, source: None }
    }

    fn with_prefix(start: usize, first_line: u32, prefix: String) -> Self {
        let mut b = Builder::new(start, first_line);
        b.prefix = Some(prefix);
        b.content_line = Some(first_line);
        b
    }

    fn observe(&mut self, line: &str, line_no: u32) {
        if self.content_line.is_some() {
            return;
        }
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if let Some(path) = comment.trim_start().strip_prefix("Source:") {
                let path = path.trim();
                if !path.is_empty() {
                    self.source = Some(path.to_string());
                }
            }
        } else if !trimmed.is_empty() && !line.starts_with('%') {
            // `%YAML`/`%TAG` directives precede `---`; a chunk holding only
            // directives is not a document.
            self.content_line = Some(line_no);
        }
    }

    /// The finished document, or `None` when it holds no content.
    fn finish(self, text: &str, end: usize) -> Option<RawDocument<'_>> {
        let content_line = self.content_line?;
        let body = &text[self.start.min(end)..end];
        let text = match self.prefix {
            Some(prefix) => std::borrow::Cow::Owned(prefix + body),
            None => std::borrow::Cow::Borrowed(body),
        };
        Some(RawDocument { text, first_line: self.first_line, content_line, source: self.source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines<'a>(docs: &'a [RawDocument<'a>]) -> Vec<(u32, u32, Option<&'a str>)> {
        docs.iter().map(|d| (d.first_line, d.content_line, d.source.as_deref())).collect()
    }

    #[test]
    fn helm_template_stream() {
        let text = "---\n# Source: w/templates/a.yaml\napiVersion: v1\nkind: A\n---\n# Source: w/templates/b.yaml\n\napiVersion: v1\nkind: B\n";
        let docs = split_documents(text);
        assert_eq!(lines(&docs), vec![(2, 3, Some("w/templates/a.yaml")), (6, 8, Some("w/templates/b.yaml"))]);
        assert_eq!(docs[0].text, "# Source: w/templates/a.yaml\napiVersion: v1\nkind: A\n");
    }

    #[test]
    fn crlf_and_bom_count_lines_once() {
        let text = "\u{feff}# c\r\napiVersion: v1\r\n---\r\n\r\nkind: X\r\n";
        let docs = split_documents(text);
        assert_eq!(lines(&docs), vec![(1, 2, None), (4, 5, None)]);
    }

    #[test]
    fn comment_only_and_blank_documents_are_dropped() {
        let docs = split_documents("---\n# Source: w/templates/empty.yaml\n---\n\n---\na: 1\n");
        assert_eq!(lines(&docs), vec![(6, 6, None)]);
        let docs = split_documents("---\n---\n");
        assert!(docs.is_empty());
    }

    #[test]
    fn marker_with_inline_content_and_document_end() {
        let docs = split_documents("--- {a: 1}\n...\n--- # note\nb: 2\n");
        assert_eq!(lines(&docs), vec![(1, 1, None), (4, 4, None)]);
        assert_eq!(docs[0].text, "    {a: 1}\n");
    }

    #[test]
    fn directives_are_dropped_and_counted() {
        let docs = split_documents("%YAML 1.2\n---\na: 1\n...\n%YAML 1.2\n---\nb: 2\n");
        assert_eq!(lines(&docs), vec![(3, 3, None), (7, 7, None)]);
        assert_eq!(docs[1].text, "b: 2\n");
    }

    #[test]
    fn dashes_not_at_line_start_or_glued_are_content() {
        let docs = split_documents("a: |\n  ---\n  x\nb: ---x\n----\n");
        assert_eq!(docs.len(), 1);
    }
}
