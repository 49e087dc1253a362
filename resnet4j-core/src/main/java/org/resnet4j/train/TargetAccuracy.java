package org.resnet4j.train;

import java.util.Map;

/**
 * Stops training as soon as a monitored accuracy (by default {@code val_accuracy}) reaches a
 * target, and remembers whether and when it did: the check behind acceptance runs such as
 * "at least 90% validation accuracy within 30 epochs".
 */
public final class TargetAccuracy implements Callback {

    private final String monitor;
    private final double target;
    private int reachedAt = -1;
    private double best = Double.NEGATIVE_INFINITY;

    public TargetAccuracy(double target) {
        this("val_accuracy", target);
    }

    public TargetAccuracy(String monitor, double target) {
        if (!(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("target accuracy must be in (0, 1]; received " + target);
        }
        this.monitor = monitor;
        this.target = target;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, Trainer trainer) {
        Double v = logs.get(monitor);
        if (v == null) {
            throw new IllegalArgumentException("TargetAccuracy monitors '" + monitor + "', which is not logged; available: "
                    + logs.keySet());
        }
        best = Math.max(best, v);
        if (v >= target && reachedAt < 0) {
            reachedAt = epoch;
            trainer.stopTraining();
        }
    }

    /** The epoch (from 0) that reached the target, or -1. */
    public int reachedAt() {
        return reachedAt;
    }

    public boolean reached() {
        return reachedAt >= 0;
    }

    /** The best monitored value seen. */
    public double best() {
        return best;
    }

    public double target() {
        return target;
    }
}
