package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import panface.faceloss.GifTokenLoss;
import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.optim.ParamGroup;
import panface.nn.layers.Linear;
import panface.nn.optim.SGD;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Code vectors and token-head training over a BatchSource of 3 x 1 x 1 "images" given by hand. */
class GifTrainingTest {
    /** Cycles through fixed batches. */
    private static final class Fixed implements BatchSource {
        private final List<Batch> batches;
        private final int classes;
        private long position;

        Fixed(int classes, List<Batch> batches) {
            this.classes = classes;
            this.batches = batches;
        }

        @Override
        public int numClasses() {
            return classes;
        }

        @Override
        public long batchesPerEpoch() {
            return batches.size();
        }

        @Override
        public Batch next() {
            return batches.get((int) (position++ % batches.size()));
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public void seek(long p) {
            position = p;
        }

        @Override
        public void close() {
        }
    }

    private static Tensor flatten(Tensor images) {
        return images.reshape(images.size(0), -1);
    }

    @Test
    void codeVectorsAreNormalisedMeansOverTheSource() {
        Batch b1 = new Batch(new float[] {2, 0, 0, 0, 0, 3}, new long[] {0, 1}, 1, 1);
        Batch b2 = new Batch(new float[] {0, 2, 0}, new long[] {0}, 1, 1);
        float[][] v = GifTraining.codeVectors(GifTrainingTest::flatten, new Fixed(2, List.of(b1, b2)), 2, 10, CodeVectors.Averaging.RAW_MEAN);
        // identity 0: mean (1, 1, 0) normalised; identity 1: (0, 0, 1)
        float h = (float) (1 / Math.sqrt(2));
        assertArrayEquals(new float[] {h, h, 0}, v[0], 1e-7f);
        assertArrayEquals(new float[] {0, 0, 1}, v[1], 0f);
        assertThrows(IllegalStateException.class,
                () -> GifTraining.codeVectors(GifTrainingTest::flatten, new Fixed(3, List.of(b1)), 1, 4, CodeVectors.Averaging.RAW_MEAN));
    }

    @Test
    void labelsMapToCodesAndTrainingLowersTheLoss() {
        IdentityCodes codes = new IdentityCodes(3, 2, new int[] {0, 1, 2, 2, 1, 0});
        assertArrayEquals(new long[] {1, 0, 0, 1, 2, 2}, GifTraining.codesOf(codes, new long[] {2, 0, 1}).toLongArray());
        Batch b = new Batch(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new long[] {0, 1, 2}, 1, 1);
        GifTokenLoss heads = GifTokenLoss.linear(2, 3, 3, new Generator(4));
        SGD sgd = new SGD(List.of(ParamGroup.of(heads.parameters(), 0)), 0.5, 0);
        Fixed src = new Fixed(3, List.of(b));
        double first = GifTraining.train(GifTrainingTest::flatten, heads, codes, src, sgd, 1, null);
        double last = GifTraining.train(GifTrainingTest::flatten, heads, codes, src, sgd, 50, null);
        assertTrue(last < 0.5 * first, "token heads should fit three separable identities: " + first + " -> " + last);
    }

    @Test
    void prefixConditionedHeadsTrainAcrossStepScopes() {
        IdentityCodes codes = new IdentityCodes(3, 2, new int[] {0, 1, 2, 2, 1, 0});
        Batch b = new Batch(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, new long[] {0, 1, 2}, 1, 1);
        // the optimizer keeps its momentum in the scope it was created in, as in a training run
        try (Scope run = Scope.open()) {
            GifTokenLoss heads = GifTokenLoss.of(2, 3, 3, null, GifTokenLoss.Conditioning.PREFIX, new Generator(4));
            // a trained backbone, so that the embedding and the prefix vectors both receive gradients
            Linear backbone = new Linear(3, 3, false, new Generator(6));
            List<panface.nn.Parameter> ps = new java.util.ArrayList<>(heads.parameters());
            ps.addAll(backbone.parameters());
            SGD sgd = new SGD(List.of(ParamGroup.of(ps, 5e-4)), 0.5, 0.9);
            Fixed src = new Fixed(3, List.of(b));
            java.util.function.Function<Tensor, Tensor> embed = x -> backbone.forward(flatten(x));
            double first = GifTraining.train(embed, heads, codes, src, sgd, 1, null);
            double last = GifTraining.train(embed, heads, codes, src, sgd, 30, null);
            assertTrue(last < 0.5 * first, "prefix-conditioned heads should fit three separable identities: " + first + " -> " + last);
        }
    }

    /**
     * Three prefix-conditioned heads on a two-layer backbone: the embedding receives gradients from
     * several heads through adds that also feed the prefix lookups (a case where the autograd engine
     * once freed a shared gradient too early).
     */
    @Test
    void prefixConditionedHeadsOnATrainedBackbone() {
        int n = 256;
        float[] img = new float[n * 48];
        long[] labels = new long[n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        Batch b = new Batch(img, labels, 4, 4);
        IdentityCodes codes = new IdentityCodes(3, 3, new int[] {0, 1, 2, 2, 1, 0, 1, 1, 1});
        try (Scope run = Scope.open()) {
            GifTokenLoss heads = GifTokenLoss.of(3, 3, 32, null, GifTokenLoss.Conditioning.PREFIX, new Generator(4));
            Linear fc1 = new Linear(48, 128, true, new Generator(6));
            Linear fc2 = new Linear(128, 32, true, new Generator(7));
            List<panface.nn.Parameter> ps = new java.util.ArrayList<>(heads.parameters());
            ps.addAll(fc1.parameters());
            ps.addAll(fc2.parameters());
            SGD sgd = new SGD(List.of(ParamGroup.of(ps, 5e-4)), 0.1, 0.9);
            GifTraining.train(x -> fc2.forward(panface.tensor.F.relu(fc1.forward(flatten(x)))), heads, codes, new Fixed(3, List.of(b)), sgd, 3,
                    null);
        }
    }
}
