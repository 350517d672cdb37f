"""Stage 2, the phase rules: model, packaged defaults, checks, globs, compiling, loading and
the one resolver of which rules a repository uses."""
