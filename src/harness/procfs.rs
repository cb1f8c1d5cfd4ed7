//! The little of /proc the supervisor needs: every process's parent, group,
//! state and start time, and whether its environment carries a run token.

use std::collections::HashMap;

/// One process as /proc/PID/stat shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    pub pgid: i32,
    pub zombie: bool,
    /// Clock ticks after boot: with the pid, names one process even after
    /// the pid is reused.
    pub start: u64,
}

/// A snapshot of every process on the machine.
#[derive(Debug, Clone, Default)]
pub struct ProcTable {
    pub procs: Vec<ProcInfo>,
}

impl ProcTable {
    pub fn scan() -> ProcTable {
        let mut procs = Vec::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                    continue;
                };
                // A process can exit between readdir and the read: skip it.
                if let Some(info) = read_stat(pid) {
                    procs.push(info);
                }
            }
        }
        ProcTable { procs }
    }

    pub fn get(&self, pid: i32) -> Option<&ProcInfo> {
        self.procs.iter().find(|p| p.pid == pid)
    }

    /// Every process whose chain of parents leads to `ancestor`.
    pub fn descendants_of(&self, ancestor: i32) -> Vec<ProcInfo> {
        let parent: HashMap<i32, i32> = self.procs.iter().map(|p| (p.pid, p.ppid)).collect();
        self.procs
            .iter()
            .filter(|p| {
                let mut cur = p.ppid;
                // The chain is finite, but a snapshot taken while processes
                // come and go may hold a cycle through reused pids: bound it.
                for _ in 0..parent.len() + 1 {
                    if cur == ancestor {
                        return true;
                    }
                    match parent.get(&cur) {
                        Some(&pp) if cur > 1 => cur = pp,
                        _ => return false,
                    }
                }
                false
            })
            .copied()
            .collect()
    }
}

pub fn read_stat(pid: i32) -> Option<ProcInfo> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Parses /proc/PID/stat. The command name (field 2) is in parentheses and
/// may itself hold spaces and parentheses, so fields are counted from the
/// last `)`.
pub fn parse_stat(text: &str) -> Option<ProcInfo> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let pid = text[..open].trim().parse().ok()?;
    // Fields 3 (state), 4 (ppid), 5 (pgrp) and 22 (starttime).
    let mut fields = text.get(close + 1..)?.split_ascii_whitespace();
    let state = fields.next()?;
    let ppid = fields.next()?.parse().ok()?;
    let pgid = fields.next()?.parse().ok()?;
    let start = fields.nth(22 - 6)?.parse().ok()?;
    Some(ProcInfo {
        pid,
        ppid,
        pgid,
        zombie: state == "Z" || state == "X",
        start,
    })
}

/// The value of `var` in the environment the process was started with, if
/// it can be read (not for zombies, nor for other users' processes).
pub fn environ_value(pid: i32, var: &str) -> Result<Option<String>, std::io::Error> {
    let bytes = std::fs::read(format!("/proc/{pid}/environ"))?;
    Ok(find_env(&bytes, var))
}

pub fn find_env(environ: &[u8], var: &str) -> Option<String> {
    environ.split(|&b| b == 0).find_map(|entry| {
        let rest = entry.strip_prefix(var.as_bytes())?.strip_prefix(b"=")?;
        Some(String::from_utf8_lossy(rest).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_awkward_command_name() {
        let line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10\n";
        let p = parse_stat(line).unwrap();
        assert_eq!(
            (p.pid, p.ppid, p.pgid, p.zombie, p.start),
            (4242, 17, 4242, false, 98765)
        );
        let z = parse_stat("7 (x) Z 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 0 0").unwrap();
        assert!(z.zombie);
        assert_eq!(z.start, 55);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn this_process_is_in_the_table_with_its_parent() {
        let me = std::process::id() as i32;
        let table = ProcTable::scan();
        let info = table.get(me).expect("own /proc entry");
        assert_eq!(info.ppid, nix::unistd::getppid().as_raw());
        assert!(!table.descendants_of(info.ppid).is_empty());
    }

    #[test]
    fn environment_lookup() {
        let env = b"A=1\0FORKLINT_X=abc\0FORKLINT_XY=no\0";
        assert_eq!(find_env(env, "FORKLINT_X").as_deref(), Some("abc"));
        assert_eq!(find_env(env, "FORKLINT"), None);
        assert_eq!(find_env(env, "B"), None);
    }
}
