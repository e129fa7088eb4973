#!/usr/bin/python3
"""Train the bundled EdgeLLM assistant: a small Llama-architecture model on the tokenized corpus.

Input: the directory written by src/train/prepare-data.ts (tokenizer.json, {train,test}.{tokens.u16,mask.u8,offsets.u32}).
Output: weights.bin (float32, little-endian) + weights.json (config, tensor names, shapes, offsets), a JSON-lines
training log, loss-curve PNG. The exporter (src/train/export-gguf.ts) turns weights.* into GGUF files.

Architecture matches llama.cpp's "llama" graph: RMSNorm, rotary embeddings on adjacent pairs (2i, 2i+1) ("normal"
rope mode, so no q/k permutation is needed at export), grouped-query attention, SwiGLU MLP, tied embeddings.

`--arch bitnet` trains BitNet b1.58 instead, as llama.cpp's "bitnet" graph runs it: NEOX rotary (halves), an RMSNorm
on the attention output before attn_output (attn_sub_norm) and on silu(gate)*up before ffn_down (ffn_sub_norm), and
every block matrix a BitLinear — quantization-aware training with absmean ternary weights ({-g, 0, +g}, g = mean |W|
per matrix) and 8-bit absmax activations per token in the forward pass, straight-through gradients to the latent
full-precision weights. The token embedding (also the output matrix) stays full precision. weights.bin then holds
the ternarized matrices, exactly the values the model was evaluated with, and the config says so.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, max_len, base):
    inv = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    ang = torch.arange(max_len, dtype=torch.float64)[:, None] * inv[None, :]
    return torch.cos(ang).float(), torch.sin(ang).float()


def ternarize(w):
    """BitNet b1.58 absmean weight quantization: round(W / mean|W|) clipped to {-1, 0, 1}, times mean|W|."""
    g = w.abs().mean().clamp(min=1e-5)
    return (w / g).round().clamp(-1, 1) * g


def quantize_activations(x):
    """8-bit absmax quantization per token (last axis), dequantized: what a ternary kernel multiplies by."""
    s = 127.0 / x.abs().amax(dim=-1, keepdim=True).clamp(min=1e-5)
    return (x * s).round().clamp(-128, 127) / s


class BitLinear(nn.Linear):
    """nn.Linear whose forward pass sees ternary weights and int8 activations; gradients pass straight through.
    With frozen=True the weights already are ternary (loaded from weights.bin) and only activations are quantized."""

    frozen = False

    def forward(self, x):
        w = self.weight if self.frozen else self.weight + (ternarize(self.weight) - self.weight).detach()
        x = x + (quantize_activations(x) - x).detach()
        return F.linear(x, w)


def apply_rope_neox(x, cos, sin):
    # NEOX mode (llama.cpp's bitnet): rotate the pair (x[i], x[i + D/2]).
    half = x.shape[-1] // 2
    x0, x1 = x[..., :half], x[..., half:]
    return torch.cat((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)


def apply_rope(x, cos, sin):
    # x: [B, H, T, D]; rotate each adjacent pair (x[2i], x[2i+1]) by angle pos * base^(-2i/D).
    x0 = x[..., 0::2]
    x1 = x[..., 1::2]
    r0 = x0 * cos - x1 * sin
    r1 = x0 * sin + x1 * cos
    return torch.stack((r0, r1), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, h, kv, hd = cfg["dim"], cfg["n_heads"], cfg["n_kv_heads"], cfg["dim"] // cfg["n_heads"]
        self.h, self.kv, self.hd = h, kv, hd
        self.bitnet = cfg.get("arch", "llama") == "bitnet"
        Linear = BitLinear if self.bitnet else nn.Linear
        self.rope = apply_rope_neox if self.bitnet else apply_rope
        self.attn_norm = RMSNorm(d, cfg["norm_eps"])
        self.wq = Linear(d, h * hd, bias=False)
        self.wk = Linear(d, kv * hd, bias=False)
        self.wv = Linear(d, kv * hd, bias=False)
        self.wo = Linear(h * hd, d, bias=False)
        self.ffn_norm = RMSNorm(d, cfg["norm_eps"])
        self.w_gate = Linear(d, cfg["hidden_dim"], bias=False)
        self.w_up = Linear(d, cfg["hidden_dim"], bias=False)
        self.w_down = Linear(cfg["hidden_dim"], d, bias=False)
        if self.bitnet:
            self.attn_sub_norm = RMSNorm(h * hd, cfg["norm_eps"])
            self.ffn_sub_norm = RMSNorm(cfg["hidden_dim"], cfg["norm_eps"])

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        a = self.attn_norm(x)
        q = self.wq(a).view(B, T, self.h, self.hd).transpose(1, 2)
        k = self.wk(a).view(B, T, self.kv, self.hd).transpose(1, 2)
        v = self.wv(a).view(B, T, self.kv, self.hd).transpose(1, 2)
        q = self.rope(q, cos, sin)
        k = self.rope(k, cos, sin)
        rep = self.h // self.kv
        k = k.repeat_interleave(rep, dim=1)
        v = v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd)) + mask
        y = (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(B, T, self.h * self.hd)
        if self.bitnet:
            y = self.attn_sub_norm(y)
        x = x + self.wo(y)
        f = self.ffn_norm(x)
        g = F.silu(self.w_gate(f)) * self.w_up(f)
        if self.bitnet:
            g = self.ffn_sub_norm(g)
        return x + self.w_down(g)


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg["vocab_size"], cfg["dim"])
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg["n_layers"])])
        self.norm = RMSNorm(cfg["dim"], cfg["norm_eps"])
        cos, sin = rope_tables(cfg["dim"] // cfg["n_heads"], cfg["context_length"], cfg["rope_theta"])
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith("wo.weight") or name.endswith("w_down.weight"):
                nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg["n_layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx):
        B, T = idx.shape
        x = self.tok_emb(idx)
        cos, sin = self.cos[:T], self.sin[:T]
        mask = torch.full((T, T), float("-inf")).triu(1)
        for b in self.blocks:
            x = b(x, cos, sin, mask)
        return self.norm(x) @ self.tok_emb.weight.t()  # tied output matrix


def load_split(data, name):
    tokens = np.fromfile(os.path.join(data, f"{name}.tokens.u16"), dtype="<u2").astype(np.int64)
    mask = np.fromfile(os.path.join(data, f"{name}.mask.u8"), dtype=np.uint8)
    offsets = np.fromfile(os.path.join(data, f"{name}.offsets.u32"), dtype="<u4").astype(np.int64)
    return [(tokens[a:b], mask[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]


def make_batch(convs, pad_id):
    T = max(len(t) for t, _ in convs)
    x = np.full((len(convs), T), pad_id, dtype=np.int64)
    keep = np.zeros((len(convs), T), dtype=np.float32)  # loss weight for predicting position i+1 from i
    amask = np.zeros((len(convs), T), dtype=np.float32)
    for i, (t, m) in enumerate(convs):
        x[i, : len(t)] = t
        keep[i, : len(t) - 1] = 1.0
        amask[i, : len(t) - 1] = m[1:]
    return torch.from_numpy(x), torch.from_numpy(keep), torch.from_numpy(amask)


def batches(convs, batch_size, rng):
    """Length-bucketed batches: shuffle, sort within windows of 64 batches, shuffle the batches."""
    order = rng.permutation(len(convs))
    window = batch_size * 64
    out = []
    for w in range(0, len(order), window):
        chunk = sorted(order[w : w + window], key=lambda i: len(convs[i][0]))
        out += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out


def losses(model, x, keep, amask, other_weight=1.0):
    """Per-token NLL, the training loss (assistant targets weight 1, other tokens `other_weight`), assistant-only loss."""
    logits = model(x)
    tgt = torch.roll(x, -1, dims=1)
    nll = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), reduction="none").view_as(keep)
    w = amask + other_weight * (keep - amask)
    return nll, (nll * w).sum() / w.sum(), (nll * amask).sum() / amask.sum()


@torch.no_grad()
def evaluate(model, convs, pad_id, batch_size=32):
    model.eval()
    tot = n = atot = an = 0.0
    for i in range(0, len(convs), batch_size):
        x, keep, amask = make_batch(convs[i : i + batch_size], pad_id)
        nll, _, _ = losses(model, x, keep, amask)
        tot += float((nll * keep).sum())
        n += float(keep.sum())
        atot += float((nll * amask).sum())
        an += float(amask.sum())
    model.train()
    return tot / n, atot / an


GGUF_LAYER_NAMES = {"attn_norm.weight": "attn_norm.weight", "wq.weight": "attn_q.weight", "wk.weight": "attn_k.weight",
                    "wv.weight": "attn_v.weight", "wo.weight": "attn_output.weight", "ffn_norm.weight": "ffn_norm.weight",
                    "w_gate.weight": "ffn_gate.weight", "w_up.weight": "ffn_up.weight", "w_down.weight": "ffn_down.weight",
                    "attn_sub_norm.weight": "attn_sub_norm.weight", "ffn_sub_norm.weight": "ffn_sub_norm.weight"}


def save_weights(model, cfg, out_dir):
    """float32 little-endian blob + manifest. Linear weights keep PyTorch's [out, in] shape (rows = outputs).
    BitLinear matrices are saved ternarized (the values the forward pass used), marked by cfg["ternary_weights"]."""
    ternary = {n + ".weight" for n, m in model.named_modules() if isinstance(m, BitLinear)}
    if ternary:
        cfg = {**cfg, "ternary_weights": True}
    names = {"tok_emb.weight": "token_embd.weight", "norm.weight": "output_norm.weight"}
    per_layer = GGUF_LAYER_NAMES
    tensors, offset = [], 0
    with open(os.path.join(out_dir, "weights.bin"), "wb") as f:
        for name, p in model.state_dict().items():
            if name.startswith("blocks."):
                _, layer, rest = name.split(".", 2)
                gguf = f"blk.{layer}.{per_layer[rest]}"
            else:
                gguf = names[name]
            if name in ternary:
                p = ternarize(p.detach())
            a = p.detach().cpu().float().contiguous().numpy().astype("<f4")
            f.write(a.tobytes())
            tensors.append({"name": gguf, "shape": list(a.shape), "offset": offset})
            offset += a.nbytes
    with open(os.path.join(out_dir, "weights.json"), "w") as f:
        json.dump({"config": cfg, "tensors": tensors}, f, indent=1)


def load_weights(model, out_dir):
    """Inverse of save_weights (for --eval-only)."""
    man = json.load(open(os.path.join(out_dir, "weights.json")))
    blob = np.fromfile(os.path.join(out_dir, "weights.bin"), dtype="<f4")
    by_gguf = {t["name"]: t for t in man["tensors"]}
    names = {"tok_emb.weight": "token_embd.weight", "norm.weight": "output_norm.weight"}
    state = {}
    for name, p in model.state_dict().items():
        if name.startswith("blocks."):
            _, layer, rest = name.split(".", 2)
            key = f"blk.{layer}.{GGUF_LAYER_NAMES[rest]}"
        else:
            key = names[name]
        t = by_gguf[key]
        n = int(np.prod(t["shape"]))
        state[name] = torch.from_numpy(blob[t["offset"] // 4 : t["offset"] // 4 + n].reshape(t["shape"]).copy())
    model.load_state_dict(state)
    if man["config"].get("ternary_weights"):
        for m in model.modules():
            if isinstance(m, BitLinear):
                m.frozen = True


def plot(log, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    tr = [r for r in log if "train_loss" in r]
    ev = [r for r in log if "test_loss" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    ax.plot([r["step"] for r in tr], [r["train_assistant_loss"] for r in tr], label="train (assistant tokens)", lw=1)
    ax.plot([r["step"] for r in ev], [r["test_loss"] for r in ev], "o-", label="held-out (all tokens)", ms=3)
    ax.plot([r["step"] for r in ev], [r["test_assistant_loss"] for r in ev], "s--", label="held-out (assistant tokens)", ms=3)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/tmp/edgellm-train/data")
    ap.add_argument("--out", default="/tmp/edgellm-train/weights")
    ap.add_argument("--log-dir", default=None, help="where train-log.jsonl and loss-curve.png go (default: --out)")
    ap.add_argument("--arch", choices=["llama", "bitnet"], default="llama",
                    help="bitnet: BitNet b1.58 quantization-aware training (ternary weights, int8 activations, sub-norms)")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--context", type=int, default=512)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-convs", type=int, default=500)
    ap.add_argument("--other-weight", type=float, default=0.1,
                    help="loss weight of system/user tokens (assistant tokens weigh 1): copying, not guessing user text")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-only", action="store_true", help="load --out/weights.* and report held-out loss only")
    ap.add_argument("--eval-first", type=int, default=300, help="also report perplexity on the first N test conversations")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log_dir = args.log_dir or args.out
    os.makedirs(log_dir, exist_ok=True)

    tok = json.load(open(os.path.join(args.data, "tokenizer.json")))
    train = load_split(args.data, "train")
    test = load_split(args.data, "test")
    pad_id = tok["padId"]
    cfg = {"vocab_size": len(tok["tokens"]), "dim": args.dim, "n_layers": args.layers, "n_heads": args.heads,
           "n_kv_heads": args.kv_heads, "hidden_dim": args.hidden, "context_length": args.context,
           "norm_eps": 1e-5, "rope_theta": 10000.0}
    if args.arch != "llama":
        cfg["arch"] = args.arch
    model = Llama(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"config {cfg}\nparameters {n_params} ({n_params / 1e6:.2f} M); train convs {len(train)}, test convs {len(test)}", flush=True)
    if args.eval_only:
        cfg = json.load(open(os.path.join(args.out, "weights.json")))["config"]
        model = Llama(cfg)
        load_weights(model, args.out)
        te, ta = evaluate(model, test[: args.eval_first], pad_id)
        print(json.dumps({"first": args.eval_first, "heldout_ppl": math.exp(te), "heldout_assistant_ppl": math.exp(ta)}))
        return

    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    def lr_at(step):
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        t = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    eval_set = [test[i] for i in np.random.RandomState(0).permutation(len(test))[: args.eval_convs]]
    log, queue, epoch = [], [], 0
    t0 = time.time()
    run_loss = run_aloss = run_n = 0.0
    for step in range(args.steps):
        if not queue:
            queue = batches(train, args.batch, rng)
            epoch += 1
        x, keep, amask = make_batch([train[i] for i in queue.pop()], pad_id)
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        _, loss, aloss = losses(model, x, keep, amask, args.other_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run_loss += float(loss)
        run_aloss += float(aloss)
        run_n += 1
        if (step + 1) % 25 == 0:
            rec = {"step": step + 1, "epoch": epoch, "elapsed_s": round(time.time() - t0, 1),
                   "lr": lr_at(step), "train_loss": run_loss / run_n, "train_assistant_loss": run_aloss / run_n}
            log.append(rec)
            print(json.dumps(rec), flush=True)
            run_loss = run_aloss = run_n = 0.0
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            te, ta = evaluate(model, eval_set, pad_id)
            rec = {"step": step + 1, "elapsed_s": round(time.time() - t0, 1), "test_loss": te, "test_assistant_loss": ta}
            log.append(rec)
            print(json.dumps(rec), flush=True)

    train_seconds = time.time() - t0
    te, ta = evaluate(model, test, pad_id)
    fe, fa = evaluate(model, test[: args.eval_first], pad_id)
    summary = {"parameters": n_params, "config": cfg, "steps": args.steps, "batch": args.batch, "lr": args.lr,
               "other_token_loss_weight": args.other_weight,
               "seed": args.seed, "threads": args.threads, "train_seconds": round(train_seconds, 1),
               "final_train_loss": next(r["train_loss"] for r in reversed(log) if "train_loss" in r),
               "final_train_assistant_loss": next(r["train_assistant_loss"] for r in reversed(log) if "train_loss" in r),
               "heldout_loss": te, "heldout_ppl": math.exp(te), "heldout_assistant_loss": ta,
               "heldout_assistant_ppl": math.exp(ta), "heldout_convs": len(test),
               f"heldout_first{args.eval_first}_ppl": math.exp(fe), f"heldout_first{args.eval_first}_assistant_ppl": math.exp(fa)}
    print(json.dumps(summary), flush=True)
    save_weights(model, cfg, args.out)
    with open(os.path.join(log_dir, "train-log.jsonl"), "w") as f:
        for r in log:
            f.write(json.dumps(r) + "\n")
    with open(os.path.join(log_dir, "train-summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    plot(log, os.path.join(log_dir, "loss-curve.png"),
         f"EdgeLLM assistant {n_params / 1e6:.1f}M params, {args.steps} steps, {train_seconds / 60:.1f} min on {args.threads} threads")


if __name__ == "__main__":
    main()
