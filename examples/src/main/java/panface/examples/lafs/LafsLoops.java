package panface.examples.lafs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.lafs.LafsViews;
import panface.tensor.Scope;

/**
 * The loops around the LAFS trainers' steps on a {@link BatchSource}: a log line every logEvery
 * steps, a training checkpoint (with the data position, so a resumed run reads the same batches)
 * every saveEvery steps and at the end, and resume from such a checkpoint.
 */
public final class LafsLoops {
    /** Metadata key of the data source's position. */
    static final String DATA_POSITION = "data.position";

    private LafsLoops() {
    }

    /** Where to save, how often, and where logs go (save may be null; saveEvery 0 saves only at the end). */
    public record Saving(Path save, long saveEvery, long logEvery, PrintStream out) {
    }

    /** Fine-tunes until the given iteration; returns the last step's result (null when none was taken). */
    public static LafsFinetuner.StepResult finetune(LafsFinetuner t, BatchSource data, long until, Saving s) throws IOException {
        LafsFinetuner.StepResult last = null;
        long t0 = System.nanoTime();
        while (t.iteration() < until) {
            try (Scope scope = Scope.open()) {
                Batch b = data.next();
                last = t.step(b.imagesTensor(), b.labelsTensor());
                data.recycle(b);
            }
            long i = t.iteration();
            if (i % s.logEvery() == 0 || i == until || i == 1) {
                s.out().printf(Locale.ROOT, "finetune step %d/%d epoch %d loss %.4f (identity %.4f, landmarks %.3g, beta %.3g) lr %.2e (%.0f s)%n",
                        i, until, last.epoch(), last.loss(), last.identityLoss(), last.landmarkLoss(), last.beta(), last.lr(),
                        (System.nanoTime() - t0) * 1e-9);
            }
            if (s.save() != null && (i == until || (s.saveEvery() > 0 && i % s.saveEvery() == 0))) {
                t.save(s.save(), Map.of(DATA_POSITION, Long.toString(data.position())));
            }
        }
        return last;
    }

    /** Pretrains until the given iteration; returns the last loss (NaN when no step was taken). */
    public static double pretrain(LafsPretrainer t, LafsViews views, BatchSource data, long until, Saving s) throws IOException {
        double loss = Double.NaN;
        long t0 = System.nanoTime();
        while (t.iteration() < until) {
            try (Scope scope = Scope.open()) {
                long position = data.position();
                Batch b = data.next();
                loss = t.step(views.make(b, position));
                data.recycle(b);
            }
            long i = t.iteration();
            if (i % s.logEvery() == 0 || i == until || i == 1) {
                s.out().printf(Locale.ROOT, "pretrain step %d/%d loss %.4f (%.0f s)%n", i, until, loss, (System.nanoTime() - t0) * 1e-9);
            }
            if (s.save() != null && (i == until || (s.saveEvery() > 0 && i % s.saveEvery() == 0))) {
                t.save(s.save(), Map.of(DATA_POSITION, Long.toString(data.position())));
            }
        }
        return loss;
    }

    /** Continues a saved fine-tuning run: restores it and seeks the data to the saved position. */
    public static void resume(LafsFinetuner t, BatchSource data, Path file) throws IOException {
        seek(data, file, t.resume(file));
    }

    /** Continues a saved pretraining run: restores it and seeks the data to the saved position. */
    public static void resume(LafsPretrainer t, BatchSource data, Path file) throws IOException {
        seek(data, file, t.resume(file));
    }

    private static void seek(BatchSource data, Path file, Map<String, String> meta) {
        String pos = meta.get(DATA_POSITION);
        if (pos == null) {
            throw new IllegalArgumentException("--resume " + file + " has no data position");
        }
        data.seek(Long.parseLong(pos));
    }
}
