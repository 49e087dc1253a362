package org.resnet4j.layers;

import org.resnet4j.tensor.Shape;

/** What the global poolings share: {@code (N, H, W, C)} to {@code (N, C)}. */
public abstract sealed class GlobalPooling2D extends SingleInputLayer
        permits GlobalMaxPooling2D, GlobalAveragePooling2D {

    protected GlobalPooling2D(String name) {
        super(name);
    }

    @Override
    public java.util.Map<String, Object> getConfig() {
        java.util.Map<String, Object> c = super.getConfig();
        c.put("data_format", "channels_last");
        c.put("keepdims", false);
        return c;
    }

    @Override
    public Shape computeOutputShape(Shape in) {
        requireRank(in, 4, "an NHWC image batch");
        return Shape.of(in.dim(0), in.dim(3));
    }
}
