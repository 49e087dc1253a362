package org.resnet4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A tensor's array: exact from the constructor, possibly longer over a recycled one. */
class TensorTest {

    @Test
    void theConstructorWantsAnArrayOfExactlyTheShapesSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Tensor(Shape.of(2, 3), new float[7]));
        assertEquals("Tensor of shape (2, 3) needs 6 values; received 7", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.over(Shape.of(2, 3), new float[5]));
    }

    @Test
    void aTensorOverALongerArrayIsItsFirstValues() {
        float[] a = {1, 2, 3, 4, 5, 6, 7, 8};
        Tensor t = Tensor.over(Shape.of(2, 3), a);
        assertSame(a, t.data());
        assertEquals(6, t.size());
        assertFalse(t.isExact());
        assertEquals(6f, t.get(1, 2));
        assertEquals("Tensor(2, 3) [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]", t.toString());

        Tensor exact = t.exact();
        assertTrue(exact.isExact());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, exact.data());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, t.copy().data());
        Tensor already = Tensor.of(Shape.of(2), 1, 2);
        assertSame(already, already.exact());

        Tensor flat = t.reshape(Shape.of(6));
        assertSame(a, flat.data());
        assertEquals(6, flat.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(Shape.of(8)));
        assertEquals("Cannot reshape a tensor of shape (2, 3) (6 values) to (8,) (8 values)", e.getMessage());
    }
}
