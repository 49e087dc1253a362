package org.resnet4j.kernels;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>Tasks are claimed one at a time from a shared counter, so a thread that starts late or
 * runs slowly takes fewer. One job runs at a time: a job asked for while another is running
 * (from inside one of its tasks, or from another thread) runs on its caller alone. Callers only
 * hand out work whose results do not depend on how it is split, so this changes no result.
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
        Job j = new Job(task, count);
        try {
            job = j;
            generation = generation + 1;
            for (Worker w : workers) {
                if (w.sleeping) {
                    LockSupport.unpark(w);
                }
            }
            j.work();
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
        private final Task task;
        private final int count;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger done = new AtomicInteger();
        private volatile Throwable failure;

        Job(Task task, int count) {
            this.task = task;
            this.count = count;
        }

        /** Claims and runs tasks until none is left. */
        void work() {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                try {
                    task.run(i);
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    done.incrementAndGet();
                }
            }
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

        Worker(int index) {
            super("resnet4j-kernels-" + index);
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
                    j.work();
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
