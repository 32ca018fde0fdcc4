package panface.faceloss.gif;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One level of the code tree: k-means of a subset of the code vectors into at most k clusters,
 * optionally balanced so that every cluster holds floor(n/k) or ceil(n/k) points.
 *
 * <p>Balanced assignment: points, in order of their distance to their nearest centroid (closest
 * first, ties by index), each take the nearest centroid that still has room; room is
 * ceil(n/k) for the first n mod k clusters to reach it and floor(n/k) after that. This needs
 * O(n + k d) memory beyond the vectors (no n x k matrix), so the root of 10M identities is fine.
 * Centroids start at k distinct points drawn with the given seed and move to their cluster's
 * mean; an emptied cluster keeps its centroid.
 */
public final class BalancedKMeans {
    private BalancedKMeans() {
    }

    /**
     * Cluster indices in [0, min(k, n)) for the points {@code v[idx[i]]}, after {@code iterations}
     * assignment/update rounds.
     */
    public static int[] cluster(float[][] v, int[] idx, int k, int iterations, boolean balanced, long seed) {
        int n = idx.length;
        int c = Math.min(k, n);
        int d = v[idx[0]].length;
        double[][] centroids = new double[c][d];
        int[] pick = new int[n];
        for (int i = 0; i < n; i++) {
            pick[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int j = 0; j < c; j++) {
            int s = j + r.nextInt(n - j);
            int tmp = pick[j];
            pick[j] = pick[s];
            pick[s] = tmp;
            float[] p = v[idx[pick[j]]];
            for (int i = 0; i < d; i++) {
                centroids[j][i] = p[i];
            }
        }
        int[] assign = new int[n];
        for (int it = 0; it < Math.max(1, iterations); it++) {
            assign = balanced ? assignBalanced(v, idx, centroids) : assignNearest(v, idx, centroids);
            update(v, idx, assign, centroids);
        }
        return assign;
    }

    private static int[] assignNearest(float[][] v, int[] idx, double[][] centroids) {
        int[] a = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (int j = 0; j < centroids.length; j++) {
                double dist = dist2(v[idx[i]], centroids[j]);
                if (dist < best) {
                    best = dist;
                    a[i] = j;
                }
            }
        }
        return a;
    }

    static int[] assignBalanced(float[][] v, int[] idx, double[][] centroids) {
        int n = idx.length;
        int c = centroids.length;
        double[] nearest = new double[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            double best = Double.POSITIVE_INFINITY;
            for (double[] ce : centroids) {
                best = Math.min(best, dist2(v[idx[i]], ce));
            }
            nearest[i] = best;
        }
        Arrays.sort(order, (x, y) -> nearest[x] != nearest[y] ? Double.compare(nearest[x], nearest[y]) : Integer.compare(x, y));
        int floor = n / c;
        int big = n % c;
        int bigUsed = 0;
        int[] size = new int[c];
        int[] a = new int[n];
        for (int i : order) {
            double best = Double.POSITIVE_INFINITY;
            int bj = -1;
            for (int j = 0; j < c; j++) {
                boolean room = size[j] < floor || (size[j] == floor && bigUsed < big);
                if (room) {
                    double dist = dist2(v[idx[i]], centroids[j]);
                    if (dist < best) {
                        best = dist;
                        bj = j;
                    }
                }
            }
            if (size[bj] == floor) {
                bigUsed++;
            }
            size[bj]++;
            a[i] = bj;
        }
        return a;
    }

    private static void update(float[][] v, int[] idx, int[] assign, double[][] centroids) {
        int d = centroids[0].length;
        double[][] sum = new double[centroids.length][d];
        int[] count = new int[centroids.length];
        for (int i = 0; i < idx.length; i++) {
            float[] p = v[idx[i]];
            double[] s = sum[assign[i]];
            for (int q = 0; q < d; q++) {
                s[q] += p[q];
            }
            count[assign[i]]++;
        }
        for (int j = 0; j < centroids.length; j++) {
            if (count[j] > 0) {
                for (int q = 0; q < d; q++) {
                    centroids[j][q] = sum[j][q] / count[j];
                }
            }
        }
    }

    private static double dist2(float[] p, double[] c) {
        double s = 0;
        for (int i = 0; i < c.length; i++) {
            double x = p[i] - c[i];
            s += x * x;
        }
        return s;
    }
}
