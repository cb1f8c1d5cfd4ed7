//! The crate table's name resolution, on small crates.

#[test]
fn path_keys_join_with_two_colons() {
    assert_eq!(super::path_key("Type", "method"), "Type::method");
    assert_eq!(super::path_key("", "f"), "::f");
}

/// A crate of `(path, text)` files, as the analysis builds its table.
fn table(files: &[(&str, &str)]) -> super::CrateTable {
    let words = crate::scan::Words::new(crate::knowledge::Knowledge::builtin());
    let scans: Vec<crate::scan::FileScan> = files
        .iter()
        .map(|(_, t)| crate::scan::scan(t, &words, false))
        .collect();
    let paths: Vec<&std::path::Path> = files.iter().map(|(p, _)| std::path::Path::new(*p)).collect();
    let ids: Vec<usize> = (0..files.len()).collect();
    super::CrateTable::from_scans(&ids, &paths, &scans.iter().collect::<Vec<_>>())
}

fn resolve(t: &super::CrateTable, module: &[&str], path: &str) -> Option<String> {
    let module: Vec<String> = module.iter().map(|m| m.to_string()).collect();
    let written: Vec<String> = path.split("::").map(String::from).collect();
    t.resolve_fn(&module, &written, &[], false)
}

#[test]
fn namesakes_in_two_modules_resolve_by_path_and_through_reexports() {
    let t = table(&[
        (
            "p/src/lib.rs",
            "mod visudo; mod pipeline; pub mod sys; fn main_loop() {}",
        ),
        ("p/src/visudo.rs", "pub fn run() {}"),
        ("p/src/pipeline.rs", "pub fn run() { super::visudo::run(); }"),
        (
            "p/src/sys/mod.rs",
            "mod linux; pub use self::linux::*; pub use self::linux::open_pty as openpty;",
        ),
        ("p/src/sys/linux.rs", "pub fn open_pty() {} pub fn run() {}"),
    ]);
    let lib = "<p/src/lib.rs>";
    let key = |k: &str| Some(format!("{lib}::{k}"));
    assert_eq!(resolve(&t, &[lib], "visudo::run"), key("visudo::run"));
    assert_eq!(
        resolve(&t, &[lib, "pipeline"], "super::visudo::run"),
        key("visudo::run")
    );
    assert_eq!(resolve(&t, &[lib, "visudo"], "run"), key("visudo::run"));
    assert_eq!(resolve(&t, &[lib], "crate::pipeline::run"), key("pipeline::run"));
    // Through the glob and the renaming re-export of `sys`.
    assert_eq!(resolve(&t, &[lib], "sys::open_pty"), key("sys::linux::open_pty"));
    assert_eq!(
        resolve(&t, &[lib, "visudo"], "crate::sys::openpty"),
        key("sys::linux::open_pty")
    );
    assert_eq!(resolve(&t, &[lib], "sys::run"), key("sys::linux::run"));
    // Ambiguous and written nowhere: no guess.
    assert_eq!(resolve(&t, &[lib], "run"), None);
    assert_eq!(resolve(&t, &[lib], "other_crate::run"), None);
}

#[test]
fn statics_are_named_by_module_path() {
    let t = table(&[
        (
            "s/src/lib.rs",
            "mod jobs; mod settings; pub use jobs::QUEUE as WORK; static ONLY: u8 = 0;",
        ),
        (
            "s/src/jobs.rs",
            "pub static STATE: M = M::new(); pub static QUEUE: M = M::new();",
        ),
        (
            "s/src/settings.rs",
            "pub static STATE: M = M::new(); mod inner { static STATE: u8 = 0; }",
        ),
    ]);
    let lib = "<s/src/lib.rs>";
    let m = |parts: &[&str]| parts.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let key = |k: &str| Some(format!("{lib}::{k}"));
    let find = |module: &[&str], written: &str, imported: &[&str]| {
        t.resolve_static(
            &m(module),
            &m(&written.split("::").collect::<Vec<_>>()),
            &m(imported),
        )
    };
    assert_eq!(find(&[lib], "jobs::STATE", &[]), key("jobs::STATE"));
    assert_eq!(find(&[lib, "settings"], "STATE", &[]), key("settings::STATE"));
    assert_eq!(
        find(&[lib, "settings"], "inner::STATE", &[]),
        key("settings::inner::STATE")
    );
    assert_eq!(
        find(&[lib, "settings"], "super::jobs::STATE", &[]),
        key("jobs::STATE")
    );
    assert_eq!(
        find(&[lib], "STATE", &["crate::settings::STATE"]),
        key("settings::STATE")
    );
    // Through a renaming re-export, and the only one of its name.
    assert_eq!(find(&[lib, "settings"], "crate::WORK", &[]), key("jobs::QUEUE"));
    assert_eq!(find(&[lib, "jobs"], "ONLY", &[]), key("ONLY"));
    // Another crate's namesake is none of the crate's; nothing tells
    // which of three: all of that name are one.
    assert_eq!(find(&[lib], "other::STATE", &[]), None);
    assert_eq!(find(&[lib], "STATE", &[]).as_deref(), Some("STATE"));
}

#[test]
fn a_method_two_modules_define_is_no_ones() {
    let t = table(&[
        ("q/src/lib.rs", "mod unix; mod inprocess;"),
        ("q/src/unix.rs", "pub struct Sender; impl Sender { pub fn connect() {} pub fn send(&self) {} }"),
        (
            "q/src/inprocess.rs",
            "pub struct Sender; impl Sender { pub fn connect() {} }\n\
             pub struct Pipe; #[cfg(unix)] impl Pipe { fn open() {} } #[cfg(windows)] impl Pipe { fn open() {} }",
        ),
    ]);
    // Two backends' `Sender::connect`: a call cannot tell which.
    assert_eq!(t.method_key("Sender", "connect"), None);
    assert_eq!(t.method_key("Sender", "send").as_deref(), Some("Sender::send"));
    // Platform variants in one module are one method.
    assert_eq!(t.method_key("Pipe", "open").as_deref(), Some("Pipe::open"));
    // Each backend's is keyed by its module, and found from a path to
    // its type, through a `use`, or from its own module.
    let root = t.file_modules.values().find(|m| m.len() == 1).unwrap()[0].clone();
    let unix = vec![root.clone(), "unix".to_string()];
    let inprocess = vec![root.clone(), "inprocess".to_string()];
    let key = |m: &str| format!("{root}::{m}::Sender::connect");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let at_root = vec![root.clone()];
    let find = |module: &[String], written: &[&str], imported: &[&str]| {
        t.ambiguous_method_key(module, &s(written), &s(imported), "connect")
    };
    assert_eq!(find(&unix, &["Sender"], &[]), Some(key("unix")));
    assert_eq!(find(&inprocess, &["Sender"], &[]), Some(key("inprocess")));
    assert_eq!(find(&at_root, &["unix", "Sender"], &[]), Some(key("unix")));
    assert_eq!(
        find(&at_root, &["Sender"], &["crate::inprocess::Sender"]),
        Some(key("inprocess"))
    );
    assert_eq!(find(&at_root, &["Sender"], &[]), None, "nothing tells which");
    assert_eq!(
        find(&unix, &["Sender"], &[]).as_deref(),
        t.file_keys
            .iter()
            .flatten()
            .find(|k| k.contains("unix::Sender::connect"))
            .map(String::as_str)
    );
}

#[test]
fn an_alias_s_methods_are_its_type_s() {
    let t = table(&[
        (
            "a/src/lib.rs",
            "mod real; pub type Handle = real::Real; type Mixed = real::Real;",
        ),
        (
            "a/src/real.rs",
            "pub struct Real; impl Real { pub fn open() {} } impl super::Handle { pub fn close(&self) {} }\n\
             type Mixed = Other; pub struct Other; impl Tr for Handle {}",
        ),
    ]);
    assert_eq!(t.method_key("Handle", "open").as_deref(), Some("Real::open"));
    // A method an `impl Alias` defines is the type's too.
    assert_eq!(t.method_key("Real", "close").as_deref(), Some("Real::close"));
    assert_eq!(t.trait_impls.get("Real"), Some(&vec!["Tr".to_string()]));
    // Two aliases of one name naming different types: neither.
    assert_eq!(t.method_key("Mixed", "open"), None);
}
