package org.resnet4j.layers;

import java.util.Map;

/**
 * Keras's {@code ReLU} layer with its defaults ({@code max_value=None}, {@code negative_slope=0},
 * {@code threshold=0}): the same function as {@code Activation('relu')}, kept as its own class
 * so that a model read from a Keras file is written back with the layers it had.
 */
public final class ReLU extends FunctionLayer {

    public ReLU() {
        this(null);
    }

    public ReLU(String name) {
        super(ActivationFunction.RELU, name);
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("max_value", null);
        c.put("negative_slope", 0.0);
        c.put("threshold", 0.0);
        return c;
    }
}
