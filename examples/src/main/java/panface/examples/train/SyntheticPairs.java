package panface.examples.train;

import java.util.stream.IntStream;

import panface.tensor.random.Generator;

/**
 * Verification pairs of generated identities: pair i is "same" for even i (two renderings of
 * one identity) and "different" for odd i (two identities), so each fold of the 10-fold protocol
 * holds both kinds in equal numbers. Identities are drawn uniformly; every rendering has its own
 * nuisances from the pair's generator, so the set is the same on every call.
 */
final class SyntheticPairs implements PairSet {
    private final String name;
    private final SyntheticFace[] faces;
    private final int[][] ids;
    private final boolean[] same;
    private final Generator renders;

    SyntheticPairs(String name, SyntheticFace[] faces, int pairs, Generator g) {
        if (faces.length < 2 || pairs < 2) {
            throw new IllegalArgumentException("pairs need >= 2 identities and >= 2 pairs, got " + faces.length + " and " + pairs);
        }
        this.name = name;
        this.faces = faces;
        this.ids = new int[pairs][2];
        this.same = new boolean[pairs];
        for (int i = 0; i < pairs; i++) {
            same[i] = i % 2 == 0;
            ids[i][0] = g.nextInt(faces.length);
            int other = g.nextInt(faces.length - 1);
            ids[i][1] = same[i] ? ids[i][0] : other >= ids[i][0] ? other + 1 : other;
        }
        this.renders = g.fork(0);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean[] same() {
        return same.clone();
    }

    @Override
    public float[] images(int side, int from, int to) {
        float[] out = new float[(to - from) * SyntheticFace.PIXELS];
        IntStream.range(from, to).parallel().forEach(i -> faces[ids[i][side]].render(renders.fork(2L * i + side), out,
                (i - from) * SyntheticFace.PIXELS));
        return out;
    }

    /** The appearance shown on a side of pair i (for tests). */
    SyntheticFace face(int i, int side) {
        return faces[ids[i][side]];
    }
}
