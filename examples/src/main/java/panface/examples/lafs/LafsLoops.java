package panface.examples.lafs;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import panface.nn.data.Batch;
import panface.nn.data.BatchSource;
import panface.nn.lafs.LafsViews;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * The loops around the LAFS trainers' steps on a {@link BatchSource}: a log line every logEvery
 * steps, a training checkpoint (with the data position, so a resumed run reads the same batches)
 * every saveEvery steps and at the end, and resume from such a checkpoint.
 */
public final class LafsLoops {
    /** Metadata key of the data source's position. */
    static final String DATA_POSITION = "data.position";
    /** Metadata key of the batches accumulated per fine-tuning step. */
    static final String ACCUMULATE = "lafs.finetune.accumulate";
    /** Metadata key of the batches accumulated per pretraining step. */
    static final String PRETRAIN_ACCUMULATE = "lafs.pretrain.accumulate";

    private LafsLoops() {
    }

    /** Where to save, how often, and where logs go (save may be null; saveEvery 0 saves only at the end). */
    public record Saving(Path save, long saveEvery, long logEvery, PrintStream out) {
    }

    /** Fine-tunes until the given iteration; returns the last step's result (null when none was taken). */
    public static LafsFinetuner.StepResult finetune(LafsFinetuner t, BatchSource data, long until, Saving s) throws IOException {
        return finetune(t, data, until, 1, s);
    }

    /**
     * Fine-tunes until the given iteration, each iteration accumulating the gradients of accumulate
     * consecutive batches before one optimizer step ({@link LafsFinetuner#step(List, List)});
     * returns the last step's result (null when none was taken).
     */
    public static LafsFinetuner.StepResult finetune(LafsFinetuner t, BatchSource data, long until, int accumulate, Saving s)
            throws IOException {
        if (accumulate < 1) {
            throw new IllegalArgumentException("accumulate must be >= 1, got " + accumulate);
        }
        LafsFinetuner.StepResult last = null;
        long t0 = System.nanoTime();
        while (t.iteration() < until) {
            try (Scope scope = Scope.open()) {
                List<Tensor> images = new ArrayList<>();
                List<Tensor> labels = new ArrayList<>();
                for (int k = 0; k < accumulate; k++) {
                    Batch b = data.next();
                    images.add(b.imagesTensor());
                    labels.add(b.labelsTensor());
                    data.recycle(b);
                }
                last = t.step(images, labels);
            }
            long i = t.iteration();
            if (i % s.logEvery() == 0 || i == until || i == 1) {
                s.out().printf(Locale.ROOT, "finetune step %d/%d epoch %d loss %.4f (identity %.4f, landmarks %.3g, beta %.3g) lr %.2e (%.0f s)%n",
                        i, until, last.epoch(), last.loss(), last.identityLoss(), last.landmarkLoss(), last.beta(), last.lr(),
                        (System.nanoTime() - t0) * 1e-9);
            }
            if (s.save() != null && (i == until || (s.saveEvery() > 0 && i % s.saveEvery() == 0))) {
                t.save(s.save(), Map.of(DATA_POSITION, Long.toString(data.position()), ACCUMULATE, Integer.toString(accumulate)));
            }
        }
        return last;
    }

    /** Pretrains until the given iteration; returns the last loss (NaN when no step was taken). */
    public static double pretrain(LafsPretrainer t, LafsViews views, BatchSource data, long until, Saving s) throws IOException {
        return pretrain(t, views, data, until, 1, s);
    }

    /**
     * Pretrains until the given iteration, each iteration accumulating the gradients of accumulate
     * consecutive batches ({@link LafsPretrainer#step(List)}); returns the last loss (NaN when no step was taken).
     */
    public static double pretrain(LafsPretrainer t, LafsViews views, BatchSource data, long until, int accumulate, Saving s)
            throws IOException {
        return pretrain(t, views::make, data, until, accumulate, s);
    }

    /** Makes the views of a batch at its position in the stream (the position keys their randomness). */
    @FunctionalInterface
    public interface ViewMaker {
        LafsViews.Views make(Batch batch, long position);
    }

    /** {@link #pretrain(LafsPretrainer, LafsViews, BatchSource, long, int, Saving)} with views made by another maker. */
    public static double pretrain(LafsPretrainer t, ViewMaker views, BatchSource data, long until, int accumulate, Saving s)
            throws IOException {
        if (accumulate < 1) {
            throw new IllegalArgumentException("accumulate must be >= 1, got " + accumulate);
        }
        double loss = Double.NaN;
        long t0 = System.nanoTime();
        while (t.iteration() < until) {
            try (Scope scope = Scope.open()) {
                List<LafsViews.Views> micro = new ArrayList<>();
                for (int k = 0; k < accumulate; k++) {
                    long position = data.position();
                    Batch b = data.next();
                    micro.add(views.make(b, position));
                    data.recycle(b);
                }
                loss = t.step(micro);
            }
            long i = t.iteration();
            if (i % s.logEvery() == 0 || i == until || i == 1) {
                s.out().printf(Locale.ROOT, "pretrain step %d/%d loss %.4f (%.0f s)%n", i, until, loss, (System.nanoTime() - t0) * 1e-9);
            }
            if (s.save() != null && (i == until || (s.saveEvery() > 0 && i % s.saveEvery() == 0))) {
                t.save(s.save(), Map.of(DATA_POSITION, Long.toString(data.position()), PRETRAIN_ACCUMULATE, Integer.toString(accumulate)));
            }
        }
        return loss;
    }

    /** Continues a saved fine-tuning run: restores it and seeks the data to the saved position. */
    public static void resume(LafsFinetuner t, BatchSource data, Path file) throws IOException {
        resume(t, data, 1, file);
    }

    /** Continues a saved fine-tuning run that accumulated as many batches per step; restores it and seeks the data. */
    public static void resume(LafsFinetuner t, BatchSource data, int accumulate, Path file) throws IOException {
        Map<String, String> meta = t.resume(file);
        String saved = meta.getOrDefault(ACCUMULATE, "1");
        if (!saved.equals(Integer.toString(accumulate))) {
            throw new IllegalArgumentException("--resume " + file + " accumulated " + saved + " batches per step, this run " + accumulate);
        }
        seek(data, file, meta);
    }

    /** Continues a saved pretraining run: restores it and seeks the data to the saved position. */
    public static void resume(LafsPretrainer t, BatchSource data, Path file) throws IOException {
        resume(t, data, 1, file);
    }

    /** Continues a saved pretraining run that accumulated as many batches per step; restores it and seeks the data. */
    public static void resume(LafsPretrainer t, BatchSource data, int accumulate, Path file) throws IOException {
        Map<String, String> meta = t.resume(file);
        String saved = meta.getOrDefault(PRETRAIN_ACCUMULATE, "1");
        if (!saved.equals(Integer.toString(accumulate))) {
            throw new IllegalArgumentException("--resume " + file + " accumulated " + saved + " batches per step, this run " + accumulate);
        }
        seek(data, file, meta);
    }

    private static void seek(BatchSource data, Path file, Map<String, String> meta) {
        String pos = meta.get(DATA_POSITION);
        if (pos == null) {
            throw new IllegalArgumentException("--resume " + file + " has no data position");
        }
        data.seek(Long.parseLong(pos));
    }
}
