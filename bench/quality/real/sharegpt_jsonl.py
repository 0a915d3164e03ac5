"""Write the recoverable records of the shipped ShareGPT V3 file as JSONL (for throughput runs).

python bench/quality/real/sharegpt_jsonl.py /tmp/sharegpt.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from draw import sharegpt_records  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1])
    with out.open("w", encoding="utf-8") as fh:
        for record in sharegpt_records():
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{out}: {out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
