package panface.faceloss;

import java.util.Arrays;

import panface.nn.Init;
import panface.nn.Module;
import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Device;
import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.backend.Distribution;
import panface.tensor.random.Generator;

/**
 * insightface's Partial FC v2 on one shard: every step samples the class centres to use (all
 * classes present in the batch, plus uniformly random others up to sampleRate * C, indices
 * sorted), remaps the labels into the sampled index space, and applies the margin softmax over
 * the sampled centres only. Gradients reach only the sampled rows of W; the others get exactly
 * zero. Optimizer semantics follow the reference: W is one dense parameter with a dense
 * gradient, so an optimizer with weight decay or momentum still updates unsampled rows every
 * step (a lazy, sampled-rows-only update would be a behavioural change). Key: weight.
 */
public final class PartialFC extends Module {
    private final Parameter weight;
    private final int numClasses;
    private final Generator gen;
    private double sampleRate;
    private Margin margin;

    public PartialFC(int numClasses, int dim, double sampleRate, Margin margin, Generator gen) {
        if (!(sampleRate > 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sample rate must be in (0, 1], got " + sampleRate);
        }
        this.weight = parameter("weight", Init.normal(gen, 0, 0.01, numClasses, dim));
        this.numClasses = numClasses;
        this.gen = gen.fork(0x5046);
        this.sampleRate = sampleRate;
        this.margin = margin;
    }

    public Parameter weight() {
        return weight;
    }

    /**
     * The stream the centres are sampled from (forked from the constructor's generator): its
     * offset is the sampler's position, saved in checkpoints so that a resumed run samples the
     * same centres as an uninterrupted one.
     */
    public Generator sampler() {
        return gen;
    }

    public double sampleRate() {
        return sampleRate;
    }

    /** Changes the sample rate (1.0 turns sampling off: the full softmax). */
    public void setSampleRate(double r) {
        if (!(r > 0 && r <= 1)) {
            throw new IllegalArgumentException("sample rate must be in (0, 1], got " + r);
        }
        this.sampleRate = r;
    }

    public Margin margin() {
        return margin;
    }

    public void setMargin(Margin m) {
        this.margin = m;
    }

    /** The number of centres sampled per step: (int)(sampleRate * C), as the reference. */
    public int numSample() {
        return (int) (sampleRate * numClasses);
    }

    /**
     * The sorted class indices to use for a batch: every class of the labels, plus random others
     * up to {@link #numSample()} (uniform priorities from the Philox stream; positives get
     * priority 2 so the top-k keeps them); only the positives when they alone exceed it.
     */
    public Tensor sample(Tensor labels) {
        long[] pos = Arrays.stream(labels.toLongArray()).distinct().sorted().toArray();
        for (long p : pos) {
            if (p < 0 || p >= numClasses) {
                throw new IndexOutOfBoundsException("label " + p + " is outside [0, " + numClasses + ")");
            }
        }
        int k = numSample();
        if (sampleRate >= 1 || k >= numClasses) {
            return Tensor.arange(numClasses);
        }
        if (k < pos.length) {
            return Tensor.of(pos, pos.length);
        }
        float[] prio = Tensor.random(gen, Distribution.UNIFORM, 0, 1, Device.CPU, DType.F32, numClasses).toFloatArray();
        for (long p : pos) {
            prio[(int) p] = 2f;
        }
        long[] idx = F.topk(Tensor.of(prio, numClasses), k, 0, true).indices().toLongArray();
        Arrays.sort(idx);
        return Tensor.of(idx, idx.length);
    }

    /** Mean loss of embeddings (B, D) against labels (B), sampling this step's centres. */
    public Tensor loss(Tensor embeddings, Tensor labels) {
        return loss(embeddings, labels, sample(labels));
    }

    /** The loss over given sorted sampled indices (which must contain every label). */
    public Tensor loss(Tensor embeddings, Tensor labels, Tensor sampledIndex) {
        Tensor idx = sampledIndex.to(DType.I64).to(weight.data().device());
        Tensor remapped = F.searchsorted(idx, labels.to(DType.I64), false);
        long[] r = remapped.toLongArray();
        long[] s = idx.toLongArray();
        long[] y = labels.toLongArray();
        for (int i = 0; i < r.length; i++) {
            if (r[i] >= s.length || s[(int) r[i]] != y[i]) {
                throw new IllegalArgumentException("label " + y[i] + " is not among the sampled classes; positives must always be sampled");
            }
        }
        Tensor centres = numSampleAll(idx) ? weight.data() : SampledRows.gather(weight.data(), idx);
        Tensor labelsInSample = numSampleAll(idx) ? labels.to(DType.I64) : remapped;
        return CombinedMarginHead.loss(embeddings, labelsInSample, centres, margin);
    }

    private boolean numSampleAll(Tensor idx) {
        return idx.numel() == numClasses;
    }
}
