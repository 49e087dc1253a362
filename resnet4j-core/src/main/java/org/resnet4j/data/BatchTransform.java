package org.resnet4j.data;

import org.resnet4j.tensor.Tensor;

/**
 * A change applied to each training batch of images (augmentation). It returns a new tensor of
 * the same shape and never touches its input; {@code seed} is different for every batch and
 * fixed by the training seed, so runs repeat exactly.
 */
@FunctionalInterface
public interface BatchTransform {

    Tensor apply(Tensor images, long seed);
}
