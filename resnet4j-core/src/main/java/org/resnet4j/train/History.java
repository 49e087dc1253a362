package org.resnet4j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link Trainer#fit} returns: every logged value, per epoch, Keras's {@code History}. */
public final class History {

    private final List<Integer> epochs = new ArrayList<>();
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    void record(int epoch, Map<String, Double> logs) {
        epochs.add(epoch);
        for (Map.Entry<String, Double> e : logs.entrySet()) {
            values.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
    }

    /** The epochs that ran (from 0). */
    public List<Integer> epochs() {
        return Collections.unmodifiableList(epochs);
    }

    /** {@code history.history}: name to per-epoch values. */
    public Map<String, List<Double>> history() {
        return Collections.unmodifiableMap(values);
    }

    /** The per-epoch values of {@code name}. */
    public List<Double> get(String name) {
        List<Double> v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("No '" + name + "' in the history; it has " + values.keySet());
        }
        return Collections.unmodifiableList(v);
    }

    /** The last value of {@code name}. */
    public double last(String name) {
        List<Double> v = get(name);
        return v.get(v.size() - 1);
    }
}
