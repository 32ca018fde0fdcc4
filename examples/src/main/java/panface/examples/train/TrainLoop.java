package panface.examples.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The loop around {@link StepTrainer#trainStep} (one process, or each rank of a data-parallel run): checkpoints every {@code saveEvery} steps and
 * at the end, evaluation on the verification sets every {@code evalEvery} steps, and logs of the
 * loss, learning rate, stage, images per second and the time left: a line every
 * {@code logEvery} steps (and for the first and last step and the stage switch), and on a
 * terminal a progress bar redrawn after every step. A diverging run stops with the checkpoint of
 * the last good save left in place.
 *
 * @param until     the step to stop after (the recipe's steps, or fewer for a preempted run)
 * @param save      checkpoint file, or null
 * @param saveEvery steps between checkpoints (0: only at the end)
 * @param logEvery  steps between log lines
 * @param evalEvery steps between evaluations (0: none during training)
 * @param evalSets  the verification sets to evaluate on
 * @param progress  draw a progress bar (for terminals)
 * @param out       where logs go
 */
public record TrainLoop(int until, Path save, int saveEvery, int logEvery, int evalEvery, List<PairSet> evalSets, boolean progress,
                        PrintStream out) {
    private static final int BAR = 24;

    /** What a run did. */
    public record Summary(int firstStep, int lastStep, double seconds, double imagesPerSecond) {
    }

    /** Trains from the trainer's current step to {@link #until}. */
    public Summary run(StepTrainer t) throws IOException {
        LVFaceRecipe r = t.recipe();
        int first = t.step();
        int lastSaved = -1;
        long start = System.nanoTime();
        double emaStep = Double.NaN;
        long previous = start;
        boolean barShown = false;
        while (t.step() < until) {
            RecipeTrainer.StepResult res;
            try {
                res = t.trainStep();
            } catch (RecipeTrainer.Diverged e) {
                if (barShown) {
                    out.println();
                }
                String kept = save == null ? "no checkpoint was written (--save FILE --save-every K keeps one)"
                        : lastSaved < 0 ? "no checkpoint had been written yet" : "the last good checkpoint (step " + lastSaved + ") is kept in " + save;
                throw new RecipeTrainer.Diverged(e.getMessage() + "; " + kept);
            }
            long now = System.nanoTime();
            double secs = (now - previous) * 1e-9;
            previous = now;
            // the first steps include the JIT's warm-up; a moving average follows the current speed
            emaStep = Double.isNaN(emaStep) ? secs : 0.9 * emaStep + 0.1 * secs;
            int s = res.step();
            if (save != null && saveEvery > 0 && s % saveEvery == 0 && s < until) {
                t.save(save);
                lastSaved = s;
            }
            boolean switched = s - 1 == t.switchStep() && t.switchStep() > 0;
            if (s == first + 1 || s % logEvery == 0 || s == until || switched) {
                if (barShown) {
                    out.print("\r\033[K");
                    barShown = false;
                }
                out.println(line(res, t.phase(res), r, emaStep, until - s));
            } else if (progress) {
                out.print("\r\033[K" + bar(res, r, emaStep, until - s));
                out.flush();
                barShown = true;
            }
            if (evalEvery > 0 && s % evalEvery == 0 && s < until) {
                if (barShown) {
                    out.print("\r\033[K");
                    barShown = false;
                }
                for (PairSet set : evalSets) {
                    out.println("step " + s + " " + Verification.evaluate(t.model(), set, t.device(), t.autocast()).describe());
                }
            }
        }
        if (barShown) {
            out.print("\r\033[K");
        }
        double secs = (System.nanoTime() - start) * 1e-9;
        int done = t.step() - first;
        if (save != null) {
            t.save(save);
        }
        return new Summary(first, t.step(), secs, done * (double) r.batch() / Math.max(secs, 1e-9));
    }

    private static String line(RecipeTrainer.StepResult res, String phase, LVFaceRecipe r, double secPerStep, int left) {
        return String.format(Locale.ROOT, "step %4d  loss %7.3f  lr %.2e  %s  %5.0f img/s  eta %s", res.step(), res.loss(),
                res.learningRate(), phase, r.batch() / secPerStep, duration(left * secPerStep));
    }

    private static String bar(RecipeTrainer.StepResult res, LVFaceRecipe r, double secPerStep, int left) {
        int filled = (int) ((long) BAR * res.step() / r.steps());
        return String.format(Locale.ROOT, "[%s%s] %d/%d  loss %.3f  %.0f img/s  eta %s", "#".repeat(filled), ".".repeat(BAR - filled),
                res.step(), r.steps(), res.loss(), r.batch() / secPerStep, duration(left * secPerStep));
    }

    /** m:ss. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
