package panface.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;

import panface.faceloss.Margin;
import panface.faceloss.PartialFC;
import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.models.Models;
import panface.nn.optim.AdamW;
import panface.nn.optim.Optimizer;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.Device;
import panface.tensor.MemoryStats;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.random.Generator;

/**
 * Whether a big batch fits the default heap: {@code infer MODEL BATCH} runs evaluation-mode
 * forwards, {@code train MODEL BATCH} training steps (Partial FC ArcFace head over 10,000 classes
 * at sample rate 0.1; SGD with momentum for the CNNs, AdamW for the transformers), each STEPS times
 * (default 3). Prints per step the time (and a training step's split into its phases),
 * and at the end the heap limit, the peak heap in use (all heap pools), the peak tensor storage
 * and the time spent in garbage collection. Usage: BackboneMemory infer|train MODEL BATCH [STEPS].
 */
public final class BackboneMemory {
    private BackboneMemory() {
    }

    public static void main(String[] args) {
        String mode = args[0];
        String name = args[1];
        int batch = Integer.parseInt(args[2]);
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            p.resetPeakUsage();
        }
        long gc0 = Timing.gcMillis();
        try (Scope s = Scope.open()) {
            Module m = Models.create(name, 512, 1);
            Layer net = (Layer) m;
            Tensor x = Tensor.randn(new Generator(2), batch, 3, 112, 112);
            MemoryStats.resetPeak(Device.CPU);
            if (mode.equals("infer")) {
                InferencePlan plan = m.compileInference(x);
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    try (Scope step = Scope.open()) {
                        plan.run(x);
                    }
                    report(mode + " " + name + " b" + batch, i, t0);
                }
            } else {
                m.train(true);
                PartialFC head = new PartialFC(10_000, 512, 0.1, Margin.arcFace(64, 0.5), new Generator(3));
                // the recipes' optimizers: SGD with momentum for the CNNs, AdamW for the transformers
                List<ParamGroup> groups = List.of(ParamGroup.of(m.parameters(), name.startsWith("vit") ? 0.1 : 5e-4),
                        ParamGroup.of(head.parameters(), name.startsWith("vit") ? 0.1 : 5e-4));
                Optimizer opt = name.startsWith("vit") ? new AdamW(groups, 1e-3) : new SGD(groups, 0.1, 0.9);
                long[] labels = new long[batch];
                Generator lg = new Generator(5);
                for (int i = 0; i < batch; i++) {
                    labels[i] = lg.nextInt(10_000);
                }
                Tensor y = Tensor.of(labels, batch);
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    long[] t = new long[5];
                    try (Scope step = Scope.open()) {
                        opt.zeroGrad();
                        t[0] = System.nanoTime();
                        Tensor emb = net.forward(x);
                        t[1] = System.nanoTime();
                        Tensor loss = head.loss(emb, y);
                        t[2] = System.nanoTime();
                        loss.backward();
                        t[3] = System.nanoTime();
                        opt.step();
                        t[4] = System.nanoTime();
                    }
                    report(mode + " " + name + " b" + batch, i, t0);
                    System.out.printf(Locale.ROOT, "  zero grad %.2f s, backbone forward %.2f s, head forward %.2f s, backward %.2f s, optimizer %.2f s,"
                            + " closing the step's scope %.2f s%n", (t[0] - t0) / 1e9, (t[1] - t[0]) / 1e9, (t[2] - t[1]) / 1e9, (t[3] - t[2]) / 1e9,
                            (t[4] - t[3]) / 1e9, (System.nanoTime() - t[4]) / 1e9);
                }
            }
            long heapPeak = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    heapPeak += p.getPeakUsage().getUsed();
                }
            }
            System.out.printf(Locale.ROOT, "%s %s batch %d: max heap %.2f GB, peak heap used %.2f GB, peak tensor storage %.2f GB, GC %.1f s%n",
                    mode, name, batch, Runtime.getRuntime().maxMemory() / 1e9, heapPeak / 1e9, MemoryStats.peakBytes(Device.CPU) / 1e9,
                    (Timing.gcMillis() - gc0) / 1e3);
        }
    }

    private static void report(String what, int i, long t0) {
        System.out.printf(Locale.ROOT, "%s step %d: %.2f s%n", what, i, (System.nanoTime() - t0) / 1e9);
    }
}
