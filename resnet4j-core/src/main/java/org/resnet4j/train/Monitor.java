package org.resnet4j.train;

import java.util.Map;

/**
 * Which logged quantity a callback watches and which direction is better, as Keras's
 * {@code monitor} and {@code mode} arguments: {@code auto} takes "higher is better" for names
 * containing {@code acc} and "lower" otherwise.
 */
public record Monitor(String name, boolean higherIsBetter, double minDelta) {

    /** Keras's {@code mode}. */
    public enum Mode { AUTO, MIN, MAX }

    public static Monitor of(String name, Mode mode, double minDelta) {
        boolean higher = switch (mode) {
            case MAX -> true;
            case MIN -> false;
            case AUTO -> name.contains("acc");
        };
        return new Monitor(name, higher, Math.abs(minDelta));
    }

    /** The watched value in {@code logs}, or {@code null} when it is not logged. */
    public Double read(Map<String, Double> logs) {
        return logs.get(name);
    }

    /** The worst possible starting value. */
    public double worst() {
        return higherIsBetter ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }

    /** True when {@code value} beats {@code best} by more than the minimum delta. */
    public boolean improves(double value, double best) {
        return higherIsBetter ? value - minDelta > best : value + minDelta < best;
    }
}
