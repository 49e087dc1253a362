package org.resnet4j.layers;

import java.util.List;
import org.resnet4j.tensor.Tensor;

/**
 * A layer whose last step is an {@link ActivationFunction}. A loss that knows the derivative
 * through a final softmax in closed form (cross-entropy: {@code p - y}) hands the gradient with
 * respect to the pre-activation values to {@link #backwardFromPreActivation}, which is both
 * cheaper and stable where the probabilities underflow.
 */
public interface ActivatedLayer {

    /** The activation applied last. */
    ActivationFunction activation();

    /** Backward from the gradient with respect to the values before the activation. */
    List<Tensor> backwardFromPreActivation(Tensor dz, Context ctx);
}
