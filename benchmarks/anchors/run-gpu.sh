#!/usr/bin/env bash
# On a GPU machine, from the repository root with the .gpu bundle from benchmarks/gpu-bundle.sh in it (docs/gpu.md;
# the runtime is unpacked into /tmp/dn when it is not there yet): LlmLab's kernel checks and
# the docs/performance.md / issue 7 timings on cuda, then PyTorch's timings of the same work on the same card, then one
# markdown table of both beside the goals (compare.py). Everything lands in the folder given as $1:
#   gpu.txt, llmlab.txt + llmlab.json, torch.txt + torch.json, table.md
#   benchmarks/gpu-bundle.sh benchmarks/LlmLab.Benchmarks/LlmLab.Benchmarks.csproj   # on the SDK machine
#   bash benchmarks/anchors/run-gpu.sh "$OUT"                                              # on the GPU machine
# Further arguments go to both sides (e.g. --small for a quick trial of the script itself). Environment: DOTNET, the
# dotnet to use (default /tmp/dn/dotnet, unpacked there from .gpu/dotnet-runtime-*.tar.xz if missing); APP, the
# published benchmarks (default .gpu/app/LlmLab.Benchmarks.dll); BACKEND (default cuda); PYTHON (default python3).
set -uo pipefail
out=${1:-.}
shift || true
mkdir -p "$out"
here=$(dirname "$0")
dotnet=${DOTNET:-/tmp/dn/dotnet}
if [ ! -x "$dotnet" ] && [ "$dotnet" = /tmp/dn/dotnet ] && ls .gpu/dotnet-runtime-*.tar.xz > /dev/null 2>&1; then
  mkdir -p /tmp/dn && tar -C /tmp/dn -xJf "$(ls .gpu/dotnet-runtime-*.tar.xz | tail -n 1)"
fi
if [ "$dotnet" = /tmp/dn/dotnet ]; then export DOTNET_ROOT=${DOTNET_ROOT:-/tmp/dn}; fi
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=${DOTNET_SYSTEM_GLOBALIZATION_INVARIANT:-1}
python=${PYTHON:-python3}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$out/gpu.txt"
"$dotnet" "${APP:-.gpu/app/LlmLab.Benchmarks.dll}" anchors --backend "${BACKEND:-cuda}" "$@" --json "$out/llmlab.json" 2>&1 | tee "$out/llmlab.txt"
"$python" "$here/torch_anchors.py" "$@" --json "$out/torch.json" 2>&1 | tee "$out/torch.txt"
"$python" "$here/compare.py" "$out/llmlab.json" "$out/torch.json" | tee "$out/table.md"
echo "table: $out/table.md"
