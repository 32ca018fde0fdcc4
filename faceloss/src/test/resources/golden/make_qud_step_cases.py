#!/usr/bin/env python3
"""Golden cases for one QUD training step, written by PyTorch in the golden-case format (float64).

Run with a Python that has PyTorch (1.13 wrote the committed files): python3 make_qud_step_cases.py [DIR]
op "qud_step": the QUD student (MobileFaceNet as QUD builds it: a depthwise first conv and a final
BatchNorm1d without weight and bias; here at small widths and a 32x32 input so the file stays small)
in training mode on input.x; input.teacher (B, E) the frozen teacher's embeddings of the same images;
buffer.queue (K, E) the queue of earlier teacher keys, rows = the reference's columns. The loss is
CE([q.k | q.Q] / tau, 0) over q = normalize(student(x)), k = normalize(teacher), Q = the queue
snapshot before the enqueue; then keys are written at rows ptr..ptr+B and ptr advances mod K.
Outputs: output.loss, output.queue, output.queue_ptr, grad.<every student parameter whose gradient is not 0 up to
rounding>.
args: the student config (num_features, blocks, stem, body, expansions, first_groups, head,
input_size), tau, queue_ptr. __metadata__ torch_f32_max_rel: PyTorch's own float32 max_rel per
checked tensor, the yardstick for a float32 run.
Cases: qud_step (ptr 0), qud_step_wrap (ptr K - B: the write reaches the end and ptr wraps to 0),
qud_step_code_tau (tau 0.07, ptr in the middle).
"""
import copy
import json
import os
import struct
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "..", "scripts", "python"))
import face_models as fm  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "qud")
DT = {torch.float64: "F64", torch.float32: "F32", torch.int64: "I64"}
KINK_CLEARANCE = 10.0
CONFIG = {"num_features": 16, "blocks": [1, 1, 1, 1], "stem": 8, "body": 16, "expansions": [8, 16, 32], "first_groups": 8,
          "head": 32, "input_size": 32}


def save(name, args, tensors, extra):
    header = {"__metadata__": {"op": "qud_step", "args": json.dumps(args), "schema": "1", **extra}}
    blobs, off = [], 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        b = t.numpy().tobytes()
        header[k] = {"dtype": DT[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def student():
    c = CONFIG
    m = fm.MobileFaceNet(c["num_features"], c["blocks"], c["stem"], c["body"], c["expansions"], c["first_groups"], c["head"],
                         c["input_size"])
    m.features.layers[3] = torch.nn.BatchNorm1d(c["num_features"], affine=False)
    return m


def qud_step(model, x, teacher, queue, ptr, tau):
    """The reference's step: loss, then the snapshot-before-enqueue ring update (queue rows = keys)."""
    q = F.normalize(model(x), dim=1)
    with torch.no_grad():
        k = F.normalize(teacher, dim=1)
    snapshot = queue.clone().detach()
    logits = torch.cat([(q * k).sum(1, keepdim=True), q @ snapshot.t()], 1) / tau
    loss = F.cross_entropy(logits, torch.zeros(x.shape[0], dtype=torch.long))
    new_queue = queue.clone()
    b, n = k.shape[0], queue.shape[0]
    assert n % b == 0
    new_queue[ptr:ptr + b] = k
    return loss, new_queue, (ptr + b) % n


def prelu_inputs(model, x):
    model = copy.deepcopy(model)
    seen = []
    for m in model.modules():
        if isinstance(m, torch.nn.PReLU):
            m.register_forward_hook(lambda mod, inp, out: seen.append(inp[0].detach().double()))
    with torch.no_grad():
        model(x)
    return seen


def clear_of_kinks(model, x, gen):
    """x redrawn until every PReLU input lies KINK_CLEARANCE times farther from 0 than PyTorch's float32 error there."""
    for _ in range(100):
        exact = prelu_inputs(model, x)
        single = prelu_inputs(copy.deepcopy(model).float(), x.float())
        if all(e.abs().min() >= KINK_CLEARANCE * (s - e).abs().max() for e, s in zip(exact, single)):
            return x
        x = torch.randn(x.shape, dtype=x.dtype, generator=gen)
    raise RuntimeError("no input clear of the PReLU kinks")


def run_case(name, b, n, ptr, tau, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    model = student().double().train()
    x = clear_of_kinks(model, torch.randn(b, 3, 32, 32, dtype=torch.float64, generator=gen), gen)
    teacher = torch.randn(b, CONFIG["num_features"], dtype=torch.float64)
    queue = F.normalize(torch.randn(n, CONFIG["num_features"], dtype=torch.float64), dim=1)
    tensors = {"input.x": x, "input.teacher": teacher, "buffer.queue": queue}
    for k, v in model.state_dict().items():
        tensors[("param." if k in dict(model.named_parameters()) else "buffer.") + k] = v.clone()
    ref = copy.deepcopy(model)
    loss, new_queue, new_ptr = qud_step(model, x, teacher, queue, ptr, tau)
    loss.backward()
    tensors["output.loss"] = loss
    tensors["output.queue"] = new_queue
    tensors["output.queue_ptr"] = torch.tensor(new_ptr, dtype=torch.int64)
    for k, p in model.named_parameters():
        # gradients that are zero up to rounding (a BatchNorm shift that only feeds training-mode
        # BatchNorms, which remove it) are left out: their max_rel would compare rounding noise
        if p.grad.abs().max() > 1e-10:
            tensors["grad." + k] = p.grad.clone()
    single = ref.float()
    loss32, queue32, _ = qud_step(single, x.float(), teacher.float(), queue.float(), ptr, tau)
    loss32.backward()
    got = {"output.loss": loss32, "output.queue": queue32}
    got.update({"grad." + k: p.grad for k, p in single.named_parameters() if "grad." + k in tensors})
    f32 = {k: ((v.double() - tensors[k]).abs().max() / max(tensors[k].abs().max().item(), 1e-12)).item() for k, v in sorted(got.items())}
    args = dict(CONFIG, tau=tau, queue_ptr=ptr)
    save(name, args, tensors, {"torch_f32_max_rel": json.dumps(f32)})


def main():
    os.makedirs(OUT, exist_ok=True)
    run_case("qud_step", 4, 12, 0, 0.1, 1)
    run_case("qud_step_wrap", 4, 12, 8, 0.1, 2)
    run_case("qud_step_code_tau", 4, 8, 4, 0.07, 3)


if __name__ == "__main__":
    main()
