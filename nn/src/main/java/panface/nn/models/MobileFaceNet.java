package panface.nn.models;

import java.util.List;

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
import panface.nn.layers.PReLU;
import panface.nn.layers.Sequential;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * insightface's MobileFaceNet ({@code get_mbf}: blocks (1, 4, 6, 2), scale 2; {@code
 * get_mbf_large}: (2, 8, 12, 4), scale 4): depthwise-separable bottlenecks with PReLU, a 1x1
 * conv to 512, and the GDC head (7x7 depthwise conv + BN, flatten, Linear, BatchNorm1d).
 * Convolutions and the Linear are kaiming_normal(fan_out) initialised. Keys are insightface's.
 */
public final class MobileFaceNet extends Module implements Layer {
    private final Sequential layers;
    private final ConvBlock convSep;
    private final Wrapper features;

    /**
     * The network's widths. insightface: stem 64*scale, body 128*scale, expansions (128, 256,
     * 512), first depthwise conv in 64 groups, head 512 wide, input 112 (GDC kernel 7).
     */
    public record Config(int numFeatures, int[] blocks, int stem, int body, int[] expansions, int firstGroups, int head, int inputSize,
            boolean affineFeatures) {
        /** A network whose final BatchNorm1d is affine (insightface's). */
        public Config(int numFeatures, int[] blocks, int stem, int body, int[] expansions, int firstGroups, int head, int inputSize) {
            this(numFeatures, blocks, stem, body, expansions, firstGroups, head, inputSize, true);
        }

        /** get_mbf(num_features): blocks (1, 4, 6, 2), scale 2. */
        public static Config standard(int numFeatures) {
            return new Config(numFeatures, new int[] {1, 4, 6, 2}, 128, 256, new int[] {128, 256, 512}, 64, 512, 112);
        }

        /** get_mbf_large(num_features): blocks (2, 8, 12, 4), scale 4. */
        public static Config large(int numFeatures) {
            return new Config(numFeatures, new int[] {2, 8, 12, 4}, 256, 512, new int[] {128, 256, 512}, 64, 512, 112);
        }

        /**
         * QUD's student (about 1.19M parameters at 512 features): insightface's layout at scale 1
         * (stem 64, body 128, expansions 128/256/512, a depthwise first conv) and a final
         * BatchNorm1d without weight and bias (affine=False), as the QUD code builds it.
         */
        public static Config qud(int numFeatures) {
            return new Config(numFeatures, new int[] {1, 4, 6, 2}, 64, 128, new int[] {128, 256, 512}, 64, 512, 112, false);
        }
    }

    /** The standard network: get_mbf(num_features). */
    public static MobileFaceNet standard(int numFeatures, long seed) {
        return new MobileFaceNet(Config.standard(numFeatures), seed);
    }

    /** QUD's student network: {@link Config#qud}. */
    public static MobileFaceNet qud(int numFeatures, long seed) {
        return new MobileFaceNet(Config.qud(numFeatures), seed);
    }

    /** The large network: get_mbf_large(num_features). */
    public static MobileFaceNet large(int numFeatures, long seed) {
        return new MobileFaceNet(Config.large(numFeatures), seed);
    }

    public MobileFaceNet(Config c, long seed) {
        if (c.inputSize() % 16 != 0) {
            throw new IllegalArgumentException("MobileFaceNet input size must be divisible by 16, got " + c.inputSize());
        }
        Generator g = new Generator(seed);
        int[] blocks = c.blocks();
        int[] e = c.expansions();
        Sequential l = new Sequential();
        l.add(new ConvBlock(3, c.stem(), 3, 2, 1, 1, g));
        if (blocks[0] == 1) {
            l.add(new ConvBlock(c.stem(), c.stem(), 3, 1, 1, c.firstGroups(), g));
        } else {
            l.add(residual(c.stem(), blocks[0], e[0], g));
        }
        l.add(new DepthWise(c.stem(), c.stem(), false, 2, e[0], g));
        l.add(residual(c.stem(), blocks[1], e[0], g));
        l.add(new DepthWise(c.stem(), c.body(), false, 2, e[1], g));
        l.add(residual(c.body(), blocks[2], e[1], g));
        l.add(new DepthWise(c.body(), c.body(), false, 2, e[2], g));
        l.add(residual(c.body(), blocks[3], e[1], g));
        this.layers = child("layers", l);
        this.convSep = child("conv_sep", new ConvBlock(c.body(), c.head(), 1, 1, 0, 1, g));
        int numFeatures = c.numFeatures();
        int k = c.inputSize() / 16;
        Sequential gdc = new Sequential()
                .add(new LinearBlock(c.head(), c.head(), k, 1, 0, c.head(), g))
                .addFunction(x -> x.flatten(1, 3))
                .add(new Linear(c.head(), numFeatures, false, g))
                .add(c.affineFeatures() ? new BatchNorm(numFeatures) : new BatchNorm(numFeatures, 1e-5, 0.1, false));
        this.features = child("features", new Wrapper(gdc));
        initWeights(this, g);
    }

    private static Wrapper residual(int c, int n, int groups, Generator g) {
        Sequential s = new Sequential();
        for (int i = 0; i < n; i++) {
            s.add(new DepthWise(c, c, true, 1, groups, g));
        }
        return new Wrapper(s);
    }

    private static void initWeights(Module m, Generator g) {
        if (m instanceof Conv2d c) {
            int[] s = c.weight().shape();
            c.weight().set(Init.kaimingNormal(g, s[0] * s[2] * s[3], s));
        } else if (m instanceof Linear lin) {
            int[] s = lin.weight().shape();
            lin.weight().set(Init.kaimingNormal(g, s[0], s));
        }
        for (Module child : m.children().values()) {
            initWeights(child, g);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return features.forward(convSep.forward(layers.forward(x)));
    }

    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        return InferenceStep.chain(List.of(c.step(layers), c.step(convSep), c.step(features)));
    }

    /** A module whose only child is "layers" (insightface wraps Residual and GDC that way). */
    static final class Wrapper extends Module implements Layer {
        private final Sequential inner;

        Wrapper(Sequential inner) {
            this.inner = child("layers", inner);
        }

        @Override
        public Tensor forward(Tensor x) {
            return inner.forward(x);
        }

        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            return c.step(inner);
        }
    }

    /** conv (no bias) + BN + PReLU, under "layers.0/1/2"; in an inference plan one fused convolution. */
    static final class ConvBlock extends Module implements Layer {
        private final Sequential layers;

        ConvBlock(int in, int out, int k, int stride, int pad, int groups, Generator g) {
            this.layers = child("layers", new Sequential().add(new Conv2d(in, out, k, stride, pad, groups, false, g)).add(new BatchNorm(out))
                    .add(new PReLU(out)));
        }

        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedSlot<FusedConv> f = c.prepare(
                    () -> FusedConv.of(null, (Conv2d) layers.get(0), (BatchNorm) layers.get(1), (PReLU) layers.get(2)), this);
            return (w, x) -> f.in(w).forward(x, null);
        }

        @Override
        public Tensor forward(Tensor x) {
            return layers.forward(x);
        }
    }

    /** conv (no bias) + BN, under "layers.0/1"; in an inference plan one convolution with the BN folded in. */
    static final class LinearBlock extends Module implements Layer {
        private final Sequential layers;

        LinearBlock(int in, int out, int k, int stride, int pad, int groups, Generator g) {
            this.layers = child("layers", new Sequential().add(new Conv2d(in, out, k, stride, pad, groups, false, g)).add(new BatchNorm(out)));
        }

        /** The convolution with its BatchNorm folded in, in a slot of the plan. */
        PreparedSlot<FusedConv> prepared(InferenceCompiler c) {
            return c.prepare(() -> FusedConv.of(null, (Conv2d) layers.get(0), (BatchNorm) layers.get(1), null), this);
        }

        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedSlot<FusedConv> f = prepared(c);
            return (w, x) -> f.in(w).forward(x, null);
        }

        @Override
        public Tensor forward(Tensor x) {
            return layers.forward(x);
        }
    }

    /** 1x1 expand (ConvBlock) -> 3x3 depthwise (ConvBlock) -> 1x1 project (LinearBlock), plus x when residual. */
    static final class DepthWise extends Module implements Layer {
        private final Sequential layers;
        private final boolean residual;

        DepthWise(int in, int out, boolean residual, int stride, int groups, Generator g) {
            this.residual = residual;
            this.layers = child("layers", new Sequential()
                    .add(new ConvBlock(in, groups, 1, 1, 0, 1, g))
                    .add(new ConvBlock(groups, groups, 3, stride, 1, groups, g))
                    .add(new LinearBlock(groups, out, 1, 1, 0, 1, g)));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = layers.forward(x);
            return residual ? x.add(y) : y;
        }

        /** The three fused convolutions, the residual added in the projection's epilogue. */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            InferenceStep expand = c.step((Module) layers.get(0));
            InferenceStep depthwise = c.step((Module) layers.get(1));
            PreparedSlot<FusedConv> project = ((LinearBlock) layers.get(2)).prepared(c);
            return (w, x) -> project.in(w).forward(depthwise.apply(w, expand.apply(w, x)), residual ? x : null);
        }
    }
}
