// A 2015-style `macro_rules! try` (a keyword since 2018) around a fork:
// its body is walked as a function named after the macro.
macro_rules! try {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err(e),
        }
    };
}

macro_rules! fork_child {
    () => {
        match unsafe { libc::fork() } {
            0 => unsafe { libc::_exit(0) },
            _ => {}
        }
    };
}

fn run() -> Result<(), i32> {
    let v: i32 = try!(Ok::<i32, i32>(1));
    fork_child!();
    let _ = v;
    Ok(())
}

fn main() {
    let _ = run();
}
