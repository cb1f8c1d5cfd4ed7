// Nothing builds this package; it exists for its lockfile.
