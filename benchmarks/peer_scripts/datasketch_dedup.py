"""Near-duplicate removal with datasketch, the usual streaming loop: python datasketch_dedup.py IN.jsonl KEPT.txt"""

import json
import re
import sys

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")
lsh = MinHashLSH(threshold=0.8, num_perm=128)

with open(sys.argv[1], encoding="utf-8") as fh, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in fh:
        doc = json.loads(line)
        words = WORD.findall(doc["text"].lower())
        m = MinHash(num_perm=128)
        m.update_batch(" ".join(words[i : i + 5]).encode("utf-8") for i in range(max(1, len(words) - 4)))
        if not lsh.query(m):  # no kept document shares an LSH band with it: keep it
            lsh.insert(doc["id"], m)
            out.write(doc["id"] + "\n")
