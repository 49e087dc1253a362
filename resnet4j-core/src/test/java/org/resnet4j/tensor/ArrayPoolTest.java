package org.resnet4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.testing.TrainingRuns;

/** Recycled arrays: what the pool hands out, and that training with it changes nothing. */
class ArrayPoolTest {

    @Test
    void recycledArraysComeBackZeroedAndOnlyOnce() {
        ArrayPool pool = new ArrayPool();
        float[] a = new float[ArrayPool.MIN_FLOATS];
        a[7] = 3f;
        pool.give(a);
        pool.give(a);
        try (ArrayPool.Scope s = pool.activate()) {
            assertSame(pool, ArrayPool.active());
            Tensor t = Tensor.zeros(Shape.of(ArrayPool.MIN_FLOATS));
            assertSame(a, t.data());
            assertEquals(0f, t.data()[7]);
            // Given twice, held once: the next tensor of that size is a new array.
            assertNotSame(a, Tensor.zeros(Shape.of(ArrayPool.MIN_FLOATS)).data());
        }
        assertNull(ArrayPool.active());
    }

    @Test
    void smallArraysAndStaleSizesAreLeftToTheCollector() {
        ArrayPool pool = new ArrayPool();
        pool.give(new float[16]);
        assertEquals(0, pool.freeFloats());
        pool.give(new float[ArrayPool.MIN_FLOATS * 2]);
        assertEquals(ArrayPool.MIN_FLOATS * 2, pool.freeFloats());
        for (int i = 0; i < 3; i++) {
            pool.activate().close();
        }
        assertEquals(0, pool.freeFloats(), "an array unused for two activations is dropped");
    }

    @Test
    void aDisabledPoolTakesNothingBack() {
        ArrayPool pool = new ArrayPool();
        ArrayPool.setEnabled(false);
        try {
            pool.give(new float[ArrayPool.MIN_FLOATS]);
        } finally {
            ArrayPool.setEnabled(true);
        }
        assertEquals(0, pool.freeFloats());
    }

    @Test
    void aNewBatchShapeDropsEveryFreeArrayAndTheSameShapeKeepsThem() {
        ArrayPool pool = new ArrayPool();
        pool.serve(List.of(Shape.of(32, 8)));
        pool.give(new float[ArrayPool.MIN_FLOATS]);
        pool.serve(List.of(Shape.of(32, 8)));
        assertEquals(ArrayPool.MIN_FLOATS, pool.freeFloats(), "same shape: kept");
        pool.serve(List.of(Shape.of(24, 8)));
        assertEquals(0, pool.freeFloats(), "new shape: dropped");
    }

    @Test
    void trainingWithRecycledArraysIsBitIdenticalToTrainingWithout() {
        Dataset data = SyntheticSigns.generate(16, 3);
        List<float[]> with = train(data, true);
        List<float[]> without = train(data, false);
        assertEquals(without.size(), with.size());
        for (int i = 0; i < with.size(); i++) {
            assertArrayEquals(without.get(i), with.get(i), "weight " + i);
        }
    }

    private static List<float[]> train(Dataset data, boolean recycle) {
        ArrayPool.setEnabled(recycle);
        try {
            return TrainingRuns.notebookResNetAfterOneEpoch(data, m -> { });
        } finally {
            ArrayPool.setEnabled(true);
        }
    }
}
