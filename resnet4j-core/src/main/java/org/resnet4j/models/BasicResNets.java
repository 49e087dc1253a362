package org.resnet4j.models;

import java.util.List;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.Add;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.MaxPooling2D;
import org.resnet4j.layers.Padding;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.ZeroPadding2D;

/**
 * ResNet-18 and ResNet-34 with basic blocks (two 3x3 convolutions), which Keras does not ship:
 * built after the original paper (He et al., 2015, "Deep Residual Learning for Image
 * Recognition", table 1): a 7x7/2 convolution, 3x3/2 max pooling, four stages of 64, 128, 256
 * and 512 filters ([2, 2, 2, 2] or [3, 4, 6, 3] blocks), the first block of stages 3 to 5
 * downsampling with stride 2 and a 1x1 projection shortcut (option B), global average pooling
 * and a softmax classifier. Convolutions followed by BatchNormalization have no bias; names
 * follow Keras's applications ({@code conv2_block1_1_conv}, ...).
 */
public final class BasicResNets {

    /** Blocks per stage. */
    public static final List<Integer> DEPTH_18 = List.of(2, 2, 2, 2);
    public static final List<Integer> DEPTH_34 = List.of(3, 4, 6, 3);

    private BasicResNets() {
    }

    public static Model resNet18(int[] inputShape, KerasApplications.Options o) {
        return build("resnet18", DEPTH_18, inputShape, o);
    }

    public static Model resNet34(int[] inputShape, KerasApplications.Options o) {
        return build("resnet34", DEPTH_34, inputShape, o);
    }

    static Model build(String name, List<Integer> depths, int[] inputShape, KerasApplications.Options o) {
        SymbolicTensor input = InputLayer.input("input_1", inputShape);
        SymbolicTensor x = new ZeroPadding2D(3, 3, 3, 3, "conv1_pad").apply(input);
        x = Conv2D.builder(64, 7).strides(2).useBias(false).name("conv1_conv").build().apply(x);
        x = bn("conv1_bn", x);
        x = new Activation(ActivationFunction.RELU, "conv1_relu").apply(x);
        x = new ZeroPadding2D(1, 1, 1, 1, "pool1_pad").apply(x);
        x = new MaxPooling2D(3, 3, 2, 2, Padding.VALID, "pool1_pool").apply(x);
        int[] filters = {64, 128, 256, 512};
        for (int s = 0; s < depths.size(); s++) {
            for (int b = 1; b <= depths.get(s); b++) {
                int stride = s > 0 && b == 1 ? 2 : 1;
                x = basicBlock(x, filters[s], stride, "conv" + (s + 2) + "_block" + b);
            }
        }
        return KerasApplications.top(input, x, name, o);
    }

    /** Two 3x3 convolutions and the shortcut: a projection when the shape changes, else the input. */
    private static SymbolicTensor basicBlock(SymbolicTensor x, int filters, int stride, String name) {
        SymbolicTensor shortcut = x;
        if (stride != 1 || x.shape().dim(-1) != filters) {
            shortcut = Conv2D.builder(filters, 1).strides(stride).useBias(false).name(name + "_0_conv").build().apply(x);
            shortcut = bn(name + "_0_bn", shortcut);
        }
        x = Conv2D.builder(filters, 3).strides(stride).padding(Padding.SAME).useBias(false).name(name + "_1_conv")
                .build().apply(x);
        x = bn(name + "_1_bn", x);
        x = new Activation(ActivationFunction.RELU, name + "_1_relu").apply(x);
        x = Conv2D.builder(filters, 3).padding(Padding.SAME).useBias(false).name(name + "_2_conv").build().apply(x);
        x = bn(name + "_2_bn", x);
        x = new Add(name + "_add").apply(shortcut, x);
        return new Activation(ActivationFunction.RELU, name + "_out").apply(x);
    }

    private static SymbolicTensor bn(String name, SymbolicTensor x) {
        return BatchNormalization.builder().epsilon(KerasApplications.EPSILON).name(name).build().apply(x);
    }
}
