package org.resnet4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.Constant;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * The notebook's identity-block exercise against the Keras values in
 * {@code reference/expected-values.md}: all weights 1, three samples of -1, 1 and 3.
 */
class IdentityBlockGoldenTest {

    /** Input X: (3, 4, 4, 3), sample 0 all -1, sample 1 all 1, sample 2 all 3. */
    static Tensor notebookInput() {
        return Tensor.fromFunction(Shape.of(3, 4, 4, 3), i -> new double[] {-1, 1, 3}[i / 48]);
    }

    /** {@code A[:, (0, -1), :, :].mean(axis=3)}, shape (3, 2, 4). */
    static double[][][] rowsMean(Tensor a) {
        int n = a.shape().dim(0), h = a.shape().dim(1), w = a.shape().dim(2), c = a.shape().dim(3);
        double[][][] out = new double[n][2][w];
        for (int b = 0; b < n; b++) {
            int[] rows = {0, h - 1};
            for (int r = 0; r < 2; r++) {
                for (int j = 0; j < w; j++) {
                    double sum = 0;
                    for (int ch = 0; ch < c; ch++) {
                        sum += a.get(b, rows[r], j, ch);
                    }
                    out[b][r][j] = (float) (sum / c);
                }
            }
        }
        return out;
    }

    static Tensor run(int f, int[] filters, double epsilon, boolean training) {
        SymbolicTensor x = InputLayer.input(4, 4, 3);
        SymbolicTensor y = ResidualBlocks.identityBlock(x, f, filters, seed -> new Constant(1), null, epsilon);
        Model m = new Model(x, y, "identity_block");
        Tensor out = m.forward(notebookInput(), training).output();
        assertEquals(Shape.of(3, 4, 4, filters[2]), out.shape());
        return out;
    }

    /** numpy's allclose(atol=1e-5, rtol=1e-5), as the assignment's test uses it. */
    static void assertAllClose(double[][][] expected, double[][][] actual, double atol, double rtol) {
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                for (int k = 0; k < expected[i][j].length; k++) {
                    double e = expected[i][j][k];
                    double a = actual[i][j][k];
                    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
                        fail("Element [" + i + "][" + j + "][" + k + "]: expected " + e + ", received " + a);
                    }
                }
            }
        }
    }

    static double[][] row(double... v) {
        return new double[][] {v};
    }

    static double[][][] expected(double[] r0a, double[] r0b, double[] r1a, double[] r1b, double[] r2a, double[] r2b) {
        return new double[][][] {{r0a, r0b}, {r1a, r1b}, {r2a, r2b}};
    }

    static final double[] ZEROS = {0, 0, 0, 0};

    static double[] four(double v) {
        return new double[] {v, v, v, v};
    }

    @Test
    void inferenceModeMatchesKeras() {
        double[][][] want = expected(ZEROS, ZEROS,
                new double[] {192.71236, 192.71236, 192.71236, 96.85618},
                new double[] {96.85618, 96.85618, 96.85618, 48.9281},
                new double[] {578.13715, 578.13715, 578.13715, 290.56854},
                new double[] {290.56854, 290.56854, 290.56854, 146.78427});
        assertAllClose(want, rowsMean(run(2, new int[] {4, 4, 3}, 1e-3, false)), 1e-5, 1e-5);
    }

    @Test
    void trainingModeWith3x3WindowMatchesKeras() {
        double[][][] want = expected(ZEROS, ZEROS, four(0.37394285), four(0.37394285),
                new double[] {3.237901, 4.139424, 4.139424, 3.237901},
                new double[] {3.237901, 4.139424, 4.139424, 3.237901});
        assertAllClose(want, rowsMean(run(3, new int[] {3, 3, 3}, 1e-3, true)), 1e-5, 1e-5);
    }

    @Test
    void trainingModeWith2x2WindowMatchesKeras() {
        // The reference prints five significant digits, so compare to the last digit shown.
        double[][][] want = expected(ZEROS, ZEROS, four(0.40739), four(0.40739),
                new double[] {4.99991, 4.99991, 4.99991, 3.25948},
                new double[] {3.25948, 3.25948, 3.25948, 2.40739});
        assertAllClose(want, rowsMean(run(2, new int[] {3, 3, 3}, 1e-3, true)), 1e-5, 1e-5);
    }

    @Test
    void notebookPrintedValuesComeFromANearZeroEpsilon() {
        // The seed notebook printed these (rounded to 5 decimals); epsilon 1e-6 reproduces them.
        double[][][] inference = expected(ZEROS, ZEROS,
                new double[] {192.99974, 192.99974, 192.99974, 96.99986},
                new double[] {96.99986, 96.99986, 96.99986, 48.99993},
                new double[] {578.9994, 578.9994, 578.9994, 290.99963},
                new double[] {290.99963, 290.99963, 290.99963, 146.99982});
        assertAllClose(inference, rowsMean(run(2, new int[] {4, 4, 3}, 1e-6, false)), 1e-5, 1e-5);
        double[][][] training = expected(ZEROS, ZEROS, four(0.37387), four(0.37387),
                new double[] {3.23793, 4.13955, 4.13955, 3.23793},
                new double[] {3.23793, 4.13955, 4.13955, 3.23793});
        assertAllClose(training, rowsMean(run(3, new int[] {3, 3, 3}, 1e-6, true)), 1e-5, 1e-5);
    }

    @Test
    void printedSingleValueMatches() {
        // print(resume[1, 1, 0]) in the notebook: 96.999855 with its near-zero epsilon.
        double v = rowsMean(run(2, new int[] {4, 4, 3}, 1e-6, false))[1][1][0];
        assertArrayEquals(new double[] {96.999855}, new double[] {v}, 2e-3);
    }
}
