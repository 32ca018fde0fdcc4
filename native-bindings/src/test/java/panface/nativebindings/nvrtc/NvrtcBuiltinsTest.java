package panface.nativebindings.nvrtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which builtins library is preloaded beside libnvrtc (files only; nothing is loaded). */
class NvrtcBuiltinsTest {

    @Test
    void theExactSonameWinsOverLongerNames(@TempDir Path dir) throws Exception {
        Path nvrtc = Files.createFile(dir.resolve("libnvrtc.so.13"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.13.0.88"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.13.0"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.12.9"));
        assertEquals(dir.resolve("libnvrtc-builtins.so.13.0"), NvrtcCompiler.builtinsBeside(nvrtc, 13, 0));
    }

    @Test
    void aPatchVersionIsTakenWhenTheSonameFileIsMissing(@TempDir Path dir) throws Exception {
        Path nvrtc = Files.createFile(dir.resolve("libnvrtc.so.13"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.13.0.88"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.13.1"));
        assertEquals(dir.resolve("libnvrtc-builtins.so.13.0.88"), NvrtcCompiler.builtinsBeside(nvrtc, 13, 0));
    }

    @Test
    void theFolderOfTheLinkTargetIsSearchedToo(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("wheel/lib"));
        Files.createFile(real.resolve("libnvrtc.so.13"));
        Files.createFile(real.resolve("libnvrtc-builtins.so.13.0"));
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("links")).resolve("libnvrtc.so.13"),
                real.resolve("libnvrtc.so.13"));
        assertEquals(real.toRealPath().resolve("libnvrtc-builtins.so.13.0"), NvrtcCompiler.builtinsBeside(link, 13, 0));
    }

    @Test
    void anotherVersionIsNotTaken(@TempDir Path dir) throws Exception {
        Path nvrtc = Files.createFile(dir.resolve("libnvrtc.so.12"));
        Files.createFile(dir.resolve("libnvrtc-builtins.so.12.80"));
        assertNull(NvrtcCompiler.builtinsBeside(nvrtc, 12, 8));
    }
}
