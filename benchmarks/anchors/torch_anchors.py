#!/usr/bin/env python3
"""PyTorch's side of the ANCHORS.md GPU workloads, timed like LlmLab's `anchors` run (warm-up, median of repeats,
synchronised before each clock read). f32 throughout, TF32 off. Usage: torch_anchors.py [--json FILE]."""
import json, statistics, sys, time
import torch

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"


def median_ms(fn, repeats=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def hf_sample(logits, temperature=0.8, top_k=50, top_p=0.9):
    # Hugging Face's TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, then multinomial.
    scores = logits / temperature
    kth = torch.topk(scores, top_k)[0][..., -1, None]
    scores = scores.masked_fill(scores < kth, -float("inf"))
    sorted_logits, sorted_idx = torch.sort(scores, descending=False)
    cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cum <= (1 - top_p)
    remove[..., -1:] = 0
    scores = scores.masked_fill(remove.scatter(1, sorted_idx, remove), -float("inf"))
    return torch.multinomial(scores.softmax(dim=-1), 1)


def main():
    g = torch.Generator(device=dev).manual_seed(0)
    rows = []
    n = 4096
    a = torch.rand(n, n, device=dev, generator=g) * 2 - 1
    b = torch.rand(n, n, device=dev, generator=g) * 2 - 1
    ms = median_ms(lambda: a @ b)
    rows.append(("matmul f32 4096^3", ms, f"{2 * n**3 / ms / 1e9:.2f} TFLOP/s"))

    h, t, d = 32, 1024, 64
    q, k, v = (torch.rand(1, h, t, d, device=dev, generator=g) * 2 - 1 for _ in range(3))
    sdpa = torch.nn.functional.scaled_dot_product_attention
    ms = median_ms(lambda: sdpa(q, k, v, is_causal=True))
    rows.append((f"causal attention {h} heads x T {t} x d {d} (SDPA)", ms, f"{4 * h * t * t * d / 2 / ms / 1e9:.2f} TFLOP/s"))

    logits = torch.rand(64, 50257, device=dev, generator=g) * 2 - 1
    ms = median_ms(lambda: hf_sample(logits))
    rows.append(("top-k 50 + top-p 0.9 + T 0.8 + draw, 64 x 50257", ms, f"{64 / ms * 1e3:.0f} rows/s"))

    w = torch.rand(n, n, device=dev, generator=g) * 2 - 1
    def quant():
        scale = 127.0 / w.abs().amax(dim=1, keepdim=True)
        return torch.round(w * scale).to(torch.int8), scale
    ms = median_ms(quant)
    rows.append(("int8 absmax per-row quantisation 4096 x 4096", ms, f"{n * n * 5 / ms / 1e6:.1f} GB/s"))

    nbytes = 2 << 30
    src = torch.empty(nbytes // 4, device=dev)
    dst = torch.empty_like(src)
    ms = median_ms(lambda: dst.copy_(src), repeats=10)
    rows.append(("device-to-device copy 2048 MiB", ms, f"{2 * nbytes / ms / 1e6:.1f} GB/s"))

    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()}")
    for name, ms, thr in rows:
        print(f"{name:52} {ms:10.3f} {thr:>22}")
    if "--json" in sys.argv:
        with open(sys.argv[sys.argv.index("--json") + 1], "w") as f:
            json.dump({"torch": torch.__version__, "device": torch.cuda.get_device_name(),
                       "timings": [{"Name": r[0], "MedianMs": r[1], "Throughput": r[2]} for r in rows]}, f, indent=2)


if __name__ == "__main__":
    main()
