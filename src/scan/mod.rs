//! The cheap pass before parsing: from tokens alone, which files can hold
//! a hazard, and what each file defines (functions, statics, `RwLock`s), so
//! the analysis can pull in by name exactly the files it needs.
//!
//! The crate's table of names (`index::CrateTable`) is built from these
//! scans in every mode, so the default (demand-driven) mode and `--full`
//! see the same table and give the same findings.

use rustc_hash::FxHashMap;

use crate::knowledge::{Knowledge, ScanKind, ScanQualifier, ScanWord};
mod declarations;
mod signatures;
use declarations::{mod_attrs, use_tree};
pub use declarations::{ModDecl, Reexport};
pub use signatures::Returns;

use crate::lexer::{self, Tok, TokenKind};

/// What the scan looks for: the knowledge tables (rules/scan.toml and the
/// fd creators of rules/fd-creation.toml), indexed for a fast first test.
pub struct Words<'a> {
    knowledge: &'a Knowledge,
    /// Every word the scan reacts to, and why (by its bytes, as tokens are).
    meanings: FxHashMap<&'a [u8], Meaning<'a>>,
    /// By first byte, the lengths of the words that start with it (bit
    /// `len.min(15)`), and by last byte those that end with it: most words
    /// of a file are ruled out without hashing (short names such as `new`
    /// or `open` are meanings now, so one byte is not enough).
    starts: [u16; 256],
    ends: [u16; 256],
}

/// What one word can mean to the scan.
#[derive(Default)]
struct Meaning<'a> {
    /// A fork or spawn word (rules/scan.toml [scan_words]).
    trigger: Option<&'a ScanWord>,
    /// Names the program's own binary ([own_binary]).
    own_binary: bool,
    /// The name a raw fd creator is called by (`libc::pipe` -> `pipe`).
    fd_creator: bool,
    /// Installs a logger or tracing subscriber ([logger_installers]).
    installs_logger: bool,
}

impl<'a> Words<'a> {
    pub fn new(knowledge: &'a Knowledge) -> Words<'a> {
        let mut meanings: FxHashMap<&'a [u8], Meaning<'a>> = FxHashMap::default();
        for (w, found) in &knowledge.scan_words {
            meanings.entry(w.as_bytes()).or_default().trigger = Some(found);
        }
        for w in knowledge.own_binary.keys() {
            meanings.entry(w.as_bytes()).or_default().own_binary = true;
        }
        for w in knowledge.logger_installers.keys() {
            meanings.entry(w.as_bytes()).or_default().installs_logger = true;
        }
        for (path, fd) in &knowledge.fd_creation {
            // A type's constructor (`EventFd::new`) by its type: `new` is in
            // every file, `EventFd` where one is made. A call that creates
            // one only for a command (`fcntl(fd, F_DUPFD, n)`) by the command.
            let mut segs = path.rsplit("::");
            let (name, ty) = (segs.next(), segs.next());
            let word = match ty {
                _ if fd.command.is_some() => fd.command.as_deref(),
                Some(ty) if ty.starts_with(|c: char| c.is_ascii_uppercase()) => Some(ty),
                _ => name,
            };
            if let Some(word) = word {
                meanings.entry(word.as_bytes()).or_default().fd_creator = true;
            }
        }
        let (mut starts, mut ends) = ([0u16; 256], [0u16; 256]);
        for w in meanings.keys() {
            if let (Some(&first), Some(&last)) = (w.first(), w.last()) {
                starts[usize::from(first)] |= 1 << w.len().min(15);
                ends[usize::from(last)] |= 1 << w.len().min(15);
            }
        }
        Words {
            knowledge,
            meanings,
            starts,
            ends,
        }
    }

    fn meaning(&self, w: &[u8]) -> Option<&Meaning<'a>> {
        let (first, last) = (*w.first()?, *w.last()?);
        let len = 1 << w.len().min(15);
        if self.starts[usize::from(first)] & len == 0 || self.ends[usize::from(last)] & len == 0 {
            return None;
        }
        self.meanings.get(w)
    }

    fn qualifier(&self, word: Option<&[u8]>, test: impl Fn(&ScanQualifier) -> bool) -> bool {
        word.and_then(|w| std::str::from_utf8(w).ok())
            .and_then(|w| self.knowledge.scan_qualifiers.get(w))
            .is_some_and(test)
    }
}

/// A function definition: its key within the file (`name` in the file's
/// module, `inner::name` inside an inline `mod inner { .. }`, `Type::name`
/// in an impl or trait); the crate table puts the file's module in front.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnDef {
    pub key: String,
    pub name: String,
    /// `-> !`, or a body whose last statement ends the process.
    pub diverging: bool,
    /// In an impl or trait: keyed by its type, not by module.
    pub method: bool,
    /// A method's inline modules (`mod inner { impl T { .. } }`), outside in:
    /// where two modules define a `Type::name`, the key says which.
    pub inline: Vec<String>,
    /// Declared in an `extern "C" { .. }` block: a C function, no body.
    pub foreign: bool,
    /// What it returns, where a method call on the result can use it.
    pub returns: Option<Returns>,
}

/// A `static` (or `thread_local!` static) the file defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticDef {
    pub name: String,
    /// Its inline modules (`mod stats { static HITS .. }`), outside in.
    pub inline: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileScan {
    /// Names a fork, vfork, daemon or pre_exec.
    pub forks: bool,
    /// Names process spawning (Command, posix_spawn, exec).
    pub spawns: bool,
    /// Calls a raw fd creation function of libc or nix.
    pub creates_fds: bool,
    /// Names the program's own binary (`current_exe`): it may re-execute itself.
    pub reexecs: bool,
    /// Names a way to install a logger or tracing subscriber: log macros
    /// may take a lock (`Class::Logs`).
    pub installs_logger: bool,
    /// Declares a `#[global_allocator]`: allocation after a fork of a
    /// threaded program meets that allocator's locks, which no libc resets.
    pub global_allocator: bool,
    pub fns: Vec<FnDef>,
    /// `mod name;` declarations, from which the crate's module tree is built.
    pub mods: Vec<ModDecl>,
    /// Inline modules (`mod name { .. }`), by name.
    pub inline_mods: Vec<String>,
    /// `impl Trait for Type`: (type, trait), by last segment.
    pub trait_impls: Vec<(String, String)>,
    /// `type Alias = path::Type;` items (not generic): (alias, the type's
    /// last segment). An alias's methods are its type's.
    pub type_aliases: Vec<(String, String)>,
    /// The file's structs' named fields with a type of a name: (struct,
    /// [(field, type name)]).
    pub field_types: Vec<(String, Vec<(String, String)>)>,
    /// `pub use` items: what another module can name through this one.
    pub reexports: Vec<Reexport>,
    /// `static` items and `thread_local!` statics, with the inline modules
    /// each is in (a static is named by its module path, like a function).
    pub statics: Vec<StaticDef>,
    /// `const NAME: T` of a file that creates descriptors: a flags argument
    /// naming one is the crate's choice (`SOCK_FLAGS`, which may hold
    /// `SOCK_CLOEXEC`). Kept only there: generated bindings hold thousands.
    pub consts: Vec<String>,
    /// Those of them whose value is an integer literal (`const TARGET:
    /// c_int = 77;`), with it: a descriptor number the crate picks.
    pub const_numbers: Vec<(String, u64)>,
    pub rwlocks: Vec<String>,
    /// Names (fields, parameters, bindings) typed as a function pointer
    /// that never returns (`hook: Option<fn(i32) -> !>`): calling what one
    /// holds ends the process.
    pub diverging_values: Vec<String>,
    /// The nesting bound, when asked for.
    pub deepest: Option<crate::nesting::Deepest>,
    /// A program on its own: a `fn main` at top level and no `mod name;`
    /// declarations (examples/, src/bin/, scripts, fixtures).
    pub standalone: bool,
}

impl FileScan {
    /// Worth parsing before anything asks for it: it forks, re-executes
    /// the program, or creates descriptors in a crate that starts processes.
    pub fn matters_alone(&self, crate_starts_processes: bool) -> bool {
        self.forks || self.reexecs || (self.creates_fds && crate_starts_processes)
    }
}

/// `first::second`, the shape of every key and path the walk builds, in one
/// allocation (it runs for most calls; `format!` costs several times more).
pub fn path_key(first: &str, second: &str) -> String {
    let mut key = String::with_capacity(first.len() + 2 + second.len());
    key.push_str(first);
    key.push_str("::");
    key.push_str(second);
    key
}

/// An integer literal's value: `77`, `1_000`, `0x4d`, `3u32`.
pub fn int_literal(text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?.replace('_', "");
    let (digits, radix) = match text.get(..2) {
        Some("0x") => (&text[2..], 16),
        Some("0o") => (&text[2..], 8),
        Some("0b") => (&text[2..], 2),
        _ => (text.as_str(), 10),
    };
    // A type suffix (`u32`, `i64`, `usize`): no digit of any radix here.
    let digits = digits.find(['i', 'u']).map_or(digits, |at| &digits[..at]);
    u64::from_str_radix(digits, radix).ok()
}

/// A token's bytes as a `String` (whole characters of a `str`: never lossy).
fn owned(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Scans a file's text. With `nesting`, and for a file parsed in every
/// mode, also computes its nesting bound (what parsing it will check
/// first) on the same tokens.
pub fn scan(text: &str, look_for: &Words, nesting: bool) -> FileScan {
    let start = crate::lexer::stripped_prefix(text);
    // One lexing pass feeds both the nesting bound (which also reads doc
    // comments: they are attributes to the parser) and this scan.
    let lexed = lexer::lex_file(text, start);
    let toks = &lexed.code;
    let mut out = FileScan::default();
    let word = |i: usize| toks.get(i).filter(|t| t.kind == TokenKind::Word).map(|t| t.text);
    let punct = |i: usize, p: &[u8]| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && t.text == p)
    };
    // Inside `use libc::...;` / `use nix::...;`.
    let mut use_of_fd_crate = false;
    // Inside a `use` that has named a fork qualifier so far
    // (`use nix::sched::{clone, ..}`): an ambiguous fork word is imported.
    let mut in_use = false;
    let mut use_of_fork_path = false;
    // Brace depth, and the depth and type of the impl blocks we are in.
    let mut depth = 0usize;
    let mut impls: Vec<(usize, String)> = Vec::new();
    let mut pending_impl: Option<String> = None;
    // Inline modules we are in (`mod name {`), with the depth of their body.
    let mut mods: Vec<(usize, String)> = Vec::new();
    let mut pending_mod: Option<String> = None;
    // `extern "C" {` blocks we are in (the depth of their body): a C
    // function declared there is the program's own name for libc's.
    let mut externs: Vec<usize> = Vec::new();
    let mut pending_extern = false;
    // Where such a block declares a descriptor-creating C function.
    let mut extern_fd_creators: Vec<usize> = Vec::new();
    let (mut has_main, mut declares_mod) = (false, false);
    let mut const_names: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match (t.kind, t.text) {
            (TokenKind::Punct, b"{") => {
                depth += 1;
                if let Some(ty) = pending_impl.take() {
                    impls.push((depth, ty));
                }
                if let Some(m) = pending_mod.take() {
                    mods.push((depth, m));
                }
                if std::mem::take(&mut pending_extern) {
                    externs.push(depth);
                }
            }
            (TokenKind::Punct, b"}") => {
                if impls.last().is_some_and(|(d, _)| *d == depth) {
                    impls.pop();
                }
                if mods.last().is_some_and(|(d, _)| *d == depth) {
                    mods.pop();
                }
                if externs.last() == Some(&depth) {
                    externs.pop();
                }
                depth = depth.saturating_sub(1);
            }
            (TokenKind::Punct, b";") => {
                pending_impl = None;
                pending_mod = None;
                pending_extern = false;
                use_of_fd_crate = false;
                in_use = false;
                use_of_fork_path = false;
            }
            // An impl block, not `impl Trait` in a signature (`w: impl
            // Write`, `-> impl Fn()`): an item starts after `}`, `;`, `{`,
            // an attribute's `]`, `unsafe` or `default`.
            (TokenKind::Word, b"impl")
                if i == 0
                    || toks[i - 1].text == b"}"
                    || toks[i - 1].text == b";"
                    || toks[i - 1].text == b"{"
                    || toks[i - 1].text == b"]"
                    || toks[i - 1].text == b"unsafe"
                    || toks[i - 1].text == b"default" =>
            {
                let (ty, trait_name, end) = impl_type(toks, i + 1);
                if let Some(tr) = trait_name {
                    out.trait_impls.push((ty.clone(), tr));
                }
                pending_impl = Some(ty);
                // Past the header: a `;` in it (`Box<[T; N]>`) ends nothing.
                i = end;
                continue;
            }
            // `macro_rules! name`: walked as a function `name!`, which its
            // callers call (macros are named by text, not by module).
            (TokenKind::Word, b"macro_rules") if punct(i + 1, b"!") => {
                if let Some(name) = word(i + 2) {
                    out.fns.push(FnDef {
                        key: format!("{}!", String::from_utf8_lossy(name)),
                        name: owned(name),
                        diverging: false,
                        method: true,
                        inline: Vec::new(),
                        foreign: false,
                        returns: None,
                    });
                }
            }
            // Only a CamelCase alias of a CamelCase type can have methods
            // of the crate (not bindings' `type c_int = i32;`, by the
            // thousand in generated crates).
            (TokenKind::Word, b"type")
                if impls.is_empty()
                    && punct(i + 2, b"=")
                    && word(i + 1).is_some_and(|w| w.first().is_some_and(u8::is_ascii_uppercase)) =>
            {
                if let (Some(alias), Some(target)) = (word(i + 1), alias_target(toks, i + 3)) {
                    out.type_aliases.push((owned(alias), target));
                }
            }
            // A trait's default methods are keyed by the trait (`Self::f()`
            // in it, `<T as Trait>::f()` outside).
            (TokenKind::Word, b"trait") if impls.is_empty() => pending_impl = word(i + 1).map(owned),
            (TokenKind::Word, b"mod") if impls.is_empty() && word(i + 1).is_some() => {
                let name = word(i + 1).map(owned).unwrap_or_default();
                if punct(i + 2, b";") {
                    declares_mod = true;
                    let (path, test) = mod_attrs(toks, i);
                    out.mods.push(ModDecl {
                        inline: mods.iter().map(|(_, m)| m.clone()).collect(),
                        name,
                        path,
                        test,
                    });
                } else if punct(i + 2, b"{") {
                    out.inline_mods.push(name.clone());
                    pending_mod = Some(name);
                }
            }
            // `Command::new("/proc/self/exe")`.
            (TokenKind::Literal, lit) if look_for.knowledge.names_own_binary(lit) => out.reexecs = true,
            (TokenKind::Word, b"extern")
                if toks.get(i + 1).is_some_and(|t| t.kind == TokenKind::Literal) && punct(i + 2, b"{") =>
            {
                pending_extern = true;
            }
            (TokenKind::Word, b"fn") => {
                if let Some(name) = word(i + 1) {
                    // `extern "C" { fn forkpty(..); }`: libc's forkpty,
                    // if the file calls it (libc's own bindings only declare).
                    if !externs.is_empty() && look_for.meaning(name).is_some_and(|m| m.fd_creator) {
                        extern_fd_creators.push(i + 1);
                    }
                    has_main |= depth == 0 && name == b"main";
                    // Directly in an impl or trait (a function nested in a
                    // method's body is the module's).
                    let ty = impls.last().filter(|(d, _)| *d == depth).map(|(_, t)| t.as_str());
                    let mut arrow = None;
                    let diverging = fn_diverges(toks, i + 2, look_for.knowledge, &mut arrow);
                    let key = match ty {
                        Some(ty) => path_key(ty, &String::from_utf8_lossy(name)),
                        None => {
                            let mut key = String::new();
                            for (_, m) in &mods {
                                key.push_str(m);
                                key.push_str("::");
                            }
                            key.push_str(&String::from_utf8_lossy(name));
                            key
                        }
                    };
                    out.fns.push(FnDef {
                        key,
                        name: owned(name),
                        diverging,
                        method: ty.is_some(),
                        inline: match ty {
                            Some(_) => mods.iter().map(|(_, m)| m.clone()).collect(),
                            None => Vec::new(),
                        },
                        foreign: !externs.is_empty(),
                        returns: arrow.and_then(|at| signatures::returned(toks, at, ty)),
                    });
                }
            }
            (TokenKind::Word, b"struct") if word(i + 1).is_some() => {
                let fields = signatures::struct_fields(toks, i + 2);
                if !fields.is_empty() {
                    out.field_types
                        .push((word(i + 1).map(owned).unwrap_or_default(), fields));
                }
            }
            // Named only if the file turns out to create descriptors.
            // `const NAME: T`, not a raw pointer's `*const libc::c_char`.
            (TokenKind::Word, b"const")
                if word(i + 1).is_some() && punct(i + 2, b":") && !punct(i + 3, b":") =>
            {
                const_names.push(i + 1);
            }
            (TokenKind::Word, b"static") => {
                // `static NAME: T` / `static mut NAME: T` (not `'static`, a lifetime token).
                let at = if word(i + 1) == Some(b"mut".as_slice()) {
                    i + 2
                } else {
                    i + 1
                };
                if let (Some(name), true) = (word(at), punct(at + 1, b":")) {
                    out.statics.push(StaticDef {
                        name: owned(name),
                        inline: mods.iter().map(|(_, m)| m.clone()).collect(),
                    });
                    if type_mentions(toks, at + 2, b"RwLock") {
                        out.rwlocks.push(owned(name));
                    }
                }
            }
            (TokenKind::Word, w) => {
                // The segment before `::w`, if `w` ends a path.
                let path_call = i >= 2 && punct(i - 1, b":") && punct(i - 2, b":");
                let before = if path_call {
                    i.checked_sub(3).and_then(word)
                } else {
                    None
                };
                let meaning = look_for.meaning(w);
                if let Some(found) = meaning.and_then(|m| m.trigger) {
                    // `x.clone()` and a field named `daemon` are not forks:
                    // such words count only after a fork qualifier
                    // (`libc::clone`, not `Arc::clone`).
                    // A constant being defined (`pub const SYS_fork: c_long
                    // = 57;` in libc's per-target files) is no use of it.
                    let defined = i >= 1 && matches!(word(i - 1), Some(b"const" | b"static"));
                    if !defined
                        && (!found.qualified || use_of_fork_path || look_for.qualifier(before, |q| q.fork))
                    {
                        match found.kind {
                            ScanKind::Fork => out.forks = true,
                            ScanKind::Spawn => out.spawns = true,
                        }
                    }
                }
                if meaning.is_some_and(|m| m.own_binary) {
                    out.reexecs = true;
                }
                if meaning.is_some_and(|m| m.installs_logger) {
                    out.installs_logger = true;
                }
                if w == b"global_allocator" && punct(i.wrapping_sub(1), b"[") {
                    out.global_allocator = true;
                }
                if w == b"use" {
                    use_of_fd_crate = look_for.qualifier(word(i + 1), |q| q.use_fd);
                    in_use = true;
                    // `pub use ..;`, `pub(crate) use ..;` at module level.
                    let public = i >= 1 && (word(i - 1) == Some(b"pub".as_slice()) || punct(i - 1, b")"));
                    if public && impls.is_empty() {
                        let inline: Vec<String> = mods.iter().map(|(_, m)| m.clone()).collect();
                        let mut j = i + 1;
                        use_tree(toks, &mut j, &mut Vec::new(), &inline, &mut out.reexports);
                    }
                } else if in_use && look_for.qualifier(Some(w), |q| q.fork) {
                    use_of_fork_path = true;
                }
                // `libc::pipe(..)`, `unistd::pipe()`, or imported from libc/nix.
                if meaning.is_some_and(|m| m.fd_creator)
                    && (use_of_fd_crate || look_for.qualifier(before, |q| q.fd))
                {
                    out.creates_fds = true;
                }
                // `name: RwLock<..>` (a field or a typed binding), `name:
                // Option<fn() -> !>`.
                if punct(i + 1, b":") && !punct(i + 2, b":") {
                    let (rwlock, diverges) = type_facts(toks, i + 2);
                    if rwlock {
                        out.rwlocks.push(owned(w));
                    }
                    if diverges {
                        out.diverging_values.push(owned(w));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    // A declared creator counts where the file calls it: `name(` not after `fn`.
    if !out.creates_fds && !extern_fd_creators.is_empty() {
        let declared: Vec<&[u8]> = extern_fd_creators.iter().filter_map(|&at| word(at)).collect();
        out.creates_fds = (1..toks.len()).any(|j| {
            word(j).is_some_and(|w| declared.contains(&w))
                && punct(j + 1, b"(")
                && word(j - 1) != Some(b"fn".as_slice())
        });
    }
    if out.creates_fds {
        out.consts = const_names.iter().filter_map(|&at| word(at)).map(owned).collect();
        // `const NAME: T = 77;`: the type's tokens, `=`, a number, `;`.
        for &at in &const_names {
            let Some(eq) = (at + 2..toks.len()).find(|&j| punct(j, b"=") || punct(j, b";")) else {
                continue;
            };
            let number = word(eq + 1).filter(|_| punct(eq, b"=") && punct(eq + 2, b";"));
            if let (Some(name), Some(n)) = (word(at), number.and_then(int_literal)) {
                out.const_numbers.push((owned(name), n));
            }
        }
    }
    out.rwlocks.sort();
    out.rwlocks.dedup();
    out.standalone = has_main && !declares_mod;
    // A file that matters on its own, whatever the rest of its crate does,
    // is parsed in every mode: its bound now, on the tokens at hand.
    if nesting || out.matters_alone(false) {
        out.deepest = Some(crate::nesting::deepest_of(
            &lexed,
            start,
            crate::nesting::MAX_DEPTH,
        ));
    }
    out
}

/// A function looked for by the name it is called by; a method can be
/// called as `.name(..)`, a free function cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalledName {
    pub name: String,
    pub method: bool,
}

/// Does the text use any of these names as a word (not in a comment or
/// string), the way it can be used (`x.clone()` is not the free `clone`)?
pub fn mentions_any(text: &str, names: &[CalledName]) -> bool {
    if names.is_empty() || !names.iter().any(|n| text.contains(n.name.as_str())) {
        return false;
    }
    let mut after_dot = false;
    for t in lexer::tokens(text, crate::lexer::stripped_prefix(text)) {
        if matches!(t.kind, TokenKind::LineComment | TokenKind::BlockComment) {
            continue;
        }
        let word = &text[t.span.clone()];
        if t.kind == TokenKind::Word && names.iter().any(|n| n.name == word && (n.method || !after_dot)) {
            return true;
        }
        after_dot = t.kind == TokenKind::Punct && word == ".";
    }
    false
}

/// `impl<T> Foo<T> for Bar<T> where .. {`: the type implemented on (`Bar`).
fn impl_type(toks: &[Tok], mut i: usize) -> (String, Option<String>, usize) {
    // Generic arguments (not the type's name), and brackets (whose `;`,
    // as in `[T; N]`, ends nothing).
    let (mut angle, mut bracket) = (0i32, 0i32);
    let mut last = String::new();
    let mut trait_name = None;
    // Words that no longer name the type: an array's length (`[T; N]`),
    // a trait object's further bounds (`dyn Write + Send`).
    let mut done = false;
    while let Some(t) = toks.get(i) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b"<") => angle += 1,
            // Not the `>` of an arrow (`F: Fn() -> T`).
            (TokenKind::Punct, b">") if !(i > 0 && toks[i - 1].text == b"-") => angle -= 1,
            (TokenKind::Punct, b"[" | b"(") => bracket += 1,
            (TokenKind::Punct, b"]" | b")") => bracket -= 1,
            (TokenKind::Punct, b"{") | (TokenKind::Punct, b";") if bracket <= 0 => break,
            (TokenKind::Punct, b";" | b"+") if angle == 0 => done = true,
            (TokenKind::Word, b"where") if angle == 0 => break,
            (TokenKind::Word, b"for") if angle == 0 => {
                trait_name = Some(std::mem::take(&mut last));
                done = false;
            }
            (TokenKind::Word, w) if angle == 0 && !done && w != b"dyn" && w != b"unsafe" => last = owned(w),
            _ => {}
        }
        i += 1;
    }
    // `impl Trait for ()`: as the walk keys a type it cannot name.
    if last.is_empty() {
        last = "Self".to_string();
    }
    (last, trait_name.filter(|t| !t.is_empty()), i)
}

/// The type a `type Alias = a::b::Type;` names, by its last segment
/// (`None` for anything but a plain path: `Box<dyn Fn()>`, a tuple).
fn alias_target(toks: &[Tok], mut i: usize) -> Option<String> {
    let mut last = None;
    while let Some(t) = toks.get(i) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b";") => {
                return last
                    .filter(|w: &&[u8]| w.first().is_some_and(u8::is_ascii_uppercase))
                    .map(owned)
            }
            (TokenKind::Punct, b":") => {}
            (TokenKind::Word, w) => last = Some(w),
            _ => return None,
        }
        i += 1;
    }
    None
}

/// Up to the `{` or `;` that ends a type or signature: does it name `what`?
fn type_mentions(toks: &[Tok], mut i: usize, what: &[u8]) -> bool {
    let mut nest = 0i32;
    while let Some(t) = toks.get(i) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b"<" | b"(" | b"[") => nest += 1,
            (TokenKind::Punct, b">" | b")" | b"]") => nest -= 1,
            (TokenKind::Punct, b"=" | b";" | b"{" | b"}") if nest <= 0 => return false,
            (TokenKind::Punct, b",") if nest <= 0 => return false,
            (TokenKind::Word, w) if w == what => return true,
            _ => {}
        }
        i += 1;
        if nest < 0 {
            return false;
        }
    }
    false
}

/// The type after `name:` up to the `,`, `;`, `=`, `{` or `}` that ends
/// it: does it name `RwLock`, does it hold a function pointer returning `!`
/// (`fn(..) -> !`, also inside `Option<..>`)? An `->` is not a closing `>`.
fn type_facts(toks: &[Tok], mut i: usize) -> (bool, bool) {
    let (mut rwlock, mut diverges) = (false, false);
    let mut nest = 0i32;
    while let Some(t) = toks.get(i) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b"<" | b"(" | b"[") => nest += 1,
            (TokenKind::Punct, b">") if i > 0 && toks[i - 1].text == b"-" => {}
            (TokenKind::Punct, b">" | b")" | b"]") => nest -= 1,
            (TokenKind::Punct, b"!") if i >= 2 && toks[i - 1].text == b">" && toks[i - 2].text == b"-" => {
                diverges = true
            }
            (TokenKind::Punct, b"=" | b";" | b"{" | b"}" | b",") if nest <= 0 => break,
            (TokenKind::Word, b"RwLock") => rwlock = true,
            _ => {}
        }
        i += 1;
        if nest < 0 {
            break;
        }
    }
    (rwlock, diverges)
}

/// After `fn name`: `-> !` in the signature, or a body whose last statement
/// calls `_exit`/`exit`/`abort` or panics, unconditionally.
fn fn_diverges(
    toks: &[Tok],
    mut i: usize,
    knowledge: &crate::knowledge::Knowledge,
    arrow: &mut Option<usize>,
) -> bool {
    let mut paren = 0i32;
    // The signature, up to the body's `{` (or `;` for a declaration).
    while let Some(t) = toks.get(i) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b"(" | b"<" | b"[") => paren += 1,
            (TokenKind::Punct, b")" | b"]") => paren -= 1,
            (TokenKind::Punct, b">") if i > 0 && toks[i - 1].text != b"-" => paren -= 1,
            // The return type starts after the signature's `->`.
            (TokenKind::Punct, b">") if paren == 0 && arrow.is_none() => *arrow = Some(i + 1),
            (TokenKind::Punct, b"!")
                if paren == 0 && i >= 2 && toks[i - 1].text == b">" && toks[i - 2].text == b"-" =>
            {
                return true;
            }
            (TokenKind::Punct, b"{") if paren <= 0 => break,
            (TokenKind::Punct, b";") if paren <= 0 => return false,
            _ => {}
        }
        i += 1;
    }
    // The body: find its end and its last top-level statement.
    let body_start = i + 1;
    let mut depth = 1;
    let mut j = body_start;
    let mut stmt_start = body_start;
    let mut last_stmt = body_start..body_start;
    while let Some(t) = toks.get(j) {
        match (t.kind, t.text) {
            (TokenKind::Punct, b"{" | b"(" | b"[") => depth += 1,
            (TokenKind::Punct, b")" | b"]") => depth -= 1,
            (TokenKind::Punct, b"}") => {
                depth -= 1;
                if depth == 0 {
                    if stmt_start < j {
                        last_stmt = stmt_start..j;
                    }
                    break;
                }
                // A block closing at statement level ends the statement only
                // if nothing continues the expression (`unsafe { f() } {` of a
                // match head, `} else {`, `}.method()`, `}?`).
                let continues = toks.get(j + 1).is_some_and(|n| {
                    matches!(
                        n.text,
                        b"{" | b"."
                            | b"?"
                            | b"else"
                            | b"as"
                            | b"=>"
                            | b")"
                            | b","
                            | b"="
                            | b"+"
                            | b"-"
                            | b"*"
                            | b"/"
                            | b"&"
                            | b"|"
                            | b"<"
                            | b">"
                    )
                });
                if depth == 1 && !continues {
                    last_stmt = stmt_start..j + 1;
                    stmt_start = j + 1;
                }
            }
            (TokenKind::Punct, b";") if depth == 1 => {
                last_stmt = stmt_start..j;
                stmt_start = j + 1;
            }
            _ => {}
        }
        j += 1;
    }
    let stmt = &toks[last_stmt.start.min(toks.len())..last_stmt.end.min(toks.len())];
    let conditional = stmt.iter().any(|t| {
        t.kind == TokenKind::Word && matches!(t.text, b"if" | b"match" | b"while" | b"for" | b"loop")
    });
    // `_exit(..)`, `panic!(..)` (rules/scan.toml [process_enders]).
    let ends = stmt.windows(2).any(|w| {
        let Ok(name) = std::str::from_utf8(w[0].text) else {
            return false;
        };
        w[0].kind == TokenKind::Word
            && match w[1].text {
                b"(" => knowledge.process_enders.contains_key(name),
                b"!" => knowledge
                    .process_enders
                    .keys()
                    .any(|k| k.strip_suffix('!') == Some(name)),
                _ => false,
            }
    });
    ends && !conditional
}

#[cfg(test)]
mod tests;
