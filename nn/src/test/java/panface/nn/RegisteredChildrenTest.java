package panface.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import panface.nn.lafs.LandmarkCnn;
import panface.nn.lafs.MobileNetV3Features;
import panface.nn.lafs.PartFViT;
import panface.nn.models.FaceViT;
import panface.nn.models.IResNet;
import panface.nn.models.MobileFaceNet;
import panface.nn.models.ViTConfig;
import panface.tensor.Scope;
import panface.tensor.random.Generator;

/**
 * Every module a model holds in a field is one of its registered descendants, so that train(),
 * eval(), to(device), an inference plan and the state dict reach it without the model
 * forwarding them by hand (a dropout that is not registered stays in training mode after eval()).
 */
class RegisteredChildrenTest {
    @Test
    void everyModuleFieldIsARegisteredDescendant() {
        try (Scope s = Scope.open()) {
            Generator gen = new Generator(3);
            int[][] table = {{3, 16, 16, 0, 0, 1}};
            LandmarkCnn lcnn = new LandmarkCnn(new MobileNetV3Features(table, gen), 4, 15, gen);
            List<Module> models = List.of(new FaceViT(ViTConfig.named("vit_t")), new IResNet(new int[] {1, 1, 1, 1}, new int[] {8, 8, 16, 16},
                    32, 16, 0.2, 4), MobileFaceNet.standard(64, 3),
                    new PartFViT(new PartFViT.Config(4, 8, 16, 3, 2, 8, 32, 0.1, 0.1, 0.1, true), lcnn, gen));
            for (Module model : models) {
                List<String> missing = new ArrayList<>();
                walk(model, model.getClass().getSimpleName(), missing);
                assertEquals(List.of(), missing, "module fields not registered with child(...)");
                model.eval();
                forEach(model, m -> assertTrue(!m.isTraining(), m.getClass().getSimpleName() + " still training after eval()"));
                model.train(true);
                forEach(model, m -> assertTrue(m.isTraining(), m.getClass().getSimpleName() + " not training after train(true)"));
            }
        }
    }

    private static void walk(Module m, String path, List<String> missing) {
        Set<Module> registered = Collections.newSetFromMap(new IdentityHashMap<>());
        forEach(m, registered::add);
        for (Class<?> c = m.getClass(); c != Module.class && c != null; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                for (Module held : modulesIn(f, m)) {
                    if (!registered.contains(held) && !isViewOfRegistered(held, registered)) {
                        missing.add(path + "." + f.getName() + " (" + held.getClass().getSimpleName() + ")");
                    }
                }
            }
        }
        for (Map.Entry<String, Module> e : m.children().entrySet()) {
            walk(e.getValue(), path + "." + e.getKey(), missing);
        }
    }

    /**
     * A wrapper whose children are all registered under the owner itself, with no parameters or
     * buffers of its own (PartFViT registers its landmark CNN's stn and output_layer directly, as
     * the reference's keys name them), holds no state that train() or the state dict could miss.
     */
    private static boolean isViewOfRegistered(Module held, Set<Module> registered) {
        int own = held.namedParameters().size() + held.namedBuffers().size();
        int viaChildren = 0;
        for (Module c : held.children().values()) {
            if (!registered.contains(c)) {
                return false;
            }
            viaChildren += c.namedParameters().size() + c.namedBuffers().size();
        }
        return !held.children().isEmpty() && own == viaChildren;
    }

    private static List<Module> modulesIn(Field f, Module owner) {
        List<Module> out = new ArrayList<>();
        try {
            f.setAccessible(true);
            Object v = f.get(owner);
            if (v instanceof Module mod) {
                out.add(mod);
            } else if (v instanceof Iterable<?> it) {
                for (Object o : it) {
                    if (o instanceof Module mod) {
                        out.add(mod);
                    }
                }
            } else if (v instanceof Module[] arr) {
                Collections.addAll(out, arr);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new AssertionError("cannot read " + f, e);
        }
        return out;
    }

    private static void forEach(Module m, java.util.function.Consumer<Module> f) {
        f.accept(m);
        for (Module c : m.children().values()) {
            forEach(c, f);
        }
    }
}
