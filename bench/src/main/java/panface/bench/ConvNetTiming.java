package panface.bench;

import java.util.List;
import java.util.Locale;

import panface.nn.InferencePlan;
import panface.nn.Layer;
import panface.nn.Module;
import panface.nn.ParameterSlab;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.optim.ParamGroup;
import panface.nn.optim.SGD;
import panface.tensor.F;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.autograd.GradMode;
import panface.tensor.random.Generator;

/**
 * Hand-run timings of the convolutional face backbones on the CPU (not a test): inference of
 * IResNet-50/100 and MobileFaceNet at batch 1 and 32, prepared for inference or only in
 * evaluation mode, an IResNet-50 training step, and single convolutions forward and backward.
 * Lines are JSON ({@link Report}); the best of the repetitions. Arguments pick parts: infer,
 * train, conv (default all). {@code -Dpanface.conv.kernels=false} times the unfold + GEMM path
 * the direct kernels replace; -Dmodels=r50,mbf picks models, -Dbatch1/-Dbatch2 the batches,
 * -DtrainBatch the training batch, -Dconvs=name,... picks single convolutions, -Dsteps=N first times N training steps one by one with the
 * collector's pause seconds in each (the steady state after the heap has grown), and -Dtime=cpu with -Dpanface.threads=1 measures CPU time.
 */
public final class ConvNetTiming {
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    /**
     * With -Dtime=cpu (and -Dpanface.threads=1, so that all work runs on the calling thread):
     * this thread's CPU seconds instead of wall seconds, which waiting for a core shared with
     * other tenants does not inflate.
     */
    private static final boolean CPU_TIME = "cpu".equals(System.getProperty("time"));

    private ConvNetTiming() {
    }

    private static double best(Runnable body, int warmup, int reps) {
        if (!CPU_TIME) {
            return Timing.bestSeconds(body, warmup, reps);
        }
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double best = Double.MAX_VALUE;
        for (int i = 0; i < reps; i++) {
            long t = CPU.getCurrentThreadCpuTime();
            body.run();
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t) * 1e-9);
        }
        return best;
    }

    public static void main(String[] args) {
        List<String> parts = args.length == 0 ? List.of("infer", "train", "conv") : List.of(args);
        int[] batches = {Integer.getInteger("batch1", 1), Integer.getInteger("batch2", 32)};
        List<String> models = List.of(System.getProperty("models", "r50,r100,mbf").split(","));
        if (parts.contains("infer")) {
            if (models.contains("r50")) {
                infer("r50", new IResNet(50, 512, 0, 1), batches);
            }
            if (models.contains("r100")) {
                infer("r100", new IResNet(100, 512, 0, 1), batches);
            }
            if (models.contains("mbf")) {
                infer("mbf", MobileFaceNet.standard(512, 1), batches);
            }
        }
        if (parts.contains("train")) {
            train(new IResNet(50, 512, 0, 1), Integer.getInteger("trainBatch", 32));
        }
        if (parts.contains("conv")) {
            conv("conv3x3_64_56", 64, 64, 56, 3, 1, 1, 1);
            conv("conv3x3s2_128_28", 64, 128, 56, 3, 2, 1, 1);
            conv("conv3x3_256_14", 256, 256, 14, 3, 1, 1, 1);
            conv("conv3x3_512_7", 512, 512, 7, 3, 1, 1, 1);
            conv("conv1x1_128_28", 128, 256, 28, 1, 1, 0, 1);
            conv("dw3x3_256_28", 256, 256, 28, 3, 1, 1, 256);
            conv("gdc7x7_512", 512, 512, 7, 7, 1, 0, 512);
        }
    }

    private static void infer(String name, Module m, int[] batches) {
        Layer net = (Layer) m;
        m.eval();
        for (boolean prepared : new boolean[] {false, true}) {
            InferencePlan plan = prepared ? m.compileInference(Tensor.zeros(1, 3, 112, 112)) : null;
            for (int b : batches) {
                Tensor x = Tensor.randn(new Generator(b), b, 3, 112, 112);
                double sec = best(() -> {
                    try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
                        if (plan != null) {
                            plan.run(x);
                        } else {
                            net.forward(x);
                        }
                    }
                }, b == 1 ? 10 : 2, b == 1 ? 20 : 3);
                Report.line(name + "_infer_b" + b + (prepared ? "_prepared" : "_eval"), sec,
                        String.format(Locale.ROOT, "\"ms_per_image\":%.2f", 1e3 * sec / b));
            }
            if (plan != null) {
                plan.close();
            }
        }
        m.train(true);
    }

    private static void train(IResNet net, int batch) {
        net.train(true);
        ParameterSlab.pack(net);
        SGD opt = new SGD(List.of(ParamGroup.of(net.parameters(), 5e-4)), 0.1, 0.9);
        Tensor x = Tensor.randn(new Generator(4), batch, 3, 112, 112);
        Runnable body = () -> {
            try (Scope step = Scope.open()) {
                opt.zeroGrad();
                net.forward(x).square().mean().backward();
                opt.step();
            }
        };
        int steps = Integer.getInteger("steps", 0);
        for (int i = 0; i < steps; i++) {
            long gc0 = Timing.gcMillis();
            long t0 = System.nanoTime();
            body.run();
            Report.line("r50_train_step_b" + batch + "_" + i, (System.nanoTime() - t0) * 1e-9,
                    String.format(Locale.ROOT, "\"gc_seconds\":%.3f", (Timing.gcMillis() - gc0) * 1e-3));
        }
        double sec = best(body, 1, 3);
        Report.line("r50_train_step_b" + batch, sec, String.format(Locale.ROOT, "\"ms_per_image\":%.2f", 1e3 * sec / batch));
    }

    private static void conv(String name, int c, int o, int size, int k, int stride, int pad, int groups) {
        String only = System.getProperty("convs");
        if (only != null && !List.of(only.split(",")).contains(name)) {
            return;
        }
        int[] s = {stride, stride};
        int[] p = {pad, pad};
        int[] d = {1, 1};
        for (int b : new int[] {1, 32}) {
            Tensor x = Tensor.randn(new Generator(1), b, c, size, size).requiresGrad(true);
            Tensor w = Tensor.randn(new Generator(2), o, c / groups, k, k).requiresGrad(true);
            double fwd = best(() -> {
                try (Scope step = Scope.open(); var g = GradMode.noGrad()) {
                    F.conv2d(x, w, null, s, p, d, groups);
                }
            }, 3, b == 1 ? 20 : 5);
            double both = best(() -> {
                try (Scope step = Scope.open()) {
                    F.conv2d(x, w, null, s, p, d, groups).sum().backward();
                }
            }, 2, b == 1 ? 10 : 3);
            Report.line(name + "_b" + b, fwd, String.format(Locale.ROOT, "\"fwd_ms\":%.3f,\"fwd_bwd_ms\":%.3f", 1e3 * fwd, 1e3 * both));
        }
    }
}
