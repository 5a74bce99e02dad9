#!/usr/bin/env python3
"""GPU anchor for LlmLab's ILGPU matmul: PyTorch (cuBLAS) float32 matmul, TF32 off, at the sizes MatMulBenchmarks and
docs/performance.md use. Run on the GPU machine beside the benchmarks (its python3 holds PyTorch):
    python3 benchmarks/anchors/matmul_torch.py
Compare with `LLMLAB_BENCH_BACKENDS=cuda dotnet LlmLab.Benchmarks.dll --inProcess --filter *MatMulBenchmarks*` on the
same card (MatMulBenchmarks reports GFLOP/s; divide by 1000 for TFLOP/s).
"""
import time

import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

SHAPES = [  # name, M, N, K, B transposed (a linear layer's weight)
    ("matmul 4096^3", 4096, 4096, 4096, False),
    ("matmul 2048^3", 2048, 2048, 2048, False),
    ("matmul 1024^3", 1024, 1024, 1024, False),
    ("linear [2048,768] x [3072,768]^T", 2048, 3072, 768, True),
    ("decode [1,768] x [3072,768]^T", 1, 3072, 768, True),
]


def main() -> None:
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}, fp32, TF32 off")
    for name, m, n, k, transposed in SHAPES:
        a = torch.randn(m, k, device="cuda")
        b = torch.randn(n, k, device="cuda") if transposed else torch.randn(k, n, device="cuda")
        run = (lambda: a @ b.T) if transposed else (lambda: a @ b)
        for _ in range(3):
            run()
        repeats = max(10, int(2e11 / (2 * m * n * k)))
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        torch.cuda.synchronize()
        seconds = (time.perf_counter() - start) / repeats
        print(f"{name:<34} {seconds * 1e3:9.3f} ms {2 * m * n * k / seconds / 1e12:7.2f} TFLOP/s")


if __name__ == "__main__":
    main()
