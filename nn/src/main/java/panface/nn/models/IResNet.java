package panface.nn.models;

import java.util.ArrayList;
import java.util.List;

import panface.nn.InferenceCompiler;
import panface.nn.InferenceStep;
import panface.nn.Init;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.PreparedSlot;
import panface.nn.layers.BatchNorm;
import panface.nn.layers.Conv2d;
import panface.nn.layers.Dropout;
import panface.nn.layers.FusedConv;
import panface.nn.layers.Linear;
import panface.nn.layers.PReLU;
import panface.nn.layers.Sequential;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * insightface's IResNet (18/34/50/100/200) for 112x112 faces: a 3x3 stem with PReLU, four stages
 * of IBasicBlocks (BN, conv3x3, BN, PReLU, conv3x3 with stride, BN, plus the shortcut), then BN,
 * flatten (512 x 7 x 7), dropout, Linear to the embedding and a BatchNorm1d whose weight is fixed
 * at 1 and frozen. Convolutions are initialised N(0, 0.1^2). Keys are insightface's.
 */
public final class IResNet extends Module implements Layer {
    private final Conv2d conv1;
    private final BatchNorm bn1;
    private final PReLU prelu;
    private final Sequential[] stages = new Sequential[4];
    private final BatchNorm bn2;
    private final Dropout dropout;
    private final Linear fc;
    private final BatchNorm features;

    /** Block counts by depth: 18 [2,2,2,2], 34 [3,4,6,3], 50 [3,4,14,3], 100 [3,13,30,3], 200 [6,26,60,6]. */
    public static int[] layers(int depth) {
        return switch (depth) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34 -> new int[] {3, 4, 6, 3};
            case 50 -> new int[] {3, 4, 14, 3};
            case 100 -> new int[] {3, 13, 30, 3};
            case 200 -> new int[] {6, 26, 60, 6};
            default -> throw new IllegalArgumentException("IResNet depth must be 18, 34, 50, 100 or 200, got " + depth);
        };
    }

    /** insightface's network of a depth (input 112x112) with an embedding size, dropout before the fc layer, and a seed. */
    public IResNet(int depth, int numFeatures, double dropout, long seed) {
        this(layers(depth), new int[] {64, 128, 256, 512}, 112, numFeatures, dropout, seed);
    }

    /**
     * The same architecture with other stage widths and input size (the fc layer takes
     * widths[3] x (inputSize/16)^2 features); insightface's is widths (64, 128, 256, 512) at 112.
     */
    public IResNet(int[] blocks, int[] widths, int inputSize, int numFeatures, double dropout, long seed) {
        if (blocks.length != 4 || widths.length != 4 || inputSize % 16 != 0) {
            throw new IllegalArgumentException("IResNet needs 4 stages and an input size divisible by 16");
        }
        Generator gen = new Generator(seed);
        int side = inputSize / 16;
        this.conv1 = child("conv1", new Conv2d(3, widths[0], 3, 1, 1, 1, false, gen));
        this.bn1 = child("bn1", new BatchNorm(widths[0]));
        this.prelu = child("prelu", new PReLU(widths[0]));
        int inplanes = widths[0];
        int[] planes = widths;
        for (int s = 0; s < 4; s++) {
            Sequential stage = new Sequential();
            for (int b = 0; b < blocks[s]; b++) {
                int stride = b == 0 ? 2 : 1;
                stage.add(new IBasicBlock(inplanes, planes[s], stride, gen));
                inplanes = planes[s];
            }
            stages[s] = child("layer" + (s + 1), stage);
        }
        this.bn2 = child("bn2", new BatchNorm(widths[3]));
        this.dropout = child("dropout", new Dropout(dropout, gen.fork(7)));
        this.fc = child("fc", new Linear(widths[3] * side * side, numFeatures, true, gen));
        this.features = child("features", new BatchNorm(numFeatures));
        this.features.weight().requiresGrad(false);
        initConvs(this, gen);
    }

    private static void initConvs(Module m, Generator gen) {
        if (m instanceof Conv2d c) {
            c.weight().set(Init.normal(gen, 0, 0.1, c.weight().shape()));
        }
        for (Module child : m.children().values()) {
            initConvs(child, gen);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = freeingIntermediates(x, () -> prelu.forward(bn1.forward(conv1.forward(x))));
        for (Sequential s : stages) {
            y = s.forward(y);
        }
        y = bn2.forward(y).flatten(1, 3);
        return features.forward(fc.forward(dropout.forward(y)));
    }

    /** The stem conv with its BatchNorm folded in and its PReLU fused; each block fuses its own convolutions. */
    @Override
    protected InferenceStep inferenceStep(InferenceCompiler c) {
        PreparedSlot<FusedConv> stem = c.prepare(() -> FusedConv.of(null, conv1, bn1, prelu), conv1, bn1, prelu);
        List<InferenceStep> steps = new ArrayList<>();
        steps.add((w, x) -> stem.in(w).forward(x, null));
        for (Sequential s : stages) {
            steps.add(c.step(s));
        }
        InferenceStep bn = c.step(bn2);
        InferenceStep linear = c.step(fc);
        InferenceStep feat = c.step(features);
        steps.add((w, y) -> feat.apply(w, linear.apply(w, bn.apply(w, y).flatten(1, 3))));
        return InferenceStep.chain(steps);
    }

    /** BN -> conv3x3 -> BN -> PReLU -> conv3x3(stride) -> BN, plus the identity or a 1x1 conv + BN shortcut. */
    static final class IBasicBlock extends Module implements Layer {
        private final BatchNorm bn1;
        private final Conv2d conv1;
        private final BatchNorm bn2;
        private final PReLU prelu;
        private final Conv2d conv2;
        private final BatchNorm bn3;
        private final Sequential downsample;

        /** The block's convolutions fused with their BatchNorms, PReLU and the shortcut's add. */
        private record Fused(FusedConv conv1, FusedConv conv2, FusedConv downsample) {
        }

        IBasicBlock(int inplanes, int planes, int stride, Generator gen) {
            this.bn1 = child("bn1", new BatchNorm(inplanes));
            this.conv1 = child("conv1", new Conv2d(inplanes, planes, 3, 1, 1, 1, false, gen));
            this.bn2 = child("bn2", new BatchNorm(planes));
            this.prelu = child("prelu", new PReLU(planes));
            this.conv2 = child("conv2", new Conv2d(planes, planes, 3, stride, 1, 1, false, gen));
            this.bn3 = child("bn3", new BatchNorm(planes));
            this.downsample = stride != 1 || inplanes != planes
                    ? child("downsample", new Sequential().add(new Conv2d(inplanes, planes, 1, stride, 0, 1, false, gen)).add(new BatchNorm(planes)))
                    : null;
        }

        /**
         * bn1 goes in front of conv1 as its input's per-channel scale and shift (applied where the
         * window covers the input, not the zero padding, so exactly what the layers compute), bn2
         * and bn3 fold into the weights of conv1 and conv2, the PReLU runs on conv1's output and
         * the shortcut is added onto conv2's output, all in the convolution's epilogue.
         */
        @Override
        protected InferenceStep inferenceStep(InferenceCompiler c) {
            PreparedSlot<Fused> fused = c.prepare(() -> new Fused(FusedConv.of(bn1, conv1, bn2, prelu), FusedConv.of(null, conv2, bn3, null),
                    downsample == null ? null : FusedConv.of(null, (Conv2d) downsample.get(0), (BatchNorm) downsample.get(1), null)), this);
            return (w, x) -> {
                Fused f = fused.in(w);
                Tensor shortcut = f.downsample() == null ? x : f.downsample().forward(x, null);
                return f.conv2().forward(f.conv1().forward(x, null), shortcut);
            };
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor out = bn3.forward(conv2.forward(prelu.forward(bn2.forward(conv1.forward(bn1.forward(x))))));
            return out.add(downsample == null ? x : downsample.forward(x));
        }
    }
}
