"""Duplicate family: the same posting text under another employer, or the same job repeated
with inconsistent facts elsewhere (`duplicate.*`).

Reads `rules/duplicate/`: its rules (rules.toml) and duplicate.toml. Its modules:

- `checks.py`: the check and its pack schema (`DuplicateParams`), pure over the fact;
- `fact.py`: the `duplicates` fact and its context slot (`ReadsDuplicates`);
- `provider.py`: the fact provider (fingerprint this posting, describe similar ones);
- `fingerprint.py`: MinHash fingerprints of the normalized description and their LSH bands;
- `index.py`: the SQL `fingerprints` table (migrations 0003, 0004) and its entry type;
- `lookup.py`: the band index in memory, kept current from SQL, and the side writer that
  records each new decision's fingerprint in its transaction (through `verifier.store`'s
  side-write interface).
"""
