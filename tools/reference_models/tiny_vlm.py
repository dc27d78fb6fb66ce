"""A tiny LLaVA-shaped vision-language model for the demo world.

A small CNN turns the (pad-to-square, resized, normalised) image into a grid
of visual tokens (the "vision tower + projector"); a small decoder-only
transformer reads [visual tokens][text tokens] with a prefix-LM mask: text
attends to every visual token and causally to earlier text, left padding is
masked out and positions come from the attention mask, so a padded row
computes what the unpadded row computes.

Exported with torch.jit.script, exposing the two methods of the svit-eval
local model contract (docs/local-engine.md):
  encode_images(pixel_values[B,3,S,S] float) -> image_features[B,N,D]
  forward(image_features[B,N,D], input_ids[B,T] long, attention_mask[B,T] long) -> logits[B,T,V]
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp1 = nn.Linear(dim, hidden)
        self.mlp2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        hd = d // self.heads
        q = q.reshape(b, t, self.heads, hd).transpose(1, 2)
        k = k.reshape(b, t, self.heads, hd).transpose(1, 2)
        v = v.reshape(b, t, self.heads, hd).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd) + bias.unsqueeze(1)
        attended = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.proj(attended.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp2(F.gelu(self.mlp1(self.norm2(x))))


class TinyVlm(nn.Module):
    def __init__(self, vocab_size: int, dim: int = 128, heads: int = 2, layers: int = 3,
                 max_text: int = 192):
        super().__init__()
        # 64x64 pixels -> an 8x8 grid of visual tokens. GroupNorm keeps each
        # image's features independent of the rest of the batch.
        self.vision = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.GroupNorm(8, 32), nn.GELU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.GroupNorm(8, 64), nn.GELU(),
            nn.Conv2d(64, dim, 3, stride=2, padding=1), nn.GroupNorm(8, dim), nn.GELU(),
            nn.Conv2d(dim, dim, 3, stride=1, padding=1), nn.GroupNorm(8, dim), nn.GELU(),
            nn.Conv2d(dim, dim, 1),
        )
        self.image_positions = nn.Parameter(torch.zeros(1, 64, dim))
        self.token_embedding = nn.Embedding(vocab_size, dim)
        self.text_positions = nn.Embedding(max_text, dim)
        self.blocks = nn.ModuleList([Block(dim, heads, 2 * dim) for _ in range(layers)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab_size, bias=False)
        self.max_text = max_text
        nn.init.normal_(self.image_positions, std=0.02)

    @torch.jit.export
    def encode_images(self, pixel_values: torch.Tensor) -> torch.Tensor:
        grid = self.vision(pixel_values)  # [B, D, 8, 8]
        return grid.flatten(2).transpose(1, 2) + self.image_positions

    def forward(self, image_features: torch.Tensor, input_ids: torch.Tensor,
                attention_mask: torch.Tensor) -> torch.Tensor:
        n = image_features.size(1)
        t = input_ids.size(1)
        positions = (attention_mask.cumsum(1) - 1).clamp(min=0, max=self.max_text - 1)
        text = self.token_embedding(input_ids) + self.text_positions(positions)
        x = torch.cat([image_features, text], dim=1)
        # Prefix-LM mask: image tokens see each other; text sees all image
        # tokens and earlier non-padding text.
        total = n + t
        allowed = torch.ones(total, total, dtype=torch.bool, device=x.device).tril()
        allowed[:, :n] = True
        keys = torch.cat([torch.ones_like(attention_mask[:, :1]).expand(-1, n), attention_mask], dim=1) > 0
        allowed = allowed.unsqueeze(0) & keys.unsqueeze(1)
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device).masked_fill(~allowed, -1e9)
        for block in self.blocks:
            x = block(x, bias)
        return self.head(self.norm(x[:, n:]))
