package org.resnet4j.layers.initializers;

import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/**
 * Truncated normal with {@code stddev = sqrt(2 / fan_in) / 0.87962566103423978} (He et al., 2015).
 */
public final class HeNormal extends SeededInitializer {

    public HeNormal() {
        super(null);
    }

    public HeNormal(long seed) {
        super(seed);
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        double[] fans = Initializer.fans(shape);
        truncatedNormal(values, Math.sqrt(2.0 / fans[0]) / GlorotNormal.TRUNCATED_STDDEV, random);
    }
}
