package org.resnet4j.layers;

import java.util.List;
import java.util.Map;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Adds rows and columns of zeros around NHWC images, Keras's {@code ZeroPadding2D}:
 * {@code ((top, bottom), (left, right))}. Output {@code (N, H + top + bottom, W + left + right, C)}.
 */
public final class ZeroPadding2D extends SingleInputLayer {

    private final int top;
    private final int bottom;
    private final int left;
    private final int right;

    /** The same padding on every side, Keras's {@code ZeroPadding2D(p)}. */
    public ZeroPadding2D(int padding) {
        this(padding, padding, padding, padding, null);
    }

    /** Symmetric padding, Keras's {@code ZeroPadding2D((ph, pw))}. */
    public ZeroPadding2D(int padH, int padW) {
        this(padH, padH, padW, padW, null);
    }

    /** Keras's {@code ZeroPadding2D(((top, bottom), (left, right)))}. */
    public ZeroPadding2D(int top, int bottom, int left, int right, String name) {
        super(name);
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw error("padding must not be negative", "values >= 0",
                    "((" + top + "," + bottom + "),(" + left + "," + right + "))");
        }
        this.top = top;
        this.bottom = bottom;
        this.left = left;
        this.right = right;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        requireRank(in, 4, "an NHWC image batch");
        return Shape.of(in.dim(0), in.dim(1) + top + bottom, in.dim(2) + left + right, in.dim(3));
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Shape s = x.shape();
        int n = s.dim(0), h = s.dim(1), w = s.dim(2), c = s.dim(3);
        int oh = h + top + bottom, ow = w + left + right;
        Tensor y = Tensor.zeros(n, oh, ow, c);
        float[] src = x.data();
        float[] dst = y.data();
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < h; i++) {
                System.arraycopy(src, ((b * h + i) * w) * c, dst, ((b * oh + i + top) * ow + left) * c, w * c);
            }
        }
        ctx.save(s);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Shape s = ctx.saved(0);
        int n = s.dim(0), h = s.dim(1), w = s.dim(2), c = s.dim(3);
        int oh = h + top + bottom, ow = w + left + right;
        Tensor dx = Tensor.zeros(s);
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < h; i++) {
                System.arraycopy(dy.data(), ((b * oh + i + top) * ow + left) * c, dx.data(), ((b * h + i) * w) * c, w * c);
            }
        }
        return dx;
    }

    @Override
    public Map<String, Object> getConfig() {
        Map<String, Object> c = super.getConfig();
        c.put("padding", List.of(List.of(top, bottom), List.of(left, right)));
        c.put("data_format", "channels_last");
        return c;
    }

    @Override
    public List<String> summaryExtras() {
        return List.of("((" + top + "," + bottom + "),(" + left + "," + right + "))");
    }
}
