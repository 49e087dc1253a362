package org.resnet4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** TensorFlow's padding arithmetic, worked out by hand. */
class PaddingTest {

    @Test
    void validOutputIsFloorOfTheFit() {
        assertEquals(32, Padding.VALID.outputSize(70, 7, 2)); // ResNet-50 stem: (70 - 7) / 2 + 1
        assertEquals(15, Padding.VALID.outputSize(32, 3, 2)); // its max pooling
        assertEquals(1, Padding.VALID.outputSize(2, 2, 2));   // its average pooling
        assertEquals(2, Padding.VALID.outputSize(4, 1, 2));
        assertEquals(1, Padding.VALID.outputSize(4, 1, 4));
        assertEquals(0, Padding.VALID.outputSize(4, 5, 1));
        assertEquals(0, Padding.VALID.padBefore(70, 7, 2));
    }

    @Test
    void sameOutputIsCeilAndThePaddingIsAsymmetric() {
        assertEquals(4, Padding.SAME.outputSize(4, 2, 1));
        assertEquals(0, Padding.SAME.padBefore(4, 2, 1)); // total 1: 0 before, 1 after
        assertEquals(1, Padding.SAME.padBefore(4, 3, 1)); // total 2: 1 and 1
        assertEquals(8, Padding.SAME.outputSize(15, 3, 2));
        assertEquals(1, Padding.SAME.padBefore(15, 3, 2)); // total (8-1)*2+3-15 = 2
        assertEquals(3, Padding.SAME.outputSize(5, 3, 2));
        assertEquals(1, Padding.SAME.padBefore(5, 3, 2));  // total 2
        assertEquals(2, Padding.SAME.outputSize(4, 3, 2));
        assertEquals(0, Padding.SAME.padBefore(4, 3, 2));  // total 1: 0 before, 1 after
        assertEquals(1, Padding.SAME.outputSize(3, 1, 4));
        assertEquals(0, Padding.SAME.padBefore(3, 1, 4));  // total max(1-3, 0) = 0
        assertEquals(Padding.SAME, Padding.fromKeras("same"));
    }
}
