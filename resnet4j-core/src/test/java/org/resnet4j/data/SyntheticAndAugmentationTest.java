package org.resnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The built-in synthetic signs and the augmentation steps. */
class SyntheticAndAugmentationTest {

    @Test
    void syntheticSetsLookLikeSigns() {
        Dataset train = SyntheticSigns.generate(60, 11);
        assertEquals(Shape.of(60, 64, 64, 3), train.x().shape());
        assertArrayEquals(new int[] {10, 10, 10, 10, 10, 10}, train.classCounts());
        for (float v : train.x().data()) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertArrayEquals(train.x().data(), SyntheticSigns.generate(60, 11).x().data(), "deterministic");
        assertFalse(Arrays.equals(train.x().data(), SyntheticSigns.generate(60, 12).x().data()));
    }

    @Test
    void noClassIsGivenAwayByItsMeanColour() {
        // Nearest class centroid of the mean RGB of an image, fitted on one set, scored on another:
        // with varied skin, backgrounds and lighting it must stay near chance (1/6).
        double[][] fit = meanColours(SyntheticSigns.generate(600, 3));
        Dataset fitSet = SyntheticSigns.generate(600, 3);
        double[][] centroid = new double[6][3];
        for (int i = 0; i < fit.length; i++) {
            for (int c = 0; c < 3; c++) {
                centroid[fitSet.labels()[i]][c] += fit[i][c] / 100;
            }
        }
        Dataset test = SyntheticSigns.generate(600, 4);
        double[][] colours = meanColours(test);
        int right = 0;
        for (int i = 0; i < colours.length; i++) {
            int best = 0;
            double bestD = Double.MAX_VALUE;
            for (int k = 0; k < 6; k++) {
                double dd = 0;
                for (int c = 0; c < 3; c++) {
                    dd += Math.pow(colours[i][c] - centroid[k][c], 2);
                }
                if (dd < bestD) {
                    bestD = dd;
                    best = k;
                }
            }
            right += best == test.labels()[i] ? 1 : 0;
        }
        assertTrue(right / 600.0 < 0.25, "mean colour predicts the class " + right / 600.0 + " of the time");
    }

    private static double[][] meanColours(Dataset d) {
        int per = 64 * 64;
        double[][] out = new double[d.size()][3];
        for (int i = 0; i < d.size(); i++) {
            for (int p = 0; p < per; p++) {
                for (int c = 0; c < 3; c++) {
                    out[i][c] += d.x().data()[(i * per + p) * 3 + c] / per;
                }
            }
        }
        return out;
    }

    @Test
    void reflectIsKerasReflect() {
        // d c b a | a b c d | d c b a
        int[] want = {3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0};
        for (int i = -4; i < 8; i++) {
            assertEquals(want[i + 4], Augmentation.reflect(i, 4), "index " + i);
        }
    }

    @Test
    void augmentationIsSeededBoundedAndLeavesItsInputAlone() {
        Dataset d = SyntheticSigns.generate(4, 1);
        float[] before = d.x().data().clone();
        Augmentation a = Augmentation.defaults();
        Tensor x1 = a.apply(d.x(), 7);
        Tensor x2 = a.apply(d.x(), 7);
        Tensor x3 = a.apply(d.x(), 8);
        assertArrayEquals(before, d.x().data());
        assertArrayEquals(x1.data(), x2.data());
        assertFalse(Arrays.equals(x1.data(), x3.data()));
        for (float v : x1.data()) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertArrayEquals(before, new Augmentation().apply(d.x(), 3).data(), "no steps, no change");
    }

    @Test
    void flipMirrorsExactly() {
        Tensor x = Tensor.fromFunction(Shape.of(1, 2, 3, 1), i -> i);
        Augmentation flip = new Augmentation().flipHorizontal();
        boolean sawFlip = false;
        for (long seed = 0; seed < 10; seed++) {
            float[] y = flip.apply(x, seed).data();
            if (y[0] != 0f) {
                assertArrayEquals(new float[] {2, 1, 0, 5, 4, 3}, y);
                sawFlip = true;
            } else {
                assertArrayEquals(x.data(), y);
            }
        }
        assertTrue(sawFlip);
    }
}
