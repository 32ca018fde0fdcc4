package panface.faceloss.gif;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Hierarchical k-means of code vectors into a tree of branching k and depth l; an identity's code
 * is its path (token j = its cluster index at depth j). The paper states only "hierarchical
 * clustering" and that the code is the path; branching, depth, balancing and the collision rule
 * are choices [UNVERIFIED], all options here.
 *
 * <p>Balanced (the default): every node of n identities splits into min(k, n) children of
 * floor(n/k) or ceil(n/k) identities, so a node at depth j holds at most ceil(m / k^j) and
 * there is no collision whenever m &lt;= k^l; the paper's O(log m) head size needs such a
 * bound. Unbalanced: plain k-means, whose leaves can hold several identities.
 *
 * <p>Collisions (several identities in one leaf) are resolved deterministically when
 * {@code resolve} is set: in each last-level node, the lowest identity index of a leaf keeps its
 * token and the others, in increasing index, take the unused last tokens of that node in
 * increasing order; what does not fit stays a collision and is counted.
 */
public final class CodeTree {
    /**
     * @param k          branching factor (tokens per position); the reference suggests 256
     * @param l          depth (code length); ceil(log_k m) is the smallest collision-free one
     * @param iterations k-means rounds per node
     * @param balanced   balanced splits (see the class comment)
     * @param resolve    move colliding identities to free sibling leaves
     * @param seed       seed of the centroid draws (node n of the depth-first order uses seed + n)
     */
    public record Options(int k, int l, int iterations, boolean balanced, boolean resolve, long seed) {
        public Options {
            if (k < 2 || l < 1 || iterations < 1) {
                throw new IllegalArgumentException("code tree needs k >= 2, l >= 1 and at least one k-means round");
            }
        }

        /** Branching k and depth l with 10 rounds, balanced, collisions resolved, seed 0. */
        public static Options of(int k, int l) {
            return new Options(k, l, 10, true, true, 0);
        }

        /** The smallest depth with k^l &gt;= m. */
        public static int depthFor(long m, int k) {
            int l = 1;
            long cap = k;
            while (cap < m) {
                cap = cap > Long.MAX_VALUE / k ? Long.MAX_VALUE : cap * k;
                l++;
            }
            return l;
        }
    }

    /** The codes and how many collisions there were before and after resolution. */
    public record Result(IdentityCodes codes, int collisionsBefore, int collisionsAfter) {
    }

    private final float[][] v;
    private final Options o;
    private final int[] tokens;
    private long node;
    private int before;

    private CodeTree(float[][] v, Options o) {
        this.v = v;
        this.o = o;
        this.tokens = new int[v.length * o.l()];
    }

    /** Builds the codes of the (unit) code vectors v (m, d). */
    public static Result build(float[][] v, Options o) {
        if (v.length == 0) {
            throw new IllegalArgumentException("no code vectors");
        }
        CodeTree t = new CodeTree(v, o);
        int[] all = new int[v.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        t.split(all, 0);
        IdentityCodes codes = new IdentityCodes(o.k(), o.l(), t.tokens);
        return new Result(codes, t.before, codes.collisions());
    }

    private void split(int[] idx, int depth) {
        int[] assign = BalancedKMeans.cluster(v, idx, o.k(), o.iterations(), o.balanced(), o.seed() + node++);
        for (int i = 0; i < idx.length; i++) {
            tokens[idx[i] * o.l() + depth] = assign[i];
        }
        if (depth == o.l() - 1) {
            lastLevel(idx, assign);
            return;
        }
        List<List<Integer>> children = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            while (children.size() <= assign[i]) {
                children.add(new ArrayList<>());
            }
            children.get(assign[i]).add(idx[i]);
        }
        for (List<Integer> c : children) {
            if (!c.isEmpty()) {
                split(c.stream().mapToInt(Integer::intValue).toArray(), depth + 1);
            }
        }
    }

    private void lastLevel(int[] idx, int[] assign) {
        TreeMap<Integer, List<Integer>> leaves = new TreeMap<>();
        for (int i = 0; i < idx.length; i++) {
            leaves.computeIfAbsent(assign[i], t -> new ArrayList<>()).add(idx[i]);
        }
        List<Integer> extra = new ArrayList<>();
        for (List<Integer> leaf : leaves.values()) {
            leaf.sort(null);
            extra.addAll(leaf.subList(1, leaf.size()));
        }
        before += extra.size();
        if (!o.resolve() || extra.isEmpty()) {
            return;
        }
        extra.sort(null);
        boolean[] used = new boolean[o.k()];
        for (int t : leaves.keySet()) {
            used[t] = true;
        }
        int free = 0;
        for (int y : extra) {
            while (free < o.k() && used[free]) {
                free++;
            }
            if (free == o.k()) {
                return;
            }
            used[free] = true;
            tokens[y * o.l() + o.l() - 1] = free;
        }
    }
}
