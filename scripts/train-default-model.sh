#!/usr/bin/env bash
# Train the bundled default model end to end: corpus -> BPE tokenizer -> PyTorch training -> GGUF export -> llama.cpp check.
# Usage: scripts/train-default-model.sh   (env: EDGELLM_TRAIN_DIR scratch dir, SEED, PYTHON, STEPS, BATCH, THREADS)
# Needs Debian's python3-torch + python3-matplotlib (apt-get install -y python3-torch python3-matplotlib).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${EDGELLM_TRAIN_DIR:-/tmp/edgellm-train}
SEED=${SEED:-1}
PY=${PYTHON:-/usr/bin/python3}
STEPS=${STEPS:-900}
BATCH=${BATCH:-24}
# One thread: on this shared 2-core machine two OpenMP threads ran 4.6x slower (barrier spinning under load).
THREADS=${THREADS:-1}
mkdir -p "$WORK" models training
t0=$(date +%s)
stage() { echo "[train-default-model] $(($(date +%s) - t0))s: $*" >&2; }

stage "corpus (seed $SEED)"
npx tsx training/pipeline/corpus.ts --seed "$SEED" --train 40000 --test 2000 --out "$WORK/corpus"
stage "tokenizer + tokenized data"
# --minPairCount 2: the bundled model's 4,096-token vocabulary (merges until no pair occurs twice).
npx tsx training/pipeline/prepare-data.ts --corpus "$WORK/corpus" --out "$WORK/data" --seed "$SEED" --minPairCount 2
cp "$WORK/corpus/stats.json" training/corpus-stats.json
cp "$WORK/data/prep-stats.json" training/tokenizer-stats.json
cp "$WORK/data/heldout.txt" models/edgellm-assistant-heldout.txt
stage "training ($STEPS steps, batch $BATCH)"
t1=$(date +%s)
nice -n 10 "$PY" training/train.py --data "$WORK/data" --out "$WORK/weights" --log-dir training \
  --steps "$STEPS" --batch "$BATCH" --seed "$SEED" --threads "$THREADS" --eval-every 100 --eval-convs 300
t2=$(date +%s)
stage "export GGUF (F16, Q8_0)"
npx tsx training/pipeline/export-gguf.ts --weights "$WORK/weights" --tokenizer "$WORK/data/tokenizer.json" --out models
stage "llama.cpp check"
npx tsx training/pipeline/verify-llama-cpp.ts --model models/edgellm-assistant-q8_0.gguf --test "$WORK/corpus/test.jsonl" \
  --ppl 300 --gen 400 --out training/eval-llama-cpp-q8_0.json > /dev/null
npx tsx training/pipeline/verify-llama-cpp.ts --model models/edgellm-assistant-f16.gguf --test "$WORK/corpus/test.jsonl" \
  --ppl 300 --gen 400 --out training/eval-llama-cpp-f16.json > /dev/null
t3=$(date +%s)
printf '{"total_seconds": %d, "train_py_seconds": %d, "seed": %s, "steps": %s, "batch": %s}\n' \
  $((t3 - t0)) $((t2 - t1)) "$SEED" "$STEPS" "$BATCH" > training/run-times.json
stage "done: $(cat training/run-times.json)"
