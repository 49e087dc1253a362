package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.kernels.Kernels;
import org.resnet4j.tensor.Tensor;

/**
 * Runs of layers that a prediction computes in one pass over memory instead of one per layer:
 * <ul>
 *   <li>a {@link Conv2D} without activation, the {@link BatchNormalization} that alone reads its
 *       output, and optionally a ReLU ({@link Activation} or {@link ReLU}) that alone reads that:
 *       the bias, the normalization with the moving statistics and the ReLU are applied to the
 *       convolution's output as it stands ({@link Kernels#biasAffineRelu});</li>
 *   <li>an {@link Add} of two tensors and a ReLU that alone reads the sum ({@link Kernels#addRelu}).</li>
 * </ul>
 * Each element goes through the same operations in the same order as layer by layer, so the
 * results are the same bit for bit. Only outside training: BatchNormalization's batch
 * statistics, and the values backward needs, rule it out there.
 */
public final class InferenceFusion {

    private InferenceFusion() {
    }

    /**
     * Whether the call {@code next}, which alone reads the output of {@code last}, can be computed
     * in the same pass as the call {@code head} ({@code last} being {@code head} or a call it
     * already absorbed).
     */
    public static boolean absorbs(Node head, Node last, Node next) {
        if (next.inputs().size() != 1) {
            return false;
        }
        if (head.layer() instanceof Conv2D conv && conv.activation() == ActivationFunction.LINEAR) {
            return last == head ? next.layer() instanceof BatchNormalization
                    : last.layer() instanceof BatchNormalization && isRelu(next.layer());
        }
        return head.layer() instanceof Add && head.inputs().size() == 2 && last == head && isRelu(next.layer());
    }

    private static boolean isRelu(Layer layer) {
        return layer instanceof FunctionLayer f && f.activation() == ActivationFunction.RELU;
    }

    /**
     * The output of the last of {@code absorbed} for the inputs of {@code head}: the calls in
     * order, each reading the one before, as {@link #absorbs} allowed them. {@code ctx} is
     * {@code head}'s (which inputs it may write over).
     */
    public static Tensor forward(Node head, List<Node> absorbed, List<Tensor> inputs, Context ctx) {
        boolean relu = isRelu(absorbed.get(absorbed.size() - 1).layer());
        Kernels k = Kernels.get();
        if (head.layer() instanceof Conv2D conv) {
            Tensor y = conv.convolve(inputs.get(0));
            float[][] f = ((BatchNormalization) absorbed.get(0).layer()).inferenceFactors();
            int channels = conv.filters();
            k.biasAffineRelu(y.data(), y.size() / channels, channels,
                    conv.bias() == null ? null : conv.bias().value().data(), f[0], f[1], relu, y.data());
            return y;
        }
        ((Add) head.layer()).checkShapes(inputs);
        Tensor y = ctx.inputWritable(0) ? inputs.get(0)
                : ctx.inputWritable(1) ? inputs.get(1) : Tensor.uninitialized(inputs.get(0).shape());
        k.addRelu(inputs.get(0).data(), inputs.get(1).data(), y.data(), y.size());
        return y;
    }
}
