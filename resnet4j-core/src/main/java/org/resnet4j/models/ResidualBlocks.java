package org.resnet4j.models;

import java.util.function.LongFunction;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.initializers.GlorotUniform;
import org.resnet4j.layers.initializers.Initializer;
import org.resnet4j.layers.initializers.RandomUniform;

/**
 * The two bottleneck blocks of ResNet-50 (He et al., 2015, "Deep Residual Learning for Image
 * Recognition", figure 5), exactly as the residual-networks notebook builds them.
 *
 * <p>Both take an {@code initializer} the way the notebook does: a function from a seed to an
 * initializer, called with seed 0 for every convolution ({@code GlorotUniform::new},
 * {@code RandomUniform::new}, or {@code seed -> new Constant(1)}).
 *
 * <p>Layer names: with a {@code prefix} such as {@code conv2_block1}, layers are named as Keras's
 * applications name them ({@code conv2_block1_1_conv}, {@code _1_bn}, {@code _1_relu}, ...,
 * {@code _0_conv} for the shortcut, {@code _add}, {@code _out}); without one, Keras's default
 * names ({@code conv2d_3}, ...).
 */
public final class ResidualBlocks {

    /** Keras's BatchNormalization epsilon. */
    public static final double DEFAULT_EPSILON = 1e-3;

    private ResidualBlocks() {
    }

    /** The notebook's default initializer for identity blocks: {@code random_uniform(seed)}. */
    public static final LongFunction<Initializer> RANDOM_UNIFORM = RandomUniform::new;

    /** The notebook's default initializer for convolutional blocks: {@code glorot_uniform(seed)}. */
    public static final LongFunction<Initializer> GLOROT_UNIFORM = GlorotUniform::new;

    /** {@link #identityBlock(SymbolicTensor, int, int[], LongFunction, String)} with default names. */
    public static SymbolicTensor identityBlock(SymbolicTensor x, int f, int[] filters,
                                               LongFunction<Initializer> initializer) {
        return identityBlock(x, f, filters, initializer, null);
    }

    /**
     * The identity block: the shortcut is the input itself, so input and output shapes agree.
     * Main path: 1x1 conv (F1, valid), BN, ReLU; f x f conv (F2, same), BN, ReLU; 1x1 conv (F3,
     * valid), BN; then add the shortcut and apply ReLU. Needs {@code F3} equal to the input channels.
     *
     * @param x           input {@code (N, H, W, C)}
     * @param f           the middle convolution's window
     * @param filters     {@code [F1, F2, F3]}
     * @param initializer seed to kernel initializer (called with 0)
     * @param prefix      a Keras-applications name prefix such as {@code conv2_block2}, or null
     * @return output {@code (N, H, W, F3)}
     */
    public static SymbolicTensor identityBlock(SymbolicTensor x, int f, int[] filters,
                                               LongFunction<Initializer> initializer, String prefix) {
        return identityBlock(x, f, filters, initializer, prefix, DEFAULT_EPSILON);
    }

    /**
     * {@link #identityBlock(SymbolicTensor, int, int[], LongFunction, String)} with a
     * BatchNormalization epsilon other than Keras's 1e-3.
     */
    public static SymbolicTensor identityBlock(SymbolicTensor x, int f, int[] filters,
                                               LongFunction<Initializer> initializer, String prefix, double bnEpsilon) {
        requireThree(filters);
        SymbolicTensor shortcut = x;
        x = convBnRelu(x, filters[0], 1, 1, Padding.VALID, initializer, prefix, 1, true, bnEpsilon);
        x = convBnRelu(x, filters[1], f, 1, Padding.SAME, initializer, prefix, 2, true, bnEpsilon);
        x = convBnRelu(x, filters[2], 1, 1, Padding.VALID, initializer, prefix, 3, false, bnEpsilon);
        x = new Add(name(prefix, "add")).apply(x, shortcut);
        return new Activation(ActivationFunction.RELU, name(prefix, "out")).apply(x);
    }

    /** {@link #convolutionalBlock(SymbolicTensor, int, int[], int, LongFunction, String)} with default names. */
    public static SymbolicTensor convolutionalBlock(SymbolicTensor x, int f, int[] filters, int s,
                                                    LongFunction<Initializer> initializer) {
        return convolutionalBlock(x, f, filters, s, initializer, null);
    }

    /**
     * The convolutional block: like the identity block, but the first 1x1 convolution has stride
     * {@code s} and the shortcut is a 1x1 convolution (F3 filters, stride {@code s}, valid)
     * followed by BN, so input and output shapes may differ.
     *
     * @return output {@code (N, ceil-ish H/s, W/s, F3)}: a 1x1 valid convolution of stride s gives
     *         {@code floor((H - 1) / s) + 1}
     */
    public static SymbolicTensor convolutionalBlock(SymbolicTensor x, int f, int[] filters, int s,
                                                    LongFunction<Initializer> initializer, String prefix) {
        requireThree(filters);
        SymbolicTensor shortcut = x;
        x = convBnRelu(x, filters[0], 1, s, Padding.VALID, initializer, prefix, 1, true, DEFAULT_EPSILON);
        x = convBnRelu(x, filters[1], f, 1, Padding.SAME, initializer, prefix, 2, true, DEFAULT_EPSILON);
        x = convBnRelu(x, filters[2], 1, 1, Padding.VALID, initializer, prefix, 3, false, DEFAULT_EPSILON);
        shortcut = convBnRelu(shortcut, filters[2], 1, s, Padding.VALID, initializer, prefix, 0, false,
                DEFAULT_EPSILON);
        x = new Add(name(prefix, "add")).apply(x, shortcut);
        return new Activation(ActivationFunction.RELU, name(prefix, "out")).apply(x);
    }

    /** Conv, BN and (optionally) ReLU: one component of a block's path. */
    private static SymbolicTensor convBnRelu(SymbolicTensor x, int filters, int kernel, int stride, Padding padding,
                                             LongFunction<Initializer> init, String prefix, int index, boolean relu,
                                             double bnEpsilon) {
        x = Conv2D.builder(filters, kernel).strides(stride).padding(padding).kernelInitializer(init.apply(0))
                .name(name(prefix, index + "_conv")).build().apply(x);
        x = BatchNormalization.builder().epsilon(bnEpsilon).name(name(prefix, index + "_bn")).build().apply(x);
        return relu ? new Activation(ActivationFunction.RELU, name(prefix, index + "_relu")).apply(x) : x;
    }

    private static String name(String prefix, String suffix) {
        return prefix == null ? null : prefix + "_" + suffix;
    }

    private static void requireThree(int[] filters) {
        if (filters == null || filters.length != 3) {
            throw new IllegalArgumentException("filters must be [F1, F2, F3]; received "
                    + (filters == null ? "null" : java.util.Arrays.toString(filters)));
        }
    }
}
