package panface.tensor.ops;

import panface.tensor.Autocast;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.autograd.Node;
import panface.tensor.backend.Conv2dParams;

/** 2-D convolution as unfold (im2col) + grouped GEMM, each differentiable. */
public final class Convolution {
    private Convolution() {
    }

    /** x (N, C, H, W) unfolded to (N, C*kh*kw, Ho*Wo); its gradient folds back with col2im. */
    public static Tensor unfold(Tensor x, Conv2dParams p) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("unfold expects (N, C, H, W), got " + x.describe());
        }
        int n = x.size(0);
        int c = x.size(1);
        int ho = p.outH(x.size(2));
        int wo = p.outW(x.size(3));
        if (ho <= 0 || wo <= 0) {
            throw new IllegalArgumentException("convolution window " + p + " does not fit input " + x.describe());
        }
        Tensor cols = x.newEmpty(x.dtype(), n, c * p.kh() * p.kw(), ho * wo);
        x.backend().im2col(x.detach(), p, cols);
        if (!GradMode.needsGrad(x)) {
            return cols;
        }
        int[] xs = x.shape();
        return cols.withGradFn(new Node("unfold", x) {
            @Override
            public Tensor[] backward(Tensor g) {
                Tensor gx = g.newZeros(g.dtype(), xs);
                gx.backend().col2im(g.contiguous(), p, gx);
                return new Tensor[] {gx};
            }
        });
    }

    /** PyTorch's conv2d. */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        x = Autocast.forProduct(x);
        weight = Autocast.forProduct(weight);
        bias = Autocast.forProduct(bias);
        if (x.dim() != 4 || weight.dim() != 4) {
            throw new IllegalArgumentException("conv2d expects x (N, C, H, W) and weight (O, C/groups, kh, kw), got " + x.describe()
                    + " and " + weight.describe());
        }
        int c = x.size(1);
        int o = weight.size(0);
        if (groups <= 0 || c % groups != 0 || o % groups != 0 || weight.size(1) * groups != c) {
            throw new IllegalArgumentException("conv2d: input channels " + c + ", weight " + weight.describe() + " and groups " + groups
                    + " do not fit together");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != o)) {
            throw new IllegalArgumentException("conv2d: bias " + bias.describe() + " must have " + o + " elements");
        }
        Conv2dParams p = new Conv2dParams(weight.size(2), weight.size(3), stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1]);
        int n = x.size(0);
        int ho = p.outH(x.size(2));
        int wo = p.outW(x.size(3));
        int kk = weight.size(1) * p.kh() * p.kw();
        Tensor cols = unfold(x, p).reshape(n, groups, kk, ho * wo);
        Tensor w = weight.reshape(groups, o / groups, kk);
        Tensor y = w.matmul(cols).reshape(n, o, ho, wo);
        return bias == null ? y : y.add(bias.reshape(1, o, 1, 1));
    }
}
