#!/usr/bin/env python3
"""Writes golden cases for the LAFS models: landmark patch extraction, the landmark CNN, Part fViT and
the DINO head, each a restatement in PyTorch of the reference (szlbiubiubiu/LAFS_CVPR2024) with its
attribute names, so that the state-dict keys are the reference's.

Run with a Python that has PyTorch (1.13 wrote the committed files):
    python3 make_lafs_cases.py [OUTPUT_DIR]
(without OUTPUT_DIR it also writes ../checkpoints: reference-layout .pth files, see checkpoints()).
Every case is float64 and in evaluation mode (dropout and drop path off; the landmark CNN's
BatchNorms use random running statistics), with upstream.* cotangents and grad.* of every input and
parameter.
  op "lafs_patches": input.images (N, C, H, W), input.landmarks (N, R, 2) pixel (x, y); output.tokens
    (N, R, P*P*C); args patch. Computed the reference's way: one grid_sample per landmark, the patches
    tiled into a mosaic of sqrt(R) x sqrt(R) and re-split with (p1 p2 c) order.
  op "lafs_landmark_cnn": input.x; output.landmarks (N, R, 2); args table (rows k, exp, out, se, hs,
    stride), landmarks, extent.
  op "part_fvit": input.x (tokens (N, n, 3 P^2), or images with with_landmarks); output.embedding;
    args num_patches, patch_size, dim, depth, heads, dim_head, mlp_dim, with_landmarks (+ table, extent).
  op "dino_head": input.x (N, in); output.y (N, K); args in_dim, out_dim, nlayers, hidden_dim,
    bottleneck_dim, norm_last_layer.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
DT = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}


def save(path, op, args, tensors):
    header = {"__metadata__": {"op": op, "args": json.dumps(args), "schema": "1"}}
    blobs, off = [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        b = t.numpy().tobytes()
        header[k] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# ---- patch extraction, as the reference: per-landmark grid_sample, mosaic, rearrange ---------------------------

def patches_mosaic(imgs, landmarks, patch):
    half = torch.tensor([patch, patch], dtype=imgs.dtype) / 2
    a = torch.arange(-half[0], half[0], dtype=imgs.dtype)
    gi, gj = torch.meshgrid(a, a, indexing="ij")
    grid = torch.stack((gi, gj), dim=-1)                 # grid[i, j] = (a_i, a_j): x offset follows i
    size = imgs.shape[2]
    cols = []
    for k in range(landmarks.shape[1]):
        g = (grid[None] + landmarks[:, k, None, None, :]) / (size * 0.5) - 1
        cols.append(F.grid_sample(imgs, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    p = torch.stack(cols, dim=2)                           # (B, C, R, P, P)
    b, c, r, w, h = p.shape
    row = int(math.sqrt(r))
    mosaic = p.reshape(b, c, row, row, w, h).permute(0, 1, 2, 4, 3, 5).reshape(b, c, w * row, h * row)
    # 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)'
    t = mosaic.reshape(b, c, row, patch, row, patch).permute(0, 2, 4, 3, 5, 1)
    return t.reshape(b, row * row, patch * patch * c)


# ---- the landmark CNN (MobileNetV3 trunk + output_layer, min-max to pixels) ------------------------------------

class HSwish(nn.Module):
    def forward(self, x):
        return x * F.relu6(x + 3.) / 6.


class HSigmoid(nn.Module):
    def forward(self, x):
        return F.relu6(x + 3.) / 6.


class SE(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(ch, ch // 4, bias=False), nn.ReLU(), nn.Linear(ch // 4, ch, bias=False), HSigmoid())

    def forward(self, x):
        return x * self.fc(x.mean(dim=(2, 3)))[:, :, None, None]


class Bottleneck(nn.Module):
    def __init__(self, inp, k, exp, out, se, hs, s):
        super().__init__()
        act = HSwish if hs else nn.ReLU
        self.res = s == 1 and inp == out
        self.conv = nn.Sequential(
            nn.Conv2d(inp, exp, 1, 1, 0, bias=False), nn.BatchNorm2d(exp), act(),
            nn.Conv2d(exp, exp, k, s, (k - 1) // 2, groups=exp, bias=False), nn.BatchNorm2d(exp),
            SE(exp) if se else nn.Identity(), act(),
            nn.Conv2d(exp, out, 1, 1, 0, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class Trunk(nn.Module):
    def __init__(self, table):
        super().__init__()
        layers = [nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), HSwish())]
        inp = 16
        for k, exp, out, se, hs, s in table:
            layers.append(Bottleneck(inp, k, exp, out, se, hs, s))
            inp = out
        self.features = nn.Sequential(*layers)
        self.out_channels = inp

    def forward(self, x):
        return self.features(x)


def landmarks_of(stn, output_layer, x, r, extent):
    theta = output_layer(stn(x).mean(dim=(-2, -1)))
    lo = torch.min(theta, 1)[0][:, None]
    hi = torch.max(theta, 1)[0][:, None]
    return ((theta - lo) / (hi - lo) * extent).view(-1, r, 2)


class LandmarkCnn(nn.Module):
    def __init__(self, table, r, extent):
        super().__init__()
        self.stn = Trunk(table)
        self.output_layer = nn.Sequential(nn.Dropout(0.5), nn.Linear(self.stn.out_channels, 2 * r))
        self.r, self.extent = r, extent

    def forward(self, x):
        return landmarks_of(self.stn, self.output_layer, x, self.r, self.extent)


# ---- Part fViT -------------------------------------------------------------------------------------------------

class Residual(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x) + x          # drop path is the identity in evaluation


class PreNorm(nn.Module):
    def __init__(self, dim, fn):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.norm(x))


class Attention(nn.Module):
    def __init__(self, dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.scale = heads, dim ** -0.5
        self.to_qkv = nn.Linear(dim, 3 * inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(0.1))

    def forward(self, x):
        b, n, _ = x.shape
        q, k, v = (t.reshape(b, n, self.heads, -1).transpose(1, 2) for t in self.to_qkv(x).chunk(3, dim=-1))
        a = (q @ k.transpose(-1, -2) * self.scale).softmax(dim=-1)
        return self.to_out((a @ v).transpose(1, 2).reshape(b, n, -1))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(0.1), nn.Linear(hidden, dim), nn.Dropout(0.1))

    def forward(self, x):
        return self.net(x)


class Transformer(nn.Module):
    def __init__(self, dim, depth, heads, dim_head, mlp_dim):
        super().__init__()
        self.layers = nn.ModuleList([nn.ModuleList([Residual(PreNorm(dim, Attention(dim, heads, dim_head))),
                                                    Residual(PreNorm(dim, FeedForward(dim, mlp_dim)))]) for _ in range(depth)])

    def forward(self, x):
        for attn, ff in self.layers:
            x = ff(attn(x))
        return x


class PartFViT(nn.Module):
    def __init__(self, num_patches, patch_size, dim, depth, heads, dim_head, mlp_dim, table=None, extent=111):
        super().__init__()
        self.patch = patch_size
        if table is not None:
            self.stn = Trunk(table)
            self.output_layer = nn.Sequential(nn.Dropout(0.5), nn.Linear(self.stn.out_channels, 2 * num_patches))
            self.r, self.extent = num_patches, extent
        self.with_land = table is not None
        self.pos_embedding = nn.Parameter(torch.randn(1, num_patches + 1, dim))
        self.patch_to_embedding = nn.Linear(3 * patch_size * patch_size, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim))
        self.transformer = Transformer(dim, depth, heads, dim_head, mlp_dim)
        self.mlp_head = nn.Sequential(nn.LayerNorm(dim))

    def forward(self, x):
        if self.with_land:
            keep = (x.shape[-2] // self.patch) ** 2
            r = landmarks_of(self.stn, self.output_layer, x, self.r, self.extent)
            x = patches_mosaic(x, r[:, :keep], self.patch)
        x = self.patch_to_embedding(x)
        b, n, _ = x.shape
        x = torch.cat((self.cls_token.expand(b, -1, -1), x), dim=1) + self.pos_embedding[:, :n + 1]
        return self.mlp_head(self.transformer(x)[:, 0])


# ---- DINO head -------------------------------------------------------------------------------------------------

class DINOHead(nn.Module):
    def __init__(self, in_dim, out_dim, nlayers, hidden_dim, bottleneck_dim, norm_last_layer):
        super().__init__()
        if nlayers == 1:
            self.mlp = nn.Linear(in_dim, bottleneck_dim)
        else:
            layers = [nn.Linear(in_dim, hidden_dim), nn.GELU()]
            for _ in range(nlayers - 2):
                layers += [nn.Linear(hidden_dim, hidden_dim), nn.GELU()]
            layers.append(nn.Linear(hidden_dim, bottleneck_dim))
            self.mlp = nn.Sequential(*layers)
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck_dim, out_dim, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        if norm_last_layer:
            self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        return self.last_layer(F.normalize(self.mlp(x), dim=-1, p=2))


# ---- cases -----------------------------------------------------------------------------------------------------

def randomise_bn(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen, dtype=torch.float64))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen, dtype=torch.float64))
                m.running_mean.copy_(0.1 * torch.randn(m.running_mean.shape, generator=gen, dtype=torch.float64))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen, dtype=torch.float64))


def model_case(name, op, args, model, inputs, out_name, gen):
    model.eval()
    leaves = {k: v.clone().requires_grad_(v.is_floating_point()) for k, v in inputs.items()}
    y = model(*leaves.values())
    up = torch.randn(y.shape, generator=gen, dtype=torch.float64)
    (y * up).sum().backward()
    t = {"input." + k: v.detach() for k, v in inputs.items()}
    t["output." + out_name] = y.detach()
    t["upstream." + out_name] = up
    for k, v in leaves.items():
        t["grad." + k] = v.grad
    for k, p in model.named_parameters():
        t["param." + k] = p.detach()
        if p.requires_grad:
            t["grad." + k] = p.grad
    for k, b in model.named_buffers():
        t["buffer." + k] = b
    save(os.path.join(OUT, name + ".safetensors"), op, args, t)


class Patches(nn.Module):
    def __init__(self, patch):
        super().__init__()
        self.patch = patch

    def forward(self, images, landmarks):
        return patches_mosaic(images, landmarks, self.patch)


SMALL_TABLE = [[3, 16, 16, 0, 0, 1], [5, 24, 16, 1, 0, 2], [3, 40, 24, 0, 1, 2], [3, 48, 24, 1, 1, 1]]


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT, exist_ok=True)
    gen = torch.Generator().manual_seed(20)
    torch.manual_seed(20)

    # patches: 4 landmarks on a 24x24 image, two of them near the border (zero padding), off the half-pixel kinks
    images = torch.randn(2, 3, 24, 24, generator=gen)
    lm = torch.rand(2, 4, 2, generator=gen) * 20 + 2
    lm[0, 1] = torch.tensor([0.3, 22.6])
    lm[1, 3] = torch.tensor([23.2, 1.7])
    model_case("lafs_patches_p8", "lafs_patches", {"patch": 8}, Patches(8), {"images": images, "landmarks": lm}, "tokens", gen)
    model_case("lafs_patches_p5", "lafs_patches", {"patch": 5}, Patches(5), {"images": images, "landmarks": lm}, "tokens", gen)

    lcnn = LandmarkCnn(SMALL_TABLE, 16, 31.0)
    randomise_bn(lcnn, gen)
    model_case("lafs_landmark_cnn_small", "lafs_landmark_cnn", {"table": SMALL_TABLE, "landmarks": 16, "extent": 31.0},
               lcnn, {"x": torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1}, "landmarks", gen)

    cfg = {"num_patches": 16, "patch_size": 8, "dim": 48, "depth": 2, "heads": 3, "dim_head": 20, "mlp_dim": 64}
    vit = PartFViT(**cfg)
    model_case("part_fvit_tokens", "part_fvit", dict(cfg, with_landmarks=False), vit,
               {"x": torch.randn(2, 9, 192, generator=gen)}, "embedding", gen)
    vit = PartFViT(**cfg, table=SMALL_TABLE, extent=31.0)
    randomise_bn(vit, gen)
    model_case("part_fvit_landmarks", "part_fvit", dict(cfg, with_landmarks=True, table=SMALL_TABLE, extent=31.0), vit,
               {"x": torch.rand(2, 3, 32, 32, generator=gen) * 2 - 1}, "embedding", gen)

    for norm in (True, False):
        args = {"in_dim": 48, "out_dim": 50, "nlayers": 3, "hidden_dim": 32, "bottleneck_dim": 16, "norm_last_layer": norm}
        head = DINOHead(**args)
        if not norm:
            with torch.no_grad():
                head.last_layer.weight_g.copy_(0.5 + torch.rand(50, 1, generator=gen))
        model_case("dino_head_" + ("norm" if norm else "free_g"), "dino_head", args, head,
                   {"x": torch.randn(3, 48, generator=gen)}, "y", gen)


if __name__ == "__main__":
    main()


def checkpoints(out_dir):
    """Checkpoints laid out as the reference saves them (random weights, small widths; no 'args' entry, which is an
    argparse Namespace the safe reader refuses), and what PyTorch computes from them:
      lafs_pretrain_small.pth: {'student': MultiCropWrapper state (module.backbone.*, module.head.*),
        'teacher': (backbone.*, head.*), 'epoch', 'dino_loss': {'center'}}; backbones carry loss.weight (CosFace).
      part_fvit_supervised_small.pth: a DDP state dict (module.*) of Part fViT with landmarks and loss.weight.
      lafs_checkpoint_io.safetensors: input.x images; output.embedding of the fine-tuning model built the
        reference's way (backbone from the teacher, stn/output_layer from the supervised file);
        output.teacher_logits = teacher head of that embedding."""
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(7)
    cfg = {"num_patches": 16, "patch_size": 8, "dim": 48, "depth": 2, "heads": 3, "dim_head": 20, "mlp_dim": 64}
    head_args = {"in_dim": 48, "out_dim": 50, "nlayers": 3, "hidden_dim": 32, "bottleneck_dim": 16, "norm_last_layer": True}

    def with_loss(m):
        m.loss = nn.Module()
        m.loss.weight = nn.Parameter(torch.randn(10, 48))
        return m

    student, teacher = with_loss(PartFViT(**cfg)), with_loss(PartFViT(**cfg))
    s_head, t_head = DINOHead(**head_args), DINOHead(**head_args)
    sd = {"student": {}, "teacher": {}, "epoch": 3, "dino_loss": {"center": torch.randn(1, 50)}}
    for k, v in student.state_dict().items():
        sd["student"]["module.backbone." + k] = v
    for k, v in s_head.state_dict().items():
        sd["student"]["module.head." + k] = v
    for k, v in teacher.state_dict().items():
        sd["teacher"]["backbone." + k] = v
    for k, v in t_head.state_dict().items():
        sd["teacher"]["head." + k] = v
    torch.save(sd, os.path.join(out_dir, "lafs_pretrain_small.pth"))

    supervised = with_loss(PartFViT(**cfg, table=SMALL_TABLE, extent=31.0))
    randomise_bn(supervised, torch.Generator().manual_seed(3))
    torch.save({"module." + k: v for k, v in supervised.state_dict().items()}, os.path.join(out_dir, "part_fvit_supervised_small.pth"))

    finetune = PartFViT(**cfg, table=SMALL_TABLE, extent=31.0)
    finetune.load_state_dict({k: v for k, v in teacher.state_dict().items() if not k.startswith("loss.")}, strict=False)
    finetune.load_state_dict({k: v for k, v in supervised.state_dict().items() if k.startswith(("stn", "output_layer"))},
                             strict=False)
    finetune.eval()
    t_head.eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        emb = finetune(x)
        logits = t_head(emb)
    save(os.path.join(out_dir, "lafs_checkpoint_io.safetensors"), "none", {},
         {"input.x": x, "output.embedding": emb, "output.teacher_logits": logits})


if __name__ == "__main__" and len(sys.argv) <= 1:
    os.makedirs(os.path.join(os.path.dirname(OUT), "checkpoints"), exist_ok=True)
    checkpoints(os.path.join(os.path.dirname(OUT), "checkpoints"))


def manifest(path):
    """[key, shape] in state-dict order for the full-size models: the fine-tuning Part fViT (landmark CNN on
    MobileNetV3-large, 196 landmarks, width 768, depth 12, 11 heads of 64, MLP 2048) and the DINO head (768 -> K
    100000 through 2048, 2048, 256)."""
    large = [[3, 16, 16, 0, 0, 1], [3, 64, 24, 0, 0, 2], [3, 72, 24, 0, 0, 1], [5, 72, 40, 1, 0, 2], [5, 120, 40, 1, 0, 1],
             [5, 120, 40, 1, 0, 1], [3, 240, 80, 0, 1, 2], [3, 200, 80, 0, 1, 1], [3, 184, 80, 0, 1, 1], [3, 184, 80, 0, 1, 1],
             [3, 480, 112, 1, 1, 1], [3, 672, 112, 1, 1, 1], [5, 672, 160, 1, 1, 2], [5, 960, 160, 1, 1, 1], [5, 960, 160, 1, 1, 1]]
    with torch.device("meta") if hasattr(torch, "device") and hasattr(torch.device, "__enter__") else _nullcontext():
        vit = PartFViT(196, 8, 768, 12, 11, 64, 2048, table=large, extent=111)
        head = DINOHead(768, 100000, 3, 2048, 256, True)
    m = {"part_fvit": [[k, list(v.shape)] for k, v in vit.state_dict().items()],
         "dino_head": [[k, list(v.shape)] for k, v in head.state_dict().items()]}
    with open(path, "w") as f:
        json.dump(m, f)


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


if __name__ == "__main__" and len(sys.argv) <= 1:
    torch.set_default_dtype(torch.float32)
    manifest(os.path.join(os.path.dirname(OUT), "model_keys.json"))
