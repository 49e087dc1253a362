package org.resnet4j.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Float arrays recycled between the large, short-lived tensors of a model's runs. A training
 * step makes tensors of the same sizes in the same order every time, so the arrays given back
 * during one step serve the next, and the garbage collector has almost nothing to do: the heap
 * stays at the step's working set instead of growing with its allocations.
 *
 * <p>A pool is active on one thread between {@link #activate()} and the returned scope's
 * {@code close()}; while it is, {@link Tensor#zeros} takes its arrays from it (zeroed, as new
 * arrays are). Only the code that knows an array is dead gives it back ({@link #give}); the
 * model's runs do, for intermediate values and gradients nothing refers to any more. Arrays
 * below {@link #MIN_FLOATS} are left to the collector, and an array not taken again within two
 * activations is dropped, so a change of batch size does not leave stale sizes behind.
 *
 * <p>The system property {@code resnet4j.arrayPool=false} turns recycling off.
 */
public final class ArrayPool {

    /** Arrays smaller than this are not worth recycling. */
    public static final int MIN_FLOATS = 4096;

    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty("resnet4j.arrayPool", "true"));
    private static final ThreadLocal<ArrayPool> ACTIVE = new ThreadLocal<>();

    /** One pooled array and the activation it was given back in. */
    private record Entry(float[] array, long generation) {
    }

    private final Map<Integer, ArrayDeque<Entry>> free = new HashMap<>();
    private final Set<float[]> pooled = Collections.newSetFromMap(new IdentityHashMap<>());
    private long generation;

    /** The pool active on this thread, or {@code null}. */
    public static ArrayPool active() {
        return enabled ? ACTIVE.get() : null;
    }

    /** Turns recycling on or off for every thread (it is on unless the property says otherwise). */
    public static void setEnabled(boolean on) {
        enabled = on;
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
        dropOlderThan(generation - 2);
        return () -> ACTIVE.set(previous);
    }

    /** A zeroed array of {@code n} floats, recycled when one of that size is free. */
    public float[] take(int n) {
        float[] a = recycled(n);
        if (a == null) {
            return new float[n];
        }
        Arrays.fill(a, 0f);
        return a;
    }

    /**
     * An array of {@code n} floats with unspecified contents (a recycled one keeps its old
     * values), for a caller that writes every element before reading any.
     */
    public float[] takeUninitialized(int n) {
        float[] a = recycled(n);
        return a != null ? a : new float[n];
    }

    /** A free array of {@code n} floats, taken out of the pool, or {@code null}. */
    private float[] recycled(int n) {
        ArrayDeque<Entry> q = free.get(n);
        Entry e = q == null ? null : q.pollLast();
        if (e == null) {
            return null;
        }
        pooled.remove(e.array());
        return e.array();
    }

    /**
     * Gives back an array nothing refers to any more. Giving the same array twice keeps one
     * copy; small arrays are ignored.
     */
    public void give(float[] a) {
        if (a.length < MIN_FLOATS || !pooled.add(a)) {
            return;
        }
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(new Entry(a, generation));
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

    private void dropOlderThan(long oldest) {
        for (ArrayDeque<Entry> q : free.values()) {
            for (Iterator<Entry> it = q.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.generation() < oldest) {
                    pooled.remove(e.array());
                    it.remove();
                }
            }
        }
    }
}
