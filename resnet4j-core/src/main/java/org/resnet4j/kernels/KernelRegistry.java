package org.resnet4j.kernels;

/**
 * Chooses the kernel implementation once, at start-up, and owns the worker threads.
 *
 * <p>The system property {@code resnet4j.kernels} picks the implementation: {@code auto} (the
 * default) takes {@link VectorKernels} when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} and otherwise warns once and takes
 * {@link BlockedKernels}; {@code vector}, {@code blocked} and {@code scalar} force one; {@code resnet4j.threads} (default: available
 * processors) the thread count. {@link #setThreads(int)} changes it at run time.
 */
public final class KernelRegistry {

    private static final Kernels CURRENT = chooseOrWarn(System.getProperty("resnet4j.kernels", "auto"));

    /**
     * How long the worker threads keep polling for work after a job before they sleep (see
     * {@link WorkerPool}): long enough to span the gaps between the kernels of a training step.
     */
    static final long SPIN_NANOS = 2_000_000;

    private static volatile WorkerPool workers = new WorkerPool(initialThreads(), SPIN_NANOS);

    private KernelRegistry() {
    }

    /** The implementation in use. */
    public static Kernels current() {
        return CURRENT;
    }

    /** A bad property value is a warning, not a failure: it must not break class loading. */
    private static Kernels chooseOrWarn(String name) {
        try {
            return choose(name);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("resnet4j: WARNING: " + e.getMessage() + "; using the default kernels");
            return choose("auto");
        }
    }

    private static Kernels choose(String name) {
        return switch (name) {
            case "auto" -> vectorAvailable() ? vector() : warnAndFallBack();
            case "vector" -> {
                if (!vectorAvailable()) {
                    throw new IllegalStateException("-Dresnet4j.kernels=vector needs the JVM option "
                            + "--add-modules jdk.incubator.vector");
                }
                yield vector();
            }
            case "scalar" -> new ScalarKernels();
            case "blocked" -> new BlockedKernels();
            default -> throw new IllegalArgumentException(
                    "Unknown kernels '" + name + "' in -Dresnet4j.kernels. Expected one of: auto, vector, blocked, scalar");
        };
    }

    /** True when the JVM was started with the Vector API module. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Loaded by name so that this class links without the incubator module. */
    private static Kernels vector() {
        try {
            return (Kernels) Class.forName("org.resnet4j.kernels.VectorKernels").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            System.err.println("resnet4j: the Vector API kernels failed to load (" + e + "); using plain Java kernels");
            return new BlockedKernels();
        }
    }

    private static Kernels warnAndFallBack() {
        System.err.println("resnet4j: WARNING: the Vector API is not enabled, so kernels run several times slower; "
                + "start Java with --add-modules jdk.incubator.vector");
        return new BlockedKernels();
    }

    private static int initialThreads() {
        String p = System.getProperty("resnet4j.threads");
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        System.err.println("resnet4j: WARNING: -Dresnet4j.threads must be a positive integer; received '" + p
                + "'; using " + Runtime.getRuntime().availableProcessors());
        return Runtime.getRuntime().availableProcessors();
    }

    /** The number of threads kernels may use. */
    public static int threads() {
        return workers.threads();
    }

    /** Sets the number of threads kernels may use (at least 1). */
    public static synchronized void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("Thread count must be >= 1; received " + n);
        }
        if (n != workers.threads()) {
            // Work already handed to the old pool still runs; its workers end after it.
            WorkerPool old = workers;
            workers = new WorkerPool(n, SPIN_NANOS);
            old.close();
        }
    }

    static WorkerPool pool() {
        return workers;
    }
}
