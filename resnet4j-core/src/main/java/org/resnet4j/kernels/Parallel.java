package org.resnet4j.kernels;

/**
 * Splits an index range over the kernel threads. Only for work whose result does not depend
 * on the split (each index written by exactly one chunk), so that results stay identical for
 * every thread count. Public for element-wise work outside the kernels, such as an optimizer's
 * update.
 */
public final class Parallel {

    /** Work on indices {@code [from, to)}. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private Parallel() {
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks; {@code costPerIndex} (rough operations per
     * index) decides whether the range is worth splitting at all.
     */
    public static void forRange(int n, long costPerIndex, Range body) {
        int threads = KernelRegistry.threads();
        if (threads <= 1 || n < 2 || (long) n * costPerIndex < (1L << 16)) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(n, threads * 2);
        KernelRegistry.pool().run(chunks, t -> body.run((int) ((long) n * t / chunks), (int) ((long) n * (t + 1) / chunks)));
    }
}
