package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Code scores and lookup on codes written out by hand. */
class CodeVerificationTest {
    @Test
    void prefixScoreAndLookup() {
        assertEquals(2.0 / 3, CodeVerification.prefixScore(new long[] {1, 2, 3}, new long[] {1, 2, 0}), 0);
        assertEquals(0.0, CodeVerification.prefixScore(new long[] {1, 2, 3}, new long[] {0, 2, 3}), 0);
        assertTrue(CodeVerification.sameCode(new long[] {4, 0}, new long[] {4, 0}));
        assertFalse(CodeVerification.sameCode(new long[] {4, 0}, new long[] {4, 1}));
        IdentityCodes codes = new IdentityCodes(3, 2, new int[] {0, 1, 2, 2, 0, 1});
        Map<IdentityCodes.CodeKey, Integer> index = codes.byCode();
        assertEquals(1, CodeVerification.identify(codes, index, new long[] {2, 2}));
        assertEquals(0, CodeVerification.identify(codes, index, new long[] {0, 1}));
        assertEquals(-1, CodeVerification.identify(codes, index, new long[] {1, 1}));
        assertEquals(-1, CodeVerification.identify(codes, index, new long[] {3, 1}));
    }
}
