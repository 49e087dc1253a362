package org.resnet4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    /** Each task of each job runs exactly once, for many jobs back to back and after the workers slept. */
    @Test
    void runsEveryTaskOnce() throws Exception {
        for (long spin : new long[] {0, 1_000_000}) {
            withPool(3, spin, pool -> {
                for (int job = 0; job < 2000; job++) {
                    int count = 1 + job % 37;
                    AtomicIntegerArray runs = new AtomicIntegerArray(count);
                    pool.run(count, runs::incrementAndGet);
                    for (int i = 0; i < count; i++) {
                        assertEquals(1, runs.get(i), "job " + job + ", task " + i + " (spin " + spin + ")");
                    }
                    if (job % 500 == 0) {
                        Thread.sleep(5); // past the spin: the workers park and must be woken
                    }
                }
            });
        }
    }

    /**
     * Each thread starts on its own share of the tasks (the caller on the first, a worker on the
     * next), so that consecutive jobs give each thread the same rows; a thread that runs out
     * takes what is left of the others'.
     */
    @Test
    void threadsStartOnTheirOwnShares() throws Exception {
        withPool(3, 1_000_000, pool -> {
            for (int rep = 0; rep < 20; rep++) {
                int count = 9;
                int[] first = {-1, -1, -1};
                CountDownLatch workersStarted = new CountDownLatch(2);
                CountDownLatch callerStarted = new CountDownLatch(1);
                pool.run(count, i -> {
                    String name = Thread.currentThread().getName();
                    int self = name.startsWith("resnet4j-kernels-") ? Integer.parseInt(name.substring(17)) : 0;
                    synchronized (first) {
                        if (first[self] < 0) {
                            first[self] = i;
                            (self > 0 ? workersStarted : callerStarted).countDown();
                        }
                    }
                    // Every thread holds its first task until all three have claimed one.
                    try {
                        assertTrue(workersStarted.await(10, TimeUnit.SECONDS), "a worker never started");
                        assertTrue(callerStarted.await(10, TimeUnit.SECONDS), "the caller never started");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertArrayEquals(new int[] {0, 3, 6}, first, "each thread's first task");
            }
        });
    }

    /** The work is shared: with tasks that wait for each other, both threads must be in the job. */
    @Test
    void workersTakePart() throws Exception {
        withPool(2, 1_000_000, pool -> {
            for (int rep = 0; rep < 20; rep++) {
                CountDownLatch both = new CountDownLatch(2);
                Set<Thread> threads = ConcurrentHashMap.newKeySet();
                pool.run(2, i -> {
                    threads.add(Thread.currentThread());
                    both.countDown();
                    try {
                        assertTrue(both.await(10, TimeUnit.SECONDS), "the second task never started");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertEquals(2, threads.size());
                assertTrue(threads.contains(Thread.currentThread()), "the caller takes tasks too");
            }
        });
    }

    /** Results written by the workers are visible to the caller when run returns. */
    @Test
    void resultsAreVisibleAfterRun() throws Exception {
        withPool(2, 1_000_000, pool -> {
            for (int rep = 0; rep < 200; rep++) {
                int[] out = new int[64];
                int base = rep;
                pool.run(out.length, i -> out[i] = base + i);
                int[] expected = new int[64];
                for (int i = 0; i < 64; i++) {
                    expected[i] = base + i;
                }
                assertArrayEquals(expected, out);
            }
        });
    }

    /** A task's exception reaches the caller after every other task has run, and the pool still works. */
    @Test
    void rethrowsATasksException() throws Exception {
        withPool(2, 1_000_000, pool -> {
            AtomicInteger ran = new AtomicInteger();
            IllegalArgumentException thrown = new IllegalArgumentException("task 5");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.run(20, i -> {
                ran.incrementAndGet();
                if (i == 5) {
                    throw thrown;
                }
            }));
            assertSame(thrown, e);
            assertEquals(20, ran.get());
            AtomicInteger after = new AtomicInteger();
            pool.run(10, i -> after.incrementAndGet());
            assertEquals(10, after.get());
        });
    }

    /** A job asked for inside a task runs on that task's thread, whole. */
    @Test
    void nestedJobsRunInline() throws Exception {
        withPool(2, 1_000_000, pool -> {
            AtomicIntegerArray runs = new AtomicIntegerArray(8 * 8);
            pool.run(8, outer -> {
                Thread t = Thread.currentThread();
                pool.run(8, inner -> {
                    assertSame(t, Thread.currentThread());
                    runs.incrementAndGet(outer * 8 + inner);
                });
            });
            for (int i = 0; i < 64; i++) {
                assertEquals(1, runs.get(i));
            }
        });
    }

    /** Callers on several threads at once each get all their tasks run. */
    @Test
    void concurrentCallers() throws Exception {
        withPool(2, 1_000_000, pool -> {
            Thread[] callers = new Thread[3];
            AtomicInteger failures = new AtomicInteger();
            for (int c = 0; c < callers.length; c++) {
                callers[c] = new Thread(() -> {
                    for (int job = 0; job < 300; job++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(16);
                        pool.run(16, runs::incrementAndGet);
                        for (int i = 0; i < 16; i++) {
                            if (runs.get(i) != 1) {
                                failures.incrementAndGet();
                            }
                        }
                    }
                });
                callers[c].start();
            }
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(0, failures.get());
        });
    }

    /** One thread, or a closed pool: the caller runs everything. */
    @Test
    void singleThreadAndClosedPoolRunOnTheCaller() {
        for (WorkerPool pool : new WorkerPool[] {new WorkerPool(1, 0), closed(new WorkerPool(2, 0))}) {
            Thread caller = Thread.currentThread();
            AtomicInteger ran = new AtomicInteger();
            pool.run(5, i -> {
                assertSame(caller, Thread.currentThread());
                ran.incrementAndGet();
            });
            assertEquals(5, ran.get());
        }
        assertThrows(IllegalArgumentException.class, () -> new WorkerPool(0, 0));
    }

    /** Runs {@code test} on a fresh pool of {@code threads} threads, closing it afterwards. */
    private static void withPool(int threads, long spinNanos, PoolTest test) throws Exception {
        WorkerPool pool = new WorkerPool(threads, spinNanos);
        try {
            test.run(pool);
        } finally {
            pool.close();
        }
    }

    @FunctionalInterface
    private interface PoolTest {
        void run(WorkerPool pool) throws Exception;
    }

    private static WorkerPool closed(WorkerPool pool) {
        pool.close();
        return pool;
    }
}
