package org.resnet4j.peer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/**
 * The notebook's ResNet-50 in DJL's blocks (NCHW, PyTorch underneath), layer for layer the
 * network {@code org.resnet4j.models.ResNet50} builds: the same convolutions, strides and
 * paddings (TensorFlow's asymmetric 'same' is symmetric for the 3x3 stride-1 convolutions used
 * here), BatchNormalization, the shortcut additions, 2x2 average pooling and a 6-way classifier
 * (whose softmax the loss applies).
 */
final class DjlResNet50 {

    private DjlResNet50() {
    }

    static Block build(int classes) {
        SequentialBlock net = new SequentialBlock();
        net.add(conv(64, 7, 2, 3));
        net.add(BatchNorm.builder().build());
        net.add(Activation.reluBlock());
        net.add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2)));
        int[][] stages = {{64, 64, 256, 3, 1}, {128, 128, 512, 4, 2}, {256, 256, 1024, 6, 2}, {512, 512, 2048, 3, 2}};
        for (int[] s : stages) {
            net.add(block(s[0], s[1], s[2], s[4], true));
            for (int b = 1; b < s[3]; b++) {
                net.add(block(s[0], s[1], s[2], 1, false));
            }
        }
        net.add(Pool.avgPool2dBlock(new Shape(2, 2)));
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(classes).build());
        return net;
    }

    private static Block conv(int filters, int k, int stride, int pad) {
        return Conv2d.builder().setFilters(filters).setKernelShape(new Shape(k, k)).optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad)).build();
    }

    /** A bottleneck: 1x1 (stride s), 3x3, 1x1, each with BN, joined to the shortcut and passed through ReLU. */
    private static Block block(int f1, int f2, int f3, int stride, boolean projection) {
        SequentialBlock main = new SequentialBlock();
        main.add(conv(f1, 1, stride, 0)).add(BatchNorm.builder().build()).add(Activation.reluBlock());
        main.add(conv(f2, 3, 1, 1)).add(BatchNorm.builder().build()).add(Activation.reluBlock());
        main.add(conv(f3, 1, 1, 0)).add(BatchNorm.builder().build());
        SequentialBlock shortcut = new SequentialBlock();
        if (projection) {
            shortcut.add(conv(f3, 1, stride, 0)).add(BatchNorm.builder().build());
        } else {
            shortcut.add(Blocks.identityBlock());
        }
        ParallelBlock join = new ParallelBlock(outs -> {
            NDArray sum = outs.get(0).singletonOrThrow().add(outs.get(1).singletonOrThrow());
            return new NDList(sum);
        }, List.of(main, shortcut));
        return new SequentialBlock().add(join).add(Activation.reluBlock());
    }
}
