package org.resnet4j.kernels;

import java.util.concurrent.ForkJoinPool;

/**
 * Chooses the kernel implementation once, at start-up, and owns the worker threads.
 *
 * <p>The system property {@code resnet4j.kernels} ({@code blocked}, the default, or
 * {@code scalar}) picks the implementation; {@code resnet4j.threads} (default: available
 * processors) the thread count. {@link #setThreads(int)} changes it at run time.
 */
public final class KernelRegistry {

    private static final Kernels CURRENT = choose(System.getProperty("resnet4j.kernels", "blocked"));
    private static volatile int threads = initialThreads();
    private static volatile ForkJoinPool pool = new ForkJoinPool(threads);

    private KernelRegistry() {
    }

    static Kernels current() {
        return CURRENT;
    }

    private static Kernels choose(String name) {
        return switch (name) {
            case "scalar" -> new ScalarKernels();
            case "blocked" -> new BlockedKernels();
            default -> throw new IllegalArgumentException(
                    "Unknown kernels '" + name + "' in -Dresnet4j.kernels. Expected one of: blocked, scalar");
        };
    }

    private static int initialThreads() {
        String p = System.getProperty("resnet4j.threads");
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t < 1) {
                throw new NumberFormatException();
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-Dresnet4j.threads must be a positive integer; received '" + p + "'");
        }
    }

    /** The number of threads kernels may use. */
    public static int threads() {
        return threads;
    }

    /** Sets the number of threads kernels may use (at least 1). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Thread count must be >= 1; received " + n);
        }
        if (n != threads) {
            ForkJoinPool old = pool;
            pool = new ForkJoinPool(n);
            threads = n;
            old.shutdown();
        }
    }

    static ForkJoinPool pool() {
        return pool;
    }
}
