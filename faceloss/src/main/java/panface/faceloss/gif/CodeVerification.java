package panface.faceloss.gif;

import java.util.Map;

/**
 * Code-based identification and verification from decoded codes (see
 * {@code GifTokenLoss.decode}). The paper evaluates with the embedding only (heads discarded),
 * as every other model here; these code scores are a by-product for inspecting the heads.
 */
public final class CodeVerification {
    private CodeVerification() {
    }

    /**
     * The length of the common prefix of two codes divided by l: 1 for the same code, and since
     * a code is a tree path, a shared prefix means a shared subtree.
     */
    public static double prefixScore(long[] a, long[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("codes of different or zero length: " + a.length + " and " + b.length);
        }
        int n = 0;
        while (n < a.length && a[n] == b[n]) {
            n++;
        }
        return (double) n / a.length;
    }

    /** Whether two decoded codes are the same code. */
    public static boolean sameCode(long[] a, long[] b) {
        return prefixScore(a, b) == 1.0;
    }

    /** The identity holding a decoded code (the lowest index if several do), or -1 for none. */
    public static int identify(IdentityCodes codes, Map<IdentityCodes.CodeKey, Integer> index, long[] decoded) {
        if (decoded.length != codes.l()) {
            throw new IllegalArgumentException("expected a code of " + codes.l() + " tokens, got " + decoded.length);
        }
        int[] c = new int[decoded.length];
        for (int j = 0; j < c.length; j++) {
            if (decoded[j] < 0 || decoded[j] >= codes.k()) {
                return -1;
            }
            c[j] = (int) decoded[j];
        }
        return index.getOrDefault(new IdentityCodes.CodeKey(c), -1);
    }
}
