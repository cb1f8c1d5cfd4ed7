use super::*;

#[test]
fn builtin_tables_load_and_merge() {
    let k = Knowledge::builtin();
    // rules/locks.toml: which guard methods wait, and on what receivers.
    let blocking: Vec<&str> = {
        let mut v: Vec<&str> = k
            .guard_methods
            .iter()
            .filter(|(_, g)| g.blocks)
            .map(|(m, _)| m.as_str())
            .collect();
        v.sort();
        v
    };
    assert_eq!(blocking, ["lock", "read", "write"]);
    assert_eq!(k.guard_methods["lock"].receiver, GuardReceiver::Any);
    assert_eq!(k.guard_methods["read"].receiver, GuardReceiver::LockType);
    assert_eq!(k.writer_methods["flush"].op, WriterOp::Flush);
    assert_eq!(k.writer_methods["write_all"].op, WriterOp::Write);
    assert_eq!(k.output_macros["println"].sink, MacroSink::Stdout);
    assert!(k.output_macros["writeln"].newline && k.output_macros["writeln"].text_arg == 1);
    let fork = k.function("nix::unistd::fork").unwrap();
    assert_eq!(fork.role, Some(Role::Fork(ForkResultShape::Enum)));
    assert_eq!(fork.class, Some(Class::Safe));
    assert_eq!(k.function("libc::write").unwrap().class, Some(Class::Safe));
    assert_eq!(
        k.function("nix::unistd::execv").unwrap().class,
        Some(Class::Allocates)
    );
    assert_eq!(k.macros["println"].class, Some(Class::Prints));
    assert_eq!(k.fd_creation["libc::open"].needs.as_deref(), Some("O_CLOEXEC"));
    // dup2 makes the number its caller picks; fcntl makes one for F_DUPFD only.
    assert_eq!(k.fd_creation["libc::dup2"].target_arg, Some(1));
    assert_eq!(k.fd_creation["nix::unistd::dup3"].flags_arg, Some(2));
    let fcntl = &k.fd_creation["nix::fcntl::fcntl"];
    assert_eq!(
        (fcntl.command_arg, fcntl.command.as_deref()),
        (Some(1), Some("F_DUPFD"))
    );
    assert_eq!(
        k.function("std::thread::scope").unwrap().closure_param.as_deref(),
        Some("std::thread::Scope")
    );
    assert!(k.yields_raw_fd("fd.as_raw_fd()") && k.yields_raw_fd("libc::pipe"));
    assert!(!k.yields_raw_fd("File::open(path)"));
    assert!(k.names_own_binary(b"\"/proc/self/exe\""));
    assert!(k.names_own_binary(b"std::env::current_exe()"));
    assert!(!k.names_own_binary(b"\"/bin/true\"") && !k.names_own_binary(b""));
}

#[test]
fn libc_is_closed_world() {
    let k = Knowledge::builtin();
    // Unlisted: not async-signal-safe, by POSIX's list.
    let other = k.function("libc::sigsetjmp_not_listed").unwrap();
    assert_eq!(other.class, Some(Class::Unsafe));
    assert!(other.why.contains("signal-safety(7)"), "{}", other.why);
    assert_eq!(other.role, None);
    // Listed: the table's class, more specific than the default.
    assert_eq!(k.function("libc::getpwnam").unwrap().class, Some(Class::Locks));
    assert_eq!(k.function("libc::strdup").unwrap().class, Some(Class::Allocates));
    assert_eq!(k.function("libc::sigprocmask").unwrap().class, Some(Class::Safe));
    // Entries for other roles keep them, with a class.
    let fork = k.function("libc::fork").unwrap();
    assert_eq!(
        (fork.role, fork.class),
        (Some(Role::Fork(ForkResultShape::Raw)), Some(Class::Safe))
    );
    let exit = k.function("libc::_exit").unwrap();
    assert_eq!((exit.role, exit.class), (Some(Role::ExitNow), Some(Class::Safe)));
    let spawn = k.function("libc::posix_spawn").unwrap();
    assert_eq!(
        (spawn.role, spawn.class),
        (Some(Role::SpawnProcess), Some(Class::Unsafe))
    );
    // The reason given with the class, not the role's.
    assert_eq!(spawn.why, "not on POSIX's list");
    // Constants, constructors, items of a type and other crates are not
    // functions of libc.
    for path in [
        "libc::O_CLOEXEC",
        "libc::CMSG_SPACE",
        "libc::c_int::MAX",
        "libc::c_int::max",
        "libc",
        "nix::unistd::not_listed",
    ] {
        assert!(k.function(path).is_none(), "{path}");
    }
    // libc through nix's re-export is libc.
    assert_eq!(k.function("nix::libc::write").unwrap().class, Some(Class::Safe));
    assert_eq!(
        k.function("nix::libc::getpwnam").unwrap().class,
        Some(Class::Locks)
    );
    assert_eq!(
        k.function("nix::libc::getprotobynumber").unwrap().class,
        Some(Class::Unsafe)
    );
    assert!(k.function("nix::libc::O_CLOEXEC").is_none());
    // A table without [closed_world] keeps an unlisted path unknown.
    let open = Knowledge::from_tables(&[(
        "t.toml",
        "[functions]\n\"libc::write\" = { class = \"safe\", why = \"w\" }\n",
    )])
    .unwrap();
    assert!(open.function("libc::getpwnam").is_none());
}

#[test]
fn every_libc_entry_has_a_class() {
    // A libc entry listed for its role alone would be unknown, not the
    // closed world's "unsafe": each says what it is.
    let k = Knowledge::builtin();
    let classless: Vec<&String> = k
        .functions
        .iter()
        .filter(|(path, f)| path.starts_with("libc::") && f.class.is_none())
        .map(|(path, _)| path)
        .collect();
    assert!(classless.is_empty(), "{classless:?}");
}

#[test]
fn every_forking_entry_is_named_by_a_scan_word() {
    // The demand mode parses, and `--full` walks the entry points of,
    // only files whose scan found a fork word: a forking function no
    // word names would be missed by both.
    let k = Knowledge::builtin();
    let forking = |f: &Fact| matches!(f.role, Some(Role::Fork(_) | Role::Vfork | Role::PreExec));
    let entries: Vec<&String> = k
        .functions
        .iter()
        .chain(k.methods.iter())
        .filter(|(_, f)| forking(f))
        .map(|(name, _)| name)
        .collect();
    assert!(entries.len() >= 5, "{entries:?}");
    for name in entries {
        let named = name
            .split("::")
            .any(|seg| k.scan_words.get(seg).is_some_and(|w| w.kind == ScanKind::Fork));
        assert!(named, "{name} forks but no fork word in rules/scan.toml names it");
    }
}

#[test]
fn bad_entries_are_reported_with_their_name() {
    let err = Knowledge::from_tables(&[(
        "t.toml",
        "[functions]\n\"a::b\" = { class = \"nope\", why = \"x\" }\n",
    )])
    .unwrap_err();
    assert!(err.contains("a::b") && err.contains("nope"), "{err}");
}
