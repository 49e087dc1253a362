package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** Cross-entropy values and gradients against double-precision references. */
class LossTest {

    private static final Tensor P = Tensor.of(Shape.of(3, 4),
            0.1f, 0.2f, 0.3f, 0.4f,
            0.7f, 0.1f, 0.1f, 0.1f,
            0.25f, 0.25f, 0.49f, 0.01f);
    private static final Tensor Y = Tensor.of(Shape.of(3, 4),
            0, 0, 0, 1,
            1, 0, 0, 0,
            0, 0, 0, 1);

    @Test
    void categoricalValueIsMeanNegativeLogOfTheTrueClass() {
        double want = -(Math.log(0.4) + Math.log(0.7) + Math.log(0.01)) / 3;
        assertEquals(want, Losses.CATEGORICAL_CROSSENTROPY.value(P, Y), 1e-6);
        Tensor labels = Tensor.of(Shape.of(3), 3, 0, 3);
        assertEquals(want, Losses.SPARSE_CATEGORICAL_CROSSENTROPY.value(P, labels), 1e-6);
    }

    @Test
    void probabilitiesAreClippedAsKerasDoes() {
        Tensor p = Tensor.of(Shape.of(1, 2), 1f, 0f);
        Tensor y = Tensor.of(Shape.of(1, 2), 0f, 1f);
        assertEquals(-Math.log(1e-7), Losses.CATEGORICAL_CROSSENTROPY.value(p, y), 1e-4);
        assertEquals(-Math.log(1e-7), Losses.BINARY_CROSSENTROPY.value(Tensor.of(Shape.of(1, 1), 0f),
                Tensor.of(Shape.of(1, 1), 1f)), 1e-4);
    }

    @Test
    void binaryValue() {
        Tensor p = Tensor.of(Shape.of(2, 2), 0.9f, 0.2f, 0.3f, 0.6f);
        Tensor y = Tensor.of(Shape.of(2, 2), 1, 0, 0, 1);
        double want = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7) + Math.log(0.6)) / 4;
        assertEquals(want, Losses.BINARY_CROSSENTROPY.value(p, y), 1e-6);
    }

    /** Central differences of {@code f} in double precision at {@code p}. */
    private static double[] numericGradient(Function<double[], Double> f, double[] p) {
        double[] g = new double[p.length];
        double h = 1e-6;
        for (int i = 0; i < p.length; i++) {
            double[] a = p.clone();
            double[] b = p.clone();
            a[i] += h;
            b[i] -= h;
            g[i] = (f.apply(a) - f.apply(b)) / (2 * h);
        }
        return g;
    }

    private static double[] toDouble(Tensor t) {
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        return d;
    }

    @Test
    void categoricalGradientMatchesADoubleReference() {
        // The loss as Keras defines it, in double: rows rescaled to sum 1, clipped, -sum(y log q), mean.
        Function<double[], Double> loss = p -> {
            double total = 0;
            for (int r = 0; r < 3; r++) {
                double s = 0;
                for (int j = 0; j < 4; j++) {
                    s += p[r * 4 + j];
                }
                for (int j = 0; j < 4; j++) {
                    total -= Y.data()[r * 4 + j] * Math.log(Math.min(Math.max(p[r * 4 + j] / s, 1e-7), 1 - 1e-7));
                }
            }
            return total / 3;
        };
        double[] want = numericGradient(loss, toDouble(P));
        Tensor got = Losses.CATEGORICAL_CROSSENTROPY.gradient(P, Y);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got.data()[i], 1e-5 * Math.max(1, Math.abs(want[i])), "element " + i);
        }
        Tensor sparse = Losses.SPARSE_CATEGORICAL_CROSSENTROPY.gradient(P, Tensor.of(Shape.of(3), 3, 0, 3));
        for (int i = 0; i < want.length; i++) {
            assertEquals(got.data()[i], sparse.data()[i], 1e-7);
        }
    }

    @Test
    void binaryGradientMatchesADoubleReference() {
        Tensor p = Tensor.of(Shape.of(2, 2), 0.9f, 0.2f, 0.3f, 0.6f);
        Tensor y = Tensor.of(Shape.of(2, 2), 1, 0, 0, 1);
        Function<double[], Double> loss = q -> {
            double t = 0;
            for (int i = 0; i < 4; i++) {
                t -= y.data()[i] * Math.log(q[i]) + (1 - y.data()[i]) * Math.log(1 - q[i]);
            }
            return t / 4;
        };
        double[] want = numericGradient(loss, toDouble(p));
        Tensor got = Losses.BINARY_CROSSENTROPY.gradient(p, y);
        for (int i = 0; i < 4; i++) {
            assertEquals(want[i], got.data()[i], 1e-5);
        }
    }

    @Test
    void softmaxShortcutEqualsTheChainRuleThroughSoftmax() {
        // d loss / d logits, by finite differences of loss(softmax(z)) in double.
        double[] z = {0.3, -1.2, 2.0, 0.5, 1.0, 1.1, -0.4, 0.0};
        double[] y = {0, 0, 1, 0, 0, 1, 0, 0};
        Function<double[], Double> loss = zz -> {
            double t = 0;
            for (int r = 0; r < 2; r++) {
                double max = Double.NEGATIVE_INFINITY, s = 0;
                for (int j = 0; j < 4; j++) {
                    max = Math.max(max, zz[r * 4 + j]);
                }
                for (int j = 0; j < 4; j++) {
                    s += Math.exp(zz[r * 4 + j] - max);
                }
                for (int j = 0; j < 4; j++) {
                    t -= y[r * 4 + j] * (zz[r * 4 + j] - max - Math.log(s));
                }
            }
            return t / 2;
        };
        double[] want = numericGradient(loss, z);
        float[] probs = new float[8];
        for (int r = 0; r < 2; r++) {
            double s = 0;
            for (int j = 0; j < 4; j++) {
                s += Math.exp(z[r * 4 + j]);
            }
            for (int j = 0; j < 4; j++) {
                probs[r * 4 + j] = (float) (Math.exp(z[r * 4 + j]) / s);
            }
        }
        Tensor yt = Tensor.fromFunction(Shape.of(2, 4), i -> y[i]);
        Tensor got = Losses.CATEGORICAL_CROSSENTROPY.softmaxLogitsGradient(new Tensor(Shape.of(2, 4), probs), yt);
        for (int i = 0; i < 8; i++) {
            assertEquals(want[i], got.data()[i], 1e-6);
        }
    }

    @Test
    void mismatchedLabelsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Losses.CATEGORICAL_CROSSENTROPY.value(P, Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("sparse_categorical_crossentropy"), e.getMessage());
        var s = assertThrows(IllegalArgumentException.class,
                () -> Losses.SPARSE_CATEGORICAL_CROSSENTROPY.value(P, Tensor.of(Shape.of(3), 0, 4, 1)));
        assertTrue(s.getMessage().contains("label 4.0 of sample 1"), s.getMessage());
    }
}
