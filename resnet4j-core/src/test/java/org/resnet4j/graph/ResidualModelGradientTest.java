package org.resnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.MaxPooling2D;
import org.resnet4j.layers.Node;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.testing.GradientCheck;
import org.resnet4j.testing.GradientCheck.Report;

/**
 * Finite differences through a whole residual model, {@link Model#forward} then
 * {@link ForwardPass#backward}: conv-bn-relu, a tensor that feeds a main path and a strided 1x1
 * shortcut joined by {@code Add}, then relu, max pooling, global average pooling and a softmax
 * classifier. Checked for the input and every weight, in training mode (batch statistics) and
 * in inference mode (moving statistics made non-trivial first). Also the moving-average update.
 */
class ResidualModelGradientTest {

    static final double TOLERANCE = 1e-2;
    /**
     * The step. Through six float32 layers and a softmax the loss carries rounding noise of about
     * 5e-8, so a central difference of step h carries about {@code 5e-8 / (2 h)}; yet with batch
     * statistics the loss is so curved (third derivatives near 25 along a 1x1 kernel weight) that
     * the {@code h^2} error of a step of 1e-2 reaches 4e-4. Richardson extrapolation over h and
     * h/2 removes that term and keeps the large step. Where a step would cross a ReLU kink or a
     * pooling tie, {@link GradientCheck#compare} shortens it for that element.
     */
    static final GradientCheck.Options STEP = new GradientCheck.Options(1e-2, 0, true);
    /**
     * The error floor as a fraction of the largest gradient anywhere in the model, which bounds
     * the float32 noise above (about 7e-6 here) to well under the tolerance. It matters for the
     * conv biases right before batch normalization, whose true gradient in training is exactly 0.
     */
    static final double MODEL_FLOOR = 1e-2;
    static final Shape BATCH = Shape.of(2, 6, 6, 3);

    /** The model and the symbolic tensors the test inspects. */
    record Residual(Model model, SymbolicTensor stemBnIn, SymbolicTensor stemBnOut, SymbolicTensor sum,
                    SymbolicTensor pooled) {

        BatchNormalization bn(String name) {
            return (BatchNormalization) model.getLayer(name);
        }
    }

    static Residual build(long weightSeed) {
        SymbolicTensor x = InputLayer.input("in", 6, 6, 3);
        SymbolicTensor stem = Conv2D.builder(4, 3).padding(Padding.SAME).name("stem_conv").build().apply(x);
        SymbolicTensor stemBn = new BatchNormalization("stem_bn").apply(stem);
        SymbolicTensor h = new Activation(ActivationFunction.RELU, "stem_relu").apply(stemBn);
        // h feeds two paths: a strided 3x3 main path and a strided 1x1 projection shortcut.
        SymbolicTensor main = Conv2D.builder(4, 3).strides(2).padding(Padding.SAME).name("main_conv").build().apply(h);
        main = new BatchNormalization("main_bn").apply(main);
        SymbolicTensor shortcut = Conv2D.builder(4, 1).strides(2).name("short_conv").build().apply(h);
        shortcut = new BatchNormalization("short_bn").apply(shortcut);
        SymbolicTensor sum = new Add("add").apply(main, shortcut);
        SymbolicTensor out = new Activation(ActivationFunction.RELU, "out_relu").apply(sum);
        SymbolicTensor pooled = new MaxPooling2D(2, 1, "pool").apply(out);
        SymbolicTensor gap = new GlobalAveragePooling2D("gap").apply(pooled);
        SymbolicTensor probs = Dense.builder(3).activation(ActivationFunction.SOFTMAX).name("probs").build().apply(gap);
        Model m = new Model(x, probs, "residual");
        assertEquals(Shape.batchOf(3, 3, 4), sum.shape());
        assertEquals(Shape.batchOf(2, 2, 4), pooled.shape());

        SplittableRandom rnd = new SplittableRandom(weightSeed);
        for (Parameter p : m.weights()) {
            Shape s = p.value().shape();
            switch (p.name()) {
                case "kernel" -> p.assign(GradientCheck.uniform(s, rnd, -0.5, 0.5));
                case "bias" -> p.assign(GradientCheck.uniform(s, rnd, -0.2, 0.2));
                case "gamma" -> p.assign(GradientCheck.uniform(s, rnd, 0.5, 1.5));
                case "beta" -> p.assign(GradientCheck.uniform(s, rnd, -0.3, 0.3));
                default -> { } // moving statistics: Keras's (0, 1) start
            }
        }
        return new Residual(m, stem, stemBn, sum, pooled);
    }

    // ---------------------------------------------------------------- kinks and ties

    /** A run that keeps the pre-activations the kink checks look at. */
    static ForwardPass inspect(Residual r, Tensor x, boolean training) {
        return r.model().forward(List.of(x), training, List.of(r.stemBnOut(), r.sum()));
    }

    /** The ReLU masks and the max-pooling winners of a run: constant while no step crosses a kink. */
    static Object signature(Residual r, ForwardPass pass) {
        Tensor beforeStemRelu = pass.valueOf(r.stemBnOut());
        Tensor beforeOutRelu = pass.valueOf(r.sum());
        // An array, not a List: Objects.deepEquals compares nested arrays only inside arrays.
        return new Object[] {GradientCheck.positiveMask(beforeStemRelu), GradientCheck.positiveMask(beforeOutRelu),
                poolWinners(relu(beforeOutRelu))};
    }

    static Tensor relu(Tensor t) {
        return Tensor.fromFunction(t.shape(), i -> Math.max(t.data()[i], 0f));
    }

    /** The first maximum of every 2x2 stride-1 window. */
    static int[] poolWinners(Tensor a) {
        int n = a.shape().dim(0), h = a.shape().dim(1), w = a.shape().dim(2), c = a.shape().dim(3);
        int[] win = new int[n * (h - 1) * (w - 1) * c];
        int o = 0;
        for (int b = 0; b < n; b++) {
            for (int i = 0; i + 1 < h; i++) {
                for (int j = 0; j + 1 < w; j++) {
                    for (int ch = 0; ch < c; ch++) {
                        int best = -1;
                        for (int di = 0; di < 2; di++) {
                            for (int dj = 0; dj < 2; dj++) {
                                int at = ((b * h + i + di) * w + j + dj) * c + ch;
                                if (best < 0 || a.data()[at] > a.data()[best]) {
                                    best = at;
                                }
                            }
                        }
                        win[o++] = best;
                    }
                }
            }
        }
        return win;
    }

    /** The smallest distance of a pre-activation from 0 and of a positive pool maximum from its runner-up. */
    static double clearance(ForwardPass pass, Residual r) {
        double min = Double.MAX_VALUE;
        for (SymbolicTensor t : List.of(r.stemBnOut(), r.sum())) {
            for (float v : pass.valueOf(t).data()) {
                min = Math.min(min, Math.abs(v));
            }
        }
        Tensor a = relu(pass.valueOf(r.sum()));
        int n = a.shape().dim(0), h = a.shape().dim(1), w = a.shape().dim(2), c = a.shape().dim(3);
        for (int b = 0; b < n; b++) {
            for (int i = 0; i + 1 < h; i++) {
                for (int j = 0; j + 1 < w; j++) {
                    for (int ch = 0; ch < c; ch++) {
                        float[] v = new float[4];
                        int k = 0;
                        for (int di = 0; di < 2; di++) {
                            for (int dj = 0; dj < 2; dj++) {
                                v[k++] = a.data()[((b * h + i + di) * w + j + dj) * c + ch];
                            }
                        }
                        Arrays.sort(v);
                        if (v[3] > 0) {
                            min = Math.min(min, v[3] - v[2]);
                        }
                    }
                }
            }
        }
        return min;
    }

    /** Of the first 200 seeded inputs, the one farthest from ReLU kinks and pooling ties. */
    static Tensor clearInput(Residual r, boolean training) {
        Tensor best = null;
        double bestClearance = -1;
        for (long seed = 0; seed < 200; seed++) {
            Tensor x = GradientCheck.uniform(BATCH, new SplittableRandom(seed), -1, 1);
            double c = clearance(inspect(r, x, training), r);
            if (c > bestClearance) {
                bestClearance = c;
                best = x;
            }
        }
        assertTrue(bestClearance > 1e-3, "no input clears the kinks by 1e-3: " + bestClearance);
        return best;
    }

    // ---------------------------------------------------------------- the check

    static List<Report> check(Residual r, Tensor x, boolean training, long seed) {
        Model m = r.model();
        SplittableRandom rnd = new SplittableRandom(seed);
        m.zeroGrads();
        ForwardPass pass = inspect(r, x, training);
        Object base = signature(r, pass);
        Tensor rr = GradientCheck.uniform(pass.output().shape(), rnd, -1, 1);
        Tensor dx = pass.backward(rr.copy()).copy();
        List<Parameter> params = m.trainableWeights();
        List<Tensor> grads = new ArrayList<>();
        for (Parameter p : params) {
            grads.add(p.grad().copy());
        }
        DoubleSupplier loss = () -> {
            ForwardPass fp = inspect(r, x, training);
            if (!Objects.deepEquals(base, signature(r, fp))) {
                throw new GradientCheck.KinkCrossed("a ReLU mask or a pooling winner changed");
            }
            return GradientCheck.loss(fp.output(), rr);
        };
        double scale = maxAbs(dx);
        for (Tensor g : grads) {
            scale = Math.max(scale, maxAbs(g));
        }
        double floor = MODEL_FLOOR * scale;
        List<Report> reports = new ArrayList<>();
        GradientCheck.Options options = new GradientCheck.Options(STEP.eps(), floor, STEP.richardson());
        reports.add(GradientCheck.compare("model input", x, dx, loss, options, GradientCheck.indices(x.size(), seed + 1)));
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            reports.add(GradientCheck.compare(p.path(), p.value(), grads.get(i), loss, options,
                    GradientCheck.indices(p.value().size(), seed + 100 + i)));
        }
        return reports;
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (float v : t.data()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @ParameterizedTest(name = "training={0}")
    @ValueSource(booleans = {true, false})
    void inputAndEveryWeightMatchFiniteDifferences(boolean training) {
        Residual r = build(5);
        if (!training) {
            // Move the moving statistics well away from (0, 1) with training runs on other data.
            SplittableRandom warm = new SplittableRandom(99);
            for (int i = 0; i < 20; i++) {
                r.model().forward(GradientCheck.uniform(BATCH, warm, -1.5, 1.0), true);
            }
            for (String bn : List.of("stem_bn", "main_bn", "short_bn")) {
                float[] mm = r.bn(bn).movingMean().value().data();
                float[] mv = r.bn(bn).movingVariance().value().data();
                double moved = 0;
                for (int c = 0; c < mm.length; c++) {
                    moved = Math.max(moved, Math.max(Math.abs(mm[c]), Math.abs(mv[c] - 1)));
                }
                assertTrue(moved > 0.02, bn + ": moving statistics still near (0, 1) after warm-up: " + moved);
            }
        }
        Tensor x = clearInput(r, training);
        List<Report> reports = check(r, x, training, 17);
        List<String> checked = reports.stream().map(Report::what).toList();
        assertEquals(15, checked.size(), "the input and 14 trainable weights: " + checked);
        GradientCheck.assertWithin("residual model, training=" + training, reports, TOLERANCE);
    }

    // ---------------------------------------------------------------- moving statistics

    /**
     * After one training run, {@code moving = momentum * old + (1 - momentum) * batch}, with the
     * batch mean and the biased batch variance of the layer's actual input, worked out here in
     * double. Inference runs leave them alone.
     */
    @Test
    void movingStatisticsFollowTheBatchWithMomentum() {
        Residual r = build(6);
        BatchNormalization bn = r.bn("stem_bn");
        assertEquals(0.99, bn.momentum());
        float[] oldMean = {0.3f, -0.2f, 0.05f, 1.1f};
        float[] oldVar = {0.7f, 1.4f, 2.2f, 0.35f};
        bn.movingMean().assign(Tensor.of(Shape.of(4), oldMean));
        bn.movingVariance().assign(Tensor.of(Shape.of(4), oldVar));

        Tensor x = GradientCheck.uniform(BATCH, new SplittableRandom(8), -1, 2);
        ForwardPass pass = r.model().forward(List.of(x), true, List.of(r.stemBnIn()));
        Tensor in = pass.valueOf(r.stemBnIn());
        int channels = 4;
        int rows = in.size() / channels;
        double[] mean = new double[channels];
        double[] var = new double[channels];
        for (int i = 0; i < in.size(); i++) {
            mean[i % channels] += in.data()[i];
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= rows;
        }
        for (int i = 0; i < in.size(); i++) {
            double d = in.data()[i] - mean[i % channels];
            var[i % channels] += d * d;
        }
        for (int c = 0; c < channels; c++) {
            var[c] /= rows; // biased, as Keras 3 updates it
        }
        float[] mm = bn.movingMean().value().data();
        float[] mv = bn.movingVariance().value().data();
        for (int c = 0; c < channels; c++) {
            double expectMean = 0.99 * oldMean[c] + 0.01 * mean[c];
            double expectVar = 0.99 * oldVar[c] + 0.01 * var[c];
            assertEquals(expectMean, mm[c], 1e-6 * (1 + Math.abs(expectMean)), "moving_mean[" + c + "]");
            assertEquals(expectVar, mv[c], 1e-6 * (1 + Math.abs(expectVar)), "moving_variance[" + c + "]");
            // The unbiased variance would differ by var/(rows-1) * 0.01, far above the tolerance here.
            assertTrue(Math.abs(0.99 * oldVar[c] + 0.01 * var[c] * rows / (rows - 1) - mv[c]) > 1e-6,
                    "moving_variance[" + c + "] looks updated with the unbiased variance");
        }

        float[] before = mm.clone();
        float[] beforeVar = mv.clone();
        r.model().forward(x, false);
        r.model().predict(x);
        for (int c = 0; c < channels; c++) {
            assertEquals(before[c], mm[c], "inference changed moving_mean[" + c + "]");
            assertEquals(beforeVar[c], mv[c], "inference changed moving_variance[" + c + "]");
        }
        // Sanity: the test really read the BN's input (what the stem convolution produced).
        Node stemNode = r.stemBnIn().node();
        assertEquals("stem_conv", stemNode.layer().name());
        if (Arrays.equals(before, oldMean)) {
            fail("moving_mean did not change at all in training");
        }
    }
}
