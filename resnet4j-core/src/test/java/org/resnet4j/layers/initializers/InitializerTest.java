package org.resnet4j.layers.initializers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Keras's initializer formulas: limits, standard deviations, fans, and seeding. */
class InitializerTest {

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static double std(Tensor t) {
        double s = 0, s2 = 0;
        for (float v : t.data()) {
            s += v;
            s2 += v * v;
        }
        double mean = s / t.size();
        return Math.sqrt(s2 / t.size() - mean * mean);
    }

    @Test
    void fansAreKerasFans() {
        assertArrayEquals(new double[] {3 * 3 * 64, 3 * 3 * 128}, Initializer.fans(Shape.of(3, 3, 64, 128)));
        assertArrayEquals(new double[] {2048, 6}, Initializer.fans(Shape.of(2048, 6)));
        assertArrayEquals(new double[] {5, 5}, Initializer.fans(Shape.of(5)));
    }

    @Test
    void glorotUniformStaysWithinItsLimitAndFillsIt() {
        Shape s = Shape.of(7, 7, 3, 64);
        double limit = Math.sqrt(6.0 / (7 * 7 * 3 + 7 * 7 * 64));
        Tensor t = new GlorotUniform(0).initialize(s);
        assertTrue(maxAbs(t) <= limit);
        assertTrue(maxAbs(t) > 0.99 * limit);
        assertEquals(limit / Math.sqrt(3), std(t), 0.02 * limit);
    }

    @Test
    void randomUniformDefaultsToPlusMinusFivePercent() {
        Tensor t = new RandomUniform(0).initialize(Shape.of(1, 1, 256, 64));
        assertTrue(maxAbs(t) <= 0.05);
        assertTrue(maxAbs(t) > 0.0499);
    }

    @Test
    void heUniformAndNormalUseFanIn() {
        Shape s = Shape.of(3, 3, 32, 64);
        double fanIn = 3 * 3 * 32;
        Tensor u = new HeUniform(1).initialize(s);
        assertTrue(maxAbs(u) <= Math.sqrt(6 / fanIn));
        Tensor n = new HeNormal(1).initialize(s);
        double stddev = Math.sqrt(2 / fanIn);
        // Truncated at two standard deviations of the untruncated normal, rescaled to keep the variance.
        assertTrue(maxAbs(n) <= 2 * stddev / 0.87962566103423978 + 1e-6);
        assertEquals(stddev, std(n), 0.03 * stddev);
    }

    @Test
    void glorotNormalHasItsVariance() {
        Shape s = Shape.of(400, 300);
        Tensor n = new GlorotNormal(3).initialize(s);
        double stddev = Math.sqrt(2.0 / 700);
        assertEquals(stddev, std(n), 0.02 * stddev);
    }

    @Test
    void seededIsAPureFunctionOfSeedAndShape() {
        Shape s = Shape.of(3, 3, 4, 5);
        assertArrayEquals(new GlorotUniform(0).initialize(s).data(), new GlorotUniform(0).initialize(s).data());
        GlorotUniform g = new GlorotUniform(0);
        assertArrayEquals(g.initialize(s).data(), g.initialize(s).data());
        assertFalse(Arrays.equals(new GlorotUniform(0).initialize(s).data(), new GlorotUniform(1).initialize(s).data()));
    }

    @Test
    void unseededDrawsFromTheGlobalSeedStream() {
        Shape s = Shape.of(10);
        RandomSeeds.setSeed(42);
        float[] a = new RandomUniform().initialize(s).data();
        float[] b = new RandomUniform().initialize(s).data();
        RandomSeeds.setSeed(42);
        float[] a2 = new RandomUniform().initialize(s).data();
        assertFalse(Arrays.equals(a, b));
        assertArrayEquals(a, a2);
    }

    @Test
    void constantsAndIdentity() {
        assertArrayEquals(new float[] {1, 1, 1}, new Ones().initialize(Shape.of(3)).data());
        assertArrayEquals(new float[] {0, 0}, new Zeros().initialize(Shape.of(2)).data());
        assertArrayEquals(new float[] {2.5f, 2.5f}, new Constant(2.5).initialize(Shape.of(2)).data());
        assertArrayEquals(new float[] {3, 0, 0, 0, 3, 0}, new Identity(3).initialize(Shape.of(2, 3)).data());
        var e = assertThrows(IllegalArgumentException.class, () -> new Identity().initialize(Shape.of(1, 1, 2, 2)));
        assertTrue(e.getMessage().contains("only 2-D shapes"), e.getMessage());
    }
}
