package org.resnet4j.layers;

import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/** The maximum over height and width per channel, Keras's {@code GlobalMaxPooling2D}. */
public final class GlobalMaxPooling2D extends GlobalPooling2D {

    public GlobalMaxPooling2D() {
        this(null);
    }

    public GlobalMaxPooling2D(String name) {
        super(name);
    }

    @Override
    public Tensor forward(Tensor x, Context ctx, boolean training) {
        Shape s = x.shape();
        int n = s.dim(0), hw = s.dim(1) * s.dim(2), c = s.dim(3);
        Tensor y = Tensor.zeros(n, c);
        int[] argmax = new int[n * c];
        float[] xd = x.data();
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int best = b * hw * c + ch;
                for (int p = 1; p < hw; p++) {
                    int i = (b * hw + p) * c + ch;
                    if (xd[i] > xd[best]) {
                        best = i;
                    }
                }
                y.data()[b * c + ch] = xd[best];
                argmax[b * c + ch] = best;
            }
        }
        ctx.save(s, argmax);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, Context ctx) {
        Shape s = ctx.saved(0);
        int[] argmax = ctx.saved(1);
        Tensor dx = Tensor.zeros(s);
        for (int i = 0; i < argmax.length; i++) {
            dx.data()[argmax[i]] += dy.data()[i];
        }
        return dx;
    }
}
