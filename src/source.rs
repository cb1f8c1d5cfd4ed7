//! Loaded source files and the codespan `Files` implementation over them.
//!
//! Offsets everywhere in forklint are byte offsets into the file text as read
//! from disk (BOM and shebang included), so they can be handed to codespan
//! and to editors unchanged.

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use codespan_reporting::files::{Error as FilesError, Files};

pub type FileId = usize;

/// Which cargo package and target a file belongs to, when known from
/// `cargo metadata`. Output formats that speak cargo's language use it.
#[derive(Debug, Clone, Default)]
pub struct PackageInfo {
    pub name: String,
    pub id: String,
    pub manifest_path: PathBuf,
    /// `panic = "abort"` in the profile: a panic cannot unwind into the parent.
    pub panic_abort: bool,
    /// The package's targets as `cargo metadata` describes them; cargo's
    /// `compiler-message` lines name the target a message belongs to.
    pub targets: Vec<cargo_metadata::Target>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as read from disk.
    pub path: PathBuf,
    /// Path shown to users: relative to the working directory when possible.
    pub display: String,
    /// The text, when it is kept in memory. Most files are read, scanned
    /// and let go: the analysis reads a file again when it parses it, and
    /// only files with findings or suppressions are kept for rendering.
    text: Option<String>,
    /// Length of the text as first read (and scanned).
    pub scanned_len: usize,
    /// Computed when first asked for: only rendered files need them.
    line_starts: OnceLock<Vec<usize>>,
    pub package: Option<usize>,
    /// Key grouping files into one crate for cross-file analysis.
    pub crate_key: String,
    /// Parsed in every mode, even when nothing in it can hold a hazard:
    /// named on the command line, or of the 2015 edition (see
    /// `discover::Discovered`), so that a broken file is always reported.
    pub parse_always: bool,
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: String) -> Self {
        SourceFile {
            path,
            display,
            scanned_len: text.len(),
            text: Some(text),
            line_starts: OnceLock::new(),
            package: None,
            crate_key: String::new(),
            parse_always: false,
        }
    }

    /// The text in memory ("" for a file let go after its scan: see
    /// [`SourceDb::keep_text`]).
    pub fn text(&self) -> &str {
        self.text.as_deref().unwrap_or("")
    }

    /// Lets go of the text; [`SourceFile::contents`] reads it again.
    pub fn release_text(&mut self) {
        self.text = None;
        self.line_starts = OnceLock::new();
    }

    /// The text, from memory or read again from disk (what the analysis
    /// parses). A file that cannot be read again, or is no longer UTF-8,
    /// reads as what is left of it: its findings then point nowhere useful,
    /// but nothing fails.
    pub fn contents(&self) -> Cow<'_, str> {
        match &self.text {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(read_text(&self.path).0),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| line_starts(self.text()))
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, byte: usize) -> usize {
        match self.line_starts().binary_search(&byte) {
            Ok(i) => i,
            // Before the first line's start: inside a BOM, so line 0.
            Err(i) => i.saturating_sub(1),
        }
    }

    pub fn line_range(&self, line: usize) -> Range<usize> {
        let start = self.line_starts()[line];
        let end = self
            .line_starts()
            .get(line + 1)
            .copied()
            .unwrap_or(self.text().len());
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }

    /// 1-based (line, column) of a byte offset; columns count characters.
    pub fn position(&self, byte: usize) -> (usize, usize) {
        let byte = self.clamp(byte);
        let line = self.line_index(byte);
        let start = self.line_starts()[line];
        let col = self.text()[start..byte.max(start)].chars().count();
        (line + 1, col + 1)
    }

    /// Byte offset of a 0-based line and 0-based character column.
    pub fn offset(&self, line: usize, char_col: usize) -> usize {
        let Some(&start) = self.line_starts().get(line) else {
            return self.text().len();
        };
        let end = self.line_range(line).end;
        self.text()[start..end]
            .char_indices()
            .nth(char_col)
            .map_or(end, |(i, _)| start + i)
    }

    /// Nearest char boundary at or before `byte`, within the text.
    pub fn clamp(&self, byte: usize) -> usize {
        let mut b = byte.min(self.text().len());
        while !self.text().is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    /// `span` clamped into the text and past a BOM: inside the lines.
    pub fn span_in_lines(&self, span: &Range<usize>) -> Range<usize> {
        let first = self.line_starts()[0];
        let start = self.clamp(span.start).max(first);
        start..self.clamp(span.end).max(start)
    }

    pub fn snippet(&self, span: &Range<usize>) -> &str {
        let (s, e) = (self.clamp(span.start), self.clamp(span.end));
        &self.text()[s..e.max(s)]
    }
}

/// Line starts: a line ends at `\n`, or at a lone `\r` (old Mac files), so
/// CRLF counts once. The first line starts after a BOM: editors do not show
/// it and rustc strips it, so it is no column.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let bom = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut starts = vec![bom];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

/// A file's text as read now, and why it cannot be checked if it cannot:
/// not valid UTF-8 (the text then has the bad bytes replaced) or not
/// readable (the text is "").
pub fn read_text(path: &std::path::Path) -> (String, Option<String>) {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => (t, None),
            Err(e) => {
                let msg = format!(
                    "file is not valid UTF-8 (byte {}): not checked",
                    e.utf8_error().valid_up_to()
                );
                (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(msg))
            }
        },
        Err(e) => (String::new(), Some(format!("cannot read file: {e}"))),
    }
}

/// Every file of a run. Ids are indices.
#[derive(Debug, Default, Clone)]
pub struct SourceDb {
    pub files: Vec<SourceFile>,
    pub packages: Vec<PackageInfo>,
    /// The cargo workspace root, when linting a cargo workspace: rustc-style
    /// and SARIF paths are relative to it.
    pub workspace_root: Option<PathBuf>,
    /// The root of the linted project (the workspace root, or for paths the
    /// project they lie in): baseline fingerprints use paths relative to
    /// it, so a baseline works from any directory.
    pub project_root: Option<PathBuf>,
}

impl SourceDb {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    /// Reads again the texts of these files that were let go: the ones a
    /// report will show.
    pub fn keep_text(&mut self, ids: impl IntoIterator<Item = FileId>) {
        for id in ids {
            if let Some(f) = self.files.get_mut(id) {
                if f.text.is_none() {
                    f.text = Some(read_text(&f.path).0);
                    f.line_starts = OnceLock::new();
                }
            }
        }
    }

    pub fn package_of(&self, id: FileId) -> Option<&PackageInfo> {
        self.files[id].package.map(|p| &self.packages[p])
    }
}

impl<'a> Files<'a> for SourceDb {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.display.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.files
            .get(id)
            .map(|f| f.text())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        Ok(f.line_index(f.clamp(byte_index)))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let f = self.files.get(id).ok_or(FilesError::FileMissing)?;
        if line_index >= f.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: f.line_count() - 1,
            });
        }
        Ok(f.line_range(line_index))
    }
}

/// A path made absolute against the working directory (not resolved:
/// symlinks stay).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_handle_crlf_and_lone_cr() {
        let f = SourceFile::new("a.rs".into(), "a.rs".into(), "é x\r\nab\rcd\n".into());
        assert_eq!(f.position(0), (1, 1));
        assert_eq!(f.position(3), (1, 3)); // 'x' after 2-byte 'é' and a space
        assert_eq!(f.position(6), (2, 1)); // after CRLF
        assert_eq!(f.position(9), (3, 1)); // after lone CR
        assert_eq!(f.line_count(), 4);
        assert_eq!(f.offset(1, 1), 7);
    }

    #[test]
    fn a_bom_is_not_a_column() {
        let f = SourceFile::new("a.rs".into(), "a.rs".into(), "\u{feff}ab\ncd".into());
        assert_eq!(f.position(3), (1, 1));
        assert_eq!(f.position(4), (1, 2));
        assert_eq!(f.position(6), (2, 1));
        // A span inside the BOM (0..0: "this file") is line 1, column 1.
        assert_eq!(f.position(0), (1, 1));
        assert_eq!(f.position(1), (1, 1));
        assert_eq!(f.offset(0, 0), 3);
        assert_eq!(f.line_range(0), 3..6);
        assert_eq!(f.span_in_lines(&(0..0)), 3..3);
        assert_eq!(f.span_in_lines(&(1..4)), 3..4);
        assert_eq!(f.span_in_lines(&(4..99)), 4..8);
    }
}
