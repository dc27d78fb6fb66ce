#!/usr/bin/python3
"""Writes the reference outputs the local-engine tests compare against.

  /usr/bin/python3 tests/data/local/make_goldens.py /tmp/svit-train/instructions_svit.jsonl

preprocess_golden.json: pad-to-square / stretch / center-crop geometry,
  then torch.nn.functional.interpolate(bilinear, align_corners=False),
  rescale and normalisation, computed with PyTorch on a small image.
tiny_sp.model + sentencepiece_golden.json: a small SentencePiece model trained
  with the sentencepiece Python package, and its encodings of a few strings.
models/: TorchScript modules for the engine's contract checks: "counter"
  (SentencePiece tokenizer; each next token is the last one + 1, so the
  expected generation is known) and modules that break the contract.
Needs scripts/install-training-deps.sh.
"""
import json
import os
import sys

import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
STOP = [2, 121]
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


def normalise(x):
    x = x / 255.0
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


def resize(chw, h, w):
    return F.interpolate(chw.unsqueeze(0), size=(h, w), mode="bilinear", align_corners=False)[0]


def preprocess_golden():
    width, height = 7, 4
    rgb = [(x * 37 + y * 91 + c * 53) % 256 for y in range(height) for x in range(width) for c in range(3)]
    image = torch.tensor(rgb, dtype=torch.float32).view(height, width, 3).permute(2, 0, 1)
    side = max(width, height)
    padded = torch.tensor([float(int(m * 255)) for m in MEAN]).view(3, 1, 1).repeat(1, side, side)
    top, left = (side - height) // 2, (side - width) // 2
    padded[:, top:top + height, left:left + width] = image
    cases = [{"mode": "pad_to_square", "size": 5, "output": normalise(resize(padded, 5, 5))},
             {"mode": "stretch", "size": 6, "output": normalise(resize(image, 6, 6))}]
    size = 3  # center_crop: shortest edge to 3 (7x4 -> 5x3), then the centre 3x3
    long_edge = int(size * width / height)
    resized = resize(image, size, long_edge)
    offset = (long_edge - size) // 2
    cases.append({"mode": "center_crop", "size": size, "output": normalise(resized[:, :, offset:offset + size])})
    for case in cases:
        case["output"] = [float(v) for v in case["output"].flatten()]
    return {"width": width, "height": height, "rgb": rgb, "mean": MEAN, "std": STD, "cases": cases}


def sentencepiece_golden(corpus_path):
    texts = []
    with open(corpus_path) as f:
        for line in f:
            record = json.loads(line)
            texts += [record["prompt"], record["answer"]]
    corpus = os.path.join(HERE, "sp_corpus.tmp")
    with open(corpus, "w") as f:
        f.write("\n".join(texts[:4000]) + "\n")
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(HERE, "tiny_sp"), vocab_size=160,
                                   model_type="unigram", character_coverage=1.0, num_threads=1,
                                   bos_id=1, eos_id=2, unk_id=0, pad_id=3,
                                   normalization_rule_name="identity")
    os.remove(corpus)
    os.remove(os.path.join(HERE, "tiny_sp.vocab"))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(HERE, "tiny_sp.model"))
    samples = ["Is there a red circle in the image?\nAnswer the question using a single word or phrase.",
               "USER: How many squares are there? ASSISTANT: 2",
               "The image shows 3 objects on a light gray background.",
               "zebra xylophone ünïcödé 42"]
    return {"vocab_size": sp.get_piece_size(),
            "cases": [{"text": t, "ids": sp.encode(t), "decoded": sp.decode(sp.encode(t))} for t in samples]}


class Counter(nn.Module):
    """Logits that make greedy decoding emit last token + 1 (mod vocab)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.vocab_size = vocab_size

    @torch.jit.export
    def encode_images(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return pixel_values.mean(dim=(2, 3)).unsqueeze(1)

    def forward(self, image_features: torch.Tensor, input_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> torch.Tensor:
        return F.one_hot((input_ids + 1) % self.vocab_size, self.vocab_size).float()


class WrongLogits(Counter):
    def forward(self, image_features: torch.Tensor, input_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.zeros(input_ids.size(0), input_ids.size(1), self.vocab_size + 1)


class FlatFeatures(Counter):
    @torch.jit.export
    def encode_images(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return pixel_values.mean(dim=(2, 3))


class NoEncoder(nn.Module):
    def forward(self, image_features: torch.Tensor, input_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> torch.Tensor:
        return torch.zeros(input_ids.size(0), input_ids.size(1), 160)


def manifest(vocab_size, max_new_tokens):
    return {
        "format": "svit-eval-local-model", "format_version": 1, "name": "counter",
        "model_file": "model.pt",
        "image": {"size": 8, "resize_mode": "pad_to_square", "interpolation": "bilinear", "mean": MEAN, "std": STD},
        "tokenizer": {"kind": "sentencepiece", "file": "../../tiny_sp.model"},
        "special_tokens": {"pad": 3, "bos": 1, "eos": 2, "stop": STOP},
        "vocab_size": vocab_size, "prompt_template": "USER: {prompt} ASSISTANT:", "image_placeholder": "<image>",
        "max_prompt_tokens": 64, "max_new_tokens": max_new_tokens, "max_total_tokens": 96,
    }


def contract_models():
    sp = spm.SentencePieceProcessor(model_file=os.path.join(HERE, "tiny_sp.model"))
    vocab = sp.get_piece_size()
    modules = {"counter": Counter(vocab), "wrong_logits": WrongLogits(vocab), "flat_features": FlatFeatures(vocab),
               "no_encoder": NoEncoder()}
    for name, module in modules.items():
        folder = os.path.join(HERE, "models", name)
        os.makedirs(folder, exist_ok=True)
        torch.jit.script(module).save(os.path.join(folder, "model.pt"))
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            json.dump(manifest(vocab, 8), f, indent=1)
    # Expected generations of the counter model: after the rendered prompt's
    # last token t it emits t+1, t+2, ... until a stop id or the bound.
    cases = []
    for prompt, max_new in [("<image>\nHow many squares are there?", 8), ("What color is the circle?", 3),
                            ("square", 2)]:
        ids = [1] + sp.encode("USER: " + prompt.replace("<image>\n", "") + " ASSISTANT:")
        out, token = [], ids[-1]
        while len(out) < max_new:
            token = (token + 1) % vocab
            if token in STOP:
                break
            out.append(token)
        cases.append({"prompt": prompt, "max_new_tokens": max_new, "prompt_tokens": len(ids), "ids": out,
                      "text": sp.decode(out), "stopped": len(out) < max_new})
    return {"cases": cases}


def main():
    with open(os.path.join(HERE, "preprocess_golden.json"), "w") as f:
        json.dump(preprocess_golden(), f)
    with open(os.path.join(HERE, "sentencepiece_golden.json"), "w") as f:
        json.dump(sentencepiece_golden(sys.argv[1]), f, ensure_ascii=False, indent=1)
    with open(os.path.join(HERE, "counter_golden.json"), "w") as f:
        json.dump(contract_models(), f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
