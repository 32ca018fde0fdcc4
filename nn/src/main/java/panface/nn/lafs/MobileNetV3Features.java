package panface.nn.lafs;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.PreparedSlot;
import panface.nn.layers.BatchNorm;
import panface.nn.layers.Conv2d;
import panface.nn.layers.FusedConv;
import panface.nn.layers.Linear;
import panface.nn.layers.PreparedLinear;
import panface.nn.layers.Sequential;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.UnaryOp;
import panface.tensor.random.Generator;

/**
 * The feature trunk of MobileNetV3-large as the LAFS landmark CNN uses it: a stride-2 3x3 stem with
 * h-swish, then the 15 bottlenecks of the paper's Table 1, without the final 960/1280 convolutions
 * or the classifier. A 112x112 input gives (N, 160, 4, 4). Keys: features.0.{0,1} (stem conv and
 * BatchNorm), features.k.conv.{0,1,3,4,5.fc.0,5.fc.2,7,8} (bottleneck k), as the reference's
 * {@code MobileNetV3_backbone}.
 */
public final class MobileNetV3Features extends Module implements Layer {
    /** Per bottleneck: kernel, expansion width, output width, squeeze-excitation (1/0), h-swish (1) or ReLU (0), stride. */
    static final int[][] LARGE = {
        {3, 16, 16, 0, 0, 1}, {3, 64, 24, 0, 0, 2}, {3, 72, 24, 0, 0, 1}, {5, 72, 40, 1, 0, 2}, {5, 120, 40, 1, 0, 1},
        {5, 120, 40, 1, 0, 1}, {3, 240, 80, 0, 1, 2}, {3, 200, 80, 0, 1, 1}, {3, 184, 80, 0, 1, 1}, {3, 184, 80, 0, 1, 1},
        {3, 480, 112, 1, 1, 1}, {3, 672, 112, 1, 1, 1}, {5, 672, 160, 1, 1, 2}, {5, 960, 160, 1, 1, 1}, {5, 960, 160, 1, 1, 1},
    };

    private final Sequential features;
    private final int outChannels;
    private final int[][] table;

    /** The large configuration (160 output channels). */
    public MobileNetV3Features(Generator gen) {
        this(LARGE, gen);
    }

    /** A trunk with the given bottleneck table (rows as {@link #LARGE}); tests use narrower tables. */
    public MobileNetV3Features(int[][] table, Generator gen) {
        Sequential f = new Sequential();
        f.add(new Stem(16, gen));
        int in = 16;
        for (int[] r : table) {
            f.add(new Bottleneck(in, r[2], r[0], r[5], r[1], r[3] == 1, r[4] == 1, gen));
            in = r[2];
        }
        this.features = child("features", f);
        this.outChannels = in;
        this.table = new int[table.length][];
        for (int i = 0; i < table.length; i++) {
            this.table[i] = table[i].clone();
        }
    }

    /** The bottleneck table (rows as {@link #LARGE}), a copy: what an exporter needs besides the weights (strides, activations). */
    public int[][] table() {
        int[][] out = new int[table.length][];
        for (int i = 0; i < table.length; i++) {
            out[i] = table[i].clone();
        }
        return out;
    }

    /** The number of output channels (160 for the large table). */
    public int outChannels() {
        return outChannels;
    }

    @Override
    public Tensor forward(Tensor x) {
        return features.forward(x);
    }

    /** The stem and bottleneck steps chained (each with its BatchNorms folded into its convolutions). */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        return c.step(features);
    }

    /** Conv 3x3 stride 2 (no bias) + BatchNorm + h-swish; keys 0, 1. */
    static final class Stem extends Module implements Layer {
        private final Conv2d conv;
        private final BatchNorm bn;

        Stem(int out, Generator gen) {
            this.conv = child("0", fanOutConv(new Conv2d(3, out, 3, 2, 1, 1, false, gen), gen));
            this.bn = child("1", new BatchNorm(out));
        }

        @Override
        public Tensor forward(Tensor x) {
            return F.hardswish(bn.forward(conv.forward(x)));
        }

        /** The BatchNorm folded into the convolution; h-swish after it (no convolution epilogue has it). */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedSlot<FusedConv> fused = c.prepare(() -> FusedConv.of(null, conv, bn, null), this);
            return (w, x) -> F.hardswish(fused.in(w).forward(x, null));
        }
    }

    /**
     * 1x1 expand + BN + act, depthwise kxk + BN, squeeze-excitation, act, 1x1 project + BN; a
     * residual when the stride is 1 and the widths agree. Keys conv.0 .. conv.8 as the reference's
     * Sequential (activations and the identity SE hold indices without keys).
     */
    static final class Bottleneck extends Module implements Layer {
        private final Conv2d expand;
        private final BatchNorm bn1;
        private final Conv2d depthwise;
        private final BatchNorm bn2;
        private final SqueezeExcitation se;
        private final Conv2d project;
        private final BatchNorm bn3;
        private final boolean hswish;
        private final boolean residual;

        Bottleneck(int in, int out, int kernel, int stride, int exp, boolean se, boolean hswish, Generator gen) {
            Module conv = child("conv", new Keys());
            this.expand = ((Keys) conv).put("0", fanOutConv(new Conv2d(in, exp, 1, 1, 0, 1, false, gen), gen));
            this.bn1 = ((Keys) conv).put("1", new BatchNorm(exp));
            this.depthwise = ((Keys) conv).put("3", fanOutConv(new Conv2d(exp, exp, kernel, stride, (kernel - 1) / 2, exp, false, gen), gen));
            this.bn2 = ((Keys) conv).put("4", new BatchNorm(exp));
            this.se = se ? ((Keys) conv).put("5", new SqueezeExcitation(exp, 4, gen)) : null;
            this.project = ((Keys) conv).put("7", fanOutConv(new Conv2d(exp, out, 1, 1, 0, 1, false, gen), gen));
            this.bn3 = ((Keys) conv).put("8", new BatchNorm(out));
            this.hswish = hswish;
            this.residual = stride == 1 && in == out;
        }

        private Tensor act(Tensor t) {
            return hswish ? F.hardswish(t) : F.relu(t);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = act(bn1.forward(expand.forward(x)));
            y = bn2.forward(depthwise.forward(y));
            if (se != null) {
                y = se.forward(y);
            }
            y = bn3.forward(project.forward(act(y)));
            return residual ? x.add(y) : y;
        }

        /** The block's three convolutions with their BatchNorms folded in. */
        private record Fused(FusedConv expand, FusedConv depthwise, FusedConv project) {
        }

        /**
         * Each BatchNorm folded into the convolution before it; a ReLU fused into the convolution
         * it follows (the depthwise one only without squeeze-excitation, which comes before the
         * activation), h-swish applied on its own; the residual added in the projection's epilogue.
         */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            boolean fuseDepthwiseRelu = !hswish && se == null;
            PreparedSlot<Fused> fused = c.prepare(() -> {
                FusedConv e = FusedConv.of(null, expand, bn1, null);
                FusedConv d = FusedConv.of(null, depthwise, bn2, null);
                return new Fused(hswish ? e : e.withRelu(), fuseDepthwiseRelu ? d.withRelu() : d, FusedConv.of(null, project, bn3, null));
            }, this);
            InferenceStep excite = se == null ? null : c.step(se);
            return (w, x) -> {
                Fused f = fused.in(w);
                Tensor y = f.expand().forward(x, null);
                if (hswish) {
                    y = F.hardswish(y);
                }
                y = f.depthwise().forward(y, null);
                if (excite != null) {
                    y = excite.apply(w, y);
                }
                if (!fuseDepthwiseRelu) {
                    y = act(y);
                }
                return f.project().forward(y, residual ? x : null);
            };
        }
    }

    /** x * hsigmoid(W2 relu(W1 mean_hw(x))), both linears without bias; keys fc.0, fc.2. */
    static final class SqueezeExcitation extends Module implements Layer {
        private final Linear fc1;
        private final Linear fc2;

        SqueezeExcitation(int channels, int reduction, Generator gen) {
            Keys fc = child("fc", new Keys());
            this.fc1 = fc.put("0", new Linear(channels, channels / reduction, false, gen));
            this.fc2 = fc.put("2", new Linear(channels / reduction, channels, false, gen));
            fc1.weight().set(Init.normal(gen, 0, 0.01, fc1.weight().shape()));
            fc2.weight().set(Init.normal(gen, 0, 0.01, fc2.weight().shape()));
        }

        @Override
        public Tensor forward(Tensor x) {
            int n = x.size(0);
            int c = x.size(1);
            Tensor s = x.mean(new int[] {2, 3}, false);
            // the reference's h-sigmoid spelled out: F.hardsigmoid's backward uses PyTorch's single-precision 1/6
            s = F.relu6(fc2.forward(F.relu(fc1.forward(s))).add(3.0)).div(6.0);
            return x.mul(s.reshape(n, c, 1, 1));
        }

        /** The two products with packed weights, the ReLU fused into the first. */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedLinear p1 = PreparedLinear.of(c, fc1);
            PreparedLinear p2 = PreparedLinear.of(c, fc2);
            return (w, x) -> {
                Tensor s = x.mean(new int[] {2, 3}, false);
                s = F.relu6(p2.forward(w, p1.forwardActivation(w, s, UnaryOp.RELU)).add(3.0)).div(6.0);
                return x.mul(s.reshape(x.size(0), x.size(1), 1, 1));
            };
        }
    }

    /** The reference's kaiming_normal(mode fan_out) convolution initialisation. */
    private static Conv2d fanOutConv(Conv2d c, Generator gen) {
        int[] s = c.weight().shape();
        c.weight().set(Init.kaimingNormal(gen, s[0] * s[2] * s[3], s));
        return c;
    }
}
