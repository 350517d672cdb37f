"""Stage 1, the history: opening a repository (path, bare, URL clone), reading its commits
(one streamed ``git log``, or PyDriller), their dates and diffs."""
