package panface.bench;

import java.util.Locale;

import panface.faceloss.CombinedMarginHead;
import panface.nn.models.FaceViT;
import panface.nn.models.ViTConfig;
import panface.nn.optim.AdamW;
import panface.tensor.Scope;
import panface.tensor.Tensor;

/**
 * The training step of compare-vit.sh (vit_t, batch 32, ArcFace over 10,000 classes, AdamW) run
 * STEPS times (property steps, default 12) with each step's split into its phases and collector
 * time, for finding where a step's time goes.
 */
public final class VitTrainTiming {
    private VitTrainTiming() {
    }

    public static void main(String[] args) {
        int steps = Integer.getInteger("steps", 12);
        try (Scope s = Scope.open()) {
            VitTrainingStep train = VitTrainingStep.of(new FaceViT(ViTConfig.named("vit_t").withoutRegularization()));
            FaceViT vit = train.vit();
            CombinedMarginHead head = train.head();
            AdamW opt = train.opt();
            Tensor x = train.images();
            Tensor y = train.labels();
            double[] total = new double[steps];
            double[] cpu = new double[steps];
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            for (int i = 0; i < steps; i++) {
                long gc0 = Timing.gcMillis();
                long cpu0 = os.getProcessCpuTime();
                long[] t = new long[6];
                t[0] = System.nanoTime();
                try (Scope step = Scope.open()) {
                    opt.zeroGrad();
                    t[1] = System.nanoTime();
                    Tensor emb = vit.forward(x);
                    t[2] = System.nanoTime();
                    Tensor loss = head.loss(emb, y);
                    t[3] = System.nanoTime();
                    loss.backward();
                    t[4] = System.nanoTime();
                    opt.step();
                    t[5] = System.nanoTime();
                }
                long end = System.nanoTime();
                total[i] = (end - t[0]) / 1e9;
                cpu[i] = (os.getProcessCpuTime() - cpu0) / 1e9;
                System.out.printf(Locale.ROOT, "step %d: %.3f s, process CPU %.3f s (zero %.3f, fwd %.3f, head %.3f, bwd %.3f, opt %.3f, close %.3f, gc %.3f)%n", i, total[i], cpu[i],
                        (t[1] - t[0]) / 1e9, (t[2] - t[1]) / 1e9, (t[3] - t[2]) / 1e9, (t[4] - t[3]) / 1e9, (t[5] - t[4]) / 1e9, (end - t[5]) / 1e9,
                        (Timing.gcMillis() - gc0) / 1e3);
            }
            int skip = Math.min(steps - 1, Integer.getInteger("skip", 4));
            double[] steady = java.util.Arrays.copyOfRange(total, skip, steps);
            java.util.Arrays.sort(steady);
            double[] steadyCpu = java.util.Arrays.copyOfRange(cpu, skip, steps);
            java.util.Arrays.sort(steadyCpu);
            System.out.printf(Locale.ROOT, "steady steps %d: best %.3f s, median %.3f s; process CPU best %.3f s, median %.3f s%n", steady.length,
                    steady[0], steady[steady.length / 2], steadyCpu[0], steadyCpu[steadyCpu.length / 2]);
        }
    }
}
