#!/usr/bin/env bash
# The larger model behind the README's second quality table: the bundled model's corpus and tokenizer (same seed, so
# the same held-out text), a 31M-parameter Llama (dim 512, 10 layers, 8 heads / 4 KV heads, hidden 1408), 600 steps
# of batch 24 at lr 1e-3, on one thread (about 75 minutes here). The model files (~60 MB F16) stay out of the
# repository, in $EDGELLM_TRAIN_DIR/larger; the logs, the llama.cpp check and the quality table go to training/larger/.
# Usage: scripts/train-larger-model.sh   (env: EDGELLM_TRAIN_DIR, PYTHON, STEPS; needs python3-torch as the default model)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${EDGELLM_TRAIN_DIR:-/tmp/edgellm-train}
PY=${PYTHON:-/usr/bin/python3}
STEPS=${STEPS:-600}
OUT="$WORK/larger"
mkdir -p "$OUT" training/larger
if [ ! -f "$WORK/data/tokenizer.json" ]; then
  npx tsx training/pipeline/corpus.ts --seed 1 --train 40000 --test 2000 --out "$WORK/corpus"
  npx tsx training/pipeline/prepare-data.ts --corpus "$WORK/corpus" --out "$WORK/data" --seed 1
fi
nice -n 10 "$PY" training/train.py --data "$WORK/data" --out "$OUT/weights" --log-dir training/larger \
  --dim 512 --layers 10 --heads 8 --kv-heads 4 --hidden 1408 --steps "$STEPS" --batch 24 --lr 1e-3 --warmup 60 \
  --seed 1 --threads 1 --eval-every 200 --eval-convs 300
npx tsx training/pipeline/export-gguf.ts --weights "$OUT/weights" --tokenizer "$WORK/data/tokenizer.json" --out "$OUT" --basename edgellm-assistant-31m
npx tsx training/pipeline/verify-llama-cpp.ts --model "$OUT/edgellm-assistant-31m-q8_0.gguf" --test "$WORK/corpus/test.jsonl" \
  --ppl 300 --gen 40 --out training/larger/eval-llama-cpp-q8_0.json > /dev/null
node bin/edgellm.js quality -m "$OUT/edgellm-assistant-31m-f16.gguf" -f models/edgellm-assistant-heldout.txt --ctx 256 --chunks 16 \
  --types Q8_0,Q6_K,Q5_K_M,Q5_0,Q4_K_M,Q4_0,Q3_K_M,Q2_K,TQ2_0 --threads 2 | tee training/larger/quality.md
