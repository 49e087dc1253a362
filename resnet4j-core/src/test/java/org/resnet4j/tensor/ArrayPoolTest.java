package org.resnet4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void aRequestTakesTheShortestFreeArrayThatFitsUpToTwiceItsLength() {
        ArrayPool.setPadding(0);
        int n = ArrayPool.MIN_FLOATS;
        ArrayPool pool = new ArrayPool();
        float[] twice = new float[2 * n];
        float[] longer = new float[n + 10];
        float[] tooLong = new float[2 * n + 1];
        pool.give(tooLong);
        pool.give(twice);
        pool.give(longer);
        pool.give(new float[n - 1]);
        longer[n - 1] = 5f;
        longer[n] = 7f;
        try (ArrayPool.Scope s = pool.activate()) {
            Tensor t = Tensor.zeros(Shape.of(n));
            assertSame(longer, t.data());
            assertEquals(n, t.size());
            assertFalse(t.isExact());
            assertEquals(0f, t.data()[n - 1], "the tensor's part is zeroed");
            assertEquals(7f, t.data()[n], "past it, nothing is touched");
            assertSame(twice, Tensor.uninitialized(Shape.of(n)).data());
            assertNotSame(longer, Tensor.zeros(Shape.of(n)).data());
            assertNotSame(tooLong, Tensor.zeros(Shape.of(n)).data(), "more than twice as long: a new array");
        }
    }

    @Test
    void aModelHandsOutExactTensorsWhateverArraysItsRunsUse() {
        ArrayPool.setPadding(3);
        try {
            Dataset data = SyntheticSigns.generate(4, 3);
            org.resnet4j.graph.Model m = org.resnet4j.models.ResNet50.build(new int[] {64, 64, 3}, 6);
            org.resnet4j.layers.SymbolicTensor kept = m.nodes().stream()
                    .filter(n -> n.layer().name().equals("conv2_block1_out")).findFirst().orElseThrow().output();
            org.resnet4j.graph.ForwardPass pass = m.forward(List.of(data.x()), true, List.of(kept));
            for (Tensor t : List.of(pass.output(), pass.valueOf(kept),
                    m.predict(data.x()))) {
                assertTrue(t.isExact(), t.shape().toString());
            }
            assertTrue(pass.backward(Tensor.full(pass.output().shape(), 1f)).isExact());
            for (org.resnet4j.layers.Parameter p : m.trainableWeights()) {
                assertTrue(p.grad().isExact(), p.path());
            }
        } finally {
            ArrayPool.setPadding(0);
        }
    }

    @Test
    void trainingWithRecycledArraysIsBitIdenticalToTrainingWithout() {
        Dataset data = SyntheticSigns.generate(16, 3);
        List<float[]> with = train(data, true, 0);
        List<float[]> without = train(data, false, 0);
        // Every array longer than asked, its excess NaN: a kernel reading past a tensor would show.
        List<float[]> longer = train(data, true, 5);
        assertEquals(without.size(), with.size());
        for (int i = 0; i < with.size(); i++) {
            assertArrayEquals(without.get(i), with.get(i), "weight " + i);
            assertArrayEquals(without.get(i), longer.get(i), "weight " + i + ", longer arrays");
        }
    }

    private static List<float[]> train(Dataset data, boolean recycle, int padding) {
        ArrayPool.setEnabled(recycle);
        ArrayPool.setPadding(padding);
        try {
            return TrainingRuns.notebookResNetAfterOneEpoch(data, m -> { });
        } finally {
            ArrayPool.setEnabled(true);
            ArrayPool.setPadding(0);
        }
    }
}
