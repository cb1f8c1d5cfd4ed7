//! Knowledge as data: which paths fork, exec, exit, spawn threads, lock,
//! allocate or are async-signal-safe. Loaded from the tables under `rules/`
//! (compiled in), so reviewing it means reading a table.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// How async-signal-safe a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    Safe,
    Allocates,
    Locks,
    /// A log macro: the logger's lock, once a logger is installed (log's
    /// and tracing's maximum level start at off).
    Logs,
    Prints,
    Env,
    Unsafe,
    Unknown,
}

impl Class {
    /// The class's name in the tables (`allocates`).
    pub fn name(self) -> &'static str {
        match self {
            Class::Safe => "safe",
            Class::Allocates => "allocates",
            Class::Locks => "locks",
            Class::Logs => "logs",
            Class::Prints => "prints",
            Class::Env => "env",
            Class::Unsafe => "unsafe",
            Class::Unknown => "unknown",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Class> {
        Some(match s {
            "safe" => Class::Safe,
            "allocates" => Class::Allocates,
            "locks" => Class::Locks,
            "logs" => Class::Logs,
            "prints" => Class::Prints,
            "env" => Class::Env,
            "unsafe" => Class::Unsafe,
            "unknown" => Class::Unknown,
            _ => return None,
        })
    }

    /// Takes a lock that another thread may hold at the fork.
    pub fn takes_lock(self) -> bool {
        matches!(self, Class::Locks | Class::Logs | Class::Prints | Class::Env)
    }

    pub fn is_unsafe(self) -> bool {
        !matches!(self, Class::Safe | Class::Unknown)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Class::Safe => "is async-signal-safe",
            Class::Allocates => "allocates",
            Class::Locks => "takes a lock",
            Class::Logs => "takes the logger's lock (once a logger is installed)",
            Class::Prints => "takes the stdout/stderr lock",
            Class::Env => "takes std's environment lock",
            Class::Unsafe => "is not async-signal-safe",
            Class::Unknown => "is not known to be async-signal-safe",
        }
    }
}

/// What a call does to the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Fork(ForkResultShape),
    Vfork,
    Exec,
    ExitNow,
    ExitCleanup,
    SpawnThread,
    ScopeThreads,
    Runtime,
    Join,
    SpawnProcess,
    PreExec,
    /// Registers a handler that `exit()` runs (`atexit`): an exit() in a
    /// child then runs it a second time.
    AtExit,
}

/// How the child is told apart from the parent in a fork's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForkResultShape {
    /// pid_t: 0 in the child.
    Raw,
    /// `Result<ForkResult>` (nix) or similar enums with a `Child` variant.
    Enum,
    /// Returns only in the child.
    ChildOnly,
    /// Returns only in the parent: the child runs a callback and exits when
    /// it returns (glibc's `clone`).
    ParentOnly,
    /// `Option` of the pid: `None` in the child, `Some(pid)` in the parent
    /// (a wrapper's `fn fork() -> Result<Option<pid_t>>`).
    OptionPid,
}

impl ForkResultShape {
    pub const ALL: [ForkResultShape; 5] = [
        ForkResultShape::Raw,
        ForkResultShape::Enum,
        ForkResultShape::ChildOnly,
        ForkResultShape::ParentOnly,
        ForkResultShape::OptionPid,
    ];

    /// Its name where it is stored (the dependency cache).
    pub fn name(self) -> &'static str {
        match self {
            ForkResultShape::Raw => "raw",
            ForkResultShape::Enum => "enum",
            ForkResultShape::ChildOnly => "child_only",
            ForkResultShape::ParentOnly => "parent_only",
            ForkResultShape::OptionPid => "option_pid",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Fact {
    pub class: Option<Class>,
    pub role: Option<Role>,
    /// The type of the first parameter of the closure the call is given.
    pub closure_param: Option<String>,
    /// Receiver types a by-name method means (empty: any receiver).
    pub receiver: Vec<String>,
    pub why: String,
}

/// A call that makes a descriptor close-on-exec when one of its arguments
/// names `needs` (`fcntl(fd, F_SETFD, FD_CLOEXEC)`), rules/fd-creation.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagSetter {
    pub needs: String,
    pub why: String,
}

/// A constructor of a channel's two ends (rules/locks.toml): their
/// `send`/`recv` are the channel's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConstructor {
    pub sender: String,
    pub receiver: String,
    pub why: String,
}

/// A call that creates a file descriptor (rules/fd-creation.toml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FdCreation {
    /// The argument that carries the flags, when the call can set CLOEXEC.
    pub flags_arg: Option<usize>,
    /// The flag that makes the fd close-on-exec.
    pub needs: Option<String>,
    /// The argument that carries the buffer received descriptors arrive in
    /// (nix's `recvmsg` cmsg buffer): written `None`, none can arrive.
    #[serde(default)]
    pub control_arg: Option<usize>,
    /// The argument naming the descriptor number the call makes (dup2's
    /// `new`): a number the caller picks, reported only when it is known
    /// to be 3 or more (a literal, or a const of the crate holding one)
    /// and the call runs in neither a fork's child nor a `pre_exec` hook.
    #[serde(default)]
    pub target_arg: Option<usize>,
    /// The argument holding a command (fcntl's `cmd`) and the command that
    /// makes a descriptor (`F_DUPFD`): the call creates one only when that
    /// argument is a path ending in it, or a call of one (nix's
    /// `FcntlArg::F_DUPFD(n)`).
    #[serde(default)]
    pub command_arg: Option<usize>,
    #[serde(default)]
    pub command: Option<String>,
    pub suggest: String,
    pub why: String,
}

// Clone: the config builds a run's table as the built-in one plus the
// user's entries (`config::ExtraKnowledge::knowledge`).
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    /// Identifies the tables' content (the built-in files and what a config
    /// added): what was computed with them may be cached under it.
    pub fingerprint: u64,
    pub functions: FxHashMap<String, Fact>,
    pub methods: FxHashMap<String, Fact>,
    pub macros: FxHashMap<String, Fact>,
    pub fd_creation: FxHashMap<String, FdCreation>,
    /// Calls returning an fd-bearing value, by kind (`file`, `pipe_pair`, `pipe_array`).
    pub fd_sources: FxHashMap<String, FdSource>,
    /// Calls returning a value on the same open file description as their argument.
    pub fd_wrappers: FxHashMap<String, Why>,
    /// Calls that close the fd they are given.
    pub fd_closers: FxHashMap<String, Why>,
    /// Calls that make a descriptor close-on-exec.
    pub fd_cloexec_setters: FxHashMap<String, FlagSetter>,
    /// System call numbers that fork when given to `libc::syscall`.
    pub raw_fork_syscalls: FxHashMap<String, Why>,
    /// C functions that return 0 on success (`ret != 0` is their failure),
    /// by name.
    pub zero_on_success: FxHashMap<String, Why>,
    /// Channel constructors, by canonical path.
    pub channel_constructors: FxHashMap<String, ChannelConstructor>,
    /// The last segments of every path and name the call tables hold: a
    /// macro whose body names none of them (nor a crate function) can call
    /// nothing forklint judges. Kept in step by `index_call_names`.
    pub call_names: rustc_hash::FxHashSet<String>,
    /// Methods that hand back what their receiver holds (rules/values.toml).
    pub value_methods: FxHashMap<String, ValueMethod>,
    /// Methods whose closure runs only on an error.
    pub error_closure_methods: FxHashMap<String, Why>,
    /// Methods that hand back what their receiver holds, unchanged.
    pub holder_methods: FxHashMap<String, Why>,
    /// Methods that store their argument in the receiver.
    pub storing_methods: FxHashMap<String, Why>,
    /// Macros that panic (always, or when a condition fails).
    pub panic_macros: FxHashMap<String, PanicMacro>,
    /// Methods of a fork's result that tell the processes apart.
    pub fork_predicates: FxHashMap<String, ForkPredicate>,
    /// Calls that keep a closure to run later, by canonical path.
    pub closure_keepers: FxHashMap<String, Why>,
    /// What a method called on an fd-bearing value does to it.
    pub fd_methods: FxHashMap<String, FdOperation>,
    /// Raw calls that operate on the fd given as their first argument.
    pub fd_calls: FxHashMap<String, FdOperation>,
    /// Methods whose result holds the same open file description.
    pub fd_same_methods: FxHashMap<String, Why>,
    /// Methods that write to the value they are called on (a key ending in
    /// `*` is a prefix; see [`Knowledge::mutates`]).
    pub mutating_methods: FxHashMap<String, Why>,
    /// Builder methods that return the builder they are called on.
    pub builder_methods: FxHashMap<String, Why>,
    /// What each method of a `Command` does: configures it, forks, or execs in place.
    pub command_methods: FxHashMap<String, CommandMethod>,
    /// `cfg` predicates known to hold or not on the judged target.
    pub cfg_predicates: FxHashMap<String, CfgPredicate>,
    /// Associated functions that return their type (a key ending in `*` is
    /// a prefix; see [`Knowledge::constructs`]).
    pub constructor_names: FxHashMap<String, Why>,
    pub result_tests: FxHashMap<String, ResultTest>,
    pub pid_types: FxHashMap<String, Why>,
    /// Newtypes of a pid (rules/values.toml [pid_newtypes]): a wrapper
    /// returning `Option` of one is `None` in the child.
    pub pid_newtypes: FxHashMap<String, Why>,
    pub closure_access_methods: FxHashMap<String, Why>,
    pub array_pointer_methods: FxHashMap<String, Why>,
    pub flag_adding_methods: FxHashMap<String, Why>,
    /// Calls (`name`) and macros (`name!`) that end the process.
    pub process_enders: FxHashMap<String, Why>,
    /// What the scan looks for before parsing (rules/scan.toml).
    pub scan_words: FxHashMap<String, ScanWord>,
    pub scan_qualifiers: FxHashMap<String, ScanQualifier>,
    /// Names of the program's own binary (rules/scan.toml [own_binary]).
    pub own_binary: FxHashMap<String, Why>,
    /// Words that install a logger or tracing subscriber (rules/scan.toml
    /// [logger_installers]): in a crate naming none, a log macro
    /// (`Class::Logs`) reaches no logger.
    pub logger_installers: FxHashMap<String, Why>,
    /// Calls that read how the program was started: a condition on one is
    /// a role switch (rules/process.toml [role_sources]).
    pub role_sources: FxHashMap<String, Why>,
    /// Code that yields a raw (integer) fd (rules/fd-creation.toml [raw_fd_sources]).
    pub raw_fd_sources: FxHashMap<String, Why>,
    /// Methods that take a lock and return its guard (rules/locks.toml).
    pub guard_methods: FxHashMap<String, GuardMethod>,
    /// What buffered writers' methods do to the buffer (rules/locks.toml).
    pub writer_methods: FxHashMap<String, WriterMethod>,
    /// Macros that format into a buffered writer (rules/locks.toml).
    pub output_macros: FxHashMap<String, OutputMacro>,
    /// Crates whose async-signal-safe functions are all listed
    /// (rules/signal-safety.toml [closed_world]): a function of one that
    /// the tables do not list has this fact, by the crate's path.
    pub closed_world: FxHashMap<String, Fact>,
    /// Crates re-exported under another path (`nix::libc` is `libc`), by
    /// that path (rules/signal-safety.toml [reexports]).
    pub reexports: FxHashMap<String, Reexport>,
}

mod entries;
pub use entries::*;
use entries::{parse_fd_op, FdOperationEntry};

#[derive(Deserialize)]
struct Table {
    #[serde(default)]
    functions: HashMap<String, Entry>,
    #[serde(default)]
    methods: HashMap<String, Entry>,
    #[serde(default)]
    macros: HashMap<String, Entry>,
    #[serde(default)]
    fd_creation: HashMap<String, FdCreation>,
    #[serde(default)]
    fd_sources: HashMap<String, FdSource>,
    #[serde(default)]
    fd_wrappers: HashMap<String, Why>,
    #[serde(default)]
    fd_closers: HashMap<String, Why>,
    #[serde(default)]
    fd_cloexec_setters: HashMap<String, FlagSetter>,
    #[serde(default)]
    raw_fork_syscalls: HashMap<String, Why>,
    #[serde(default)]
    zero_on_success: HashMap<String, Why>,
    #[serde(default)]
    channel_constructors: HashMap<String, ChannelConstructor>,
    #[serde(default)]
    value_methods: HashMap<String, ValueMethod>,
    #[serde(default)]
    error_closure_methods: HashMap<String, Why>,
    #[serde(default)]
    holder_methods: HashMap<String, Why>,
    #[serde(default)]
    storing_methods: HashMap<String, Why>,
    #[serde(default)]
    panic_macros: HashMap<String, PanicMacro>,
    #[serde(default)]
    fork_predicates: HashMap<String, ForkPredicate>,
    #[serde(default)]
    closure_keepers: HashMap<String, Why>,
    #[serde(default)]
    fd_methods: HashMap<String, FdOperationEntry>,
    #[serde(default)]
    fd_calls: HashMap<String, FdOperationEntry>,
    #[serde(default)]
    fd_same_methods: HashMap<String, Why>,
    #[serde(default)]
    mutating_methods: HashMap<String, Why>,
    #[serde(default)]
    builder_methods: HashMap<String, Why>,
    #[serde(default)]
    command_methods: HashMap<String, CommandMethod>,
    #[serde(default)]
    cfg_predicates: HashMap<String, CfgPredicate>,
    #[serde(default)]
    constructor_names: HashMap<String, Why>,
    #[serde(default)]
    result_tests: HashMap<String, ResultTest>,
    #[serde(default)]
    pid_types: HashMap<String, Why>,
    #[serde(default)]
    pid_newtypes: HashMap<String, Why>,
    #[serde(default)]
    closure_access_methods: HashMap<String, Why>,
    #[serde(default)]
    array_pointer_methods: HashMap<String, Why>,
    #[serde(default)]
    flag_adding_methods: HashMap<String, Why>,
    #[serde(default)]
    process_enders: HashMap<String, Why>,
    #[serde(default)]
    scan_words: HashMap<String, ScanWord>,
    #[serde(default)]
    scan_qualifiers: HashMap<String, ScanQualifier>,
    #[serde(default)]
    own_binary: HashMap<String, Why>,
    #[serde(default)]
    logger_installers: HashMap<String, Why>,
    #[serde(default)]
    role_sources: HashMap<String, Why>,
    #[serde(default)]
    raw_fd_sources: HashMap<String, Why>,
    #[serde(default)]
    guard_methods: HashMap<String, GuardMethod>,
    #[serde(default)]
    writer_methods: HashMap<String, WriterMethod>,
    #[serde(default)]
    output_macros: HashMap<String, OutputMacro>,
    #[serde(default)]
    closed_world: HashMap<String, ClosedWorld>,
    #[serde(default)]
    reexports: HashMap<String, Reexport>,
}

/// What every unlisted function of a closed-world crate is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClosedWorld {
    class: String,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    class: Option<String>,
    role: Option<String>,
    result: Option<String>,
    closure_param: Option<String>,
    /// For a method matched by name: the receiver types it means (`send`
    /// on a `Sender`); on a receiver of unknown type it is an unknown call.
    #[serde(default)]
    receiver: Vec<String>,
    why: String,
}

/// A stable hash of these texts (not `Hash` of the maps: their order
/// is not part of their content).
pub fn fingerprint<'a>(texts: impl Iterator<Item = &'a str>) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    for t in texts {
        h.write(t.as_bytes());
        h.write_u8(0);
    }
    h.finish()
}

const TABLES: &[(&str, &str)] = &[
    ("rules/process.toml", include_str!("../../rules/process.toml")),
    (
        "rules/signal-safety.toml",
        include_str!("../../rules/signal-safety.toml"),
    ),
    (
        "rules/fd-creation.toml",
        include_str!("../../rules/fd-creation.toml"),
    ),
    (
        "rules/global-state.toml",
        include_str!("../../rules/global-state.toml"),
    ),
    ("rules/scan.toml", include_str!("../../rules/scan.toml")),
    ("rules/locks.toml", include_str!("../../rules/locks.toml")),
    ("rules/values.toml", include_str!("../../rules/values.toml")),
];

fn parse_role(role: &str, result: Option<&str>) -> Option<Role> {
    Some(match role {
        "fork" => Role::Fork(match result? {
            "raw" => ForkResultShape::Raw,
            "child" => ForkResultShape::ChildOnly,
            "parent" => ForkResultShape::ParentOnly,
            _ => ForkResultShape::Enum,
        }),
        "vfork" => Role::Vfork,
        "exec" => Role::Exec,
        "exit_now" => Role::ExitNow,
        "exit_cleanup" => Role::ExitCleanup,
        "spawn_thread" => Role::SpawnThread,
        "scope_threads" => Role::ScopeThreads,
        "runtime" => Role::Runtime,
        "join" => Role::Join,
        "spawn_process" => Role::SpawnProcess,
        "pre_exec" => Role::PreExec,
        "at_exit" => Role::AtExit,
        _ => return None,
    })
}

impl Knowledge {
    /// Parses the tables; an error names the table and entry.
    pub fn from_tables(tables: &[(&str, &str)]) -> Result<Knowledge, String> {
        let mut k = Knowledge::default();
        for (name, text) in tables {
            let table: Table = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            k.fd_creation.extend(table.fd_creation);
            k.fd_sources.extend(table.fd_sources);
            k.fd_wrappers.extend(table.fd_wrappers);
            k.fd_closers.extend(table.fd_closers);
            k.fd_cloexec_setters.extend(table.fd_cloexec_setters);
            k.raw_fork_syscalls.extend(table.raw_fork_syscalls);
            k.zero_on_success.extend(table.zero_on_success);
            k.channel_constructors.extend(table.channel_constructors);
            k.value_methods.extend(table.value_methods);
            k.error_closure_methods.extend(table.error_closure_methods);
            k.holder_methods.extend(table.holder_methods);
            k.storing_methods.extend(table.storing_methods);
            k.panic_macros.extend(table.panic_macros);
            k.fork_predicates.extend(table.fork_predicates);
            k.closure_keepers.extend(table.closure_keepers);
            k.fd_same_methods.extend(table.fd_same_methods);
            k.mutating_methods.extend(table.mutating_methods);
            k.builder_methods.extend(table.builder_methods);
            k.command_methods.extend(table.command_methods);
            k.cfg_predicates.extend(table.cfg_predicates);
            k.constructor_names.extend(table.constructor_names);
            k.result_tests.extend(table.result_tests);
            k.pid_types.extend(table.pid_types);
            k.pid_newtypes.extend(table.pid_newtypes);
            k.closure_access_methods.extend(table.closure_access_methods);
            k.array_pointer_methods.extend(table.array_pointer_methods);
            k.flag_adding_methods.extend(table.flag_adding_methods);
            k.process_enders.extend(table.process_enders);
            k.scan_words.extend(table.scan_words);
            k.scan_qualifiers.extend(table.scan_qualifiers);
            k.own_binary.extend(table.own_binary);
            k.logger_installers.extend(table.logger_installers);
            k.role_sources.extend(table.role_sources);
            k.raw_fd_sources.extend(table.raw_fd_sources);
            k.guard_methods.extend(table.guard_methods);
            k.writer_methods.extend(table.writer_methods);
            k.output_macros.extend(table.output_macros);
            k.reexports.extend(table.reexports);
            for (krate, e) in table.closed_world {
                let class = Class::parse(&e.class)
                    .ok_or_else(|| format!("{name}: [closed_world] {krate}: unknown class `{}`", e.class))?;
                k.closed_world.insert(
                    krate,
                    Fact {
                        class: Some(class),
                        why: e.why,
                        ..Fact::default()
                    },
                );
            }
            for (section, entries, target) in [
                ("fd_methods", table.fd_methods, &mut k.fd_methods),
                ("fd_calls", table.fd_calls, &mut k.fd_calls),
            ] {
                for (key, e) in entries {
                    let op = |s: &str| {
                        parse_fd_op(s).ok_or_else(|| format!("{name}: [{section}] {key}: unknown op `{s}`"))
                    };
                    let once = op(&e.op)?;
                    let in_loop = e.in_loop.as_deref().map(op).transpose()?.unwrap_or(once);
                    target.insert(key, FdOperation { once, in_loop });
                }
            }
            for (section, entries, target) in [
                ("functions", table.functions, &mut k.functions),
                ("methods", table.methods, &mut k.methods),
                ("macros", table.macros, &mut k.macros),
            ] {
                for (key, e) in entries {
                    let fact = target.entry(key.clone()).or_default();
                    if let Some(c) = &e.class {
                        fact.class = Some(
                            Class::parse(c)
                                .ok_or_else(|| format!("{name}: [{section}] {key}: unknown class `{c}`"))?,
                        );
                    }
                    if let Some(r) = &e.role {
                        fact.role = Some(parse_role(r, e.result.as_deref()).ok_or_else(|| {
                            format!("{name}: [{section}] {key}: unknown role `{r}` or missing result")
                        })?);
                    }
                    if e.closure_param.is_some() {
                        fact.closure_param = e.closure_param;
                    }
                    if !e.receiver.is_empty() {
                        fact.receiver = e.receiver;
                    }
                    // The reason shown with a class is its entry's (an
                    // entry of another table may give the role's).
                    if fact.why.is_empty() || e.class.is_some() {
                        fact.why = e.why;
                    }
                }
            }
        }
        k.index_call_names();
        Ok(k)
    }

    /// The compiled-in knowledge.
    pub fn builtin() -> &'static Knowledge {
        static K: OnceLock<Knowledge> = OnceLock::new();
        K.get_or_init(|| {
            let mut k = Knowledge::from_tables(TABLES).expect("built-in knowledge tables parse");
            k.fingerprint = fingerprint(TABLES.iter().map(|(_, text)| *text));
            k
        })
    }

    /// Does this text (a `Command`'s program, a string literal's bytes) name
    /// the program's own binary? Bytes, so the scan's tokens need no
    /// decoding; a text shorter than an entry has no window to compare.
    pub fn names_own_binary(&self, text: &[u8]) -> bool {
        self.own_binary
            .keys()
            .map(String::as_bytes)
            .any(|name| !name.is_empty() && text.windows(name.len()).any(|w| w[0] == name[0] && w == name))
    }

    /// Is this associated function a constructor of its type (`new`,
    /// `with_capacity`, `from_raw_fd`)?
    pub fn constructs(&self, name: &str) -> bool {
        names_match(&self.constructor_names, name)
    }

    /// Does this method write to the value it is called on?
    pub fn mutates(&self, method: &str) -> bool {
        names_match(&self.mutating_methods, method)
    }

    /// Does this code (a callee's path, an initializer) yield a raw fd?
    pub fn yields_raw_fd(&self, code: &str) -> bool {
        self.raw_fd_sources.keys().any(|k| code.contains(k.as_str()))
    }

    /// A function's entry; a C function of a closed-world crate that the
    /// tables do not list (`libc::getpwnam`) has the crate's fact.
    pub fn function(&self, path: &str) -> Option<&Fact> {
        if let Some(fact) = self.functions.get(path).or_else(|| self.closed_world_fact(path)) {
            return Some(fact);
        }
        // `nix::libc::getpwnam` is `libc::getpwnam`.
        let (alias, rest) = self
            .reexports
            .keys()
            .find_map(|alias| Some((alias, path.strip_prefix(alias.as_str())?.strip_prefix("::")?)))?;
        let real = format!("{}::{rest}", self.reexports[alias].of);
        self.functions
            .get(&real)
            .or_else(|| self.closed_world_fact(&real))
    }

    /// Recomputes `call_names` after the call tables changed.
    pub fn index_call_names(&mut self) {
        let names = self
            .functions
            .keys()
            .chain(self.methods.keys())
            .chain(self.macros.keys())
            .chain(self.fd_creation.keys())
            .chain(self.fd_sources.keys())
            .filter_map(|k| k.rsplit("::").next().map(str::to_string))
            .collect();
        self.call_names = names;
    }

    /// `libc::NAME` for a name C functions have (lowercase, digits,
    /// underscores): never a constant (`libc::O_CLOEXEC`), a constructor, or
    /// an item of a type (`libc::c_int::MAX`, whose crate part is
    /// `libc::c_int`).
    fn closed_world_fact(&self, path: &str) -> Option<&Fact> {
        let (krate, name) = path.rsplit_once("::")?;
        let fact = self.closed_world.get(krate)?;
        let c_name = name.starts_with(|ch: char| ch.is_ascii_lowercase() || ch == '_')
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        c_name.then_some(fact)
    }
}

/// Is `name` in this table, by itself or by a key ending in `*` that is a
/// prefix of it?
fn names_match(table: &FxHashMap<String, Why>, name: &str) -> bool {
    table.contains_key(name)
        || table
            .keys()
            .filter_map(|k| k.strip_suffix('*'))
            .any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests;
