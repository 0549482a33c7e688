"""Resolve: across all files of a run: duplicates, identity conflicts, each teacher's track,
the scores; and why a teacher has no result (`missing`)."""
