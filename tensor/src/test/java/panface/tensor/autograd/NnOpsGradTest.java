package panface.tensor.autograd;

import java.util.List;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import panface.tensor.DType;
import panface.tensor.F;
import panface.tensor.Reduction;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/** Float64 finite-difference checks of the neural-network ops. */
class NnOpsGradTest {
    private static final Generator GEN = new Generator(99);

    static Tensor rnd(int... shape) {
        return Tensor.randn(GEN, shape).to(DType.F64).requiresGrad(true);
    }

    static Tensor uniform(double lo, double hi, int... shape) {
        return Tensor.rand(GEN, shape).to(DType.F64).mul(hi - lo).add(lo).detach().requiresGrad(true);
    }

    static void check(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        GradCheck.check(name, f, in);
    }

    @Test
    void softmaxFamily() {
        check("softmax last", in -> F.softmax(in[0], -1), rnd(3, 5));
        check("softmax dim0", in -> F.softmax(in[0], 0), rnd(3, 4, 2));
        check("logSoftmax dim1", in -> F.logSoftmax(in[0], 1), rnd(3, 4, 2));
        Tensor target = Tensor.of(new long[] {2, 0, 4, 4});
        check("crossEntropy", in -> F.crossEntropy(in[0], target), rnd(4, 5));
        check("crossEntropy smoothing", in -> F.crossEntropy(in[0], target, 0.1, Reduction.MEAN), rnd(4, 5));
        check("crossEntropy sum", in -> F.crossEntropy(in[0], target, 0.0, Reduction.SUM), rnd(4, 5));
        check("crossEntropy none", in -> F.crossEntropy(in[0], target, 0.3, Reduction.NONE), rnd(4, 5));
        check("l2Normalize", in -> F.l2Normalize(in[0], 1, 1e-12), rnd(3, 6));
        check("l2Normalize dim0", in -> F.l2Normalize(in[0], 0, 1e-12), rnd(3, 6));
    }

    @Test
    void normalisation() {
        check("layerNorm affine", in -> F.layerNorm(in[0], in[1], in[2], 1e-5), rnd(2, 3, 6), rnd(6), rnd(6));
        check("layerNorm plain", in -> F.layerNorm(in[0], null, null, 1e-6), rnd(4, 5));
        check("layerNorm 2 dims", in -> F.layerNorm(in[0], new int[] {3, 4}, in[1], in[2], 1e-5), rnd(2, 3, 4), rnd(3, 4), rnd(3, 4));
        check("batchNorm train 2d", in -> F.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5), rnd(3, 4, 2, 2), rnd(4), rnd(4));
        check("batchNorm train 1d", in -> F.batchNorm(in[0], Tensor.zeros(DType.F64, 5), Tensor.ones(DType.F64, 5), in[1], in[2], true,
                0.1, 2e-5), rnd(6, 5), rnd(5), rnd(5));
        Tensor rm = Tensor.randn(GEN, 4).to(DType.F64);
        Tensor rv = Tensor.rand(GEN, 4).to(DType.F64).add(0.5);
        check("batchNorm eval", in -> F.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5), rnd(2, 4, 3), rnd(4), rnd(4));
        check("prelu channels", in -> F.prelu(in[0], in[1]), rnd(2, 3, 4), uniform(0.1, 0.5, 3));
        check("prelu single", in -> F.prelu(in[0], in[1]), rnd(2, 3), uniform(0.1, 0.5, 1));
    }

    @Test
    void regularisation() {
        check("dropout", in -> F.dropout(in[0], 0.3, true, new Generator(5)), rnd(4, 8));
        check("dropPath", in -> F.dropPath(in[0], 0.5, true, new Generator(6)), rnd(4, 3, 2));
    }

    @Test
    void attention() {
        check("sdpa", in -> F.scaledDotProductAttention(in[0], in[1], in[2], 0.5), rnd(2, 2, 5, 3), rnd(2, 2, 4, 3), rnd(2, 2, 4, 2));
        check("selfAttention", in -> F.selfAttention(in[0], 2, 0.6), rnd(2, 5, 12));
        check("fused linear", in -> F.linear(in[0], in[1], in[2]), rnd(2, 3, 4), rnd(5, 4), rnd(5));
    }

    @Test
    void convolutionAndPooling() {
        int[] one = {1, 1};
        check("conv2d 3x3 pad", in -> F.conv2d(in[0], in[1], in[2], one, one, one, 1), rnd(2, 3, 5, 5), rnd(4, 3, 3, 3), rnd(4));
        check("conv2d stride2 dil2", in -> F.conv2d(in[0], in[1], null, new int[] {2, 2}, one, new int[] {2, 2}, 1),
                rnd(1, 2, 7, 6), rnd(3, 2, 3, 3));
        check("conv2d groups", in -> F.conv2d(in[0], in[1], in[2], one, new int[] {0, 1}, one, 2), rnd(2, 4, 4, 4), rnd(6, 2, 2, 3), rnd(6));
        check("conv2d depthwise", in -> F.conv2d(in[0], in[1], null, new int[] {2, 2}, one, one, 3), rnd(1, 3, 5, 5), rnd(3, 1, 3, 3));
        check("maxPool2d", in -> F.maxPool2d(in[0], new int[] {3, 3}, new int[] {2, 2}, one, true), rnd(2, 2, 6, 7));
        check("avgPool2d", in -> F.avgPool2d(in[0], new int[] {3, 2}, new int[] {2, 2}, one, true, false), rnd(2, 2, 5, 6));
        check("avgPool2d count pad", in -> F.avgPool2d(in[0], new int[] {3, 3}, new int[] {2, 2}, one, false, true), rnd(1, 2, 5, 5));
        check("adaptiveAvgPool2d", in -> F.adaptiveAvgPool2d(in[0], 3, 2), rnd(2, 2, 7, 5));
        check("gridSample ac0", in -> F.gridSample(in[0], in[1], false), rnd(2, 2, 4, 5), uniform(-1.1, 1.1, 2, 3, 3, 2));
        check("gridSample ac1", in -> F.gridSample(in[0], in[1], true), rnd(1, 3, 5, 4), uniform(-1.1, 1.1, 1, 2, 4, 2));
    }

    @Test
    void indexingAndJoining() {
        Tensor idx = Tensor.of(new long[] {2, 0, 2, 1});
        check("indexSelect", in -> F.indexSelect(in[0], 1, idx), rnd(2, 3, 2));
        check("embedding", in -> F.embedding(Tensor.of(new long[] {1, 3, 1, 0, 2, 3}, 2, 3), in[0]), rnd(4, 5));
        Tensor gidx = Tensor.of(new long[] {0, 2, 1, 1, 2, 2}, 2, 3);
        check("gather", in -> F.gather(in[0], 1, gidx), rnd(2, 4));
        check("scatterAdd", in -> F.scatterAdd(in[0], 1, gidx, in[1]), rnd(2, 4), rnd(2, 3));
        check("cat", in -> F.cat(List.of(in[0], in[1], in[0]), 1), rnd(2, 3), rnd(2, 1));
        check("stack", in -> F.stack(List.of(in[0], in[1]), 1), rnd(2, 3), rnd(2, 3));
        check("split", in -> F.split(in[0], 2, 1).get(1).mul(F.chunk(in[0], 3, 1).get(0)), rnd(2, 5));
        check("flip", in -> F.flip(in[0], 0, 2), rnd(2, 3, 4));
        check("pad", in -> F.pad(in[0], new int[] {1, 2, 0, 1}, 0.5), rnd(2, 3, 4));
    }
}
