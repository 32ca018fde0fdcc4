package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import panface.examples.Main;

/** The launch command's parsing: the command comes after --, panface commands run in a JVM like this one. */
class LaunchCommandTest {

    @Test
    void wordsAfterTheSeparatorAreNotOptions() {
        Args a = new Args(new String[] {"--nproc-per-node", "2", "--", "train", "--epochs", "3", "--help"}, Set.of("help"));
        assertEquals(List.of("train", "--epochs", "3", "--help"), a.afterSeparator());
        assertEquals("2", a.get("nproc-per-node", null));
        a.finish();
        UsageException e = assertThrows(UsageException.class, () -> new Args(new String[] {"--", "x"}, Set.of()).finish());
        assertTrue(e.getMessage().contains("after --"), e.getMessage());
    }

    @Test
    void aPanfaceCommandRunsInAJvmAndAPathRunsAsItIs() {
        List<String> jvm = LaunchCommand.childCommand(List.of("train", "--epochs", "1"));
        assertTrue(jvm.get(0).endsWith("java"), jvm.get(0));
        assertEquals(List.of("train", "--epochs", "1"), jvm.subList(jvm.size() - 3, jvm.size()));
        String main = jvm.get(jvm.size() - 4);
        if (Main.class.getModule().isNamed()) {
            assertEquals("panface.examples/panface.examples.Main", main);
            assertEquals("-m", jvm.get(jvm.size() - 5));
        } else {
            assertEquals("panface.examples.Main", main);
        }
        assertEquals(List.of("./run.sh", "a"), LaunchCommand.childCommand(List.of("./run.sh", "a")));
    }

    @Test
    void aCommandIsRequired() {
        assertThrows(UsageException.class, () -> new LaunchCommand().run(new Args(new String[] {"--nproc-per-node", "2"}, Set.of())));
        assertThrows(UsageException.class, () -> new LaunchCommand().run(new Args(new String[] {"train"}, Set.of())));
    }
}
