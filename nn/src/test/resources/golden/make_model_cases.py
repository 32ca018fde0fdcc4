#!/usr/bin/env python3
"""Writes golden cases for the face backbones and the state-dict key manifest of the full models.

Run with a Python that has PyTorch (1.13 wrote the committed files):
    python3 make_model_cases.py [OUTPUT_DIR]
Cases (float64, small widths of the same architectures so the files stay small):
  op "vit_face": as the shared golden schema, plus args mask_ratio, drop_path_rate, norm_layer, qkv_bias, act, num_classes
    (the embedding size). Training cases with masking or drop path give the reference's random decisions as inputs:
      input.keep_index (B, K) I64: the patch tokens each sample keeps, in the order they pass through the blocks (the
        first K entries of insightface's ids_shuffle, the argsort of uniform noise). K = int(N * 0.9) for N tokens
        whenever mask_ratio > 0: insightface calls random_masking without the configured ratio, so it drops 10%.
        Tokens are dropped after the position embedding is added; the mask token fills the dropped places after the
        final LayerNorm.
      input.drop_path_keep (depth, 2, B) F64: 1 (kept, divided by keep_prob) or 0 (dropped) per block, branch (0 the
        attention branch, 1 the MLP branch: the reference decides each separately, one draw per call) and sample.
        Block i's rate is linspace(0, drop_path_rate, depth)[i]; rows of blocks with rate 0 are all 1 (the reference
        has no drop path there).
  op "iresnet": args blocks, widths, input_size, num_features, training
  op "mobilefacenet": args num_features, blocks, stem, body, expansions, first_groups, head, input_size, training
  each with input.x, every param./buffer. (state-dict keys), output.embedding, upstream.embedding and grad.*
The CNN cases (iresnet, mobilefacenet) also carry __metadata__ "torch_f32_max_rel": PyTorch's own float32
max_rel per output./grad. tensor on the same case, the yardstick for a float32 run; and their input
keeps every PReLU input clear of the kink at 0 (see clear_of_kinks).
model_keys.json: for full-size iresnet18/50/100, mbf, mbf_large, vit_t/vit_s/vit_b: [key, shape] in state-dict order.
"""
import copy
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "..", "scripts", "python"))
import face_models as fm  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "cases")
DT = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}
CNN_OPS = ("iresnet", "mobilefacenet")
# A float32 run may flip a PReLU input's sign only if that input lies within float32's forward error
# of 0; such a flip changes its gradient by (1 - a) g: a jump, not rounding. Ten times PyTorch's
# largest float32 error on the layer leaves room for another float32 implementation's rounding.
KINK_CLEARANCE = 10.0


def save(path, op, args, tensors, extra_metadata=None):
    header = {"__metadata__": {"op": op, "args": json.dumps(args), "schema": "1", **(extra_metadata or {})}}
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


def prelu_inputs(model, x):
    """The input of every PReLU in a forward pass of a copy of model (its running statistics stay as drawn)."""
    model = copy.deepcopy(model)
    seen = []
    for m in model.modules():
        if isinstance(m, torch.nn.PReLU):
            m.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].detach().double()))
    with torch.no_grad():
        model(x)
    return seen


def clear_of_kinks(name, model, x):
    """x, or else the first of a fixed sequence of redrawn inputs, whose PReLU inputs all lie
    KINK_CLEARANCE times farther from 0 than the largest float32 error PyTorch makes on that layer.
    Redraws come from their own generator, so the cases written after this one do not change."""
    redraw = torch.Generator().manual_seed(0)
    for attempt in range(100):
        exact = prelu_inputs(model, x)
        single = prelu_inputs(copy.deepcopy(model).float(), x.float())
        if all(e.abs().min() >= KINK_CLEARANCE * (s - e).abs().max() for e, s in zip(exact, single)):
            if attempt:
                print("%s: input redrawn %d times to keep PReLU inputs off the kink" % (name, attempt))
            return x
        x = torch.randn(x.shape, dtype=x.dtype, generator=redraw)
    raise RuntimeError(name + ": no input clear of the PReLU kinks")


def torch_f32_max_rel(model, tensors):
    """PyTorch's own float32 error on the case, as the runner measures ours: every floating
    input/param/buffer rounded to float32, max|got - want| / max|want| per output./grad. tensor."""
    model = copy.deepcopy(model)
    model.zero_grad(set_to_none=True)
    model.load_state_dict({k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(("param.", "buffer."))})
    model.float()
    x = tensors["input.x"].float().requires_grad_(True)
    y = model(x)
    (y * tensors["upstream.embedding"].float()).sum().backward()
    got = {"output.embedding": y, "grad.x": x.grad}
    got.update({"grad." + k: p.grad for k, p in model.named_parameters()})
    return {n: ((got[n].double() - w).abs().max() / max(w.abs().max().item(), 1e-12)).item()
            for n, w in sorted(tensors.items()) if n.startswith(("output.", "grad."))}


def case(name, op, args, model, x, inputs=None):
    model = model.double()
    training = args["training"]
    model.train(training)
    for m in model.modules():   # non-trivial running statistics for evaluation cases
        if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            if m.affine:
                m.bias.data.uniform_(-0.2, 0.2)
    if op in CNN_OPS:
        x = clear_of_kinks(name, model, x)
    tensors = {"input.x": x.clone()}
    tensors.update(inputs or {})
    for k, v in model.state_dict().items():
        tensors[("param." if k in dict(model.named_parameters()) else "buffer.") + k] = v.clone()
    xg = x.clone().requires_grad_(True)
    y = model(xg)
    up = torch.randn_like(y)
    (y * up).sum().backward()
    tensors["output.embedding"] = y
    tensors["upstream.embedding"] = up
    tensors["grad.x"] = xg.grad
    for k, p in model.named_parameters():
        # gradients that are zero up to rounding (a bias followed by a training-mode BatchNorm)
        # are left out: their max_rel would compare rounding noise with rounding noise
        if p.requires_grad and p.grad is not None and p.grad.abs().max() > 1e-10:
            tensors["grad." + k] = p.grad
    extra = {"torch_f32_max_rel": json.dumps(torch_f32_max_rel(model, tensors))} if op in CNN_OPS else None
    save(os.path.join(OUT, name + ".safetensors"), op, args, tensors, extra)


def draw_decisions(model, batch, tokens):
    """The random decisions of one training forward, drawn as the reference draws them and in its order (the
    token noise, then per block with drop path the attention and the MLP branch), redrawn until every
    drop-path branch keeps some samples and drops others."""
    while True:
        state = torch.get_rng_state()
        shuffle = torch.argsort(torch.rand(batch, tokens), dim=1) if model.mask_ratio > 0 else None
        keep = torch.ones(len(model.blocks), 2, batch, dtype=torch.float64)
        for i, blk in enumerate(model.blocks):
            if isinstance(blk.drop_path, fm.DropPath):
                for branch in range(2):
                    keep[i, branch] = (1 - blk.drop_path.drop_prob + torch.rand(batch, 1, 1, dtype=torch.float64)).floor().flatten()
        dp = [i for i, blk in enumerate(model.blocks) if isinstance(blk.drop_path, fm.DropPath)]
        if all(0 < keep[i, b].sum() < batch for i in dp for b in range(2)):
            return state, shuffle, keep


def vit_train_case(name, vit, batch):
    """A training-mode case with masking and/or drop path; the decisions become the case's inputs."""
    model = fm.FaceViT(vit["embed_dim"], vit["depth"], vit["num_heads"], vit["mlp_ratio"], vit["num_classes"], vit["img_size"],
                       vit["patch_size"], vit["mask_ratio"], vit["drop_path_rate"]).double().train()
    x = torch.randn(batch, 3, vit["img_size"], vit["img_size"], dtype=torch.float64)
    tokens = (vit["img_size"] // vit["patch_size"]) ** 2
    state, shuffle, keep = draw_decisions(model, batch, tokens)
    after = torch.get_rng_state()

    def give():
        model.given_shuffle = shuffle
        for i, blk in enumerate(model.blocks):
            if isinstance(blk.drop_path, fm.DropPath):
                blk.drop_path.given = [keep[i, 0], keep[i, 1]]

    # the given decisions are the ones the reference draws itself from the same stream
    torch.set_rng_state(state)
    with torch.no_grad():
        drawn = copy.deepcopy(model)(x)
        give()
        replayed = copy.deepcopy(model)(x)
    assert torch.equal(drawn, replayed), name + ": replaying the decisions differs from drawing them"
    torch.set_rng_state(after)

    inputs = {"input.drop_path_keep": keep} if vit["drop_path_rate"] > 0 else {}
    if shuffle is not None:
        inputs["input.keep_index"] = shuffle[:, :int(tokens * (1 - 0.1))].clone()
    give()
    case(name, "vit_face", dict(vit, training=True), model, x, inputs)
    assert all(not blk.drop_path.given for blk in model.blocks if isinstance(blk.drop_path, fm.DropPath)), "a decision was not used"


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(11)
    ir = {"blocks": [2, 1, 2, 1], "widths": [8, 8, 16, 16], "input_size": 32, "num_features": 12}
    for training in (False, True):
        args = dict(ir, training=training)
        model = fm.IResNet(ir["blocks"], ir["num_features"], 0.0, ir["widths"], ir["input_size"])
        case("iresnet_small_" + ("train" if training else "eval"), "iresnet", args, model, torch.randn(3, 3, 32, 32, dtype=torch.float64))
    mb = {"num_features": 10, "blocks": [2, 1, 2, 1], "stem": 8, "body": 16, "expansions": [16, 24, 32], "first_groups": 8, "head": 24,
          "input_size": 32}
    for training in (False, True):
        args = dict(mb, training=training)
        model = fm.MobileFaceNet(mb["num_features"], mb["blocks"], mb["stem"], mb["body"], mb["expansions"], mb["first_groups"], mb["head"],
                                 mb["input_size"])
        case("mobilefacenet_small_" + ("train" if training else "eval"), "mobilefacenet", args, model,
             torch.randn(3, 3, 32, 32, dtype=torch.float64))
    vit = {"patch_size": 9, "num_classes": 16, "embed_dim": 24, "depth": 2, "num_heads": 3, "mlp_ratio": 4.0, "img_size": 112,
           "mask_ratio": 0.0, "drop_path_rate": 0.0, "norm_layer": "ln", "qkv_bias": False, "act": "relu6"}
    for training in (False, True):
        model = fm.FaceViT(vit["embed_dim"], vit["depth"], vit["num_heads"], vit["mlp_ratio"], vit["num_classes"])
        case("vit_face_small_" + ("train" if training else "eval"), "vit_face", dict(vit, training=training), model,
             torch.randn(3, 3, 112, 112, dtype=torch.float64))
    mb1 = dict(mb, blocks=[1, 1, 1, 1], training=False)
    model = fm.MobileFaceNet(mb1["num_features"], mb1["blocks"], mb1["stem"], mb1["body"], mb1["expansions"], mb1["first_groups"],
                             mb1["head"], mb1["input_size"])
    case("mobilefacenet_small_single_first_block", "mobilefacenet", mb1, model, torch.randn(2, 3, 32, 32, dtype=torch.float64))

    vit_train_case("vit_face_small_train_masked_droppath", dict(vit, depth=3, mask_ratio=0.05, drop_path_rate=0.5), 3)
    vit_train_case("vit_face_small_train_droppath", dict(vit, depth=3, img_size=45, drop_path_rate=0.5), 4)

    keys = {}
    for d in (18, 50, 100):
        keys["iresnet%d" % d] = fm.IResNet(fm.IRESNET_LAYERS[d])
    keys["mbf"] = fm.MobileFaceNet()
    keys["mbf_large"] = fm.MobileFaceNet(blocks=(2, 8, 12, 4), stem=256, body=512)
    for n in ("vit_t", "vit_s", "vit_b"):
        dim, depth = fm.VIT_CONFIGS[n]
        keys[n] = fm.FaceViT(dim, depth)
    manifest = {n: [[k, list(v.shape)] for k, v in m.state_dict().items()] for n, m in keys.items()}
    with open(os.path.join(HERE, "model_keys.json"), "w") as f:
        json.dump(manifest, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
