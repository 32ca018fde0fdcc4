package panface.nn.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A few hundred random mutants of valid PyTorch and safetensors files (see {@link WeightFileFuzzer}):
 * each is read or refused with a clean WeightFileException, in bounded time and allocation. The
 * seed is fixed so a failure reproduces; -Dpanface.fuzz.seed and -Dpanface.fuzz.mutants change
 * them, and scripts/fuzz-weight-files.sh runs long campaigns.
 */
class WeightFileFuzzTest {
    @TempDir
    Path dir;

    @Test
    void mutantsAreReadOrRefusedCleanly() throws Exception {
        long seed = Long.getLong("panface.fuzz.seed", 20_251_206L);
        int count = Integer.getInteger("panface.fuzz.mutants", 500);
        WeightFileFuzzer.Result r = new WeightFileFuzzer(dir).run(count, seed);
        String failures = r.failures().stream().map(f -> "#" + f.index() + " from " + f.seed() + " " + f.mutation() + ": " + f.problem())
                .collect(Collectors.joining("\n"));
        assertTrue(r.failures().isEmpty(), r.failures().size() + " of " + count + " mutants (seed " + seed + ") failed:\n" + failures);
        assertTrue(r.refused() > count / 4 && r.read() > 0, "the mutants reach both outcomes: " + r.read() + " read, " + r.refused() + " refused");
    }
}
