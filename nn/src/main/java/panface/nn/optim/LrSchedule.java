package panface.nn.optim;

/**
 * A learning rate as a function of the iteration (0-based, counted before each optimizer step).
 * Apply with {@code optimizer.setLearningRate(schedule.lr(step))}.
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate for an iteration. */
    double lr(long step);

    /**
     * insightface's PolynomialLRWarmup: base*l/warmup for 1 &lt;= l &lt;= warmup, then
     * base*(1 - (l-warmup)/(total-warmup))^power, 0 after total. Iteration 0 runs at the full base
     * rate, as in the reference (its scheduler returns the optimizer's initial rate before the
     * first step); set firstStepAtBase false for the linear ramp from 0 instead.
     */
    static LrSchedule polynomialWarmup(double base, long warmup, long total, double power, boolean firstStepAtBase) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("polynomial warm-up needs 0 <= warmup < total, got " + warmup + ", " + total);
        }
        return l -> {
            if (l == 0) {
                return firstStepAtBase || warmup == 0 ? base : 0.0;
            }
            if (l <= warmup) {
                return base * l / warmup;
            }
            if (l >= total) {
                return 0.0;
            }
            return base * Math.pow(1.0 - (double) (l - warmup) / (total - warmup), power);
        };
    }

    /** Linear warm-up from 0 over warmup iterations, then a half cosine down to minLr at total. */
    static LrSchedule warmupCosine(double base, long warmup, long total, double minLr) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("warm-up cosine needs 0 <= warmup < total, got " + warmup + ", " + total);
        }
        return l -> {
            if (l < warmup) {
                return base * (l + 1) / warmup;
            }
            double t = Math.min(1.0, (double) (l - warmup) / (total - warmup));
            return minLr + 0.5 * (base - minLr) * (1 + Math.cos(Math.PI * t));
        };
    }

    /**
     * Step decay per epoch: base * gamma^(number of milestones m with m &lt;= epoch), epoch =
     * l / stepsPerEpoch (PyTorch's MultiStepLR stepped per epoch). QUD's rule, lr_mult =
     * 0.1^#{m : m - 1 &lt;= epoch}, is this with every milestone minus one.
     */
    static LrSchedule multiStep(double base, long stepsPerEpoch, int[] milestones, double gamma) {
        if (stepsPerEpoch <= 0) {
            throw new IllegalArgumentException("steps per epoch must be positive");
        }
        int[] ms = milestones.clone();
        return l -> {
            long epoch = l / stepsPerEpoch;
            int passed = 0;
            for (int m : ms) {
                if (m <= epoch) {
                    passed++;
                }
            }
            return base * Math.pow(gamma, passed);
        };
    }
}
