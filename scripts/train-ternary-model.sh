#!/usr/bin/env bash
# Train the ternary twin of the bundled model: BitNet b1.58 quantization-aware training on the same corpus, tokenizer,
# step count and seed as scripts/train-default-model.sh, exported as TQ2_0 and TQ1_0 and checked in llama.cpp; then
# the bundled F16 model ternarized after the fact (`edgellm quantize ... TQ2_0`) is checked the same way, so the model
# card can show what training in ternary buys.
# Usage: scripts/train-ternary-model.sh   (env: EDGELLM_TRAIN_DIR scratch dir, PYTHON, STEPS, BATCH, THREADS)
# Needs Debian's python3-torch + python3-matplotlib.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${EDGELLM_TRAIN_DIR:-/tmp/edgellm-train}
PY=${PYTHON:-/usr/bin/python3}
STEPS=${STEPS:-900}
BATCH=${BATCH:-24}
THREADS=${THREADS:-1}
OUT="$WORK/bitnet"
mkdir -p "$OUT" training/bitnet
t0=$(date +%s)
stage() { echo "[train-ternary-model] $(($(date +%s) - t0))s: $*" >&2; }

if [ ! -f "$WORK/data-default/tokenizer.json" ]; then
  stage "corpus + the bundled model's tokenizer (seed 1)"
  npx tsx training/pipeline/corpus.ts --seed 1 --train 40000 --test 2000 --out "$WORK/corpus"
  npx tsx training/pipeline/prepare-data.ts --corpus "$WORK/corpus" --out "$WORK/data-default" --seed 1 --minPairCount 2
fi
stage "BitNet b1.58 training ($STEPS steps, batch $BATCH)"
t1=$(date +%s)
nice -n 10 "$PY" training/train.py --arch bitnet --data "$WORK/data-default" --out "$OUT/weights" --log-dir training/bitnet \
  --steps "$STEPS" --batch "$BATCH" --seed 1 --threads "$THREADS" --eval-every 100 --eval-convs 300
t2=$(date +%s)
stage "export GGUF (TQ2_0, TQ1_0; embedding Q6_K)"
npx tsx training/pipeline/export-gguf.ts --weights "$OUT/weights" --tokenizer "$WORK/data-default/tokenizer.json" --out models \
  --basename edgellm-assistant-ternary --types TQ2_0,TQ1_0 --name "EdgeLLM Assistant Ternary"
stage "post-hoc ternarization of the bundled F16 model"
npx edgellm quantize models/edgellm-assistant-f16.gguf "$OUT/edgellm-assistant-posthoc-tq2_0.gguf" TQ2_0
stage "llama.cpp check"
for f in models/edgellm-assistant-ternary-tq2_0.gguf models/edgellm-assistant-ternary-tq1_0.gguf "$OUT/edgellm-assistant-posthoc-tq2_0.gguf"; do
  name=$(basename "$f" .gguf)
  npx tsx training/pipeline/verify-llama-cpp.ts --model "$f" --test "$WORK/corpus/test.jsonl" \
    --ppl 300 --gen 400 --out "training/bitnet/eval-llama-cpp-${name#edgellm-assistant-}.json" > /dev/null
done
t3=$(date +%s)
printf '{"total_seconds": %d, "train_py_seconds": %d, "seed": 1, "steps": %s, "batch": %s}\n' \
  $((t3 - t0)) $((t2 - t1)) "$STEPS" "$BATCH" > training/bitnet/run-times.json
stage "done: $(cat training/bitnet/run-times.json)"
