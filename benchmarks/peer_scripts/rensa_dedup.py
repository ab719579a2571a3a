"""Near-duplicate removal with rensa, as its README shows: python rensa_dedup.py IN.jsonl KEPT.txt"""

import json
import re
import sys

from rensa import RMinHashDeduplicator

WORD = re.compile(r"\w+")
ids = []


def records(path):
    """(id, word 5-gram shingles) per JSONL line, one document at a time."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            words = WORD.findall(doc["text"].lower())
            ids.append(doc["id"])
            yield doc["id"], [" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))]


dedup = RMinHashDeduplicator(threshold=0.8, num_perm=128, use_lsh=True)
keep = dedup.add_pairs(records(sys.argv[1]))  # True = no kept document estimated >= 0.8 similar
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.writelines(f"{doc_id}\n" for doc_id, kept in zip(ids, keep) if kept)
