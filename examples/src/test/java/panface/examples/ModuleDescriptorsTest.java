package panface.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Provides;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wall between the library's API and its backends, read from the module descriptors of the
 * running JVM: which packages each of our modules exports, and to whom. Making a package API is a
 * deliberate edit of the lists below; exporting a backend package (say {@code panface.tensor.cpu})
 * to everyone fails. Every module of ours that the app uses is here (bench is not one of them). Also
 * that the services (backends, extension kernels, golden ops) are declared alike for the module
 * path and the class path. Runs only when the tests run on the module path (surefire's default).
 */
class ModuleDescriptorsTest {
    private static final Map<String, Set<String>> EXPORTED = Map.of(
            "panface.nativebindings", Set.of("panface.nativebindings", "panface.nativebindings.cublas",
                    "panface.nativebindings.cublaslt", "panface.nativebindings.cuda", "panface.nativebindings.nccl",
                    "panface.nativebindings.nvrtc", "panface.nativebindings.openblas", "panface.nativebindings.turbojpeg"),
            "panface.tensor", Set.of("panface.tensor", "panface.tensor.autograd", "panface.tensor.backend",
                    "panface.tensor.golden", "panface.tensor.io", "panface.tensor.ops", "panface.tensor.random"),
            "panface.nn", Set.of("panface.nn", "panface.nn.data", "panface.nn.eval", "panface.nn.face", "panface.nn.infer",
                    "panface.nn.io", "panface.nn.lafs", "panface.nn.layers", "panface.nn.models", "panface.nn.onnx",
                    "panface.nn.optim"),
            "panface.faceloss", Set.of("panface.faceloss", "panface.faceloss.gif"),
            "panface.distributed", Set.of("panface.distributed"),
            "panface.examples", Set.of());

    /** Each one a breach of the wall, kept as narrow as the code that needs it. */
    private static final Map<String, Map<String, Set<String>>> QUALIFIED = Map.of(
            "panface.tensor", Map.of(
                    "panface.tensor.cpu", Set.of("panface.examples"),
                    "panface.tensor.cpu.runtime", Set.of("panface.faceloss", "panface.examples"),
                    "panface.tensor.cuda", Set.of("panface.faceloss", "panface.distributed", "panface.examples", "panface.bench"),
                    "panface.tensor.math", Set.of("panface.nn", "panface.faceloss")));

    /**
     * Last package-name segments that mean implementation: backends, generated code, kernels and
     * golden-case ops. (In panface.nativebindings, {@code cuda} names the driver API's facade, which
     * is that module's API; panface.tensor.golden is the golden runner's API.)
     */
    private static final Set<String> NEVER_API = Set.of("cpu", "cuda", "internal", "gen", "kernels", "proto", "golden");
    private static final Set<String> NAMED_LIKE_IMPLEMENTATION_BUT_API = Set.of("panface.nativebindings.cuda", "panface.tensor.golden");

    @BeforeEach
    void onTheModulePath() {
        assumeTrue(ModuleDescriptorsTest.class.getModule().isNamed(),
                "the tests run on the class path, where there are no module descriptors to read; run them on the module path (surefire's default)");
    }

    private static Map<String, ModuleDescriptor> ours() {
        return ModuleLayer.boot().modules().stream()
                .filter(m -> m.getName().startsWith("panface."))
                .collect(Collectors.toMap(Module::getName, Module::getDescriptor, (a, b) -> a, TreeMap::new));
    }

    @Test
    void everyModuleExportsExactlyItsApiAndNamesEveryOtherReader() {
        Map<String, ModuleDescriptor> ours = ours();
        assertEquals(new TreeSet<>(EXPORTED.keySet()), ours.keySet(), "our modules in this JVM");
        for (var e : ours.entrySet()) {
            String name = e.getKey();
            Set<String> open = new TreeSet<>();
            Map<String, Set<String>> qualified = new TreeMap<>();
            for (Exports x : e.getValue().exports()) {
                if (x.isQualified()) {
                    qualified.put(x.source(), new TreeSet<>(x.targets()));
                } else {
                    open.add(x.source());
                }
            }
            assertEquals(new TreeSet<>(EXPORTED.get(name)), open, name + " exports to everyone");
            Map<String, Set<String>> expected = new TreeMap<>();
            QUALIFIED.getOrDefault(name, Map.of()).forEach((p, to) -> expected.put(p, new TreeSet<>(to)));
            assertEquals(expected, qualified, name + " exports only to some modules");
        }
    }

    @Test
    void noBackendGeneratedOrGoldenPackageIsExportedToEveryoneAndNothingIsOpen() {
        for (var e : ours().entrySet()) {
            ModuleDescriptor d = e.getValue();
            assertFalse(d.isOpen(), e.getKey() + " is an open module");
            assertTrue(d.opens().isEmpty(), e.getKey() + " opens " + d.opens());
            for (Exports x : d.exports()) {
                String last = x.source().substring(x.source().lastIndexOf('.') + 1);
                boolean wall = NEVER_API.contains(last) && !NAMED_LIKE_IMPLEMENTATION_BUT_API.contains(x.source());
                assertFalse(wall && !x.isQualified(), e.getKey() + " exports " + x.source() + " to everyone");
            }
        }
    }

    @Test
    void theBackendsAndTheMarginKernelsAreServices() {
        Map<String, ModuleDescriptor> ours = ours();
        assertEquals(List.of("panface.tensor.cpu.CpuBackendProvider", "panface.tensor.cuda.CudaBackendProvider"),
                providers(ours.get("panface.tensor"), "panface.tensor.backend.BackendProvider"));
        assertEquals(List.of("panface.faceloss.kernels.MarginKernelsProvider"),
                providers(ours.get("panface.faceloss"), "panface.tensor.backend.ExtensionKernels$Provider"));
        assertTrue(ours.get("panface.tensor").uses().containsAll(Set.of("panface.tensor.backend.BackendProvider",
                "panface.tensor.backend.ExtensionKernels$Provider", "panface.tensor.golden.GoldenOps")));
    }

    /** The class path reads META-INF/services and the module path reads provides: both must list the same classes. */
    @Test
    void everyServiceIsDeclaredTheSameForTheModuleAndTheClassPath() throws IOException {
        for (String name : ours().keySet()) {
            Module m = ModuleLayer.boot().findModule(name).orElseThrow();
            for (Provides p : m.getDescriptor().provides()) {
                try (InputStream in = m.getResourceAsStream("META-INF/services/" + p.service())) {
                    assertNotNull(in, name + " provides " + p.service() + " but has no META-INF/services file for it");
                    List<String> listed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                            .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
                    assertEquals(p.providers(), listed, name + ": " + p.service());
                }
            }
        }
    }

    private static List<String> providers(ModuleDescriptor d, String service) {
        return d.provides().stream().filter(p -> p.service().equals(service)).flatMap(p -> p.providers().stream()).toList();
    }
}
