package org.resnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.Constant;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The functional graph: ordering, shared tensors, gradients where paths join, inference. */
class ModelTest {

    @Test
    void aTensorFeedingTwoLayersGetsTheSumOfTheirGradients() {
        // y = relu(x) + x * 2  (a Dense with weight 2 on the shortcut), so dy/dx = 1[x>0] + 2.
        SymbolicTensor x = InputLayer.input(1);
        SymbolicTensor a = new Activation(ActivationFunction.RELU).apply(x);
        SymbolicTensor b = Dense.builder(1).useBias(false).kernelInitializer(new Constant(2)).build().apply(x);
        Model m = new Model(x, new Add().apply(a, b), "join");
        ForwardPass pass = m.forward(Tensor.of(Shape.of(2, 1), 1.5f, -0.5f), true);
        assertArrayEquals(new float[] {4.5f, -1f}, pass.output().data());
        Tensor dx = pass.backward(Tensor.of(Shape.of(2, 1), 1f, 1f));
        assertArrayEquals(new float[] {3f, 2f}, dx.data());
        // The shortcut weight's gradient: sum of x * dy.
        assertArrayEquals(new float[] {1f}, m.trainableWeights().get(0).grad().data());
    }

    @Test
    void aLayerAppliedTwiceGetsTheSumOfItsKernelGradients() {
        // y = c * (c * x) through one 1x1 convolution applied twice: dL/dc = 2 c * sum(x * dy). The
        // first backward writes the kernel's fresh gradient, the second must add to it.
        SymbolicTensor x = InputLayer.input(1, 2, 1);
        Conv2D twice = Conv2D.builder(1, 1).useBias(false).kernelInitializer(new Constant(3)).name("twice").build();
        Model m = new Model(x, twice.apply(twice.apply(x)), "applied twice");
        Tensor in = Tensor.of(Shape.of(1, 1, 2, 1), 1f, 2f);
        Tensor dy = Tensor.of(Shape.of(1, 1, 2, 1), 0.5f, 0.25f);
        ForwardPass pass = m.forward(in, true);
        assertArrayEquals(new float[] {9f, 18f}, pass.output().data());
        pass.backward(dy);
        assertArrayEquals(new float[] {2 * 3 * (0.5f + 0.5f)}, twice.kernel().grad().data());
        // Without a step in between, a second backward adds to the gradient.
        m.forward(in, true).backward(dy);
        assertArrayEquals(new float[] {2 * 6f}, twice.kernel().grad().data());
    }

    @Test
    void aGradientSharedByTwoTensorsIsNotSummedIntoInPlace() {
        // p = 2x and q = 3x join in s = p + q, which passes one gradient array to both; p also
        // feeds u = 5 * linear(p). Summing u's part into p's gradient must not change q's.
        SymbolicTensor x = InputLayer.input(1);
        SymbolicTensor p = Dense.builder(1).useBias(false).kernelInitializer(new Constant(2)).name("p").build().apply(x);
        SymbolicTensor q = Dense.builder(1).useBias(false).kernelInitializer(new Constant(3)).name("q").build().apply(x);
        SymbolicTensor t = new Activation(ActivationFunction.LINEAR, "t").apply(p);
        SymbolicTensor s = new Add("s").apply(p, q);
        SymbolicTensor u = Dense.builder(1).useBias(false).kernelInitializer(new Constant(5)).name("u").build().apply(t);
        SymbolicTensor y = new Activation(ActivationFunction.LINEAR, "y").apply(new Add("out").apply(s, u));
        Model m = new Model(x, y, "shared gradient");
        ForwardPass pass = m.forward(Tensor.of(Shape.of(1, 1), 1.5f), true);
        assertArrayEquals(new float[] {1.5f * (2 + 3 + 10)}, pass.output().data());
        Tensor dx = pass.backward(Tensor.of(Shape.of(1, 1), 1f));
        assertArrayEquals(new float[] {2 * (1 + 5) + 3}, dx.data());
        // dL/dq = 1 and dL/dp = 1 + 5: each kernel's gradient is x times its own.
        assertArrayEquals(new float[] {1.5f * 6}, m.getLayer("p").weights().get(0).grad().data());
        assertArrayEquals(new float[] {1.5f}, m.getLayer("q").weights().get(0).grad().data());
        assertArrayEquals(new float[] {1.5f * 2}, m.getLayer("u").weights().get(0).grad().data());
    }

    @Test
    void aLayerWritesOverItsInputOnlyWhenNothingReadsItAfter() {
        // d = 0.5 * (x0 + x1 + x2) in each of 3 units; tanh(d) may not overwrite d while a later
        // layer still reads d, nor while a view of d (Flatten) is still to be read.
        Tensor in = Tensor.of(Shape.of(1, 3), 0.2f, 0.4f, 0.6f);
        float d = 0.5f * (0.2f + 0.4f + 0.6f);
        float expected = 3 * d + 3 * (float) Math.tanh(d);

        SymbolicTensor x = InputLayer.input(3);
        SymbolicTensor dense = constant(3, 0.5f).apply(x);
        SymbolicTensor laterReader = constant(1, 1f).apply(dense);
        SymbolicTensor tanh = new Activation(ActivationFunction.TANH).apply(dense);
        Model twoReaders = new Model(x, new Add().apply(constant(1, 1f).apply(tanh), laterReader), "two readers");
        assertEquals(expected, twoReaders.predict(in).data()[0], 1e-6f);
        assertEquals(expected, twoReaders.forward(in, true).output().data()[0], 1e-6f);

        x = InputLayer.input(3);
        dense = constant(3, 0.5f).apply(x);
        SymbolicTensor view = new org.resnet4j.layers.Flatten().apply(dense);
        SymbolicTensor fromView = constant(1, 1f).apply(view);
        tanh = new Activation(ActivationFunction.TANH).apply(dense);
        Model withView = new Model(x, new Add().apply(fromView, constant(1, 1f).apply(tanh)), "view");
        assertEquals(expected, withView.predict(in).data()[0], 1e-6f);
    }

    private static Dense constant(int units, float weight) {
        return Dense.builder(units).useBias(false).kernelInitializer(new Constant(weight)).build();
    }

    @Test
    void backwardToWeightsGivesTheSameWeightGradientsAndSkipsTheRest() {
        // input -> conv (frozen) -> conv -> flatten -> dense, with a shortcut join.
        org.resnet4j.layers.initializers.RandomSeeds.setSeed(3);
        SymbolicTensor x = InputLayer.input(6, 6, 2);
        org.resnet4j.layers.Conv2D frozen = org.resnet4j.layers.Conv2D.builder(3, 3).padding(org.resnet4j.layers.Padding.SAME)
                .name("frozen").build();
        SymbolicTensor a = frozen.apply(x);
        SymbolicTensor b = org.resnet4j.layers.Conv2D.builder(3, 3).padding(org.resnet4j.layers.Padding.SAME).name("trained")
                .build().apply(a);
        SymbolicTensor y = Dense.builder(4).name("head").build().apply(new org.resnet4j.layers.Flatten().apply(new Add().apply(a, b)));
        Model m = new Model(x, y, "partly frozen");
        frozen.setTrainable(false);
        Tensor in = Tensor.fromFunction(Shape.of(2, 6, 6, 2), i -> Math.sin(i * 0.7));
        Tensor dy = Tensor.fromFunction(Shape.of(2, 4), i -> Math.cos(i));

        m.forward(in, true).backward(dy);
        List<float[]> full = m.trainableWeights().stream().map(p -> p.grad().data().clone()).toList();
        m.trainableWeights().forEach(p -> p.zeroGrad());
        m.forward(in, true).backwardToWeights(dy);
        List<float[]> pruned = m.trainableWeights().stream().map(p -> p.grad().data().clone()).toList();
        assertEquals(4, full.size());
        for (int i = 0; i < full.size(); i++) {
            assertArrayEquals(full.get(i), pruned.get(i), m.trainableWeights().get(i).path());
        }
    }

    @Test
    void layersAreListedInKerasOrder() {
        SymbolicTensor x = InputLayer.input("in", 2);
        SymbolicTensor main = Dense.builder(2).name("main_1").build().apply(x);
        main = Dense.builder(2).name("main_2").build().apply(main);
        SymbolicTensor shortcut = Dense.builder(2).name("short").build().apply(x);
        SymbolicTensor y = new Add("add").apply(main, shortcut);
        Model m = new Model(x, y, "order");
        // Deeper layers first; at equal depth, the main path (first Add input) before the shortcut.
        assertEquals(List.of("in", "main_1", "main_2", "short", "add"), m.layers().stream().map(Layer::name).toList());
    }

    @Test
    void predictInBatchesEqualsOneBatch() {
        SymbolicTensor x = InputLayer.input(3);
        Model m = new Model(x, Dense.builder(4).activation(ActivationFunction.SOFTMAX).build().apply(x), "p");
        Tensor in = Tensor.fromFunction(Shape.of(7, 3), i -> Math.sin(i));
        assertArrayEquals(m.predict(in).data(), m.predict(in, 2).data());
        assertArrayEquals(m.predict(in).data(), m.forward(in, false).output().data());
    }

    @Test
    void duplicateLayerNamesAreRejected() {
        SymbolicTensor x = InputLayer.input(3);
        SymbolicTensor a = Dense.builder(3).name("same").build().apply(x);
        SymbolicTensor b = Dense.builder(3).name("same").build().apply(a);
        var e = assertThrows(IllegalArgumentException.class, () -> new Model(x, b, "dup"));
        assertEquals("Model 'dup': layer names must be unique; 'same' is used twice", e.getMessage());
    }

    @Test
    void backwardRunsOncePerPass() {
        SymbolicTensor x = InputLayer.input(2);
        Model m = new Model(x, Dense.builder(1).build().apply(x), "once");
        ForwardPass p = m.forward(Tensor.zeros(1, 2), true);
        p.backward(Tensor.zeros(1, 1));
        assertThrows(IllegalStateException.class, () -> p.backward(Tensor.zeros(1, 1)));
    }
}
