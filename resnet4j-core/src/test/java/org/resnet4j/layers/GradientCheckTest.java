package org.resnet4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.testing.GradientCheck;
import org.resnet4j.testing.GradientCheck.Report;

/**
 * Finite-difference gradient checks of every layer type, inputs and trainable weights, through
 * {@link GradientCheck}: loss {@code sum(r * y)}, central differences on float32 values, inputs
 * kept away from ReLU kinks and max-pooling ties. Shapes are small so every element is checked.
 */
class GradientCheckTest {

    /** Tight enough that a wrong factor or a missing term fails by orders of magnitude. */
    static final double TOLERANCE = 1e-2;
    /** The finite-difference step: large enough that float32 rounding of the loss stays small against it. */
    static final double EPS = 1e-2;

    private static final Shape IMAGES = Shape.of(2, 5, 5, 3);

    // ---------------------------------------------------------------- helpers

    /** Builds {@code layer} for {@code shapes} and gives its weights seeded, non-trivial values. */
    static void buildWithRandomWeights(Layer layer, SplittableRandom rnd, Shape... shapes) {
        List<Shape> list = List.of(shapes);
        layer.outputShapeFor(list);
        layer.ensureBuilt(list);
        for (Parameter p : layer.weights()) {
            Shape s = p.value().shape();
            Tensor v = switch (p.name()) {
                case "kernel" -> GradientCheck.uniform(s, rnd, -0.5, 0.5);
                case "bias" -> GradientCheck.uniform(s, rnd, -0.2, 0.2);
                case "gamma" -> GradientCheck.uniform(s, rnd, 0.5, 1.5);
                case "beta" -> GradientCheck.uniform(s, rnd, -0.3, 0.3);
                case "moving_mean" -> GradientCheck.uniform(s, rnd, -0.5, 0.5);
                case "moving_variance" -> GradientCheck.uniform(s, rnd, 0.5, 2.0);
                default -> throw new AssertionError("unexpected weight " + p.path());
            };
            p.assign(v);
        }
    }

    static List<Report> check(String testCase, Layer layer, List<Tensor> inputs, boolean training, double eps,
                              long seed) {
        List<Report> reports = GradientCheck.checkLayer(layer, inputs, training, eps, seed, null);
        GradientCheck.assertWithin(testCase, reports, TOLERANCE);
        return reports;
    }

    static void expectWeights(Layer layer, String... names) {
        List<String> trainable = new ArrayList<>();
        for (Parameter p : layer.trainableWeights()) {
            trainable.add(p.name());
        }
        assertEquals(List.of(names), trainable, layer + ": trainable weights");
    }

    // ---------------------------------------------------------------- Conv2D

    static Stream<Arguments> convCases() {
        return Stream.of(
                Arguments.of("3x3 valid", 3, 3, 1, Padding.VALID, true),
                Arguments.of("3x3 same", 3, 3, 1, Padding.SAME, true),
                Arguments.of("3x3 same stride 2", 3, 3, 2, Padding.SAME, true),
                Arguments.of("3x3 valid stride 2", 3, 3, 2, Padding.VALID, true),
                Arguments.of("3x3 same without bias", 3, 3, 1, Padding.SAME, false),
                Arguments.of("2x2 same (pads 0 before, 1 after)", 2, 2, 1, Padding.SAME, true),
                Arguments.of("3x2 same stride 2", 3, 2, 2, Padding.SAME, true),
                Arguments.of("1x1 pointwise", 1, 1, 1, Padding.VALID, true),
                Arguments.of("1x1 stride 2", 1, 1, 2, Padding.VALID, false));
    }

    @ParameterizedTest(name = "Conv2D {0}")
    @MethodSource("convCases")
    void conv2dLinear(String label, int kH, int kW, int stride, Padding padding, boolean bias) {
        SplittableRandom rnd = new SplittableRandom(11);
        Conv2D conv = Conv2D.builder(4, kH, kW).strides(stride).padding(padding).useBias(bias).build();
        buildWithRandomWeights(conv, rnd, IMAGES);
        if (bias) {
            expectWeights(conv, "kernel", "bias");
        } else {
            expectWeights(conv, "kernel");
        }
        Tensor x = GradientCheck.uniform(IMAGES, rnd, -1, 1);
        check("Conv2D " + label, conv, List.of(x), true, EPS, 12);
    }

    /**
     * With ReLU, every pre-activation must stay on its side of 0 under every step: the inputs are
     * drawn until a linear twin of the layer shows all of them beyond a margin that bounds the
     * change one step can make (a step moves one tap: by {@code eps * |w| <= eps / 2} for an
     * input, {@code eps * |x| <= eps} for a kernel weight, {@code eps} for a bias). The ReLU mask
     * is also watched as the check's signature.
     */
    @Test
    void conv2dReluSameStride1() {
        double eps = EPS;
        for (long seed = 0; seed < 500; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            Conv2D conv = Conv2D.builder(3, 3).padding(Padding.SAME).activation(ActivationFunction.RELU).build();
            Conv2D twin = Conv2D.builder(3, 3).padding(Padding.SAME).build();
            buildWithRandomWeights(conv, rnd, IMAGES);
            buildWithRandomWeights(twin, rnd, IMAGES);
            twin.kernel().assign(conv.kernel().value());
            twin.bias().assign(conv.bias().value());
            Tensor x = GradientCheck.uniform(IMAGES, rnd, -1, 1);
            Tensor z = twin.forward(x, new Context(), false);
            double margin = 1.5 * eps;
            boolean clear = true;
            int positive = 0;
            for (float v : z.data()) {
                clear &= Math.abs(v) > margin;
                positive += v > 0 ? 1 : 0;
            }
            if (!clear || positive < z.size() / 4 || positive > z.size() * 3 / 4) {
                continue;
            }
            List<Report> reports = GradientCheck.checkLayer(conv, List.of(x), true, eps, 13,
                    GradientCheck::positiveMask);
            GradientCheck.assertWithin("Conv2D 3x3 same relu (input seed " + seed + ")", reports, TOLERANCE);
            return;
        }
        fail("no seed in 0..499 gives ReLU pre-activations clear of the kink");
    }

    // ---------------------------------------------------------------- BatchNormalization

    @Test
    void batchNormalizationTraining() {
        SplittableRandom rnd = new SplittableRandom(21);
        BatchNormalization bn = new BatchNormalization();
        buildWithRandomWeights(bn, rnd, IMAGES);
        expectWeights(bn, "gamma", "beta");
        // Channels with different means and spreads, so each channel's statistics matter.
        Tensor x = Tensor.fromFunction(IMAGES, i -> 0.3 * (i % 3) + (0.5 + 0.4 * (i % 3)) * (2 * rnd.nextDouble() - 1));
        check("BatchNormalization training", bn, List.of(x), true, EPS, 22);
    }

    @Test
    void batchNormalizationTrainingOnFeatures() {
        SplittableRandom rnd = new SplittableRandom(23);
        BatchNormalization bn = new BatchNormalization();
        Shape s = Shape.of(6, 4);
        buildWithRandomWeights(bn, rnd, s);
        check("BatchNormalization training, (N, C) input", bn, List.of(GradientCheck.uniform(s, rnd, -1, 1)), true,
                EPS, 24);
    }

    @Test
    void batchNormalizationInference() {
        SplittableRandom rnd = new SplittableRandom(31);
        BatchNormalization bn = new BatchNormalization();
        buildWithRandomWeights(bn, rnd, IMAGES);
        // Non-trivial moving statistics (buildWithRandomWeights assigns them; make it explicit).
        bn.movingMean().assign(Tensor.of(Shape.of(3), 0.4f, -0.25f, 0.1f));
        bn.movingVariance().assign(Tensor.of(Shape.of(3), 0.6f, 1.7f, 2.5f));
        Tensor x = GradientCheck.uniform(IMAGES, rnd, -1, 1);
        check("BatchNormalization inference", bn, List.of(x), false, EPS, 32);
        // Inference must leave the moving statistics alone.
        assertEquals(0.4f, bn.movingMean().value().data()[0]);
        assertEquals(2.5f, bn.movingVariance().value().data()[2]);
    }

    // ---------------------------------------------------------------- Activation

    @ParameterizedTest(name = "Activation {0}")
    @EnumSource(ActivationFunction.class)
    void activation(ActivationFunction f) {
        SplittableRandom rnd = new SplittableRandom(41);
        Shape s = Shape.of(2, 3, 3, 4);
        // |x| >= 0.05 keeps ReLU away from its kink by 5 steps.
        Tensor x = GradientCheck.awayFromZero(s, rnd, 0.05, 2.0);
        check("Activation " + f.kerasName(), new Activation(f), List.of(x), true, EPS, 42);
    }

    @Test
    void reluLayer() {
        SplittableRandom rnd = new SplittableRandom(43);
        Tensor x = GradientCheck.awayFromZero(Shape.of(2, 3, 3, 4), rnd, 0.05, 2.0);
        check("ReLU", new ReLU(), List.of(x), true, EPS, 44);
    }

    // ---------------------------------------------------------------- Add, ZeroPadding2D, Flatten

    @Test
    void addOfThreeInputs() {
        SplittableRandom rnd = new SplittableRandom(51);
        Shape s = Shape.of(2, 3, 3, 2);
        List<Tensor> xs = List.of(GradientCheck.uniform(s, rnd, -1, 1), GradientCheck.uniform(s, rnd, -1, 1),
                GradientCheck.uniform(s, rnd, -1, 1));
        check("Add of 3", new Add(), xs, true, EPS, 52);
    }

    @Test
    void zeroPaddingAsymmetric() {
        SplittableRandom rnd = new SplittableRandom(61);
        Shape s = Shape.of(2, 3, 4, 2);
        ZeroPadding2D pad = new ZeroPadding2D(1, 2, 0, 3, null);
        assertEquals(Shape.of(2, 6, 7, 2), pad.outputShapeFor(List.of(s)));
        check("ZeroPadding2D ((1,2),(0,3))", pad, List.of(GradientCheck.uniform(s, rnd, -1, 1)), true, EPS, 62);
    }

    @Test
    void flatten() {
        SplittableRandom rnd = new SplittableRandom(71);
        Shape s = Shape.of(2, 3, 2, 3);
        check("Flatten", new Flatten(), List.of(GradientCheck.uniform(s, rnd, -1, 1)), true, EPS, 72);
    }

    // ---------------------------------------------------------------- pooling

    static Stream<Arguments> poolCases() {
        return Stream.of(
                Arguments.of("2x2 stride 2 valid", 2, 2, 2, Padding.VALID),
                Arguments.of("3x3 stride 2 valid", 3, 3, 2, Padding.VALID),
                Arguments.of("3x3 stride 2 same", 3, 3, 2, Padding.SAME),
                Arguments.of("2x2 stride 1 same", 2, 2, 1, Padding.SAME),
                Arguments.of("3x2 stride 1 valid", 3, 2, 1, Padding.VALID));
    }

    /** Distinct inputs 0.05 apart: a step of 0.01 never changes which element is a window's maximum. */
    @ParameterizedTest(name = "MaxPooling2D {0}")
    @MethodSource("poolCases")
    void maxPooling(String label, int poolH, int poolW, int stride, Padding padding) {
        SplittableRandom rnd = new SplittableRandom(81);
        Tensor x = GradientCheck.distinctShuffled(IMAGES, rnd, 0.05);
        check("MaxPooling2D " + label, new MaxPooling2D(poolH, poolW, stride, stride, padding, null), List.of(x),
                true, EPS, 82);
    }

    @ParameterizedTest(name = "AveragePooling2D {0}")
    @MethodSource("poolCases")
    void averagePooling(String label, int poolH, int poolW, int stride, Padding padding) {
        SplittableRandom rnd = new SplittableRandom(91);
        Tensor x = GradientCheck.uniform(IMAGES, rnd, -1, 1);
        check("AveragePooling2D " + label, new AveragePooling2D(poolH, poolW, stride, stride, padding, null),
                List.of(x), true, EPS, 92);
    }

    @Test
    void globalMaxPooling() {
        SplittableRandom rnd = new SplittableRandom(101);
        Tensor x = GradientCheck.distinctShuffled(IMAGES, rnd, 0.05);
        check("GlobalMaxPooling2D", new GlobalMaxPooling2D(), List.of(x), true, EPS, 102);
    }

    @Test
    void globalAveragePooling() {
        SplittableRandom rnd = new SplittableRandom(111);
        check("GlobalAveragePooling2D", new GlobalAveragePooling2D(), List.of(GradientCheck.uniform(IMAGES, rnd, -1, 1)),
                true, EPS, 112);
    }

    // ---------------------------------------------------------------- Dense

    static Stream<Arguments> denseCases() {
        return Stream.of(
                Arguments.of(ActivationFunction.LINEAR, true),
                Arguments.of(ActivationFunction.SOFTMAX, true),
                Arguments.of(ActivationFunction.LINEAR, false));
    }

    @ParameterizedTest(name = "Dense {0}, bias {1}")
    @MethodSource("denseCases")
    void dense(ActivationFunction activation, boolean bias) {
        SplittableRandom rnd = new SplittableRandom(121);
        Shape s = Shape.of(3, 7);
        Dense dense = Dense.builder(4).activation(activation).useBias(bias).build();
        buildWithRandomWeights(dense, rnd, s);
        Tensor x = GradientCheck.uniform(s, rnd, -1, 1);
        check("Dense " + activation.kerasName() + (bias ? "" : " without bias"), dense, List.of(x), true, EPS, 122);
    }

    // ---------------------------------------------------------------- Dropout

    @Test
    void dropoutInferenceIsIdentity() {
        SplittableRandom rnd = new SplittableRandom(131);
        Dropout dropout = new Dropout(0.4, 5L, null);
        Tensor x = GradientCheck.uniform(IMAGES, rnd, -1, 1);
        Tensor y = dropout.forward(x, new Context(), false);
        assertArrayEquals(x.data(), y.data(), "Dropout in inference is the identity");
        check("Dropout inference", dropout, List.of(x), false, EPS, 132);
    }

    /**
     * In training each call draws a new mask, so the layer is checked against itself: where the
     * output is zero the gradient is zero, elsewhere both are scaled by {@code 1/(1-rate)}. A
     * finite-difference check still applies to one fixed mask: a fresh layer of the same seed
     * draws the same first mask.
     */
    @Test
    void dropoutTrainingGradientFollowsTheMask() {
        double rate = 0.4;
        float keep = (float) (1.0 / (1.0 - rate));
        SplittableRandom rnd = new SplittableRandom(141);
        Shape s = Shape.of(4, 5, 5, 3);
        Tensor x = GradientCheck.awayFromZero(s, rnd, 0.05, 1.0);
        Tensor r = GradientCheck.awayFromZero(s, rnd, 0.05, 1.0);
        Dropout dropout = new Dropout(rate, 77L, null);
        Context ctx = new Context();
        Tensor y = dropout.forward(x, ctx, true);
        Tensor dx = dropout.backward(r, ctx);
        int dropped = 0;
        for (int i = 0; i < x.size(); i++) {
            float yi = y.data()[i];
            float gi = dx.data()[i];
            if (yi == 0f) {
                dropped++;
                assertTrue(gi == 0f, "Dropout training: element " + i + " was dropped but has gradient " + gi);
            } else {
                assertEquals(x.data()[i] * keep, yi, 1e-6f * Math.abs(yi),
                        "Dropout training: kept element " + i + " is not scaled by 1/(1-rate)");
                assertEquals(r.data()[i] * keep, gi, 1e-6f * Math.abs(gi),
                        "Dropout training: gradient of kept element " + i + " is not dy/(1-rate)");
            }
        }
        double fraction = (double) dropped / x.size();
        assertTrue(fraction > 0.3 && fraction < 0.5,
                "Dropout training: dropped fraction " + fraction + " far from rate " + rate + " over " + x.size());

        Tensor first = new Dropout(rate, 77L, null).forward(x, new Context(), true);
        for (int i = 0; i < x.size(); i++) {
            assertEquals(y.data()[i], first.data()[i], "a fresh Dropout of the same seed must draw the same mask, " + i);
        }
        Report report = GradientCheck.compare("Dropout training input", x, dx.copy(),
                () -> GradientCheck.loss(new Dropout(rate, 77L, null).forward(x, new Context(), true), r), EPS,
                GradientCheck.indices(x.size(), 142));
        GradientCheck.assertWithin("Dropout training, fixed mask", List.of(report), TOLERANCE);
    }
}
