package panface.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import org.junit.jupiter.api.Test;

/** Option parsing refuses what it cannot mean: a switch's value is true or false, numbers are finite and in range, no option twice. */
class ArgsTest {
    private static Args parse(String... a) {
        return new Args(a, Set.of("flip"));
    }

    @Test
    void switchesTakeOnlyTrueOrFalse() {
        assertTrue(parse("--flip").has("flip"));
        assertTrue(parse("--flip=true").has("flip"));
        assertTrue(parse("--flip=TRUE").has("flip"));
        assertFalse(parse("--flip=false").has("flip"), "--flip=false turns flip off");
        assertFalse(parse().has("flip"));
        UsageException e = assertThrows(UsageException.class, () -> parse("--flip=yes please").has("flip"));
        assertEquals("--flip is true or false, got 'yes please'", e.getMessage());
    }

    @Test
    void numbersAreFiniteAndInRange() {
        for (String bad : new String[] {"NaN", "Infinity", "-Infinity"}) {
            UsageException e = assertThrows(UsageException.class, () -> parse("--threshold", bad).getDouble("threshold", 0.3, -1, 1));
            assertEquals("--threshold expects a finite number, got '" + bad + "'", e.getMessage());
        }
        UsageException range = assertThrows(UsageException.class, () -> parse("--threshold", "-5").getDouble("threshold", 0.3, -1, 1));
        assertEquals("--threshold must be between -1.0 and 1.0, got -5.0", range.getMessage());
        assertEquals(-1.0, parse("--threshold", "-1").getDouble("threshold", 0.3, -1, 1));
        assertEquals(0.3, parse().getDouble("threshold", 0.3, -1, 1));
        assertThrows(UsageException.class, () -> parse("--lr", "Infinity").getDouble("lr", 1e-3));
        assertThrows(UsageException.class, () -> parse("--lr", "0x1p3x").getDouble("lr", 1e-3));
        UsageException big = assertThrows(UsageException.class, () -> parse("--features", "4000000").getInt("features", 512, 1, 4096));
        assertEquals("--features must be between 1 and 4096, got 4000000", big.getMessage());
        assertThrows(UsageException.class, () -> parse("--features", "99999999999").getInt("features", 512, 1, 4096));
    }

    @Test
    void anOptionGivenTwiceIsRefused() {
        UsageException e = assertThrows(UsageException.class, () -> parse("--lr", "1", "--lr=2"));
        assertEquals("option --lr is given twice", e.getMessage());
        assertThrows(UsageException.class, () -> parse("--flip", "--flip=false"));
    }

    @Test
    void aRepeatableOptionCollectsEveryValueInOrder() {
        Args a = new Args(new String[] {"--bin", "a.bin", "--lr", "1", "--bin=b.bin"}, Set.of("flip"), Set.of("bin"));
        assertEquals(java.util.List.of("a.bin", "b.bin"), a.getAll("bin"));
        assertEquals(java.util.List.of(), a.getAll("pairs"));
        UsageException e = assertThrows(UsageException.class, () -> a.get("bin", null));
        assertEquals("option --bin is given twice", e.getMessage());
        assertThrows(UsageException.class, () -> new Args(new String[] {"--lr", "1", "--lr", "2"}, Set.of(), Set.of("bin")));
    }
}
