"""Keep numpy's BLAS to one thread per process in the entity stage.

natasha's models (slovnet) run small matrix products; OpenBLAS then spins several threads per
process that mostly wait on each other. On the 2-core machine this costs ~4x the CPU time of a
single thread (measured: NER alone 24 → 86 documents per CPU-second), and it fights the second
worker process. Parallelism comes from worker processes instead (``analyze_many``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys

log = logging.getLogger(__name__)

_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads")


def limit_blas_threads(threads: int = 1) -> bool:
    """Set BLAS threads: by environment before numpy loads, else through OpenBLAS's C API."""
    if "numpy" not in sys.modules:
        for name in _ENV:
            os.environ.setdefault(name, str(threads))
        return True
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            libraries = {line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line}
    except OSError:
        return False
    for path in libraries:
        library = ctypes.CDLL(path)
        for setter in _SETTERS:
            function = getattr(library, setter, None)
            if function is not None:
                function(ctypes.c_int(threads))
                return True
    log.debug("no OpenBLAS thread setter found; BLAS threads left as they are")
    return False
