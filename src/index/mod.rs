//! Per-file name resolution: the `use` table that turns a call's spelling
//! into a canonical path (`fork` -> `nix::unistd::fork`).

pub mod imports;
