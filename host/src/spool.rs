//! Standard input and pipes, kept for the passes a run makes over its input.
//!
//! A pipe can be read only once, but a streamed run reads its input twice
//! (provenance first), and a failed rule pack makes each of its components
//! read it again. The documents the reader gave are kept as they came: in
//! memory up to [`IN_MEMORY`] bytes, then in an anonymous temporary file, so a
//! giant pipe costs disk, not memory. Documents over the limit were never held
//! and are kept as a size.
//!
//! The file format is private to one run: per piece a tag byte, then its
//! fields as little-endian integers and length-prefixed bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;

use rewheel_manifest::reader::{Piece, Reader};
use rewheel_manifest::split::RawDocument;
use rewheel_manifest::{Loaded, ReadOptions, Stopped};

/// Bytes of documents kept in memory before the rest goes to a temporary file.
const IN_MEMORY: u64 = 32 << 20;

/// One input's documents, read once.
#[derive(Debug)]
pub struct Spool {
    memory: Vec<Piece>,
    file: Option<File>,
    /// Bytes of document text kept.
    held: u64,
    /// Bytes read from the input.
    consumed: u64,
    /// Why reading ended early, replayed with every load.
    stopped: Option<Stopped>,
}

impl Spool {
    /// Read all of `input` (up to `options.budget` bytes).
    pub fn read(input: impl BufRead, options: &ReadOptions) -> io::Result<Spool> {
        let mut spool = Spool { memory: Vec::new(), file: None, held: 0, consumed: 0, stopped: None };
        let mut writer: Option<BufWriter<File>> = None;
        let mut reader = Reader::new(input, options.document_bytes, options.budget);
        for piece in reader.by_ref() {
            let piece = match piece {
                Ok(piece) => piece,
                Err(stop) => {
                    spool.stopped = Some(Stopped::from(stop));
                    break;
                }
            };
            if let Piece::Document(doc) = &piece {
                spool.held += doc.text.len() as u64;
            }
            match &mut writer {
                Some(w) => write_piece(w, &piece)?,
                None if spool.held > IN_MEMORY => {
                    let mut w = BufWriter::with_capacity(1 << 16, tempfile::tempfile()?);
                    for held in spool.memory.drain(..).chain(std::iter::once(piece)) {
                        write_piece(&mut w, &held)?;
                    }
                    writer = Some(w);
                }
                None => spool.memory.push(piece),
            }
        }
        spool.consumed = reader.consumed();
        if let Some(w) = writer {
            spool.file = Some(w.into_inner().map_err(|e| e.into_error())?);
        }
        Ok(spool)
    }

    /// Bytes read from the input.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    /// Bytes of documents kept.
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Parse the kept documents, as if the input were read again.
    pub fn load(&self, name: &str, options: &ReadOptions) -> io::Result<Loaded> {
        let mut loaded = match &self.file {
            None => rewheel_manifest::load_pieces(name, self.memory.iter().cloned().map(Ok), options.strict_yaml),
            Some(file) => {
                let mut pieces = BufReader::with_capacity(1 << 16, At { file, offset: 0 });
                let mut failed = None;
                let all = std::iter::from_fn(|| match read_piece(&mut pieces) {
                    Ok(piece) => piece.map(Ok),
                    Err(e) => {
                        failed = Some(e);
                        None
                    }
                });
                let loaded = rewheel_manifest::load_pieces(name, all, options.strict_yaml);
                if let Some(e) = failed {
                    return Err(e);
                }
                loaded
            }
        };
        loaded.stopped.clone_from(&self.stopped);
        Ok(loaded)
    }
}

/// Reads a file from `offset` on with positional reads: passes over the same
/// spool never share a file position.
struct At<'a> {
    file: &'a File,
    offset: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

const DOCUMENT: u8 = 0;
const OVERSIZED: u8 = 1;
const NOT_TEXT: u8 = 2;
/// A length meaning "no `# Source:` comment".
const NO_SOURCE: u32 = u32::MAX;

fn write_piece(w: &mut impl Write, piece: &Piece) -> io::Result<()> {
    match piece {
        Piece::Document(doc) => {
            w.write_all(&[DOCUMENT])?;
            w.write_all(&doc.first_line.to_le_bytes())?;
            w.write_all(&doc.content_line.to_le_bytes())?;
            match &doc.source {
                Some(source) => {
                    w.write_all(&(source.len() as u32).to_le_bytes())?;
                    w.write_all(source.as_bytes())?;
                }
                None => w.write_all(&NO_SOURCE.to_le_bytes())?,
            }
            w.write_all(&(doc.text.len() as u64).to_le_bytes())?;
            w.write_all(doc.text.as_bytes())
        }
        Piece::Oversized { first_line, content_line, bytes } => {
            w.write_all(&[OVERSIZED])?;
            w.write_all(&first_line.to_le_bytes())?;
            w.write_all(&content_line.to_le_bytes())?;
            w.write_all(&bytes.to_le_bytes())
        }
        Piece::NotText { line, byte } => {
            w.write_all(&[NOT_TEXT])?;
            w.write_all(&line.to_le_bytes())?;
            w.write_all(&byte.to_le_bytes())
        }
    }
}

/// The next piece, `None` at the end of the file.
fn read_piece(r: &mut impl Read) -> io::Result<Option<Piece>> {
    let mut tag = [0u8; 1];
    if r.read(&mut tag)? == 0 {
        return Ok(None);
    }
    let piece = match tag[0] {
        DOCUMENT => {
            let (first_line, content_line) = (u32_of(r)?, u32_of(r)?);
            let source = match u32_of(r)? {
                NO_SOURCE => None,
                len => Some(string_of(r, len as u64)?),
            };
            let len = u64_of(r)?;
            let text = std::borrow::Cow::Owned(string_of(r, len)?);
            Piece::Document(RawDocument { text, first_line, content_line, source })
        }
        OVERSIZED => Piece::Oversized { first_line: u32_of(r)?, content_line: u32_of(r)?, bytes: u64_of(r)? },
        NOT_TEXT => Piece::NotText { line: u32_of(r)?, byte: u64_of(r)? },
        other => return Err(io::Error::new(io::ErrorKind::InvalidData, format!("unknown piece tag {other}"))),
    };
    Ok(Some(piece))
}

fn u32_of(r: &mut impl Read) -> io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn u64_of(r: &mut impl Read) -> io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn string_of(r: &mut impl Read, len: u64) -> io::Result<String> {
    let mut bytes = Vec::with_capacity(len as usize);
    r.take(len).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    String::from_utf8(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(loaded: &Loaded) -> Vec<(String, u32)> {
        loaded.objects.iter().map(|o| (o.name.clone(), o.provenance.line)).collect()
    }

    #[test]
    fn a_spool_on_disk_loads_as_the_input_does() {
        let mut text = String::new();
        for i in 0..4000 {
            text.push_str(&format!(
                "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}}}\ndata: {{x: \"{}\"}}\n",
                "y".repeat(10_000)
            ));
        }
        text.push_str("---\nbad: caf\u{e9}\n");
        let options = ReadOptions::default();
        let spool = Spool::read(text.as_bytes(), &options).unwrap();
        assert!(spool.file.is_some(), "40 MB of documents go to disk");
        let direct = rewheel_manifest::load_str("-", &text);
        for _ in 0..2 {
            let again = spool.load("-", &options).unwrap();
            assert_eq!(names(&again), names(&direct));
            assert_eq!(again.objects[7].provenance.template.as_deref(), Some("c/templates/cm.yaml"));
            assert_eq!(again, direct);
        }
    }

    #[test]
    fn a_spool_replays_oversized_documents_and_the_stop() {
        let text = format!("a: {}\n---\nkind: X\n", "z".repeat(100));
        let options = ReadOptions { document_bytes: 50, budget: 110, strict_yaml: false };
        let spool = Spool::read(text.as_bytes(), &options).unwrap();
        let loaded = spool.load("-", &options).unwrap();
        assert_eq!(loaded.errors.len(), 1, "{loaded:?}");
        assert!(loaded.errors[0].message.contains("over the"), "{}", loaded.errors[0].message);
        assert_eq!(loaded.stopped.as_ref().map(|s| s.line), Some(3));
        assert_eq!(spool.consumed(), text.len() as u64);
    }
}
