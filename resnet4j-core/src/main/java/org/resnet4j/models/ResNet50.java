package org.resnet4j.models;

import java.util.List;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Activation;
import org.resnet4j.layers.ActivationFunction;
import org.resnet4j.layers.AveragePooling2D;
import org.resnet4j.layers.BatchNormalization;
import org.resnet4j.layers.Conv2D;
import org.resnet4j.layers.Dense;
import org.resnet4j.layers.Flatten;
import org.resnet4j.layers.InputLayer;
import org.resnet4j.layers.MaxPooling2D;
import org.resnet4j.layers.SymbolicTensor;
import org.resnet4j.layers.ZeroPadding2D;
import org.resnet4j.layers.initializers.GlorotUniform;

/**
 * The residual-networks notebook's ResNet-50 (He et al., 2015): zero padding 3, a 7x7/2
 * convolution with 64 filters, BN, ReLU, 3x3/2 max pooling, four stages of bottleneck blocks, 2x2
 * average pooling, flatten and a softmax classifier. For a 64x64x3 input and 6 classes it has
 * 23,600,006 parameters.
 */
public final class ResNet50 {

    /** One stage: its bottleneck filters, its number of blocks and its first block's stride. */
    public record Stage(int[] filters, int blocks, int stride) {
    }

    /** The depth table of ResNet-50: 3, 4, 6 and 3 blocks. */
    public static final List<Stage> STAGES = List.of(
            new Stage(new int[] {64, 64, 256}, 3, 1),
            new Stage(new int[] {128, 128, 512}, 4, 2),
            new Stage(new int[] {256, 256, 1024}, 6, 2),
            new Stage(new int[] {512, 512, 2048}, 3, 2));

    private ResNet50() {
    }

    /**
     * Builds the notebook's {@code ResNet50(input_shape, classes)}.
     *
     * @param inputShape {@code (H, W, C)}; the notebook uses {@code (64, 64, 3)}
     * @param classes    number of output classes
     */
    public static Model build(int[] inputShape, int classes) {
        if (inputShape.length != 3) {
            throw new IllegalArgumentException("ResNet50 input shape must be (height, width, channels); received "
                    + java.util.Arrays.toString(inputShape));
        }
        if (classes <= 0) {
            throw new IllegalArgumentException("ResNet50 needs at least one class; received " + classes);
        }
        SymbolicTensor input = InputLayer.input("input_1", inputShape);
        SymbolicTensor x = new ZeroPadding2D(3, 3, 3, 3, "conv1_pad").apply(input);
        x = Conv2D.builder(64, 7).strides(2).kernelInitializer(new GlorotUniform(0)).name("conv1_conv").build().apply(x);
        x = new BatchNormalization("conv1_bn").apply(x);
        x = new Activation(ActivationFunction.RELU, "conv1_relu").apply(x);
        x = new MaxPooling2D(3, 2, "pool1_pool").apply(x);
        for (int s = 0; s < STAGES.size(); s++) {
            Stage stage = STAGES.get(s);
            String stageName = "conv" + (s + 2);
            x = ResidualBlocks.convolutionalBlock(x, 3, stage.filters(), stage.stride(),
                    ResidualBlocks.GLOROT_UNIFORM, stageName + "_block1");
            for (int b = 2; b <= stage.blocks(); b++) {
                x = ResidualBlocks.identityBlock(x, 3, stage.filters(), ResidualBlocks.RANDOM_UNIFORM,
                        stageName + "_block" + b);
            }
        }
        x = new AveragePooling2D(2, "avg_pool").apply(x);
        x = new Flatten("flatten").apply(x);
        x = Dense.builder(classes).activation(ActivationFunction.SOFTMAX).kernelInitializer(new GlorotUniform(0))
                .name("predictions").build().apply(x);
        return new Model(input, x, "ResNet50");
    }
}
