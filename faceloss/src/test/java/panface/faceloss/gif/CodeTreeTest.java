package panface.faceloss.gif;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The code tree: balanced splits (children of floor(n/k) or ceil(n/k) identities), distinct codes
 * when m &lt;= k^l, the collision count m - k^l when every last-level node is full, and the
 * deterministic resolution rule, all from counting by hand rather than from our own output.
 */
class CodeTreeTest {
    @Test
    void balancedTreeHasDistinctCodesAndBalancedNodes() {
        int m = 100;
        int k = 4;
        int l = 4;
        float[][] v = HomogenisationTest.randomUnit(m, 8, 1);
        CodeTree.Result r = CodeTree.build(v, CodeTree.Options.of(k, l));
        assertEquals(0, r.collisionsBefore());
        assertEquals(0, r.collisionsAfter());
        IdentityCodes c = r.codes();
        for (int depth = 0; depth < l; depth++) {
            Map<List<Integer>, Integer> parents = sizes(c, depth);
            Map<List<Integer>, Integer> children = sizes(c, depth + 1);
            for (Map.Entry<List<Integer>, Integer> child : children.entrySet()) {
                int n = parents.get(child.getKey().subList(0, depth));
                int size = child.getValue();
                assertTrue(size == n / k || size == (n + k - 1) / k, "node " + child.getKey() + " of " + size + " under a parent of " + n);
            }
            // a node at depth j holds at most ceil(m / k^j)
            int bound = (int) Math.ceil(m / Math.pow(k, depth + 1));
            for (int size : children.values()) {
                assertTrue(size <= bound);
            }
        }
        CodeTree.Result again = CodeTree.build(HomogenisationTest.randomUnit(m, 8, 1), CodeTree.Options.of(k, l));
        assertArrayEquals(c.tokens(), again.codes().tokens(), "the tree must not depend on anything but the vectors and options");
    }

    @Test
    void tooShallowTreeCountsCollisions() {
        // 100 identities, 3^4 = 81 leaves: every last-level node holds 3 or 4 identities, so all
        // 81 leaves are used and 100 - 81 identities collide; nothing can be resolved
        CodeTree.Result r = CodeTree.build(HomogenisationTest.randomUnit(100, 8, 2), CodeTree.Options.of(3, 4));
        assertEquals(19, r.collisionsBefore());
        assertEquals(19, r.collisionsAfter());
    }

    @Test
    void collisionsResolveToFreeSiblingsInOrder() {
        float[] a = {1, 0};
        float[] b = {0, 1};
        float[][] v = {a.clone(), b.clone(), a.clone(), a.clone()};
        CodeTree.Options plain = new CodeTree.Options(4, 1, 3, false, false, 0);
        CodeTree.Result unresolved = CodeTree.build(v, plain);
        // identical vectors always share the nearest centroid: identities 0, 2 and 3 collide
        assertEquals(2, unresolved.collisionsBefore());
        assertEquals(2, unresolved.collisionsAfter());
        int ta = unresolved.codes().token(0, 0);
        int tb = unresolved.codes().token(1, 0);
        assertNotEquals(ta, tb);
        CodeTree.Result resolved = CodeTree.build(v, new CodeTree.Options(4, 1, 3, false, true, 0));
        assertEquals(2, resolved.collisionsBefore());
        assertEquals(0, resolved.collisionsAfter());
        int[] free = java.util.stream.IntStream.range(0, 4).filter(t -> t != ta && t != tb).toArray();
        // the lowest index keeps its leaf; the others take the free tokens in increasing order
        assertArrayEquals(new int[] {ta, tb, free[0], free[1]}, resolved.codes().tokens());
    }

    @Test
    void depthForIsTheSmallestSufficientDepth() {
        assertEquals(1, CodeTree.Options.depthFor(256, 256));
        assertEquals(2, CodeTree.Options.depthFor(257, 256));
        assertEquals(3, CodeTree.Options.depthFor(10_000_000, 256));
        assertEquals(24, CodeTree.Options.depthFor(10_000_000, 2));
    }

    private static Map<List<Integer>, Integer> sizes(IdentityCodes c, int depth) {
        Map<List<Integer>, Integer> out = new HashMap<>();
        for (int y = 0; y < c.size(); y++) {
            List<Integer> prefix = Arrays.stream(Arrays.copyOf(c.code(y), depth)).boxed().toList();
            out.merge(prefix, 1, Integer::sum);
        }
        return out;
    }
}
