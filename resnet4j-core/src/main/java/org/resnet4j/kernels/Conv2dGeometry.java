package org.resnet4j.kernels;

/**
 * Everything a 2-D convolution kernel needs to know about its operands, NHWC.
 *
 * <p>Input {@code (batch, inH, inW, inC)}, kernel {@code (kH, kW, inC, outC)} (Keras's layout),
 * output {@code (batch, outH, outW, outC)}. The input is conceptually padded with
 * {@code padTop}/{@code padLeft} zeros before and as many after as the output size needs.
 */
public record Conv2dGeometry(int batch, int inH, int inW, int inC,
                             int kH, int kW, int outC,
                             int strideH, int strideW,
                             int padTop, int padLeft,
                             int outH, int outW) {

    /** Rows of the im2col matrix: one per output pixel. */
    public int patchRows() {
        return batch * outH * outW;
    }

    /** Columns of the im2col matrix: one per kernel tap and input channel. */
    public int patchCols() {
        return kH * kW * inC;
    }

    /** True when the input itself is the im2col matrix (1x1 kernel, stride 1, no padding). */
    public boolean isPointwise() {
        return kH == 1 && kW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
                && outH == inH && outW == inW;
    }

    public int inputSize() {
        return batch * inH * inW * inC;
    }

    public int outputSize() {
        return batch * outH * outW * outC;
    }

    public int kernelSize() {
        return kH * kW * inC * outC;
    }

    /** Floating-point operations of the forward pass (a multiply-add counts 2). */
    public long forwardFlops() {
        return 2L * patchRows() * patchCols() * outC;
    }
}
