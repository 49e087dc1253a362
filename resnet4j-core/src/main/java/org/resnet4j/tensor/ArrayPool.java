package org.resnet4j.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Float arrays recycled between the large, short-lived tensors of a model's runs. A training
 * step makes tensors of the same sizes in the same order every time, so the arrays given back
 * during one step serve the next, and the garbage collector has almost nothing to do: the heap
 * stays at the step's working set instead of growing with its allocations.
 *
 * <p>A pool is active on one thread between {@link #activate()} and the returned scope's
 * {@code close()}; while it is, {@link Tensor#zeros} takes its arrays from it (zeroed, as new
 * arrays are). A request is served with the shortest free array at least as long and at most
 * {@link #MAX_EXCESS} times as long (best fit), and such a tensor sits on the first part of a
 * longer array ({@link Tensor#over}): the values of one size are alive at different times than
 * those of another, so arrays shared across sizes hold a step in less memory than a set per size
 * (the notebook's ResNet-50 training step at batch 32: 171 MB instead of 208 MB, replaying its
 * sequence of requests; the peak RSS of {@code resnet4j bench} fell from 633 to 609 MiB).
 * Only the code that knows an array is dead gives it back ({@link #give}, {@link #recycle});
 * the model's runs do, for intermediate values and gradients nothing refers to any more. Arrays
 * below {@link #MIN_FLOATS} are left to the collector, and an array not taken again within two
 * activations is dropped, so a change of batch size does not leave stale sizes behind.
 *
 * <p>The system property {@code resnet4j.arrayPool=false} turns recycling off;
 * {@code resnet4j.arrayPool.padding} sets {@link #setPadding}.
 */
public final class ArrayPool {

    /** Arrays smaller than this are not worth recycling. */
    public static final int MIN_FLOATS = 4096;
    /** The longest free array that serves a request, as a multiple of the request. */
    public static final int MAX_EXCESS = 2;

    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("resnet4j.arrayPool", "true"));
    private static volatile int padding = Math.max(0, Integer.getInteger("resnet4j.arrayPool.padding", 0));
    private static final ThreadLocal<ArrayPool> ACTIVE = new ThreadLocal<>();

    /** One pooled array and the activation it was given back in. */
    private record Entry(float[] array, long generation) {
    }

    /** Free arrays by length; a length with none free has no entry. */
    private final TreeMap<Integer, ArrayDeque<Entry>> free = new TreeMap<>();
    private final Set<float[]> pooled = Collections.newSetFromMap(new IdentityHashMap<>());
    private long generation;
    private Object servedShape;

    /** The pool active on this thread, or {@code null}. */
    public static ArrayPool active() {
        return enabled ? ACTIVE.get() : null;
    }

    /** Turns recycling on or off for every thread (it is on unless the property says otherwise). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /**
     * For tests: every new array is {@code floats} longer than asked, and the part of an array
     * past the request is filled with NaN each time it is handed out, so that code that reads
     * past a tensor's size shows in its results. 0 (the default) turns this off.
     */
    public static void setPadding(int floats) {
        if (floats < 0) {
            throw new IllegalArgumentException("padding must be at least 0; received " + floats);
        }
        padding = floats;
    }

    /** A scope that deactivates the pool when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Makes this pool the active one on this thread until the scope closes. */
    public Scope activate() {
        ArrayPool previous = ACTIVE.get();
        ACTIVE.set(this);
        generation++;
        Reclaimer.dropped(drop(generation - 2), false);
        return () -> ACTIVE.set(previous);
    }

    /**
     * An array of at least {@code n} floats whose first {@code n} are zero, recycled when a free
     * one fits (see the class comment).
     */
    public float[] take(int n) {
        float[] a = recycled(n);
        if (a == null) {
            return fresh(n);
        }
        Arrays.fill(a, 0, n, 0f);
        return a;
    }

    /**
     * An array of at least {@code n} floats with unspecified contents (a recycled one keeps its
     * old values), for a caller that writes the first {@code n} before reading any.
     */
    public float[] takeUninitialized(int n) {
        float[] a = recycled(n);
        return a != null ? a : fresh(n);
    }

    private static float[] fresh(int n) {
        int pad = padding;
        if (pad == 0) {
            return new float[n];
        }
        float[] a = new float[n + pad];
        Arrays.fill(a, n, a.length, Float.NaN);
        return a;
    }

    /** The shortest free array of {@code n} to {@code MAX_EXCESS * n} floats, taken out of the pool, or {@code null}. */
    private float[] recycled(int n) {
        Map.Entry<Integer, ArrayDeque<Entry>> fit = free.ceilingEntry(n);
        if (fit == null || fit.getKey() > (long) MAX_EXCESS * n) {
            return null;
        }
        ArrayDeque<Entry> q = fit.getValue();
        float[] a = q.pollLast().array();
        if (q.isEmpty()) {
            free.remove(fit.getKey());
        }
        pooled.remove(a);
        if (padding > 0) {
            Arrays.fill(a, n, a.length, Float.NaN);
        }
        return a;
    }

    /**
     * Gives back an array nothing refers to any more. Giving the same array twice keeps one
     * copy; small arrays are ignored.
     */
    public void give(float[] a) {
        if (!enabled || a.length < MIN_FLOATS || !pooled.add(a)) {
            return;
        }
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(new Entry(a, generation));
    }

    /**
     * An array of at least {@code n} floats with unspecified contents, for a result or scratch
     * space written before it is read: from the pool active on this thread when there is one
     * and {@code n} is at least {@link #MIN_FLOATS}, else a new array of exactly {@code n}.
     * {@link #recycle} gives it back.
     */
    public static float[] scratch(int n) {
        ArrayPool pool = n >= MIN_FLOATS ? active() : null;
        return pool != null ? pool.takeUninitialized(n) : new float[n];
    }

    /** Gives {@code a}, which nothing refers to any more, to the pool active on this thread, if any. */
    public static void recycle(float[] a) {
        ArrayPool pool = active();
        if (pool != null) {
            pool.give(a);
        }
    }

    /**
     * Declares the batch shape of the run about to start: when it differs from the last one
     * declared, every free array is dropped at once. A training step holds hundreds of MB of
     * arrays sized by its batch; the smaller last batch of an epoch needs a set of other sizes,
     * and keeping both sets would double the memory of the step.
     */
    public void serve(Object shape) {
        if (servedShape != null && !servedShape.equals(shape)) {
            // Reclaimed before the arrays of the new shape are made, so that they take the
            // place of the old ones instead of adding to them.
            Reclaimer.dropped(drop(Long.MAX_VALUE), true);
        }
        servedShape = shape;
    }

    /** Floats held, free for reuse. */
    public long freeFloats() {
        long n = 0;
        for (ArrayDeque<Entry> q : free.values()) {
            for (Entry e : q) {
                n += e.array().length;
            }
        }
        return n;
    }

    /** Drops the free arrays given back before activation {@code oldest}; returns how many floats. */
    private long drop(long oldest) {
        long dropped = 0;
        for (Iterator<ArrayDeque<Entry>> qs = free.values().iterator(); qs.hasNext(); ) {
            ArrayDeque<Entry> q = qs.next();
            for (Iterator<Entry> it = q.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.generation() < oldest) {
                    pooled.remove(e.array());
                    it.remove();
                    dropped += e.array().length;
                }
            }
            if (q.isEmpty()) {
                qs.remove();
            }
        }
        return dropped;
    }

    /**
     * Reclaims the arrays pools drop. A dropped array has lived long enough to sit in the old
     * generation, which the serial and parallel collectors only reclaim in a full collection,
     * and they grow the heap rather than run one until it reaches its maximum (a quarter of
     * the machine's memory by default). So a training run whose pools drop arrays at every
     * change of batch shape (the last, smaller batch of an epoch, validation) would grow by
     * hundreds of MB per epoch. Once pools have dropped {@link #THRESHOLD_FLOATS} since the
     * last time, or a whole set at a change of batch shape, this asks for a full collection
     * ({@code System.gc()}), from within the model call whose pool dropped them: with a heap of
     * large arrays it takes tens of milliseconds. So a program that keeps changing batch sizes
     * (say, {@code predict} on batches of every size) under the serial collector pays such a
     * pause now and then instead of a heap that grows to its maximum. Other collectors (G1,
     * ZGC) reclaim old garbage on their own and are left alone, as is everything with
     * {@code -Dresnet4j.arrayPool.collect=false}.
     */
    static final class Reclaimer {

        /** 16 M floats: 64 MB. */
        static final long THRESHOLD_FLOATS = 16L << 20;
        /** 4 M floats: 16 MB. */
        static final long MIN_NOW_FLOATS = 4L << 20;

        private static final boolean NEEDED = !"false".equalsIgnoreCase(
                System.getProperty("resnet4j.arrayPool.collect", "true")) && growsInsteadOfCollecting();
        /** Floats dropped since the last collection asked for, by the pools of every thread. */
        private static long since;

        private Reclaimer() {
        }

        /**
         * Pools dropped {@code floats}; {@code now}: a whole set at a change of batch shape,
         * collected at once (when at least {@link #MIN_NOW_FLOATS}), before its successor is made.
         */
        static void dropped(long floats, boolean now) {
            if (!NEEDED || floats == 0) {
                return;
            }
            boolean collect;
            synchronized (Reclaimer.class) {
                since += floats;
                collect = since >= THRESHOLD_FLOATS || (now && floats >= MIN_NOW_FLOATS);
                if (collect) {
                    since = 0;
                }
            }
            if (collect) {
                System.gc();
            }
        }

        /** Whether the old generation is collected by the serial or the parallel collector. */
        private static boolean growsInsteadOfCollecting() {
            for (java.lang.management.GarbageCollectorMXBean gc
                    : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                String name = gc.getName();
                if (name.equals("MarkSweepCompact") || name.equals("PS MarkSweep")) {
                    return true;
                }
            }
            return false;
        }
    }
}
