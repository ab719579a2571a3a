"""The review report's page limits (:mod:`dedup.report`), apart so that the command line can show them
as defaults without importing the report's machinery."""

#: The largest clusters with duplicates that a page holds.
MAX_CLUSTERS = 1000
#: Clusters drawn at random from the rest (beyond the largest ``MAX_CLUSTERS``).
SAMPLE = 200
#: Members shown per cluster (the least similar first); the page says how many more there are.
MAX_MEMBERS = 10
#: Characters of each text shown (the alignment is computed on the whole text).
MAX_CHARS = 20_000
#: The page stops adding clusters once its data reaches this many megabytes (at least one is shown).
MAX_MB = 24.0
#: The share of ``max_mb`` kept for the random sample when the largest clusters would fill the page.
SAMPLE_SHARE = 0.25
