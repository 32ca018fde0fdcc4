"""PyTorch definitions of the face backbones panface implements, for golden cases and benchmarks.

With their default arguments these are insightface's arcface_torch backbones (iresnet, mobilefacenet,
vit): same layers, same state-dict keys, same initialisation. The width/input-size arguments only
exist so that tests can build small instances of the same architecture.
"""
import torch
from torch import nn


# ---- IResNet -------------------------------------------------------------------------------

class IBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=1e-05)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=1e-05)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=1e-05)
        self.downsample = downsample

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return out + (x if self.downsample is None else self.downsample(x))


class IResNet(nn.Module):
    def __init__(self, layers, num_features=512, dropout=0.0, widths=(64, 128, 256, 512), input_size=112):
        super().__init__()
        self.inplanes = widths[0]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0], eps=1e-05)
        self.prelu = nn.PReLU(widths[0])
        for i in range(4):
            setattr(self, "layer%d" % (i + 1), self._stage(widths[i], layers[i]))
        side = input_size // 16
        self.bn2 = nn.BatchNorm2d(widths[3], eps=1e-05)
        self.dropout = nn.Dropout(p=dropout, inplace=True)
        self.fc = nn.Linear(widths[3] * side * side, num_features)
        self.features = nn.BatchNorm1d(num_features, eps=1e-05)
        nn.init.constant_(self.features.weight, 1.0)
        self.features.weight.requires_grad = False
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, 0, 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _stage(self, planes, blocks):
        down = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, 2, bias=False), nn.BatchNorm2d(planes, eps=1e-05))
        mods = [IBasicBlock(self.inplanes, planes, 2, down)]
        self.inplanes = planes
        mods += [IBasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*mods)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


IRESNET_LAYERS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 14, 3], 100: [3, 13, 30, 3], 200: [6, 26, 60, 6]}


# ---- MobileFaceNet --------------------------------------------------------------------------

class ConvBlock(nn.Module):
    def __init__(self, in_c, out_c, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(in_c, out_c, k, s, p, groups=groups, bias=False), nn.BatchNorm2d(out_c), nn.PReLU(out_c))

    def forward(self, x):
        return self.layers(x)


class LinearBlock(nn.Module):
    def __init__(self, in_c, out_c, k=1, s=1, p=0, groups=1):
        super().__init__()
        self.layers = nn.Sequential(nn.Conv2d(in_c, out_c, k, s, p, groups=groups, bias=False), nn.BatchNorm2d(out_c))

    def forward(self, x):
        return self.layers(x)


class DepthWise(nn.Module):
    def __init__(self, in_c, out_c, residual, stride, groups):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(ConvBlock(in_c, groups), ConvBlock(groups, groups, 3, stride, 1, groups), LinearBlock(groups, out_c))

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, c, n, groups):
        super().__init__()
        self.layers = nn.Sequential(*[DepthWise(c, c, True, 1, groups) for _ in range(n)])

    def forward(self, x):
        return self.layers(x)


class Flatten(nn.Module):
    def forward(self, x):
        return x.view(x.size(0), -1)


class GDC(nn.Module):
    def __init__(self, head, k, num_features):
        super().__init__()
        self.layers = nn.Sequential(LinearBlock(head, head, k, 1, 0, head), Flatten(), nn.Linear(head, num_features, bias=False),
                                    nn.BatchNorm1d(num_features))

    def forward(self, x):
        return self.layers(x)


class MobileFaceNet(nn.Module):
    """get_mbf: blocks (1, 4, 6, 2), stem 128, body 256; get_mbf_large: (2, 8, 12, 4), 256, 512."""

    def __init__(self, num_features=512, blocks=(1, 4, 6, 2), stem=128, body=256, expansions=(128, 256, 512), first_groups=64,
                 head=512, input_size=112):
        super().__init__()
        e = expansions
        self.layers = nn.ModuleList([ConvBlock(3, stem, 3, 2, 1)])
        self.layers.append(ConvBlock(stem, stem, 3, 1, 1, first_groups) if blocks[0] == 1 else Residual(stem, blocks[0], e[0]))
        self.layers.extend([DepthWise(stem, stem, False, 2, e[0]), Residual(stem, blocks[1], e[0]),
                            DepthWise(stem, body, False, 2, e[1]), Residual(body, blocks[2], e[1]),
                            DepthWise(body, body, False, 2, e[2]), Residual(body, blocks[3], e[1])])
        self.conv_sep = ConvBlock(body, head)
        self.features = GDC(head, input_size // 16, num_features)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def forward(self, x):
        for f in self.layers:
            x = f(x)
        return self.features(self.conv_sep(x))


# ---- face ViT ---------------------------------------------------------------------------------

def trunc_normal_(t, std=0.02):
    with torch.no_grad():
        return nn.init.trunc_normal_(t, std=std, a=-2.0, b=2.0)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.ReLU6()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


def drop_path(x, drop_prob, training, keep=None):
    """insightface's drop_path: per sample, the branch is kept with probability 1 - drop_prob and then
    divided by that probability. keep, when given, is the per-sample decision (1 or 0) in place of
    the reference's draw floor(keep_prob + U(0, 1))."""
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    if keep is None:
        random_tensor = keep_prob + torch.rand(shape, dtype=x.dtype, device=x.device)
        random_tensor.floor_()
    else:
        random_tensor = keep.reshape(shape).to(x.dtype)
    return x.div(keep_prob) * random_tensor


class DropPath(nn.Module):
    """One module serves both branches of a block, as in the reference: every call decides anew.
    given: decisions for the next calls, consumed one per call (the reference draws instead)."""

    def __init__(self, drop_prob):
        super().__init__()
        self.drop_prob = drop_prob
        self.given = []

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training, self.given.pop(0) if self.given else None)


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, drop_path=0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class FaceViT(nn.Module):
    """insightface's VisionTransformer, with its training-time token masking and drop path.

    given_shuffle: when set, the (B, N) token permutation random_masking uses instead of drawing one
    (the reference's ids_shuffle, the argsort of uniform noise); with DropPath.given it lets a test
    choose the random decisions of a training forward.
    """

    def __init__(self, embed_dim=256, depth=12, num_heads=8, mlp_ratio=4.0, num_features=512, img_size=112, patch_size=9,
                 mask_ratio=0.0, drop_path_rate=0.0):
        super().__init__()
        n = (img_size // patch_size) ** 2
        self.mask_ratio = mask_ratio
        self.given_shuffle = None
        self.patch_embed = PatchEmbed(patch_size, embed_dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, n, embed_dim))
        dpr = [r.item() for r in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList([Block(embed_dim, num_heads, mlp_ratio, dpr[i]) for i in range(depth)])
        self.norm = nn.LayerNorm(embed_dim)
        self.feature = nn.Sequential(nn.Linear(embed_dim * n, embed_dim, bias=False), nn.BatchNorm1d(embed_dim, eps=2e-5),
                                     nn.Linear(embed_dim, num_features, bias=False), nn.BatchNorm1d(num_features, eps=2e-5))
        self.mask_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        nn.init.normal_(self.mask_token, std=0.02)
        trunc_normal_(self.pos_embed)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

    def random_masking(self, x, mask_ratio=0.1):
        n, length, d = x.size()
        len_keep = int(length * (1 - mask_ratio))
        if self.given_shuffle is None:
            noise = torch.rand(n, length, device=x.device)
            ids_shuffle = torch.argsort(noise, dim=1)
        else:
            ids_shuffle = self.given_shuffle
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        # the reference also builds a binary mask here, which its forward does not use
        return torch.gather(x, dim=1, index=ids_keep.unsqueeze(-1).repeat(1, 1, d)), ids_restore

    def forward(self, x):
        b = x.shape[0]
        x = self.patch_embed(x) + self.pos_embed
        masked = self.training and self.mask_ratio > 0
        if masked:
            x, ids_restore = self.random_masking(x)   # without the configured ratio, as the reference calls it
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        if masked:
            mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] - x.shape[1], 1)
            x = torch.gather(torch.cat([x, mask_tokens], dim=1), dim=1, index=ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        return self.feature(x.reshape(b, -1))


VIT_CONFIGS = {"vit_t": (256, 12), "vit_s": (512, 12), "vit_b": (512, 24), "vit_l": (768, 24), "vit_h": (1024, 48)}
