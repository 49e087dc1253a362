package org.resnet4j.layers.initializers;

import java.util.Map;
import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/** Uniform on {@code [minval, maxval)}; Keras's defaults are {@code -0.05} and {@code 0.05}. */
public final class RandomUniform extends SeededInitializer {

    private final double minval;
    private final double maxval;

    /** Keras's defaults, unseeded. */
    public RandomUniform() {
        this(-0.05, 0.05, null);
    }

    /** Keras's defaults with a seed. */
    public RandomUniform(long seed) {
        this(-0.05, 0.05, seed);
    }

    public RandomUniform(double minval, double maxval, Long seed) {
        super(seed);
        if (!(minval <= maxval)) {
            throw new IllegalArgumentException("RandomUniform needs minval <= maxval; received " + minval + ", " + maxval);
        }
        this.minval = minval;
        this.maxval = maxval;
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        uniform(values, minval, maxval, random);
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("minval", minval);
        config.put("maxval", maxval);
    }
}
