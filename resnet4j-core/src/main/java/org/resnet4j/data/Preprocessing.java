package org.resnet4j.data;

import org.resnet4j.tensor.Tensor;

/**
 * How pixels are scaled before they reach a model, the modes of Keras's
 * {@code preprocess_input}. Images in this library load as RGB in [0, 1] (raw / 255), so each
 * mode is applied to that scale.
 */
public enum Preprocessing {
    /** Raw 0-255 RGB values. */
    NONE("none"),
    /** RGB divided by 255, to [0, 1]: the notebook's way, and the default. */
    UNIT("unit"),
    /** Keras {@code caffe}: RGB to BGR, then minus the ImageNet means (103.939, 116.779, 123.68) on 0-255. */
    CAFFE("caffe"),
    /** Keras {@code tf}: scaled to [-1, 1]. */
    TF("tf"),
    /** Keras {@code torch}: [0, 1], minus means (0.485, 0.456, 0.406), divided by deviations (0.229, 0.224, 0.225). */
    TORCH("torch");

    private static final float[] CAFFE_MEAN_BGR = {103.939f, 116.779f, 123.68f};
    private static final float[] TORCH_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] TORCH_STD = {0.229f, 0.224f, 0.225f};

    private final String id;

    Preprocessing(String id) {
        this.id = id;
    }

    /** The name used on the command line and in saved models. */
    public String id() {
        return id;
    }

    /** Parses {@link #id()}. */
    public static Preprocessing of(String id) {
        for (Preprocessing p : values()) {
            if (p.id.equalsIgnoreCase(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("Unknown preprocessing '" + id + "'. Expected one of: none, unit, caffe, tf, torch");
    }

    /** A new tensor with this mode applied to NHWC RGB images in [0, 1]. */
    public Tensor apply(Tensor unitImages) {
        float[] x = unitImages.data();
        float[] y = new float[unitImages.size()];
        int c = unitImages.shape().dim(-1);
        if (c != 3 && (this == CAFFE || this == TORCH)) {
            throw new IllegalArgumentException("Preprocessing '" + id + "' needs RGB images (3 channels); received "
                    + unitImages.shape());
        }
        for (int i = 0; i < y.length; i++) {
            int ch = i % c;
            y[i] = switch (this) {
                case NONE -> x[i] * 255f;
                case UNIT -> x[i];
                case TF -> x[i] * 2f - 1f;
                case TORCH -> (x[i] - TORCH_MEAN[ch]) / TORCH_STD[ch];
                // The BGR channel j is the RGB channel 2 - j of the same pixel.
                case CAFFE -> x[i - ch + (2 - ch)] * 255f - CAFFE_MEAN_BGR[ch];
            };
        }
        return new Tensor(unitImages.shape(), y);
    }
}
