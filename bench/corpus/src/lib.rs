//! Empty: this package exists only for the lockfile of the benchmark corpus.
