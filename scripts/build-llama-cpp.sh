#!/usr/bin/env bash
# Builds native llama.cpp tools (llama-bench, llama-quantize, llama-perplexity, llama-server, llama-simple) from the
# exact release that node-llama-cpp ships (its llama/gitRelease.bundle), into a cache folder outside the repository.
# These are the speed and tool peers of edgellm's benchmarks; nothing here is downloaded.
#
#   scripts/build-llama-cpp.sh            # build (or reuse) and print the bin folder
#   EDGELLM_LLAMA_CPP_CACHE=DIR scripts/build-llama-cpp.sh
#
# Prints the folder holding the binaries on stdout (last line); build logs go to stderr.
#
# On CPUs with AMX (Intel Sapphire Rapids and later) -march=native also compiles ggml's AMX matrix kernels, and this
# release's llama-bench and llama-server then crash at the first decode (segfault in ggml_backend_amx_mul_mat;
# llama.cpp issue #20824). So on such CPUs the build adds -mno-amx-* (the rest of -march=native stays: AVX-512,
# VNNI, BF16); EDGELLM_LLAMA_CPP_AMX=1 keeps AMX.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$repo/node_modules/node-llama-cpp/llama/gitRelease.bundle"
cache="${EDGELLM_LLAMA_CPP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgellm/llama.cpp}"
targets=(llama-bench llama-quantize llama-perplexity llama-server llama-simple)

if [ ! -f "$bundle" ]; then
  echo "build-llama-cpp: $bundle not found (run npm ci first)" >&2
  exit 1
fi
mkdir -p "$cache"
src="$cache/src"
extra_flags=""
if grep -qw amx_int8 /proc/cpuinfo 2>/dev/null && [ "${EDGELLM_LLAMA_CPP_AMX:-0}" != 1 ]; then
  extra_flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
  echo "build-llama-cpp: this CPU has AMX; building without AMX kernels (they crash in this release; EDGELLM_LLAMA_CPP_AMX=1 keeps them)" >&2
fi
build="$cache/build${extra_flags:+-noamx}"
stamp="$cache/bundle.sha256"
sum="$(sha256sum "$bundle" | cut -d' ' -f1)"

if [ ! -d "$src/.git" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  echo "build-llama-cpp: cloning the bundle into $src" >&2
  rm -rf "$src" "$build"
  git clone --quiet "$bundle" "$src" >&2
  echo "$sum" > "$stamp"
fi

have_all=1
for t in "${targets[@]}"; do [ -x "$build/bin/$t" ] || have_all=0; done
if [ "$have_all" = 0 ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  echo "build-llama-cpp: configuring (GGML_NATIVE=ON, CPU only)" >&2
  cmake -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DCMAKE_C_FLAGS="$extra_flags" -DCMAKE_CXX_FLAGS="$extra_flags" \
    -DLLAMA_BUILD_TESTS=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DBUILD_SHARED_LIBS=OFF >&2
  echo "build-llama-cpp: building ${targets[*]} with $(nproc) jobs" >&2
  cmake --build "$build" --target "${targets[@]}" -j "$(nproc)" >&2
fi
echo "$build/bin"
