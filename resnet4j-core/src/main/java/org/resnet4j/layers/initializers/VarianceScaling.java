package org.resnet4j.layers.initializers;

import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.resnet4j.tensor.Shape;

/**
 * Keras's {@code VarianceScaling}: values with variance {@code scale / n}, where {@code n} is
 * the fan-in, the fan-out or their mean ({@code mode}), drawn from a truncated normal (rescaled
 * by 0.8796 to keep the variance), a normal, or a uniform on {@code [-sqrt(3 scale / n),
 * sqrt(3 scale / n)]}. Glorot and He initializers are special cases; Keras 2 files often name it
 * directly.
 */
public final class VarianceScaling extends SeededInitializer {

    private final double scale;
    private final String mode;
    private final String distribution;

    public VarianceScaling(double scale, String mode, String distribution, Long seed) {
        super(seed);
        if (!(scale > 0)) {
            throw new IllegalArgumentException("VarianceScaling: scale must be > 0; received " + scale);
        }
        this.mode = mode.toLowerCase(Locale.ROOT);
        if (!this.mode.equals("fan_in") && !this.mode.equals("fan_out") && !this.mode.equals("fan_avg")) {
            throw new IllegalArgumentException("VarianceScaling: mode must be fan_in, fan_out or fan_avg; received " + mode);
        }
        String d = distribution.toLowerCase(Locale.ROOT);
        // Keras 2.0 called the truncated normal just "normal".
        this.distribution = d.equals("normal") ? "truncated_normal" : d;
        if (!this.distribution.equals("truncated_normal") && !this.distribution.equals("untruncated_normal")
                && !this.distribution.equals("uniform")) {
            throw new IllegalArgumentException("VarianceScaling: distribution must be truncated_normal, "
                    + "untruncated_normal or uniform; received " + distribution);
        }
        this.scale = scale;
    }

    @Override
    protected void fill(float[] values, Shape shape, SplittableRandom random) {
        double[] fans = Initializer.fans(shape);
        double n = switch (mode) {
            case "fan_in" -> fans[0];
            case "fan_out" -> fans[1];
            default -> (fans[0] + fans[1]) / 2;
        };
        double variance = scale / Math.max(1, n);
        switch (distribution) {
            case "truncated_normal" -> truncatedNormal(values, Math.sqrt(variance) / GlorotNormal.TRUNCATED_STDDEV, random);
            case "untruncated_normal" -> {
                double sd = Math.sqrt(variance);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * sd);
                }
            }
            default -> {
                double limit = Math.sqrt(3 * variance);
                uniform(values, -limit, limit, random);
            }
        }
    }

    @Override
    protected void addConfig(Map<String, Object> config) {
        config.put("scale", scale);
        config.put("mode", mode);
        config.put("distribution", distribution);
    }
}
