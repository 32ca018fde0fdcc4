package panface.nn.lafs;

import panface.tensor.F;
import panface.tensor.Tensor;

/**
 * Differentiable patch extraction around landmarks (the reference's
 * extract_patches_pytorch_gridsample followed by its token rearrangement): a P x P patch is
 * sampled bilinearly (zero padding, align_corners false) around each landmark, and each patch
 * becomes one token of length P*P*C.
 *
 * <p>For landmark (u, v) and offsets o_i = i - P/2, the token element (i, j, c) is the image's
 * channel c at x = u + o_i, y = v + o_j, with pixel centres at integer + 0.5 (the reference
 * normalises p to p / (H/2) - 1). The patch row index i follows the x offset, so a patch is the
 * transpose of the image region; this keeps the reference's weights usable. Elements are ordered
 * (i, j, c), channel fastest. Gradients flow to the image and, through the bilinear weights, to
 * the landmark coordinates.
 */
public final class LandmarkPatches {
    private LandmarkPatches() {
    }

    /**
     * Tokens (N, R, P*P*C) of images (N, C, H, W) at landmarks (N, R, 2) in pixels (x, y). Both
     * coordinates are normalised by H, as the reference does (its images are square).
     */
    public static Tensor extract(Tensor images, Tensor landmarks, int patch) {
        if (images.dim() != 4 || landmarks.dim() != 3 || landmarks.size(2) != 2 || landmarks.size(0) != images.size(0)) {
            throw new IllegalArgumentException("patch extraction expects images (N, C, H, W) and landmarks (N, R, 2), got "
                    + images.describe() + " and " + landmarks.describe());
        }
        int n = images.size(0);
        int c = images.size(1);
        int r = landmarks.size(1);
        double half = images.size(2) * 0.5;
        double[] off = new double[patch * patch * 2];
        for (int i = 0; i < patch; i++) {
            for (int j = 0; j < patch; j++) {
                off[2 * (i * patch + j)] = i - patch / 2.0;       // x offset follows the patch row
                off[2 * (i * patch + j) + 1] = j - patch / 2.0;
            }
        }
        Tensor offsets = Tensor.of(off, 1, 1, patch * patch, 2).to(landmarks.dtype()).to(landmarks.device());
        Tensor grid = landmarks.unsqueeze(2).add(offsets).div(half).sub(1.0);     // (N, R, P*P, 2)
        Tensor sampled = F.gridSample(images, grid, false);                       // (N, C, R, P*P)
        return sampled.permute(0, 2, 3, 1).reshape(n, r, patch * patch * c);
    }
}
