package org.resnet4j.kernels;

/**
 * A 2-D pooling window over an NHWC tensor: input {@code (batch, inH, inW, channels)}, output
 * {@code (batch, outH, outW, channels)}, window {@code poolH x poolW} moved by the strides, input
 * conceptually padded with {@code padTop}/{@code padLeft} before. Padded positions never take part:
 * max pooling ignores them and average pooling divides by the count of real positions, as
 * TensorFlow does for {@code padding='same'}.
 */
public record Pool2dGeometry(int batch, int inH, int inW, int channels,
                             int poolH, int poolW, int strideH, int strideW,
                             int padTop, int padLeft, int outH, int outW) {

    public int inputSize() {
        return batch * inH * inW * channels;
    }

    public int outputSize() {
        return batch * outH * outW * channels;
    }

    /** The first input row inside the image of output row {@code oh}'s window. */
    public int windowTop(int oh) {
        return Math.max(0, oh * strideH - padTop);
    }

    /** One past the last input row inside the image of output row {@code oh}'s window. */
    public int windowBottom(int oh) {
        return Math.min(inH, oh * strideH - padTop + poolH);
    }

    /** The first input column inside the image of output column {@code ow}'s window. */
    public int windowLeft(int ow) {
        return Math.max(0, ow * strideW - padLeft);
    }

    /** One past the last input column inside the image of output column {@code ow}'s window. */
    public int windowRight(int ow) {
        return Math.min(inW, ow * strideW - padLeft + poolW);
    }
}
