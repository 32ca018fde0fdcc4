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
     * The same schedule without its first iterations, as {@code Stream.skip}: {@code
     * skip(n).lr(l) == lr(l + n)}. {@code polynomialWarmup(...).skip(1)} is a warm-up whose first
     * step runs at base/warmup and reaches base at iteration warmup - 1, without the reference's
     * first iteration at the full rate.
     */
    default LrSchedule skip(long iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("cannot skip " + iterations + " iterations");
        }
        return l -> lr(l + iterations);
    }

    /**
     * insightface's PolynomialLRWarmup, stepped once per iteration: base at iteration 0 (its
     * scheduler returns the optimizer's initial rate before the first step), base*l/warmup for 1
     * &lt;= l &lt;= warmup, then base*(1 - (l-warmup)/(total-warmup))^power, 0 from total on.
     */
    static LrSchedule polynomialWarmup(double base, long warmup, long total, double power) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("polynomial warm-up needs 0 <= warmup < total, got " + warmup + ", " + total);
        }
        return l -> {
            if (l == 0) {
                return base;
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

    /**
     * DINO's cosine_scheduler over iterations (warmup = warmup epochs times iterations per epoch,
     * total likewise): a linear warm-up from 0 that reaches base at iteration warmup - 1
     * (np.linspace(0, base, warmup), so one warm-up iteration runs at 0), then
     * finalValue + (base - finalValue)(1 + cos(pi (l - warmup)/(total - warmup)))/2, which starts
     * again at base; finalValue from total on, where DINO's table ends. DINO uses it for the
     * learning rate, the weight decay and the teacher's EMA momentum (finalValue may exceed base).
     */
    static LrSchedule warmupCosine(double base, long warmup, long total, double finalValue) {
        if (warmup < 0 || total <= warmup) {
            throw new IllegalArgumentException("warm-up cosine needs 0 <= warmup < total, got " + warmup + ", " + total);
        }
        return l -> {
            if (l < warmup) {
                return warmup == 1 ? 0.0 : base * l / (warmup - 1);
            }
            if (l >= total) {
                return finalValue;
            }
            double t = (double) (l - warmup) / (total - warmup);
            return finalValue + 0.5 * (base - finalValue) * (1 + Math.cos(Math.PI * t));
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
