#!/usr/bin/env bash
# Packs what a .NET program needs on the GPU machine, which has CUDA but no .NET: the .NET runtime
# (compressed, about 26 MB) and a Release publish of one project. Run it from the repository root.
# Usage: benchmarks/gpu-bundle.sh path/to/Project.csproj [folder, default .gpu]
set -euo pipefail
proj=${1:?usage: gpu-bundle.sh PROJECT.csproj [FOLDER]}
out=${2:-.gpu}
mkdir -p "$out"
grep -qsx "/$out/" .git/info/exclude || echo "/$out/" >> .git/info/exclude
root=$(dirname "$(readlink -f "$(command -v dotnet)")")
rt=$(ls "$root/shared/Microsoft.NETCore.App" | sort -V | tail -n 1)
if [ ! -f "$out/dotnet-runtime-$rt.tar.xz" ]; then
  rm -f "$out"/dotnet-runtime-*.tar.xz
  tar -C "$root" -cJf "$out/dotnet-runtime-$rt.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$rt"
fi
rm -rf "$out/app"
dotnet publish "$proj" -c Release -o "$out/app" --nologo -v quiet
name=$(basename "$proj" .csproj)
du -sh "$out"
cat <<EOT
Take "$out" along to the GPU machine (beside the repository) and start there with:
  mkdir -p /tmp/dn && tar -C /tmp/dn -xJf $out/dotnet-runtime-$rt.tar.xz && export DOTNET_ROOT=/tmp/dn DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1;
  /tmp/dn/dotnet $out/app/$name.dll ARGS
BenchmarkDotNet there has no SDK to build with: pass --inProcess (or use an in-process toolchain).
EOT
