#!/usr/bin/env python3
"""PyTorch's side of the docs/performance.md / issue 7 workloads, timed like LlmLab's `anchors` run (warm-up, median of
repeats, synchronised before each clock read), f32 throughout, TF32 off.

    python3 benchmarks/anchors/torch_anchors.py [--small] [--json FILE]

CUDA when available, else the CPU (so the script can be tried anywhere; only GPU figures are anchors). Workload names
and sizes are built exactly as benchmarks/LlmLab.Benchmarks/Anchors/AnchorTimings.cs builds them, so compare.py joins
the two JSON files by name: change a name or a size in both places. Each row's Note says how PyTorch does the work
where that differs from LlmLab (the quantised matmuls dequantise to f32 first, then multiply). Works on PyTorch 1.13
too (no SDPA there: attention is then written out, and the note says so).
"""
import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

DEV = "cuda" if torch.cuda.is_available() else "cpu"
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
if hasattr(torch, "set_float32_matmul_precision"):
    torch.set_float32_matmul_precision("highest")

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")
TRAINING_VOCABULARY = 65


def sizes(small):
    """The same sizes as AnchorTimings.cs (small: its --small sizes)."""
    return dict(
        matmul=128 if small else 4096,
        gradient=(2048, 48, 32) if small else (16384, 1536, 384),  # tokens, out, in: dW = dY^T X
        attention=(2, 64, 64) if small else (32, 1024, 64),  # heads, T, d (batch 1)
        sampling=(4, 5000) if small else (64, 50257),
        quant=256 if small else 4096,
        copy_bytes=(64 << 20) if small else (2 << 30),
        linear=(8, 128, 128) if small else (512, 4096, 4096),  # prefill rows, K, N
        lora=(128, 128, 128, 16) if small else (4096, 4096, 4096, 16),  # rows, in, out, rank
        rows=[(16, 256), (2, 5000)] if small else [(4096, 4096), (64, 50257)],
        training=(1, 2, 32, 16, 2) if small else (6, 6, 384, 256, 64),  # layers, heads, width, context, batch
        repeats=1 if small else 20,
        warmups=1 if small else 2,
        training_repeats=1 if small else 10,
        training_warmups=0 if small else 3,
    )


def sync():
    if DEV == "cuda":
        torch.cuda.synchronize()


def median_ms(fn, repeats, warmups):
    for _ in range(warmups):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]  # the upper median, as AnchorRun.Median takes it


def tflops(flops, ms):
    return f"{flops / ms / 1e9:.3f} TFLOP/s"


def gb_per_s(nbytes, ms):
    return f"{nbytes / ms / 1e6:.1f} GB/s"


def rand(g, *shape, scale=1.0):
    return (torch.rand(*shape, device=DEV, generator=g) * 2 - 1) * scale


def causal_attention(q, k, v):
    if HAS_SDPA:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t = q.shape[-2]
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1) @ v


ATTENTION_NOTE = "SDPA" if HAS_SDPA else "matmul + masked softmax + matmul (no SDPA in this PyTorch)"


def hf_sample(logits, temperature=0.8, top_k=50, top_p=0.9):
    """Hugging Face's TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, then torch.multinomial."""
    scores = logits / temperature
    kth = torch.topk(scores, top_k)[0][..., -1, None]
    scores = scores.masked_fill(scores < kth, -float("inf"))
    sorted_logits, sorted_idx = torch.sort(scores, descending=False)
    cum = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cum <= (1 - top_p)
    remove[..., -1:] = 0
    scores = scores.masked_fill(remove.scatter(1, sorted_idx, remove), -float("inf"))
    return torch.multinomial(scores.softmax(dim=-1), 1)


# ---- quantised weights, stored as LlmLab stores them; PyTorch dequantises to f32, then multiplies ---------------

def quantize(w, fmt):
    """int8: values [N, K] and per-row scales 127/max|w|. q8_0/q4_0: ggml blocks of 32 along K with an f16 scale."""
    if fmt == "int8":
        scale = 127.0 / w.abs().amax(dim=1, keepdim=True).clamp_min(1e-30)
        return torch.round(w * scale).to(torch.int8), scale
    n, k = w.shape
    blocks = w.reshape(n, k // 32, 32)
    if fmt == "q8_0":
        d = blocks.abs().amax(dim=-1, keepdim=True) / 127
        q = torch.round(blocks / d.clamp_min(1e-30)).to(torch.int8)
        return q, d.half()
    # q4_0: d = (the value of largest magnitude) / -8, q = min(15, trunc(x / d + 8.5)); byte j = q[j] | q[j + 16] << 4.
    idx = blocks.abs().argmax(dim=-1, keepdim=True)
    d = blocks.gather(-1, idx) / -8
    inv = torch.where(d == 0, torch.zeros_like(d), 1 / d)
    q = (blocks * inv + 8.5).clamp(0, 15).to(torch.uint8)
    packed = q[..., :16] | (q[..., 16:] << 4)
    return packed, d.half()


def dequantize(stored, fmt, n, k):
    values, scale = stored
    if fmt == "int8":
        return values.float() / scale
    if fmt == "q8_0":
        return (values.float() * scale.float()).reshape(n, k)
    low = (values & 0x0F).to(torch.int8) - 8
    high = (values >> 4).to(torch.int8) - 8
    return (torch.cat([low, high], dim=-1).float() * scale.float()).reshape(n, k)


# ---- the training-step model: nanoGPT's GPT, written out ----------------------------------------------------------

class Block(nn.Module):
    def __init__(self, width, heads, layers):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.c_attn = nn.Linear(width, 3 * width)
        self.attn_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.mlp_proj = nn.Linear(4 * width, width)
        for proj in (self.attn_proj, self.mlp_proj):  # GPT-2's scaled residual projections
            nn.init.normal_(proj.weight, std=0.02 / math.sqrt(2 * layers))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        y = causal_attention(q, k, v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.attn_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    """Pre-LN, learned positions, tanh GELU, biases, final LayerNorm, head tied to the token embedding, no dropout."""

    def __init__(self, vocab, context, layers, heads, width):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.h = nn.ModuleList([Block(width, heads, layers) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)
            if isinstance(m, nn.Embedding):
                nn.init.normal_(m.weight, std=0.02)
        for block in self.h:
            for linear in (block.c_attn, block.c_fc):
                nn.init.normal_(linear.weight, std=0.02)

    def forward(self, idx, targets):
        pos = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def adamw(model):
    """nanoGPT's configure_optimizers: weight decay 0.1 on matrices only; fused AdamW where this PyTorch has it."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    try:
        return torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99), eps=1e-8, fused=DEV == "cuda"), "fused AdamW"
    except (TypeError, RuntimeError):
        return torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99), eps=1e-8), "AdamW (no fused AdamW in this PyTorch)"


def training_step(s):
    layers, heads, width, context, batch = s["training"]
    torch.manual_seed(1)
    model = Gpt(TRAINING_VOCABULARY, context, layers, heads, width).to(DEV)
    optimizer, how = adamw(model)
    data = torch.randint(TRAINING_VOCABULARY, (200_000,), dtype=torch.long)  # the text's content does not matter here

    def step():
        # nanoGPT's get_batch: random windows gathered on the host, uploaded; then forward, backward, clip, AdamW.
        ix = torch.randint(len(data) - context - 1, (batch,))
        x = torch.stack([data[i:i + context] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + context] for i in ix])
        if DEV == "cuda":
            x, y = x.pin_memory().to(DEV, non_blocking=True), y.pin_memory().to(DEV, non_blocking=True)
        loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()  # LlmLab's trainer reads the loss every step too

    ms = median_ms(step, s["training_repeats"], s["training_warmups"])
    name = f"training step {layers}L-{heads}H-{width}W-T{context}-B{batch} vocab {TRAINING_VOCABULARY}"
    note = f"eager f32, {ATTENTION_NOTE}, {how}, TF32 off"
    return name, ms, f"{batch * context / ms * 1e3:.0f} tok/s", 0, note


# ---- the workloads ------------------------------------------------------------------------------------------------

def workloads(s):
    """Yields (name, function returning (ms, throughput, bytes, note)) in AnchorTimings.cs's order."""
    g = torch.Generator(device=DEV).manual_seed(0)
    reps, warm = s["repeats"], s["warmups"]

    def timed(fn, repeats=None):
        return median_ms(fn, repeats or reps, warm)

    n = s["matmul"]

    def matmul():
        a, b = rand(g, n, n), rand(g, n, n)
        ms = timed(lambda: a @ b)
        return ms, tflops(2 * n ** 3, ms), 0, "cuBLAS" if DEV == "cuda" else "CPU BLAS"
    yield f"matmul f32 {n}^3", matmul

    tokens, gout, gin = s["gradient"]

    def weight_gradient():
        dy, x = rand(g, tokens, gout), rand(g, tokens, gin)
        ms = timed(lambda: dy.T @ x)
        return ms, tflops(2 * tokens * gout * gin, ms), 0, "cuBLAS" if DEV == "cuda" else "CPU BLAS"
    yield f"weight-gradient matmul f32 [{tokens},{gout}]^T x [{tokens},{gin}]", weight_gradient

    h, t, d = s["attention"]
    flops = 4 * h * t * t * d / 2

    def attention_fwd():
        q, k, v = (rand(g, 1, h, t, d) for _ in range(3))
        ms = timed(lambda: causal_attention(q, k, v))
        return ms, tflops(flops, ms), 0, ATTENTION_NOTE
    yield f"causal attention fwd {h} heads x T {t} x d {d}", attention_fwd

    def attention_bwd():
        q, k, v = (rand(g, 1, h, t, d).requires_grad_() for _ in range(3))
        out, grad = causal_attention(q, k, v), rand(g, 1, h, t, d)
        ms = timed(lambda: torch.autograd.grad(out, (q, k, v), grad, retain_graph=True))
        return ms, tflops(2.5 * flops, ms), 0, f"autograd through {ATTENTION_NOTE}, backward only"
    yield f"causal attention bwd {h} heads x T {t} x d {d}", attention_bwd

    rows, vocab = s["sampling"]

    def sampling():
        logits = rand(g, rows, vocab)
        ms = timed(lambda: hf_sample(logits))
        return ms, f"{rows / ms * 1e3:.0f} rows/s", 0, "Hugging Face's warpers + torch.multinomial"
    yield f"top-k 50 + top-p 0.9 + T 0.8 + draw, {rows} x {vocab}", sampling

    m = s["quant"]

    def quant():
        w = rand(g, m, m)
        ms = timed(lambda: quantize(w, "int8"))
        nbytes = m * m * 5
        return ms, gb_per_s(nbytes, ms), nbytes, "amax, scale, round, cast (unfused ops)"
    yield f"int8 absmax per-row quantisation {m} x {m}", quant

    copy_bytes = s["copy_bytes"]

    def copy():
        src = torch.empty(copy_bytes // 4, device=DEV)
        dst = torch.empty_like(src)
        ms = timed(lambda: dst.copy_(src), repeats=1 if reps < 20 else 10)
        return ms, gb_per_s(2 * copy_bytes, ms), 2 * copy_bytes, "Tensor.copy_"
    yield f"device-to-device copy {copy_bytes >> 20} MiB", copy

    prefill, k, nout = s["linear"]
    for fmt in ("int8", "q8_0", "q4_0"):
        for r in (1, prefill):
            def linear(fmt=fmt, r=r):
                stored = quantize(rand(g, nout, k, scale=0.05), fmt)
                x = rand(g, r, k)
                ms = timed(lambda: x @ dequantize(stored, fmt, nout, k).T)
                return ms, tflops(2 * r * nout * k, ms), 0, "dequantise to f32, then matmul"
            kind = "decode" if r == 1 else "prefill"
            yield f"{fmt} dequant+matmul {kind} [{r},{k}] x [{nout},{k}]^T", linear

    lr, lin, lout, rank = s["lora"]

    def lora():
        x, w = rand(g, lr, lin), rand(g, lout, lin, scale=0.05)
        a, b = rand(g, rank, lin, scale=0.05), rand(g, lout, rank, scale=0.05)
        scale = 2.0
        ms = timed(lambda: x @ w.T + scale * (x @ a.T) @ b.T)
        return ms, tflops(2 * lr * (lin * lout + lin * rank + rank * lout), ms), 0, "x@W.T + s*(x@A.T)@B.T"
    yield f"lora linear x [{lr},{lin}] W [{lout},{lin}] r {rank}", lora

    for i, (r, c) in enumerate(s["rows"]):
        nbytes = 8 * r * c
        x = rand(g, r, c)
        weight, bias = rand(g, c), rand(g, c)
        if i == 0:
            def layernorm(x=x, weight=weight, bias=bias, c=c, nbytes=nbytes):
                ms = timed(lambda: F.layer_norm(x, (c,), weight, bias, 1e-5))
                return ms, gb_per_s(nbytes, ms), nbytes, "F.layer_norm"
            yield f"layernorm rows {r} x {c}", layernorm

            def rmsnorm(x=x, weight=weight, c=c, nbytes=nbytes):
                if hasattr(F, "rms_norm"):
                    fn, note = (lambda: F.rms_norm(x, (c,), weight, 1e-6)), "F.rms_norm"
                else:
                    fn, note = (lambda: x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight), "written out (no F.rms_norm)"
                ms = timed(fn)
                return ms, gb_per_s(nbytes, ms), nbytes, note
            yield f"rmsnorm rows {r} x {c}", rmsnorm

        def softmax(x=x, nbytes=nbytes):
            ms = timed(lambda: torch.softmax(x, dim=-1))
            return ms, gb_per_s(nbytes, ms), nbytes, "torch.softmax"
        yield f"softmax rows {r} x {c}", softmax

    def training():
        _, ms, throughput, nbytes, note = training_step(s)
        return ms, throughput, nbytes, note
    layers, heads, width, context, batch = s["training"]
    yield f"training step {layers}L-{heads}H-{width}W-T{context}-B{batch} vocab {TRAINING_VOCABULARY}", training


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the tiny sizes of `anchors --small`")
    parser.add_argument("--json", help="write the timings here (compare.py reads them)")
    args = parser.parse_args()
    s = sizes(args.small)
    device = torch.cuda.get_device_name() if DEV == "cuda" else "cpu"
    print(f"PyTorch {torch.__version__} on {device}{', small sizes' if args.small else ''}", flush=True)
    rows = []
    for name, fn in workloads(s):
        try:
            ms, throughput, nbytes, note = fn()
            rows.append({"Name": name, "MedianMs": ms, "Throughput": throughput, "Bytes": nbytes, "Note": note})
        except Exception as e:  # one failing workload must not lose the others
            rows.append({"Name": name, "MedianMs": float("nan"), "Throughput": "-", "Bytes": 0, "Error": f"{type(e).__name__}: {e}"})
        r = rows[-1]
        shown = r.get("Error") and "FAILED: " + r["Error"] or f"{r['Throughput']:>18}  {r['Note']}"
        print(f"{name:60} {r['MedianMs']:10.3f} {shown}", flush=True)
        if DEV == "cuda":
            torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "device": device, "small": args.small, "timings": rows}, f, indent=2)
    return 1 if any("Error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
