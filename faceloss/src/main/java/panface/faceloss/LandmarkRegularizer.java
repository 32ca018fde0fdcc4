package panface.faceloss;

import panface.tensor.Tensor;

/**
 * LAFS's fine-tuning regulariser (paper Eq. 7, option (c)): beta * MSE(r_fixed / extent, r_pred /
 * extent), the element mean over all landmark coordinates, where r_fixed comes from a frozen copy
 * of the landmark CNN (no gradient) and r_pred from the trainable one. The paper uses a constant
 * beta (0.1 best); the released code (behind pre_land and keep_land) uses an epoch schedule:
 * 1000 up to epoch 7, 100 for 8-13, 1 for 14-20, 0.11 for 21-27, 0 after.
 */
public final class LandmarkRegularizer {
    /** How beta depends on the epoch. */
    public enum Schedule {
        /** The paper's constant beta. */
        PAPER,
        /** The released code's step schedule (beta ignored). */
        CODE
    }

    private final Schedule schedule;
    private final double beta;
    private final double extent;

    /** A regulariser; beta is used by {@link Schedule#PAPER}; extent is the largest coordinate (111 for 112-pixel faces). */
    public LandmarkRegularizer(Schedule schedule, double beta, double extent) {
        this.schedule = schedule;
        this.beta = beta;
        this.extent = extent;
    }

    /** The paper's setting: constant beta 0.1 on 112-pixel faces. */
    public static LandmarkRegularizer paper() {
        return new LandmarkRegularizer(Schedule.PAPER, 0.1, 111);
    }

    /** The weight of an epoch (counted from 0, as the reference's loop). */
    public double beta(int epoch) {
        if (schedule == Schedule.PAPER) {
            return beta;
        }
        if (epoch <= 7) {
            return 1000;
        }
        if (epoch <= 13) {
            return 100;
        }
        if (epoch <= 20) {
            return 1;
        }
        return epoch <= 27 ? 0.11 : 0;
    }

    /** beta(epoch) * mean((fixed - predicted)^2) / extent^2 for landmarks (N, R, 2); the frozen landmarks get no gradient. */
    public Tensor loss(Tensor fixed, Tensor predicted, int epoch) {
        Tensor d = fixed.detach().sub(predicted).div(extent);
        return d.mul(d).mean().mul(beta(epoch));
    }
}
