package panface.nn.lafs;

import panface.tensor.F;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * LAFS's landmark augmentations for pretraining: coordinate perturbation r + sigma * N(0, 1) (the
 * reference code uses sigma 5 pixels, the paper reports alpha = 2 as best) and the "landmark
 * shuffle" of local views, which the reference code realises as drawing k landmark indices
 * uniformly with replacement, in random order (36 of 196). The drawn tokens take the first k + 1
 * positional slots of Part fViT whatever landmarks they came from.
 */
public final class LandmarkSampling {
    /** The reference code's perturbation in pixels. */
    public static final double CODE_SIGMA = 5;
    /** The paper's best perturbation (its alpha). */
    public static final double PAPER_SIGMA = 2;

    private LandmarkSampling() {
    }

    /** landmarks (N, R, 2) plus sigma times standard normal noise (of the landmarks' dtype and device); sigma 0 returns them as they are. */
    public static Tensor perturb(Tensor landmarks, double sigma, Generator gen) {
        if (sigma == 0) {
            return landmarks;
        }
        Tensor noise = Tensor.randn(gen, landmarks.shape()).to(landmarks.dtype()).to(landmarks.device());
        return landmarks.add(noise.mul(sigma));
    }

    /** Indices (N, k), I64, each uniform over [0, R), drawn with replacement: the reference's torch.randint(0, R, (N, k)). */
    public static Tensor drawIndices(int n, int r, int k, Generator gen) {
        long[] idx = new long[n * k];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = gen.nextInt(r);
        }
        return Tensor.of(idx, n, k);
    }

    /** The landmarks (N, k, 2) at indices (N, k): out[b, j] = landmarks[b, indices[b, j]]; differentiable in the landmarks. */
    public static Tensor select(Tensor landmarks, Tensor indices) {
        int n = landmarks.size(0);
        int k = indices.size(1);
        Tensor index = indices.to(landmarks.device()).unsqueeze(-1).expand(n, k, 2).contiguous();
        return F.gather(landmarks, 1, index);
    }
}
