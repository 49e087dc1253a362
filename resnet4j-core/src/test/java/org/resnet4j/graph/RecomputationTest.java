package org.resnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Dropout;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.tensor.ArrayPool;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.testing.GradientCheck;
import org.resnet4j.testing.TrainingRuns;

/**
 * Values let go after forward and rebuilt in backward: which ones, and that gradients and
 * training are the same, bit for bit, as when every value is kept.
 */
class RecomputationTest {

    /** Enough channels that every activation (2 x 16 x 16 x 16 floats) goes through the array pool. */
    static final int FILTERS = 16;

    /**
     * conv-bn-relu, then three residual blocks: a projection block and two identity blocks, each
     * identity block's shortcut the output of the block before; then a branch through Dropout.
     */
    static Model blocks() {
        SymbolicTensor x = InputLayer.input("in", 16, 16, 3);
        SymbolicTensor h = relu("stem_relu", bn("stem_bn", conv("stem_conv", FILTERS, x)));
        SymbolicTensor main = bn("b1_bn", conv("b1_conv", FILTERS, h));
        SymbolicTensor shortcut = bn("b1_short_bn", conv("b1_short_conv", FILTERS, h));
        SymbolicTensor b1 = relu("b1_out", new Add("b1_add").apply(main, shortcut));
        SymbolicTensor b2 = relu("b2_out", new Add("b2_add").apply(bn("b2_bn", conv("b2_conv", FILTERS, b1)), b1));
        // Shortcut first: a rebuild may write into the intermediate it made, never into b2.
        SymbolicTensor b3 = relu("b3_out", new Add("b3_add").apply(b2, bn("b3_bn", conv("b3_conv", FILTERS, b2))));
        SymbolicTensor dropped = relu("drop_relu", new Dropout(0.5, 9L, "drop").apply(conv("drop_conv", FILTERS, b3)));
        SymbolicTensor merged = new Add("merge").apply(b3, conv("last_conv", FILTERS, dropped));
        SymbolicTensor gap = new GlobalAveragePooling2D("gap").apply(merged);
        SymbolicTensor probs = Dense.builder(3).activation(ActivationFunction.SOFTMAX).name("probs").build().apply(gap);
        Model m = new Model(x, probs, "blocks");
        SplittableRandom rnd = new SplittableRandom(3);
        for (Parameter p : m.weights()) {
            if (p.name().equals("kernel") || p.name().equals("beta")) {
                p.assign(GradientCheck.uniform(p.value().shape(), rnd, -0.5, 0.5));
            }
        }
        return m;
    }

    private static SymbolicTensor conv(String name, int filters, SymbolicTensor in) {
        return Conv2D.builder(filters, 3).padding(Padding.SAME).name(name).build().apply(in);
    }

    private static SymbolicTensor bn(String name, SymbolicTensor in) {
        return new BatchNormalization(name).apply(in);
    }

    private static SymbolicTensor relu(String name, SymbolicTensor in) {
        return new Activation(ActivationFunction.RELU, name).apply(in);
    }

    @Test
    void reluOutputsRebuiltFromKeptValuesAreLetGoAndNoChainOfThem() {
        Model m = blocks();
        ForwardPass pass = m.forward(input(), true);
        TreeSet<String> released = new TreeSet<>();
        for (SymbolicTensor t : pass.released()) {
            released.add(t.node().layer().name());
        }
        // stem_relu: relu(bn(kept conv output)). b1_out: relu(bn + bn). b2_out would need b1_out,
        // itself let go, so it stays; b3_out is rebuilt from b2_out, which its ReLU keeps.
        // drop_relu's input comes through Dropout, which is never run again.
        assertEquals(new TreeSet<>(List.of("b1_out", "b3_out", "stem_relu")), released);
    }

    /**
     * Against a pass that keeps everything, writes nothing in place and recycles nothing: with
     * the pool on, the arrays of released values serve later tensors in forward, so backward
     * must read rebuilt values, never what now lies in their old arrays.
     */
    @Test
    void gradientsAreBitIdenticalToKeepingEverything() {
        for (boolean training : new boolean[] {true, false}) {
            assertSameGradients(RecomputationTest::blocks, training);
        }
    }

    /**
     * A Flatten view of a value that is let go feeds a rebuildable chain: c -> bn -> relu (w),
     * w -> flatten (f) -> bn -> relu (t) -> dense, and w -> global pooling. Rebuilding t reads f
     * from the second BatchNormalization's context, so w's array (f's too) must stay out of the
     * pool, where the pooling's gradient would take it.
     */
    @Test
    void aViewThatARebuildReadsKeepsItsArray() {
        assertSameGradients(() -> {
            SymbolicTensor x = InputLayer.input("in", 16, 16, 3);
            SymbolicTensor w = relu("w", bn("bn1", conv("conv", FILTERS, x)));
            SymbolicTensor f = new org.resnet4j.layers.Flatten("flatten").apply(w);
            SymbolicTensor t = relu("t", bn("bn2", f));
            SymbolicTensor d = Dense.builder(FILTERS).name("dense").build().apply(t);
            SymbolicTensor h = new GlobalAveragePooling2D("gap").apply(w);
            return new Model(x, new Add("out").apply(d, h), "view");
        }, true);
    }

    private static void assertSameGradients(java.util.function.Supplier<Model> build, boolean training) {
        Map<String, float[]> economical = gradients(build, true, training);
        Map<String, float[]> reference;
        ArrayPool.setEnabled(false);
        try {
            reference = gradients(build, false, training);
        } finally {
            ArrayPool.setEnabled(true);
        }
        assertEquals(reference.keySet(), economical.keySet());
        for (String k : reference.keySet()) {
            assertArrayEquals(reference.get(k), economical.get(k), k + (training ? " (training)" : " (inference)"));
        }
    }

    /**
     * The input gradient and every weight gradient of one pass, by name: letting go of values
     * and writing in place, or neither.
     */
    private static Map<String, float[]> gradients(java.util.function.Supplier<Model> build, boolean economical,
                                                  boolean training) {
        RandomSeeds.setSeed(11);
        Model m = build.get();
        m.setRecomputeActivations(economical);
        m.setWriteInPlace(economical);
        ForwardPass pass = m.forward(input(), training);
        assertEquals(economical, !pass.released().isEmpty());
        Tensor dy = GradientCheck.uniform(pass.output().shape(), new SplittableRandom(4), -1, 1);
        Map<String, float[]> out = new java.util.TreeMap<>();
        out.put("input", pass.backward(dy).data().clone());
        for (Parameter p : m.trainableWeights()) {
            out.put(p.path(), p.grad().data().clone());
        }
        return out;
    }

    private static Tensor input() {
        return GradientCheck.uniform(Shape.of(2, 16, 16, 3), new SplittableRandom(7), -1, 1);
    }

    @Test
    void anObservedPassShowsTheValuesForwardComputesAndKeepsNothing() {
        RandomSeeds.setSeed(2);
        Model m = blocks();
        SymbolicTensor watched = findOutput(m, "b2_add");
        Tensor x = input();
        ForwardPass pass = m.forward(List.of(x), true, List.of(watched));
        float[] expected = pass.valueOf(watched).data().clone();
        RandomSeeds.setSeed(2);
        Model fresh = blocks();
        float[][] seen = new float[1][];
        List<Tensor> out = fresh.observe(List.of(x), true, List.of(findOutput(fresh, "b2_add")),
                (t, v) -> seen[0] = v.copy().data());
        assertArrayEquals(expected, seen[0]);
        assertArrayEquals(pass.output().data(), out.get(0).data());
        // The intermediate arrays went back to the pool, not only those a pass kept for
        // backward lets go of.
        assertTrue(fresh.pool().freeFloats() > m.pool().freeFloats(),
                fresh.pool().freeFloats() + " floats free after observing, " + m.pool().freeFloats() + " after forward");
    }

    private static SymbolicTensor findOutput(Model m, String layer) {
        for (org.resnet4j.layers.Node n : m.nodes()) {
            if (n.layer().name().equals(layer)) {
                return n.output();
            }
        }
        throw new AssertionError(layer);
    }

    @Test
    void trainingTheNotebooksResNetIsBitIdenticalToKeepingEverything() {
        Dataset data = SyntheticSigns.generate(12, 3);
        List<float[]> rebuilt = train(data, true);
        List<float[]> kept;
        ArrayPool.setEnabled(false);
        try {
            kept = train(data, false);
        } finally {
            ArrayPool.setEnabled(true);
        }
        for (int i = 0; i < kept.size(); i++) {
            assertArrayEquals(kept.get(i), rebuilt.get(i), "weight " + i);
        }
    }

    private static List<float[]> train(Dataset data, boolean economical) {
        return TrainingRuns.notebookResNetAfterOneEpoch(data, m -> {
            m.setRecomputeActivations(economical);
            m.setWriteInPlace(economical);
        });
    }
}
