#!/usr/bin/env bash
# On a GPU machine with the bundle from ../shared/tools/gpu-bundle.sh unpacked (GPU.md): LlmLab's kernel checks and
# ANCHORS.md timings on cuda, then PyTorch's timings of the same work on the same card, results under $1.
#   ../shared/tools/gpu-bundle.sh benchmarks/LlmLab.Benchmarks/LlmLab.Benchmarks.csproj   # on the SDK machine
#   bash benchmarks/anchors/run-gpu.sh "$OUT"                                              # on the GPU machine
set -uo pipefail
out=${1:-.}
dotnet=${DOTNET:-/tmp/dn/dotnet}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/gpu.txt"
"$dotnet" .gpu/app/LlmLab.Benchmarks.dll anchors --backend cuda --json "$out/llmlab.json" 2>&1 | tee "$out/llmlab.txt"
python3 benchmarks/anchors/torch_anchors.py --json "$out/torch.json" 2>&1 | tee "$out/torch.txt"
