package org.resnet4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.resnet4j.graph.ForwardPass;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.ReLU;
import org.resnet4j.layers.Regularizer;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * {@link Trainer#trainStep} updates each layer as soon as backward is done with it and lets its
 * gradients go; the weights must come out exactly as with backward first and one optimizer
 * step over every weight after.
 */
class LayerwiseUpdateTest {

    @Test
    void layerwiseStepsEqualBackwardThenApplyBitForBit() {
        Model fused = model();
        Model reference = model();
        Trainer trainer = new Trainer(fused, new Adam(1e-2), Losses.CATEGORICAL_CROSSENTROPY);
        Adam referenceAdam = new Adam(1e-2);
        SplittableRandom rnd = new SplittableRandom(4);
        // A large gradient's array goes back to the pool after the step (and serves other
        // tensors of the step: the bit-for-bit comparison below covers that); a small one, which
        // the pool does not take, is zeroed in place.
        Parameter large = ((Conv2D) fused.getLayer("c2")).kernel();
        Parameter small = ((Conv2D) fused.getLayer("c1")).bias();
        float[] largeBefore = large.grad().data();
        float[] smallBefore = small.grad().data();
        for (int step = 0; step < 4; step++) {
            Tensor x = Tensor.fromFunction(Shape.of(5, 8, 8, 3), i -> rnd.nextDouble(-1, 1));
            Tensor y = Tensor.zeros(5, 3);
            for (int r = 0; r < 5; r++) {
                y.data()[r * 3 + rnd.nextInt(3)] = 1f;
            }
            trainer.trainStep(x, y, List.of());
            if (step == 0) {
                assertNotSame(largeBefore, large.grad().data());
                assertSame(smallBefore, small.grad().data());
            }

            ForwardPass pass = reference.forward(x, true);
            Tensor p = pass.output();
            pass.backwardFromPreActivationToWeights(Losses.CATEGORICAL_CROSSENTROPY.softmaxLogitsGradient(p, y));
            for (Layer l : reference.layers()) {
                l.addRegularizationGradients();
            }
            referenceAdam.apply(reference.trainableWeights());

            List<Parameter> a = fused.weights();
            List<Parameter> b = reference.weights();
            assertEquals(b.size(), a.size());
            for (int i = 0; i < a.size(); i++) {
                assertArrayEquals(b.get(i).value().data(), a.get(i).value().data(),
                        "step " + step + ", weight " + a.get(i).path());
            }
        }
        assertEquals(4, trainer.optimizer().iterations());
        assertThrows(IllegalStateException.class, () -> trainer.optimizer().update(fused.trainableWeights()),
                "an update outside a step");
        // After a step, every gradient reads as zeros again.
        for (Parameter w : fused.trainableWeights()) {
            for (float g : w.grad().data()) {
                assertEquals(0f, g, w.path());
            }
        }
    }

    /**
     * Convolutions with penalties, BatchNormalization, a residual join, a layer applied twice
     * (its update must wait for both of its nodes, and its kernel gradient, written by the first
     * and added to by the second, must be their sum) and a frozen layer; values and kernels
     * (c2's and the shared layer's, 9216 floats) large enough for the array pool.
     */
    private static Model model() {
        RandomSeeds.setSeed(9);
        SymbolicTensor in = InputLayer.input(8, 8, 3);
        SymbolicTensor a = Conv2D.builder(32, 3).padding(Padding.SAME).kernelRegularizer(Regularizer.l2(1e-2))
                .name("c1").build().apply(in);
        a = new ReLU("r1").apply(new BatchNormalization("bn1").apply(a));
        a = Conv2D.builder(32, 3).padding(Padding.SAME).name("c2").build().apply(a);
        Conv2D shared = Conv2D.builder(32, 3).padding(Padding.SAME).name("shared").biasRegularizer(Regularizer.l2(1e-2))
                .build();
        SymbolicTensor b = shared.apply(shared.apply(a));
        b = new BatchNormalization("bn2").apply(b);
        Conv2D frozen = Conv2D.builder(32, 1).name("frozen").build();
        SymbolicTensor c = frozen.apply(a);
        frozen.setTrainable(false);
        SymbolicTensor joined = new ReLU("r2").apply(new Add("add").apply(b, c));
        SymbolicTensor out = Dense.builder(3).activation(ActivationFunction.SOFTMAX).kernelRegularizer(Regularizer.l2(1e-2))
                .name("head").build().apply(new GlobalAveragePooling2D("gap").apply(joined));
        return new Model(in, out, "layerwise");
    }
}
