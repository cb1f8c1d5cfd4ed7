use super::*;

fn words() -> Words<'static> {
    Words::new(crate::knowledge::Knowledge::builtin())
}

#[test]
fn finds_triggers_functions_statics_and_rwlocks() {
    let s = scan(
        "use nix::unistd::fork; // pre_exec in a comment does not count\n\
         static M: std::sync::RwLock<u8> = RwLock::new(0);\n\
         static mut N: i32 = 0; fn f(x: &'static str) {}\n\
         struct S { table: RwLock<Vec<u8>>, other: u8 }\n\
         impl<T> Trait for Wrapper<T> where T: Copy { fn method(&self) {} }\n\
         fn die() -> ! { loop {} }\n\
         fn quit(code: i32) { cleanup(); unsafe { libc::_exit(code) } }\n\
         fn maybe(c: bool) { if c { std::process::exit(1) } }\n\
         fn wrap() -> R { match unsafe { fork() } { Ok(r) => r, Err(_) => std::process::abort() } }\n",
        &words(),
        true,
    );
    assert!(s.deepest.is_some_and(|d| d.depth > 0));
    assert!(s.forks && !s.spawns && !s.creates_fds);
    assert_eq!(
        s.statics.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(),
        vec!["M", "N"]
    );
    assert_eq!(s.rwlocks, vec!["M", "table"]);
    let keys: Vec<(&str, bool)> = s.fns.iter().map(|f| (f.key.as_str(), f.diverging)).collect();
    assert_eq!(
        keys,
        vec![
            ("f", false),
            ("Wrapper::method", false),
            ("die", true),
            ("quit", true),
            ("maybe", false),
            ("wrap", false)
        ]
    );
    assert!(
        !scan("let s = \"fork\";", &words(), false).forks,
        "a word in a string is not a token"
    );
    // A file parsed in every mode has its bound from the scan.
    assert!(scan("fn f() { unsafe { libc::fork() }; }", &words(), false)
        .deepest
        .is_some());
    assert!(scan("fn f() { g() }", &words(), false).deepest.is_none());
    assert!(scan("fn f() { g() }", &words(), true).deepest.is_some());
    assert!(scan("unsafe { libc::pipe(fds.as_mut_ptr()) }", &words(), false).creates_fds);
    assert!(scan("use nix::unistd::{pipe, close};", &words(), false).creates_fds);
    assert!(!scan("use libc::c_int; fn open(path: &str) {}", &words(), false).creates_fds);
    assert!(
        !scan("let v = x.clone(); let daemon = true;", &words(), false).forks,
        "clone() and a field are not forks"
    );
    assert!(scan("unsafe { libc::clone(cb, stack, flags, arg) }", &words(), false).forks);
    assert!(
        scan(
            "unsafe { libc::syscall(libc::SYS_clone3, args, size) }",
            &words(),
            false
        )
        .forks
    );
    assert!(
        !scan("pub const SYS_clone3: c_long = 435;", &words(), false).forks,
        "defining the number is not forking"
    );
    assert!(!scan("let a = Arc::clone(&b);", &words(), false).forks);
    assert!(scan("use nix::sched::{clone, CloneFlags};", &words(), false).forks);
    assert!(scan("let p = std::env::current_exe()?;", &words(), false).reexecs);
    assert!(scan("Command::new(\"/proc/self/exe\").arg(\"x\");", &words(), false).reexecs);
    assert!(!scan("Command::new(\"/bin/true\");", &words(), false).reexecs);
    assert!(
        !scan(
            "use std::sync::Arc; fn f(a: &Arc<u8>) { a.clone(); }",
            &words(),
            false
        )
        .forks
    );
}

#[test]
fn fcntl_creates_fds_only_for_its_dup_command_and_consts_keep_their_numbers() {
    // fcntl makes a descriptor only for F_DUPFD: the command is the word.
    assert!(scan("unsafe { libc::fcntl(fd, libc::F_DUPFD, 10) }", &words(), false).creates_fds);
    assert!(scan("fcntl(&f, FcntlArg::F_DUPFD(10))", &words(), false).creates_fds);
    assert!(
        !scan(
            "unsafe { libc::fcntl(fd, libc::F_SETFL, O_NONBLOCK) }",
            &words(),
            false
        )
        .creates_fds
    );
    assert!(
        !scan(
            "unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) }",
            &words(),
            false
        )
        .creates_fds
    );
    assert!(scan("unsafe { libc::dup2(fd, 10) }", &words(), false).creates_fds);
    let s = scan(
        "const TARGET: libc::c_int = 77; const HEX: i32 = 0x1_0u32; const NEG: i32 = -1;\n\
         const FLAGS: i32 = libc::O_CLOEXEC; const ARR: [u8; 3] = [0; 3];\n\
         fn f() { unsafe { libc::dup2(fd, TARGET) }; }",
        &words(),
        false,
    );
    assert_eq!(s.consts, ["TARGET", "HEX", "NEG", "FLAGS", "ARR"]);
    assert_eq!(
        s.const_numbers,
        [("TARGET".to_string(), 77), ("HEX".to_string(), 16)]
    );
    assert_eq!(int_literal(b"1_000usize"), Some(1000));
    assert_eq!(int_literal(b"x"), None);
}

#[test]
fn signatures_give_return_and_field_types() {
    use super::Returns;
    let s = super::scan(
        "pub fn channel() -> Result<(MainSender, MainReceiver), Error> { todo!() }\n\
         fn conn<'a>(x: &'a str) -> io::Result<Arc<Conn>> where X: Y { todo!() }\n\
         fn count() -> usize { 0 }\n\
         struct MainSender { inner: Sender<Message>, pub(crate) fd: i32, shared: Arc<Mutex<u8>> }\n\
         struct Pair(u8, u8);\n\
         impl Spool { fn open() -> Self { Spool } fn opt(&self) -> Option<&'static Spool> { None } }\n",
        &words(),
        false,
    );
    let returns: Vec<(&str, Option<&Returns>)> = s
        .fns
        .iter()
        .map(|f| (f.key.as_str(), f.returns.as_ref()))
        .collect();
    let ty = |t: &str| Returns::Type(t.to_string());
    assert_eq!(
        returns,
        vec![
            (
                "channel",
                Some(&Returns::Tuple(vec![
                    Some("MainSender".into()),
                    Some("MainReceiver".into())
                ]))
            ),
            ("conn", Some(&ty("Conn"))),
            ("count", None),
            ("Spool::open", Some(&ty("Spool"))),
            ("Spool::opt", Some(&ty("Spool"))),
        ]
    );
    let fields: Vec<(&str, &str, &str)> = s
        .field_types
        .iter()
        .flat_map(|(a, fields)| {
            fields
                .iter()
                .map(move |(b, c)| (a.as_str(), b.as_str(), c.as_str()))
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            ("MainSender", "inner", "Sender"),
            ("MainSender", "shared", "Mutex")
        ]
    );
}
