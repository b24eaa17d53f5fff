"""PROFILING ONLY (``bench/daily_run.py --cheap-embedder``): the story embedder "e5" becomes a
word-hash embedder, so a daily-run profile shows the costs of the other stages instead of the model
(another helper's work). Loaded through PYTHONPATH by the benchmark's runs only; never shipped.
"""

import hashlib
import importlib.abc
import sys


def _install(module) -> None:
    import numpy as np

    class HashEmbedder:
        name = "profiling-word-hash"

        def embed(self, texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), module.DIM), dtype=np.float32)
            for row, text in enumerate(texts):
                for word in module._WORD.findall(text.lower()):
                    digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                    out[row, int.from_bytes(digest, "little") % module.DIM] += 1.0
            return module._normed(out)

    module.EMBEDDERS["e5"] = HashEmbedder


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "transforms.stories.embed":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module):
            original(module)
            _install(module)

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _Hook())
