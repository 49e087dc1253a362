package org.resnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.ReLU;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.models.ResNet50;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** A prediction computes convolution, BatchNormalization and ReLU (and a sum and its ReLU) in one pass. */
class InferenceFusionTest {

    @Test
    void theNotebooksResNet50FusesEveryConvolutionWithItsNormalization() {
        Model m = ResNet50.build(new int[] {64, 64, 3}, 6);
        Map<String, Integer> kinds = new TreeMap<>();
        for (Map.Entry<Node, List<Node>> e : m.inferenceFusions().entrySet()) {
            StringBuilder k = new StringBuilder(e.getKey().layer().getClass().getSimpleName());
            for (Node n : e.getValue()) {
                k.append('+').append(n.layer().getClass().getSimpleName());
            }
            kinds.merge(k.toString(), 1, Integer::sum);
        }
        // 53 convolutions, each with its BatchNormalization; a ReLU follows all but the third
        // of each block and the shortcuts (16 + 4), whose sum is then followed by one (16).
        assertEquals(Map.of("Conv2D+BatchNormalization+Activation", 33, "Conv2D+BatchNormalization", 20,
                "Add+Activation", 16), kinds);
    }

    @Test
    void predictionEqualsTheLayerByLayerForwardPassBitForBit() {
        SymbolicTensor x = InputLayer.input(7, 6, 5);
        // conv (bias) -> BN -> ReLU: one pass.
        SymbolicTensor a = new Activation(ActivationFunction.RELU, "a_relu").apply(bn("a_bn").apply(
                Conv2D.builder(8, 3).padding(Padding.SAME).name("a_conv").build().apply(x)));
        // conv (no bias) -> BN, whose output the sum reads.
        SymbolicTensor b = bn("b_bn").apply(Conv2D.builder(8, 1).useBias(false).name("b_conv").build().apply(x));
        // sum -> ReLU (Keras's ReLU layer): one pass.
        SymbolicTensor s = new ReLU("s_relu").apply(new Add("s").apply(a, b));
        // A convolution with its own activation is left alone.
        SymbolicTensor c = new Activation(ActivationFunction.RELU, "c_relu").apply(bn("c_bn").apply(
                Conv2D.builder(8, 3).activation(ActivationFunction.RELU).name("c_conv").build().apply(s)));
        // BN output read twice: the ReLU stays a layer of its own.
        SymbolicTensor d = bn("d_bn").apply(Conv2D.builder(8, 1).name("d_conv").build().apply(c));
        SymbolicTensor e = new Add("e").apply(new Activation(ActivationFunction.RELU, "d_relu").apply(d), d);
        // The last BN's output is the model's: nothing after it is absorbed.
        SymbolicTensor y = bn("y_bn").apply(Conv2D.builder(4, 1).name("y_conv").build().apply(e));
        Model m = new Model(x, y, "fusion");
        SplittableRandom rnd = new SplittableRandom(3);
        for (Layer layer : m.layers()) {
            for (Parameter p : layer.weights()) {
                float[] v = p.value().data();
                for (int i = 0; i < v.length; i++) {
                    v[i] = p.name().equals("moving_variance") ? (float) rnd.nextDouble(0.1, 2)
                            : (float) rnd.nextDouble(-1, 1);
                }
            }
        }
        Map<String, List<String>> plan = new TreeMap<>();
        m.inferenceFusions().forEach((head, chain) ->
                plan.put(head.layer().name(), chain.stream().map(n -> n.layer().name()).toList()));
        assertEquals(Map.of("a_conv", List.of("a_bn", "a_relu"), "b_conv", List.of("b_bn"), "s", List.of("s_relu"),
                "d_conv", List.of("d_bn"), "y_conv", List.of("y_bn")), plan);

        Tensor in = Tensor.fromFunction(Shape.of(3, 7, 6, 5), i -> Math.sin(0.37 * i) * 2);
        float[] fused = m.predict(in).data();
        float[] layerByLayer = m.forward(in, false).output().data();
        assertEquals(layerByLayer.length, fused.length);
        boolean negatives = false;
        for (int i = 0; i < fused.length; i++) {
            assertEquals(Float.floatToIntBits(layerByLayer[i]), Float.floatToIntBits(fused[i]), "element " + i);
            negatives |= fused[i] < 0;
        }
        assertTrue(negatives, "the output must not be all ReLU'd: the last BN is not followed by one");
    }

    private static BatchNormalization bn(String name) {
        return BatchNormalization.builder().name(name).build();
    }
}
