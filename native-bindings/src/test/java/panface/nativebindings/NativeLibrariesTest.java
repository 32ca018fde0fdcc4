package panface.nativebindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import panface.nativebindings.cuda.Cuda;

class NativeLibrariesTest {

    @Test
    void missingLibraryListsEveryPlaceLooked() {
        NativeLibraries.Spec spec = new NativeLibraries.Spec("nosuchlib", "a test library", List.of("libpanface_nosuch.so.7"), false);
        NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibraries.load(spec));
        String m = e.getMessage();
        assertTrue(m.contains("a test library could not be loaded"), m);
        assertTrue(m.contains("-Dpanface.nosuchlib.library") && m.contains("PANFACE_NOSUCHLIB_LIBRARY"), m);
        assertTrue(m.contains("libpanface_nosuch.so.7 (dynamic loader search path): not found"), m);
        assertTrue(m.contains("/usr/local/cuda/lib64 (standard CUDA install)"), m);
        // the same failure again, without searching twice
        NativeLibraryException again = assertThrows(NativeLibraryException.class, () -> NativeLibraries.load(spec));
        assertEquals(m, again.getMessage());
    }

    @Test
    void overrideNamingABadFileSaysSo(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("libfake.so.1");
        Files.writeString(fake, "not an ELF file");
        String key = "panface.faketest.library";
        System.setProperty(key, fake.toString());
        try {
            NativeLibraries.Spec spec = new NativeLibraries.Spec("faketest", "a fake library", List.of("libfake.so.1"), false);
            NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibraries.load(spec));
            assertTrue(e.getMessage().contains(fake.toString() + " (-D" + key + ")"), e.getMessage());
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void overrideNamingAFolderLooksForTheSonames(@TempDir Path dir) {
        String key = "panface.foldertest.library";
        System.setProperty(key, dir.toString());
        try {
            NativeLibraries.Spec spec = new NativeLibraries.Spec("foldertest", "a folder library", List.of("libnothere.so.3"), false);
            NativeLibraryException e = assertThrows(NativeLibraryException.class, () -> NativeLibraries.load(spec));
            assertTrue(e.getMessage().contains(dir + " (-D" + key + "): none of [libnothere.so.3]"), e.getMessage());
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void aRealLibraryLoadsFromTheLoaderPath() {
        // libm is on every Linux machine: the loader finds it by soname and the file it mapped is loaded
        NativeLibraries.Spec spec = new NativeLibraries.Spec("mathtest", "libm", List.of("libm.so.6"), false);
        Path p = NativeLibraries.load(spec);
        assertTrue(p.getFileName().toString().startsWith("libm"), p.toString());
    }

    @Test
    void withoutADriverCudaSaysWhyInsteadOfCrashing() {
        String why = Cuda.unavailableReason();
        if (why == null) {
            assertTrue(Cuda.deviceCount() > 0);
            return;
        }
        assertNotNull(why);
        assertTrue(why.contains("CUDA driver") || why.contains("cuInit"), why);
    }

    @Test
    void callErrorsNameFunctionCodeAndDescription() {
        NativeCallException e = new NativeCallException("CUDA driver", "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory",
                "asked for 1024 bytes");
        assertEquals("CUDA driver: cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2): out of memory; asked for 1024 bytes", e.getMessage());
        assertEquals(2, e.code());
        assertEquals("cuMemAlloc_v2", e.function());
    }
}
