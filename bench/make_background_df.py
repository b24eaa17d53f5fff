"""Write transforms/stories/data/background_df.tsv: stem document frequencies of a reference corpus.

    .venv/bin/python bench/make_background_df.py [path/to/factru_dev.jsonl]

The IDF of the lexical story score counts the monitored corpus *plus* this background, so that on
a young database (five seeds, one day) a word shared by two articles is not judged common merely
because the corpus is tiny. Background: the 122 news texts of the factRuEval-2016 devset (MIT licence,
../shared/data/ner/LICENSE.factRuEval-2016); only stem counts are shipped, no text.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from transforms.stories.lexical import BACKGROUND_PATH, document_frequencies, terms  # noqa: E402


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent.parent / "shared/data/ner/factru_dev.jsonl"
    if not source.exists():
        source = Path("/work/shared/data/ner/factru_dev.jsonl")
    texts = [json.loads(line)["text"] for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    df, n = document_frequencies(terms(None, text) for text in texts)
    lines = [f"# stem document frequencies of {n} documents: factRuEval-2016 devset (MIT), bench/make_background_df.py",
             f"__N__\t{n}"] + [f"{term}\t{count}" for term, count in sorted(df.items())]
    BACKGROUND_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{BACKGROUND_PATH}: {len(df)} stems from {n} documents")


if __name__ == "__main__":
    main()
