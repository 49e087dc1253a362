package org.resnet4j.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The kernel threads: the thread that asks for parallel work and {@code threads - 1} workers.
 * The caller takes tasks too, and workers keep polling for new work for {@link #spinNanos} after
 * each job before they sleep, as OpenMP's threads do. A network's forward pass hands out
 * hundreds of jobs of a fraction of a millisecond each; waking a sleeping thread for every one
 * (as a {@link java.util.concurrent.ForkJoinPool} does once its workers have parked) cost 10 to
 * 70 microseconds per job here, and made a 128 x 256 x 256 product slower on two threads than
 * on one.
 *
 * <p>Each thread first claims, one at a time, the tasks of its own share of the job: an equal
 * run of consecutive task indices, the caller's first. Then it takes what is left of the
 * others' shares, so a thread that starts late or runs slowly takes fewer. Callers number tasks
 * along the rows of their data, so consecutive jobs give each thread the same rows (as OpenMP's
 * static schedule does) and each thread finds in its own caches what it wrote in the job
 * before. That matters when the two cores share no cache. This project's virtual machine is
 * at times moved to two cores a cache line takes 320 ns to go to and back from, instead of 70
 * (apparently on different core complexes), and a training step then takes about a third
 * longer. Against tasks claimed in order from one shared counter, steps alternated in one
 * process measured, in those phases, 0.92x and 0.97x the time for training and 0.93x for
 * batch-32 inference; with the cores close, no difference.
 *
 * <p>One job runs at a time: a job asked for while another is running (from inside one of its
 * tasks, or from another thread) runs on its caller alone. Callers only hand out work whose
 * results do not depend on how it is split, so this changes no result.
 */
final class WorkerPool {

    /** Work on task {@code index} of a job. */
    @FunctionalInterface
    interface Task {
        void run(int index);
    }

    private final int threads;
    private final long spinNanos;
    private final Worker[] workers;
    /** Whether a job is running; taken by the caller that hands it out. */
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The job handed out last; a worker that sees a new {@link #generation} takes part in it. */
    private volatile Job job;
    private volatile long generation;
    private volatile boolean closed;

    /**
     * A pool of {@code threads} threads in all (the caller and {@code threads - 1} workers), whose
     * workers poll for {@code spinNanos} after a job before they sleep.
     */
    WorkerPool(int threads, long spinNanos) {
        if (threads < 1) {
            throw new IllegalArgumentException("Thread count must be >= 1; received " + threads);
        }
        this.threads = threads;
        this.spinNanos = Math.max(0, spinNanos);
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs tasks {@code 0 .. count - 1} and returns when all have run. A task that throws makes
     * this throw the same exception, once every task has finished.
     */
    void run(int count, Task task) {
        if (count <= 0) {
            return;
        }
        if (count == 1 || workers.length == 0 || closed || !busy.compareAndSet(false, true)) {
            for (int i = 0; i < count; i++) {
                task.run(i);
            }
            return;
        }
        Job j = new Job(task, count, threads);
        try {
            job = j;
            generation = generation + 1;
            for (Worker w : workers) {
                if (w.sleeping) {
                    LockSupport.unpark(w);
                }
            }
            j.work(0);
            j.awaitDone();
        } finally {
            job = null;
            busy.set(false);
        }
        j.rethrow();
    }

    /** Lets the workers end once they are done with the job they are in. */
    void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    private static final class Job {
        /** Ints between two threads' claim counters: one cache line, so that claims do not collide. */
        private static final int SPACING = 16;
        private final Task task;
        private final int count;
        private final int shares;
        /** At {@code s * SPACING}: the next unclaimed task of share {@code s}. */
        private final AtomicIntegerArray next;
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Job(Task task, int count, int shares) {
            this.task = task;
            this.count = count;
            this.shares = shares;
            this.next = new AtomicIntegerArray(shares * SPACING);
            for (int s = 1; s < shares; s++) {
                next.set(s * SPACING, start(s));
            }
        }

        /** The first task of share {@code s} (of thread {@code s}: the caller is 0). */
        private int start(int s) {
            return (int) ((long) count * s / shares);
        }

        /** Claims and runs the tasks of share {@code self}, then of the others, until none is left. */
        void work(int self) {
            int ran = 0;
            for (int i = 0; i < shares; i++) {
                int s = (self + i) % shares;
                int end = start(s + 1);
                for (int t = next.getAndIncrement(s * SPACING); t < end; t = next.getAndIncrement(s * SPACING)) {
                    try {
                        task.run(t);
                    } catch (Throwable e) {
                        if (failure == null) {
                            failure = e;
                        }
                    }
                    ran++;
                }
            }
            done.addAndGet(ran);
        }

        /** Waits for the tasks other threads claimed: they are running, so this is short. */
        void awaitDone() {
            for (int spins = 0; done.get() < count; spins++) {
                if (spins < 1 << 12) {
                    Thread.onSpinWait();
                } else {
                    // A worker descheduled mid-task: give it the core.
                    Thread.yield();
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    private final class Worker extends Thread {
        /** Set while parked (or about to park), so that a caller knows to wake it. */
        volatile boolean sleeping;
        /**
         * The last generation this worker took part in; read when it is made, so that a job handed
         * out before the thread starts running is not missed.
         */
        private long seen = generation;

        /** This worker's share of each job. */
        private final int index;

        Worker(int index) {
            super("resnet4j-kernels-" + index);
            this.index = index;
            setDaemon(true);
        }

        @Override
        public void run() {
            while (!closed) {
                long g = generation;
                if (g == seen) {
                    idle();
                    continue;
                }
                seen = g;
                Job j = job;
                if (j != null) {
                    j.work(index);
                }
            }
        }

        /** Polls for a new job for {@link #spinNanos}, then sleeps until one is handed out. */
        private void idle() {
            long until = System.nanoTime() + spinNanos;
            while (generation == seen && !closed) {
                if (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                sleeping = true;
                // Checked again after announcing the sleep: a caller that handed out a job
                // before seeing the flag has already moved the generation on.
                if (generation == seen && !closed) {
                    LockSupport.park(this);
                }
                sleeping = false;
                return;
            }
        }
    }
}
