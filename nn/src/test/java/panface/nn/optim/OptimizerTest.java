package panface.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import panface.nn.Parameter;
import panface.tensor.DType;
import panface.tensor.Tensor;
import panface.tensor.io.Json;

/** SGD, AdamW and gradient clipping against trajectories recorded from PyTorch (optim_cases.json). */
class OptimizerTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String name) throws Exception {
        try (InputStream in = OptimizerTest.class.getResourceAsStream("/optim/optim_cases.json")) {
            for (Object o : (List<Object>) Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
                Map<String, Object> c = (Map<String, Object>) o;
                if (c.get("name").equals(name)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static double[] doubles(Object list) {
        List<?> l = (List<?>) list;
        double[] d = new double[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).doubleValue();
        }
        return d;
    }

    private static int[] ints(Object list) {
        List<?> l = (List<?>) list;
        int[] d = new int[l.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((Number) l.get(i)).intValue();
        }
        return d;
    }

    /** The same deterministic gradient sequence as the script. */
    private static Tensor grad(int step, int i, int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        double[] g = new double[n];
        for (int k = 0; k < n; k++) {
            g[k] = Math.sin(0.7 * step + 1.3 * i + 0.37 * k) * (1 + 0.1 * k);
        }
        return Tensor.of(g, shape);
    }

    /** The recorded parameter groups over fresh parameters holding the case's initial values. */
    @SuppressWarnings("unchecked")
    private static List<ParamGroup> groups(Map<String, Object> c, List<Parameter> ps) {
        List<Object> shapes = (List<Object>) c.get("shapes");
        List<Object> init = (List<Object>) c.get("init");
        for (int i = 0; i < shapes.size(); i++) {
            ps.add(new Parameter(Tensor.of(doubles(init.get(i)), ints(shapes.get(i)))));
        }
        List<ParamGroup> groups = new ArrayList<>();
        for (Object o : (List<Object>) c.get("groups")) {
            Map<String, Object> g = (Map<String, Object>) o;
            List<Parameter> members = new ArrayList<>();
            for (int i : ints(g.get("params"))) {
                members.add(ps.get(i));
            }
            groups.add(new ParamGroup("g" + groups.size(), members, ((Number) g.get("weight_decay")).doubleValue(),
                    ((Number) g.get("lr_scale")).doubleValue()));
        }
        return groups;
    }

    /**
     * Replays a recorded case: at each step the parameters PyTorch gave a gradient get the same
     * one, the others none. With resumeAt &gt;= 0 the optimizer's state is saved after that many
     * steps and a new optimizer over copies of the parameters continues from it.
     */
    @SuppressWarnings("unchecked")
    private static void replay(String name, Function<List<ParamGroup>, Optimizer> make, double clip, int resumeAt) throws Exception {
        Map<String, Object> c = load(name);
        List<Object> shapes = (List<Object>) c.get("shapes");
        List<Parameter> ps = new ArrayList<>();
        Optimizer opt = make.apply(groups(c, ps));
        List<Object> after = (List<Object>) c.get("after");
        List<Object> norms = (List<Object>) c.get("norms");
        List<Object> active = (List<Object>) c.get("active");
        for (int t = 0; t < after.size(); t++) {
            if (t == resumeAt) {
                List<Parameter> copies = new ArrayList<>();
                Optimizer resumed = make.apply(groups(c, copies));
                for (int i = 0; i < ps.size(); i++) {
                    copies.get(i).data().detach().copyFrom(ps.get(i).data());
                }
                Map<String, Tensor> saved = new LinkedHashMap<>();
                opt.stateTensors().forEach((k, v) -> saved.put(k, v.copy()));
                resumed.loadStateTensors(saved);
                ps = copies;
                opt = resumed;
            }
            List<?> on = (List<?>) active.get(t);
            List<Parameter> withGrad = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                boolean has = (Boolean) on.get(i);
                ps.get(i).data().setGrad(has ? grad(t, i, ints(shapes.get(i))) : null);
                if (has) {
                    withGrad.add(ps.get(i));
                }
            }
            if (clip > 0) {
                assertEquals(((Number) norms.get(t)).doubleValue(), GradClip.clipNorm(withGrad, clip), 1e-12, name + " norm at step " + t);
            }
            opt.step();
            List<Object> want = (List<Object>) after.get(t);
            for (int i = 0; i < ps.size(); i++) {
                // float64 on both sides; the bound allows for a different order of the same operations
                assertArrayEquals(doubles(want.get(i)), ps.get(i).data().toDoubleArray(), 1e-12, name + " step " + t + " param " + i);
            }
        }
    }

    private static void replay(String name, Function<List<ParamGroup>, Optimizer> make) throws Exception {
        replay(name, make, 0, -1);
    }

    @Test
    void sgdMatchesPyTorch() throws Exception {
        replay("sgd", g -> new SGD(g, 0.1, 0.9));
        replay("sgd_nesterov", g -> new SGD(g, 0.05, 0.8, 0, true));
        replay("sgd_dampening", g -> new SGD(g, 0.05, 0.5, 0.3, false));
        replay("sgd_plain", g -> new SGD(g, 0.2, 0));
        replay("sgd_clip", g -> new SGD(g, 0.1, 0.9), 1.5, -1);
    }

    @Test
    void adamwMatchesPyTorch() throws Exception {
        replay("adamw", g -> new AdamW(g, 1e-3));
        replay("adamw_betas", g -> new AdamW(g, 0.01, 0.8, 0.95, 1e-6));
    }

    /** Parameters that first get a gradient late, or skip steps, count their own steps, as PyTorch's state['step']. */
    @Test
    void lateParametersKeepTheirOwnStepCount() throws Exception {
        replay("adamw_late", g -> new AdamW(g, 0.01));
        replay("adamw_frozen_epoch", g -> new AdamW(g, 0.01));
        replay("sgd_late", g -> new SGD(g, 0.05, 0.9, 0.2, false));
    }

    /** The per-parameter counts survive a save and restore of the optimizer's state (resumed where they differ from the step). */
    @Test
    void resumingKeepsThePerParameterStepCounts() throws Exception {
        replay("adamw_late", g -> new AdamW(g, 0.01), 0, 7);
        replay("adamw_frozen_epoch", g -> new AdamW(g, 0.01), 0, 42);
        replay("sgd_late", g -> new SGD(g, 0.05, 0.9, 0.2, false), 0, 7);
    }

    /** State written before the counts were kept: a parameter with moments had used the optimizer's step. */
    @Test
    void stateWithoutCountsGivesUpdatedParametersTheOptimizersStep() {
        Parameter a = new Parameter(Tensor.of(new double[] {1, 2}, 2));
        Parameter b = new Parameter(Tensor.of(new double[] {3}, 1));
        AdamW opt = new AdamW(List.of(ParamGroup.of(List.of(a, b), 0)), 0.01);
        for (int t = 0; t < 3; t++) {
            a.data().setGrad(grad(t, 0, new int[] {2}));
            opt.step();
        }
        Map<String, Tensor> old = new LinkedHashMap<>(opt.stateTensors());
        old.keySet().removeIf(k -> k.startsWith("step."));
        AdamW resumed = new AdamW(List.of(ParamGroup.of(List.of(a, b), 0)), 0.01);
        resumed.loadStateTensors(old);
        assertEquals(3, resumed.parameterSteps(0));
        assertEquals(0, resumed.parameterSteps(1));
        Map<String, Tensor> wrong = new LinkedHashMap<>(opt.stateTensors());
        wrong.put("step.1", Tensor.scalar(4, DType.I64));
        assertThrows(IllegalArgumentException.class, () -> resumed.loadStateTensors(wrong), "more updates than steps");
    }

    @Test
    void float32AdamWKernelMatchesTheDoublePath() {
        Tensor w64 = Tensor.of(new double[] {0.5, -1.0, 2.0, 0.0, 3.0}, 5);
        Parameter p64 = new Parameter(w64);
        Parameter p32 = new Parameter(w64.to(DType.F32).detach());
        AdamW a = new AdamW(List.of(ParamGroup.of(List.of(p64), 0.1)), 0.01);
        AdamW b = new AdamW(List.of(ParamGroup.of(List.of(p32), 0.1)), 0.01);
        for (int t = 0; t < 5; t++) {
            Tensor g = grad(t, 0, new int[] {5});
            p64.data().setGrad(g);
            p32.data().setGrad(g.to(DType.F32));
            a.step();
            b.step();
        }
        assertArrayEquals(p64.data().toDoubleArray(), p32.data().toDoubleArray(), 1e-6);
    }
}
