package org.resnet4j.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mini-batches as the notebook's {@code random_mini_batches} makes them: a seeded permutation
 * of the samples cut into batches of {@code batchSize}, the last partial batch kept.
 */
public final class Batches {

    private Batches() {
    }

    /** Fisher-Yates shuffle of {@code a} in place, seeded. */
    public static void shuffle(int[] a, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** A seeded permutation of {@code 0..n-1}. */
    public static int[] permutation(int n, long seed) {
        int[] p = identity(n);
        shuffle(p, seed);
        return p;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        return p;
    }

    /**
     * The sample indices of each batch: shuffled with {@code seed} when {@code shuffle}, else in
     * order; every batch has {@code batchSize} samples but the last, which keeps the remainder.
     */
    public static List<int[]> indices(int n, int batchSize, boolean shuffle, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive; received " + batchSize);
        }
        int[] order = shuffle ? permutation(n, seed) : identity(n);
        List<int[]> out = new ArrayList<>();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            int[] b = new int[end - start];
            System.arraycopy(order, start, b, 0, b.length);
            out.add(b);
        }
        return out;
    }
}
