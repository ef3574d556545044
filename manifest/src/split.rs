//! Split a YAML stream into documents without parsing it (the splitting
//! itself is [`crate::reader`]'s, which also reads files and pipes).
//!
//! Splitting first, then parsing each document on its own, gives three things a
//! single libyaml pass cannot: the exact line each document starts on, the
//! `# Source:` comment Helm writes before it, and recovery after a parse error
//! (the next document still loads).

/// One document's raw text and where it sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// The document text (a `--- value` line's value, at its column, first).
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
/// line ends count as one line. Documents of any size are kept (the
/// [`crate::reader::Reader`] that does the work bounds them for files).
pub fn split_documents(text: &str) -> Vec<RawDocument<'_>> {
    crate::reader::Reader::new(text.as_bytes(), usize::MAX - 1, u64::MAX)
        .text()
        .filter_map(|piece| match piece {
            Ok(crate::reader::Piece::Document(doc)) => Some(doc),
            // A `&str` is UTF-8 and has no limit to pass; nothing else can come.
            _ => None,
        })
        .collect()
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
