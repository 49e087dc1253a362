package org.resnet4j.layers.initializers;

import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/**
 * Truncated normal with {@code stddev = sqrt(2 / (fan_in + fan_out)) / 0.87962566103423978}:
 * the divisor is the standard deviation of a unit normal truncated at two, so the truncated
 * values keep the intended variance (Keras's {@code VarianceScaling}).
 */
public final class GlorotNormal extends SeededInitializer {

    /** Standard deviation of a unit normal truncated to [-2, 2]. */
    static final double TRUNCATED_STDDEV = 0.87962566103423978;

    public GlorotNormal() {
        super(null);
    }

    public GlorotNormal(long seed) {
        super(seed);
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        double[] fans = Initializer.fans(shape);
        truncatedNormal(values, Math.sqrt(2.0 / (fans[0] + fans[1])) / TRUNCATED_STDDEV, random);
    }
}
