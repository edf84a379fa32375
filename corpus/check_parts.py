"""Check corpus JSONL files (format, codes, NFC, lengths, ids, near-duplicates) and print counts.

Usage: python corpus/check_parts.py corpus/clauses.jsonl [more.jsonl ...]   (exit 1 on a problem)
Same as `contract-review corpus check FILES`.
"""
import sys

from contract_review.corpus import check_files

if __name__ == "__main__":
    sys.exit(check_files(sys.argv[1:]))
