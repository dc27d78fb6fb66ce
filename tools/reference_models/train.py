#!/usr/bin/python3
"""Trains the two reference models of the demo suite and exports them.

  make_demo_world --train /tmp/svit-train
  /usr/bin/python3 tools/reference_models/train.py --split /tmp/svit-train --out demo/models

Both models share the architecture (tiny_vlm.py), the tokenizer, the
vision tower and the training recipe; they differ only in their instruction
data, as in the SVIT paper: the baseline sees a small instruction set with one phrasing per kind,
the SVIT-style model ~20x more instructions over 10x more scenes, with
paraphrases and extra kinds (multiple choice, negatives, reasoning).
The vision tower is pretrained once, as LLaVA's CLIP encoder is, here by
labelling each cell of its 8x8 grid with the object covering it (shape,
colour, size, or background) from the scene annotations; it is then frozen
while each model learns to follow instructions.
Each model folder gets model.pt (TorchScript), vocab.json and manifest.json
(the contract in docs/local-engine.md). Needs Debian's python3-torch
(scripts/install-training-deps.sh); about 6 minutes on one core of a shared
2-core machine (vision tower 1, baseline 1, SVIT-style 5).
"""
import argparse
import collections
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_vlm import TinyVlm  # noqa: E402

IMAGE_SIZE = 64
# CLIP's normalisation, as LLaVA-1.5 uses it.
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
TEMPLATE = "USER: {prompt} ASSISTANT:"
SPECIALS = ["<pad>", "<unk>", "<bos>", "<eos>"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
MAX_TEXT = 192
# The word-level pre-tokenizer of the contract: runs of characters that are
# neither ASCII whitespace nor one of . , ? ! : ; ( ) form a word; each of
# those punctuation marks is a token of its own.
WORD_RE = re.compile(r"[^ \t\n\r\f\v.,?!:;()]+|[.,?!:;()]")


def words(text):
    return WORD_RE.findall(text)


def build_vocab(texts):
    counts = collections.Counter(w for t in texts for w in words(t))
    ordered = sorted(counts, key=lambda w: (-counts[w], w))
    return {w: i for i, w in enumerate(SPECIALS + ordered)}


def encode(vocab, text):
    return [vocab.get(w, UNK) for w in words(text)]


def load_pixels(split_dir):
    meta = json.load(open(os.path.join(split_dir, "split.json")))
    raw = open(os.path.join(split_dir, meta["pixels"]), "rb").read()
    pixels = torch.frombuffer(bytearray(raw), dtype=torch.uint8)
    return pixels.view(meta["scenes"], meta["height"], meta["width"], 3)


def preprocess(images):
    """uint8 [B,H,W,3] -> float [B,3,S,S]: LLaVA-1.5's pad-to-square with the
    mean colour, bilinear resize (align_corners=False), rescale, normalise."""
    b, h, w, _ = images.shape
    side = max(h, w)
    fill = torch.tensor([int(m * 255) for m in MEAN], dtype=torch.uint8)
    canvas = fill.view(1, 1, 1, 3).expand(b, side, side, 3).clone()
    top, left = (side - h) // 2, (side - w) // 2
    canvas[:, top:top + h, left:left + w] = images
    x = canvas.permute(0, 3, 1, 2).float()
    x = F.interpolate(x, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bilinear", align_corners=False)
    x = x / 255.0
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


SHAPES = ["circle", "square", "triangle"]
COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]
SIZES = ["small", "large"]
GRID = 8
CELL_CLASSES = 1 + len(SHAPES) * len(COLORS) * len(SIZES)


def cell_labels(split_dir, width, height):
    """[N, GRID, GRID] class of the object under each grid cell's centre
    (0: background), in the coordinates of the padded, resized image."""
    scenes = json.load(open(os.path.join(split_dir, "scenes.json")))["images"]
    side = max(width, height)
    top, left = (side - height) // 2, (side - width) // 2
    labels = torch.zeros(len(scenes), GRID, GRID, dtype=torch.long)
    for n, scene in enumerate(scenes):
        for i in range(GRID):
            for j in range(GRID):
                y = (i + 0.5) * side / GRID - top
                x = (j + 0.5) * side / GRID - left
                best = None
                for o in scene["objects"]:
                    r = (o["w"] - 1) / 2
                    d2 = (x - (o["x"] + r)) ** 2 + (y - (o["y"] + r)) ** 2
                    if d2 <= (r + 1) ** 2 and (best is None or d2 < best[0]):
                        best = (d2, o)
                if best:
                    o = best[1]
                    color, size = o["attributes"]
                    labels[n, i, j] = 1 + (SHAPES.index(o["name"]) * len(COLORS) + COLORS.index(color)) * 2 + \
                        SIZES.index(size)
    return labels


def pretrain_vision(model, images, labels, train_count, steps, batch_size, lr):
    """Trains model.vision to classify every grid cell, then freezes it."""
    torch.manual_seed(0)
    head = torch.nn.Linear(model.image_positions.size(-1), CELL_CLASSES)
    params = list(model.vision.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    generator = torch.Generator().manual_seed(0)
    started = time.time()
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        index = torch.randint(0, train_count, (batch_size,), generator=generator)
        logits = head(model.vision(images[index]).flatten(2).transpose(1, 2))
        loss = F.cross_entropy(logits.reshape(-1, CELL_CLASSES), labels[index].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if (step + 1) % 100 == 0:
            print(f"[vision] step {step + 1}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True)
    with torch.no_grad():
        held = slice(train_count, labels.shape[0])
        predicted = head(model.vision(images[held]).flatten(2).transpose(1, 2)).argmax(-1)
        accuracy = (predicted == labels[held].reshape(predicted.shape)).float().mean().item()
    print(f"[vision] held-out cell accuracy {accuracy:.3f}", flush=True)
    for p in model.vision.parameters():
        p.requires_grad_(False)
    return {k: v.clone() for k, v in model.vision.state_dict().items()}


def make_examples(vocab, records):
    examples = []
    for r in records:
        prompt = [BOS] + encode(vocab, TEMPLATE.format(prompt=r["prompt"]))
        answer = encode(vocab, " " + r["answer"]) + [EOS]
        if len(prompt) + len(answer) > MAX_TEXT:
            continue
        examples.append((r["image"], prompt, answer, r["kind"]))
    return examples


def batches(examples, batch_size, generator):
    """Length-bucketed shuffled batches (less padding, same randomness)."""
    order = torch.randperm(len(examples), generator=generator).tolist()
    chunk = batch_size * 16
    for start in range(0, len(order), chunk):
        group = sorted(order[start:start + chunk], key=lambda i: len(examples[i][1]) + len(examples[i][2]))
        groups = [group[i:i + batch_size] for i in range(0, len(group), batch_size)]
        for g in [groups[i] for i in torch.randperm(len(groups), generator=generator).tolist()]:
            yield [examples[i] for i in g]


def collate(batch, images):
    length = max(len(p) + len(a) for _, p, a, _ in batch)
    ids = torch.full((len(batch), length), PAD, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    targets = torch.full((len(batch), length), -100, dtype=torch.long)
    for row, (_, prompt, answer, _) in enumerate(batch):
        seq = prompt + answer
        start = length - len(seq)  # left padding, as the engine does
        ids[row, start:] = torch.tensor(seq)
        mask[row, start:] = 1
        # logits at position j predict token j+1: supervise the answer only
        targets[row, start + len(prompt) - 1:length - 1] = torch.tensor(answer)
    pixels = images[torch.tensor([b[0] for b in batch])]
    return pixels, ids, mask, targets


def train(name, examples, images, vocab, vision, steps, batch_size, lr, seed):
    torch.manual_seed(seed)
    model = TinyVlm(len(vocab), max_text=MAX_TEXT)
    model.vision.load_state_dict(vision)
    for p in model.vision.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    generator = torch.Generator().manual_seed(seed)
    step, started = 0, time.time()
    while step < steps:
        for batch in batches(examples, batch_size, generator):
            if step >= steps:
                break
            pixels, ids, mask, targets = collate(batch, images)
            warm = min(1.0, (step + 1) / 100)
            for group in optimizer.param_groups:
                group["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * step / steps))
            logits = model(model.encode_images(pixels), ids, mask)
            # Every instruction weighs the same, however long its answer: a
            # token-level mean would let detailed descriptions drown out the
            # one-word answers that carry most of the visual signal.
            token_loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1),
                                         ignore_index=-100, reduction="none").view(targets.shape)
            answer_tokens = (targets != -100).sum(1).clamp(min=1)
            loss = (token_loss.sum(1) / answer_tokens).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            if step % 100 == 0 or step == steps:
                print(f"[{name}] step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True)
    model.eval()
    return model


@torch.no_grad()
def greedy(model, pixels, prompt, max_new=80):
    features = model.encode_images(pixels.unsqueeze(0))
    ids = list(prompt)
    for _ in range(max_new):
        x = torch.tensor([ids])
        nxt = int(model(features, x, torch.ones_like(x))[0, -1].argmax())
        if nxt == EOS:
            break
        ids.append(nxt)
    return ids[len(prompt):]


def validate(name, model, examples, images, limit=300):
    """Exact match on held-out scenes, per instruction kind."""
    hits, totals = collections.Counter(), collections.Counter()
    for image, prompt, answer, kind in examples[:limit]:
        out = greedy(model, images[image], prompt)
        totals[kind] += 1
        hits[kind] += out == answer[:-1]
    print(f"[{name}] held-out exact match: " +
          ", ".join(f"{k} {hits[k]}/{totals[k]}" for k in sorted(totals)), flush=True)


def export(model, vocab, out_dir, name, description):
    os.makedirs(out_dir, exist_ok=True)
    torch.jit.script(model).save(os.path.join(out_dir, "model.pt"))
    with open(os.path.join(out_dir, "vocab.json"), "w") as f:
        json.dump(vocab, f, ensure_ascii=False, indent=0)
        f.write("\n")
    manifest = {
        "format": "svit-eval-local-model",
        "format_version": 1,
        "name": name,
        "description": description,
        "model_file": "model.pt",
        "image": {"size": IMAGE_SIZE, "resize_mode": "pad_to_square", "interpolation": "bilinear",
                  "mean": MEAN, "std": STD},
        "tokenizer": {"kind": "word_level", "file": "vocab.json", "unk_token": "<unk>"},
        "special_tokens": {"pad": PAD, "bos": BOS, "eos": EOS, "stop": [EOS]},
        "vocab_size": len(vocab),
        "prompt_template": TEMPLATE,
        "image_placeholder": "<image>",
        "max_prompt_tokens": 128,
        "max_new_tokens": 96,
        "max_total_tokens": MAX_TEXT,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", required=True, help="folder written by make_demo_world --train")
    parser.add_argument("--out", required=True, help="folder that gets baseline/ and svit/")
    # One thread: on a shared machine OpenMP's spinning threads made two
    # several times slower, not faster.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--baseline-steps", type=int, default=300)
    parser.add_argument("--svit-steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--vision-steps", type=int, default=400)
    parser.add_argument("--only", choices=["baseline", "svit"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    def read(name):
        with open(os.path.join(args.split, name)) as f:
            return [json.loads(line) for line in f]

    baseline_records = read("instructions_baseline.jsonl")
    svit_records = read("instructions_svit.jsonl")
    images_u8 = load_pixels(args.split)
    images = preprocess(images_u8)
    # Instructions with image -1 have none: the engine shows such requests a
    # blank image, all zeros after normalisation, and so does training.
    images = torch.cat([images, torch.zeros_like(images[:1])])
    # Scenes from 95% on are held out of both sets for validation.
    holdout = int(images_u8.shape[0] * 0.95)
    vocab = build_vocab([TEMPLATE] + [r["prompt"] for r in svit_records + baseline_records] +
                        [" " + r["answer"] for r in svit_records + baseline_records])
    meta = json.load(open(os.path.join(args.split, "split.json")))
    labels = cell_labels(args.split, meta["width"], meta["height"])
    torch.manual_seed(0)
    vision = pretrain_vision(TinyVlm(len(vocab), max_text=MAX_TEXT), images, labels, holdout,
                             args.vision_steps, 64, args.lr)
    val = make_examples(vocab, [r for r in svit_records if r["image"] >= holdout])
    train_records = lambda records: [r for r in records if r["image"] < holdout]
    sets = {
        "baseline": (train_records(baseline_records), args.baseline_steps,
                     "Reference baseline: tiny VLM trained on a small instruction set (one phrasing per kind)."),
        "svit": (train_records(svit_records), args.svit_steps,
                 "Reference SVIT-style model: same architecture, ~20x more and more diverse instructions."),
    }
    for name, (records, steps, description) in sets.items():
        if args.only and args.only != name:
            continue
        examples = make_examples(vocab, records)
        print(f"[{name}] {len(examples)} instructions, {steps} steps of {args.batch_size}", flush=True)
        model = train(name, examples, images, vocab, vision, steps, args.batch_size, args.lr, seed=1)
        validate(name, model, val, images)
        export(model, vocab, os.path.join(args.out, name), f"{name}-tiny", description)


if __name__ == "__main__":
    main()
