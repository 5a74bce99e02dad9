#!/usr/bin/python3
"""Anchor for LlmLab's cpu matmul: numpy (OpenBLAS) float32 matmul GFLOP/s at 1024^3 and 2048^3 on 1 and 2 threads.

Install on Debian (the machine's system python, not a venv):
    apt-get install -y python3-numpy libopenblas0-pthread
then run with /usr/bin/python3 benchmarks/anchors/matmul_numpy.py [--quick].
libopenblas0-pthread makes OpenBLAS the provider of libblas.so.3 (update-alternatives), which Debian's numpy links;
without it numpy falls back to the slow reference BLAS. Each thread count runs in a fresh process because OpenBLAS
reads OPENBLAS_NUM_THREADS once, at load. Compare with LlmLab's MatMulBenchmarks on the same, quiet machine.
"""
import os
import subprocess
import sys

SIZES = (1024, 2048)


def measure(n: int, repeats: int) -> float:
    import time
    import numpy as np

    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b  # warm-up: thread start, page faults
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2.0 * n ** 3 / best / 1e9


def blas_name() -> str:
    import numpy as np

    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name')} {info.get('version', '')}".strip()
    except Exception:  # older numpy: print-only show_config
        libs = open(f"/proc/{os.getpid()}/maps").read()
        return "OpenBLAS" if "openblas" in libs else "reference BLAS (install libopenblas0-pthread)"


def main() -> None:
    quick = "--quick" in sys.argv
    if "--child" in sys.argv:
        n = int(sys.argv[sys.argv.index("--child") + 1])
        gflops = measure(n, 3 if quick else 10)
        print(f"{gflops:.1f} {blas_name()}")
        return
    print(f"{'size':>6} {'threads':>7} {'GFLOP/s':>8}  blas")
    for threads in (1, 2):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
        for n in SIZES:
            out = subprocess.run([sys.executable, __file__, "--child", str(n)] + (["--quick"] if quick else []),
                                 env=env, check=True, capture_output=True, text=True).stdout.split(maxsplit=1)
            print(f"{n:>6} {threads:>7} {float(out[0]):>8.1f}  {out[1].strip()}")


if __name__ == "__main__":
    main()
