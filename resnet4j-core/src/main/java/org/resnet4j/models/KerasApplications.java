package org.resnet4j.models;

import java.util.List;
import java.util.Locale;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.GlobalAveragePooling2D;
import org.resnet4j.layers.GlobalMaxPooling2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.MaxPooling2D;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.ZeroPadding2D;

/**
 * The ResNets of {@code keras.applications}, built layer for layer as Keras builds them, with
 * Keras's layer names, so that Keras's weight files load into them by name:
 * {@code ResNet50/101/152} (He et al., 2015; the stride on the first 1x1 convolution of a
 * block, as Keras and Caffe have it) and {@code ResNet50V2/101V2/152V2} (He et al., 2016,
 * "Identity Mappings in Deep Residual Networks": pre-activation blocks). BatchNormalization
 * epsilon is 1.001e-5 throughout, as in Keras.
 */
public final class KerasApplications {

    /** Keras's BatchNormalization epsilon in the applications. */
    public static final double EPSILON = 1.001e-5;

    /** Global pooling of a headless model, Keras's {@code pooling} argument. */
    public enum Pooling { NONE, AVG, MAX }

    /**
     * Keras's arguments: with {@code includeTop} a global average pooling and a
     * {@code classes}-way Dense with {@code classifierActivation} end the model; without it,
     * {@code pooling} decides what ends it.
     */
    public record Options(boolean includeTop, Pooling pooling, int classes, ActivationFunction classifierActivation) {

        /** Keras's defaults: the top, 1000 classes, softmax. */
        public static Options defaults() {
            return new Options(true, Pooling.NONE, 1000, ActivationFunction.SOFTMAX);
        }

        /** With the top and {@code classes} classes. */
        public static Options classifier(int classes) {
            return new Options(true, Pooling.NONE, classes, ActivationFunction.SOFTMAX);
        }

        /** Without the top, ending with {@code pooling}: the base for transfer learning. */
        public static Options base(Pooling pooling) {
            return new Options(false, pooling, 0, ActivationFunction.SOFTMAX);
        }
    }

    /** Blocks per stage of each depth. */
    public static final List<Integer> DEPTH_50 = List.of(3, 4, 6, 3);
    public static final List<Integer> DEPTH_101 = List.of(3, 4, 23, 3);
    public static final List<Integer> DEPTH_152 = List.of(3, 8, 36, 3);

    private KerasApplications() {
    }

    public static Model resNet50(int[] inputShape, Options o) {
        return v1("resnet50", DEPTH_50, inputShape, o);
    }

    public static Model resNet101(int[] inputShape, Options o) {
        return v1("resnet101", DEPTH_101, inputShape, o);
    }

    public static Model resNet152(int[] inputShape, Options o) {
        return v1("resnet152", DEPTH_152, inputShape, o);
    }

    public static Model resNet50V2(int[] inputShape, Options o) {
        return v2("resnet50v2", DEPTH_50, inputShape, o);
    }

    public static Model resNet101V2(int[] inputShape, Options o) {
        return v2("resnet101v2", DEPTH_101, inputShape, o);
    }

    public static Model resNet152V2(int[] inputShape, Options o) {
        return v2("resnet152v2", DEPTH_152, inputShape, o);
    }

    /** Keras's {@code ResNet} for post-activation (V1) bottleneck stacks. */
    static Model v1(String name, List<Integer> depths, int[] inputShape, Options o) {
        SymbolicTensor input = InputLayer.input("input_1", inputShape);
        SymbolicTensor x = stem(input, true);
        int[] filters = {64, 128, 256, 512};
        for (int s = 0; s < depths.size(); s++) {
            String stage = "conv" + (s + 2);
            x = block1(x, filters[s], s == 0 ? 1 : 2, true, stage + "_block1");
            for (int b = 2; b <= depths.get(s); b++) {
                x = block1(x, filters[s], 1, false, stage + "_block" + b);
            }
        }
        return top(input, x, name, o);
    }

    /** Keras's {@code ResNet} for pre-activation (V2) stacks. */
    static Model v2(String name, List<Integer> depths, int[] inputShape, Options o) {
        SymbolicTensor input = InputLayer.input("input_1", inputShape);
        SymbolicTensor x = stem(input, false);
        int[] filters = {64, 128, 256, 512};
        for (int s = 0; s < depths.size(); s++) {
            String stage = "conv" + (s + 2);
            int blocks = depths.get(s);
            // V2 downsamples in the last block of a stage (stride1 2), except the last stage.
            int lastStride = s == depths.size() - 1 ? 1 : 2;
            x = block2(x, filters[s], 1, true, stage + "_block1");
            for (int b = 2; b < blocks; b++) {
                x = block2(x, filters[s], 1, false, stage + "_block" + b);
            }
            x = block2(x, filters[s], lastStride, false, stage + "_block" + blocks);
        }
        x = bn("post_bn").build().apply(x);
        x = relu("post_relu", x);
        return top(input, x, name, o);
    }

    /** conv1 (7x7/2 with 3 zero padding), its normalisation when post-activation, and 3x3/2 max pooling. */
    private static SymbolicTensor stem(SymbolicTensor input, boolean normalize) {
        SymbolicTensor x = new ZeroPadding2D(3, 3, 3, 3, "conv1_pad").apply(input);
        x = Conv2D.builder(64, 7).strides(2).name("conv1_conv").build().apply(x);
        if (normalize) {
            x = bn("conv1_bn").build().apply(x);
            x = relu("conv1_relu", x);
        }
        x = new ZeroPadding2D(1, 1, 1, 1, "pool1_pad").apply(x);
        return new MaxPooling2D(3, 3, 2, 2, Padding.VALID, "pool1_pool").apply(x);
    }

    /** Keras's {@code block1}: a post-activation bottleneck. */
    private static SymbolicTensor block1(SymbolicTensor x, int filters, int stride, boolean convShortcut, String name) {
        SymbolicTensor shortcut = x;
        if (convShortcut) {
            shortcut = Conv2D.builder(4 * filters, 1).strides(stride).name(name + "_0_conv").build().apply(x);
            shortcut = bn(name + "_0_bn").build().apply(shortcut);
        }
        x = Conv2D.builder(filters, 1).strides(stride).name(name + "_1_conv").build().apply(x);
        x = bn(name + "_1_bn").build().apply(x);
        x = relu(name + "_1_relu", x);
        x = Conv2D.builder(filters, 3).padding(Padding.SAME).name(name + "_2_conv").build().apply(x);
        x = bn(name + "_2_bn").build().apply(x);
        x = relu(name + "_2_relu", x);
        x = Conv2D.builder(4 * filters, 1).name(name + "_3_conv").build().apply(x);
        x = bn(name + "_3_bn").build().apply(x);
        x = new Add(name + "_add").apply(shortcut, x);
        return relu(name + "_out", x);
    }

    /** Keras's {@code block2}: a pre-activation bottleneck. */
    private static SymbolicTensor block2(SymbolicTensor x, int filters, int stride, boolean convShortcut, String name) {
        SymbolicTensor preact = bn(name + "_preact_bn").build().apply(x);
        preact = relu(name + "_preact_relu", preact);
        SymbolicTensor shortcut;
        if (convShortcut) {
            shortcut = Conv2D.builder(4 * filters, 1).strides(stride).name(name + "_0_conv").build().apply(preact);
        } else {
            // Keras leaves this pooling unnamed; it has no weights, so a deterministic name does no harm.
            shortcut = stride > 1 ? new MaxPooling2D(1, 1, stride, stride, Padding.VALID, name + "_0_pool").apply(x) : x;
        }
        x = Conv2D.builder(filters, 1).useBias(false).name(name + "_1_conv").build().apply(preact);
        x = bn(name + "_1_bn").build().apply(x);
        x = relu(name + "_1_relu", x);
        x = new ZeroPadding2D(1, 1, 1, 1, name + "_2_pad").apply(x);
        x = Conv2D.builder(filters, 3).strides(stride).useBias(false).name(name + "_2_conv").build().apply(x);
        x = bn(name + "_2_bn").build().apply(x);
        x = relu(name + "_2_relu", x);
        x = Conv2D.builder(4 * filters, 1).name(name + "_3_conv").build().apply(x);
        return new Add(name + "_out").apply(shortcut, x);
    }

    private static BatchNormalization.Builder bn(String name) {
        return BatchNormalization.builder().epsilon(EPSILON).name(name);
    }

    private static SymbolicTensor relu(String name, SymbolicTensor x) {
        return new Activation(ActivationFunction.RELU, name).apply(x);
    }

    /** The classifier or the pooling that ends a model, as Keras's {@code include_top} and {@code pooling} say. */
    static Model top(SymbolicTensor input, SymbolicTensor x, String name, Options o) {
        if (o.includeTop()) {
            if (o.classes() < 1) {
                throw new IllegalArgumentException(name + ": include_top needs classes >= 1; received " + o.classes());
            }
            x = new GlobalAveragePooling2D("avg_pool").apply(x);
            x = Dense.builder(o.classes()).activation(o.classifierActivation()).name("predictions").build().apply(x);
        } else if (o.pooling() == Pooling.AVG) {
            x = new GlobalAveragePooling2D("avg_pool").apply(x);
        } else if (o.pooling() == Pooling.MAX) {
            x = new GlobalMaxPooling2D("max_pool").apply(x);
        }
        return new Model(input, x, name);
    }

    /** Parses Keras's pooling argument ({@code None}, {@code avg}, {@code max}). */
    public static Pooling pooling(String s) {
        return s == null || s.equalsIgnoreCase("none") ? Pooling.NONE : Pooling.valueOf(s.toUpperCase(Locale.ROOT));
    }
}
