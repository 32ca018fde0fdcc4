package panface.examples.lafs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import panface.nn.Module;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.tensor.DType;
import panface.tensor.Scope;
import panface.tensor.Tensor;
import panface.tensor.io.Safetensors;
import panface.tensor.random.Generator;

/**
 * One whole LAFS pretraining step against PyTorch (make_lafs_step_case.py, DINO's loop on fixed
 * patch tokens): the DINO loss of student and teacher outputs, the gradients through Part fViT and
 * the DINO head, per-tensor clipping (the case's small clip limit clips some tensors and not
 * others), AdamW with the decay on weights only, the teacher's EMA and the centre. Float64 on
 * both sides, so the limit is 1e-9 relative to max(1, |value|): the same formulas, differing in
 * summation order only (AdamW's first step divides g by |g| + eps, which a wrong clip or decay
 * would still move by about the learning rate, 1e-3).
 */
class LafsPretrainStepGoldenTest {
    private static final double LIMIT = 1e-9;

    @Test
    void oneStepMatchesPyTorch() throws Exception {
        Path file = Path.of(LafsPretrainStepGoldenTest.class.getResource("/lafs/pretrain_step.safetensors").toURI());
        try (Scope s = Scope.open(); Safetensors.Reader r = Safetensors.open(file)) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (String n : r.names()) {
                t.put(n, r.tensor(n));
            }
            Generator gen = new Generator(1);
            LandmarkCnn unused = new LandmarkCnn(new MobileNetV3Features(new int[][] {{3, 16, 16, 0, 0, 2}}, gen), 16, 31, gen);
            PartFViT.Config cfg = new PartFViT.Config(16, 8, 24, 1, 2, 8, 32, 0, 0, 0, false);
            // lr 1e-3, no warm-up, wd 0.04 at iteration 0, clip 0.05, last layer trained (no freeze), EMA momentum 0.996
            LafsPretrainer.Options opt = new LafsPretrainer.Options(20, 32, 16, 0, 4, 1e-3, 1e-6, 0, 2, 0.04, 0.4, 0.05, 0, 0.996,
                    LafsPretrainer.TeacherMode.DETERMINISTIC, 1);
            try (LafsPretrainer run = new LafsPretrainer(opt, unused, cfg, 4, 10)) {
                run.student().bind(under(t, "param.student.", false));
                run.studentHead().bind(under(t, "param.head.", false));
                run.teacher().bind(under(t, "param.student.", true));
                run.teacherHead().bind(under(t, "param.head.", true));
                run.loss().bind(Map.of("center", Tensor.zeros(1, 20).to(DType.F64)));
                Tensor g = t.get("input.global");
                Tensor l = t.get("input.local");
                double loss = run.stepTokens(List.of(g.narrow(0, 0, 2), g.narrow(0, 2, 2), l.narrow(0, 0, 2), l.narrow(0, 2, 2)));
                assertEquals(t.get("output.loss").item(), loss, LIMIT * Math.max(1, Math.abs(loss)));
                List<String> bad = new ArrayList<>();
                compare("student.", run.student(), t, bad);
                compare("head.", run.studentHead(), t, bad);
                compare("teacher.", run.teacher(), t, bad);
                compare("teacher_head.", run.teacherHead(), t, bad);
                check("center", t.get("output.center"), run.loss().center(), bad);
                if (!bad.isEmpty()) {
                    fail(String.join("\n", bad));
                }
                assertTrue(moved(t, "param.head.last_layer.weight_v", "output.head.last_layer.weight_v"), "the step moves the last layer");
            }
        }
    }

    /** The case's tensors under prefix, the prefix removed (copied when the teacher needs its own). */
    private static Map<String, Tensor> under(Map<String, Tensor> t, String prefix, boolean copy) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        t.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                m.put(k.substring(prefix.length()), copy ? v.copy() : v);
            }
        });
        return m;
    }

    private static void compare(String prefix, Module m, Map<String, Tensor> t, List<String> bad) {
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            Tensor want = t.get("output." + prefix + e.getKey());
            if (want == null) {
                bad.add(prefix + e.getKey() + ": not in the case");
                continue;
            }
            check(prefix + e.getKey(), want, e.getValue(), bad);
        }
    }

    private static void check(String name, Tensor want, Tensor got, List<String> bad) {
        double[] w = want.toDoubleArray();
        double[] g = got.toDoubleArray();
        double worst = 0;
        for (int i = 0; i < w.length; i++) {
            worst = Math.max(worst, Math.abs(w[i] - g[i]) / Math.max(1, Math.abs(w[i])));
        }
        if (w.length != g.length || worst > LIMIT) {
            bad.add(name + ": worst relative error " + worst);
        }
    }

    private static boolean moved(Map<String, Tensor> t, String before, String after) {
        return !java.util.Arrays.equals(t.get(before).toDoubleArray(), t.get(after).toDoubleArray());
    }
}
