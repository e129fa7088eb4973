#!/usr/bin/env bash
# edgellm serve against native llama-server on the same GGUF file, with the same threads and parallel slots, at
# concurrency 1, 2 and 4: starts both servers (children on free ports), benches them interleaved run by run through
# /v1/completions, stops them, and prints the `edgellm bench --backend openai` table.
#
#   scripts/bench-serve.sh MODEL.gguf [more edgellm bench options, e.g. --json or --csv FILE]
#   THREADS=2 PARALLEL=4 CONCURRENCY=1,2,4 RUNS=5 WARMUP=1 PROMPT_TOKENS=128 GEN_TOKENS=128 scripts/bench-serve.sh /tmp/smollm-135m-q8_0.gguf
#
# LLAMA_SERVER: the llama-server binary (default: the one scripts/build-llama-cpp.sh builds, built when missing; on a
# CPU with AMX that build leaves out ggml's AMX kernels, which crash in this release, so llama.cpp keeps its other
# weight repacking). LLAMA_SERVER_ARGS: extra llama-server arguments (default none).
# Build first (npm ci / npm run build) and run it on an idle machine: the numbers are only as quiet as the machine.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: scripts/bench-serve.sh MODEL.gguf [edgellm bench options]${1:+ ($1: no such file)}" >&2
  exit 1
fi
model="$1"
shift
if [ ! -f "$repo/dist/src/cli/main.js" ]; then
  echo "bench-serve: $repo/dist is missing (npm run build first)" >&2
  exit 1
fi

threads="${THREADS:-$(nproc)}"
parallel="${PARALLEL:-4}"
concurrency="${CONCURRENCY:-1,2,4}"

llama_server="${LLAMA_SERVER:-}"
if [ -z "$llama_server" ]; then
  llama_server="$("$repo/scripts/build-llama-cpp.sh" | tail -n 1)/llama-server"
fi
LLAMA_SERVER_ARGS="${LLAMA_SERVER_ARGS:-}"

args=(
  bench --backend openai --serve-model "$model" --llama-server "$llama_server"
  --threads "$threads" --parallel "$parallel" --concurrency "$concurrency"
  --runs "${RUNS:-5}" --warmup "${WARMUP:-1}" --prompt-tokens "${PROMPT_TOKENS:-128}" --gen-tokens "${GEN_TOKENS:-128}"
)
if [ -n "$LLAMA_SERVER_ARGS" ]; then args+=(--llama-server-args "$LLAMA_SERVER_ARGS"); fi

echo "bench-serve: edgellm ${args[*]} $*" >&2
exec node "$repo/bin/edgellm.js" "${args[@]}" "$@"
