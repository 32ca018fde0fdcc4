package panface.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The launcher starting real JVMs of {@link RankMain} that rendezvous through its store (port 0: a free one). */
class LauncherTest {

    static List<String> rankMain(String... args) {
        List<String> options = new ArrayList<>(JvmCommand.moduleOptions());
        options.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xmx256m"));
        List<String> cmd = new ArrayList<>(JvmCommand.of(options, RankMain.class));
        cmd.addAll(List.of(args));
        return cmd;
    }

    record Run(Launcher.Outcome outcome, String out, String err) {
    }

    static Run launch(int nproc, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Launcher.Config cfg = new Launcher.Config(nproc, 1, 0, "127.0.0.1", 0, rankMain(args), Duration.ofSeconds(5));
        Launcher.Outcome o = Launcher.run(cfg, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(o, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void twoAndThreeRanksRendezvousExchangeAndStopCleanly() {
        for (int n : new int[] {2, 3}) {
            Run run = launch(n);
            assertEquals(0, run.outcome().exitCode(), run.err());
            StringBuilder ranks = new StringBuilder();
            for (int r = 0; r < n; r++) {
                ranks.append(r == 0 ? "" : ", ").append(r);
            }
            for (int r = 0; r < n; r++) {
                String line = "[rank " + r + "] rank " + r + " of " + n + " local " + r + ": sum=" + n * (n + 1) / 2 + " ranks=[" + ranks + "]";
                assertTrue(run.out().contains(line), "missing '" + line + "' in:\n" + run.out() + run.err());
            }
            for (long pid : run.outcome().pids()) {
                assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still runs");
            }
        }
    }

    @Test
    void aFailingRankStopsTheOthersAndIsReported() {
        Run run = launch(3, "fail=1");
        assertEquals(3, run.outcome().exitCode(), run.err());
        assertEquals(1, run.outcome().failedRank());
        assertTrue(run.outcome().reason().contains("rank 1") && run.outcome().reason().contains("exited with code 3")
                && run.outcome().reason().contains("fails on purpose"), run.outcome().reason());
        for (long pid : run.outcome().pids()) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still runs");
        }
    }
}
