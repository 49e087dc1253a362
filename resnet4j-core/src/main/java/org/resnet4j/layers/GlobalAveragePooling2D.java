package org.resnet4j.layers;

import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The mean over height and width per channel, Keras's {@code GlobalAveragePooling2D}. */
public final class GlobalAveragePooling2D extends GlobalPooling2D {

    public GlobalAveragePooling2D() {
        this(null);
    }

    public GlobalAveragePooling2D(String name) {
        super(name);
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Shape s = x.shape();
        int n = s.dim(0), hw = s.dim(1) * s.dim(2), c = s.dim(3);
        Tensor y = Tensor.zeros(n, c);
        float[] xd = x.data();
        for (int b = 0; b < n; b++) {
            double[] sum = new double[c];
            for (int p = 0; p < hw; p++) {
                int base = (b * hw + p) * c;
                for (int ch = 0; ch < c; ch++) {
                    sum[ch] += xd[base + ch];
                }
            }
            for (int ch = 0; ch < c; ch++) {
                y.data()[b * c + ch] = (float) (sum[ch] / hw);
            }
        }
        ctx.save(s);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Shape s = ctx.saved(0);
        int n = s.dim(0), hw = s.dim(1) * s.dim(2), c = s.dim(3);
        Tensor dx = Tensor.zeros(s);
        float inv = 1f / hw;
        for (int b = 0; b < n; b++) {
            for (int p = 0; p < hw; p++) {
                int base = (b * hw + p) * c;
                for (int ch = 0; ch < c; ch++) {
                    dx.data()[base + ch] = dy.data()[b * c + ch] * inv;
                }
            }
        }
        return dx;
    }
}
