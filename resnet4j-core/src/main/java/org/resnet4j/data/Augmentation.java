package org.resnet4j.data;

import java.util.SplittableRandom;
import org.resnet4j.tensor.Tensor;

/**
 * Random image augmentation as Keras's preprocessing layers define it, applied to training
 * batches only ({@link org.resnet4j.train.FitOptions#augmentation}):
 *
 * <ul>
 *   <li>{@code RandomFlip("horizontal")}: mirror left-right with probability 1/2;</li>
 *   <li>{@code RandomRotation(f)}: rotate by an angle uniform in {@code [-f, f] * 2 pi};</li>
 *   <li>{@code RandomTranslation(h, w)}: shift by a fraction uniform in {@code [-h, h]} of the
 *   height and {@code [-w, w]} of the width;</li>
 *   <li>{@code RandomZoom(f)}: scale the sampling grid by a factor uniform in {@code [1 - f, 1 + f]}
 *   (above 1 zooms out, as in Keras);</li>
 *   <li>{@code RandomBrightness(f)}: add a delta uniform in {@code [-f, f]} times the value range;</li>
 *   <li>{@code RandomContrast(f)}: {@code (x - mean) * c + mean} per channel with {@code c} uniform in
 *   {@code [1 - f, 1 + f]}.</li>
 * </ul>
 *
 * The geometric steps are composed into one affine map about the image centre and sampled once,
 * bilinearly, with Keras's default {@code reflect} fill ({@code d c b a | a b c d | d c b a});
 * resampling once rather than once per step keeps the picture sharper and the step cheap.
 * Values are clipped to {@code [0, 1]}, the range of the images this library loads.
 */
public final class Augmentation implements BatchTransform {

    private boolean flip;
    private double rotation;
    private double translateH;
    private double translateW;
    private double zoom;
    private double brightness;
    private double contrast;

    /** No augmentation; add steps with the builder methods. */
    public Augmentation() {
    }

    /** A sensible default for hand signs and similar photos. */
    public static Augmentation defaults() {
        return new Augmentation().flipHorizontal().rotation(0.05).translation(0.1, 0.1).zoom(0.1)
                .brightness(0.1).contrast(0.1);
    }

    public Augmentation flipHorizontal() {
        this.flip = true;
        return this;
    }

    public Augmentation rotation(double factor) {
        this.rotation = requireFactor("rotation", factor);
        return this;
    }

    public Augmentation translation(double heightFactor, double widthFactor) {
        this.translateH = requireFactor("translation", heightFactor);
        this.translateW = requireFactor("translation", widthFactor);
        return this;
    }

    public Augmentation zoom(double factor) {
        this.zoom = requireFactor("zoom", factor);
        return this;
    }

    public Augmentation brightness(double factor) {
        this.brightness = requireFactor("brightness", factor);
        return this;
    }

    public Augmentation contrast(double factor) {
        this.contrast = requireFactor("contrast", factor);
        return this;
    }

    private static double requireFactor(String what, double f) {
        if (!(f >= 0 && f < 1)) {
            throw new IllegalArgumentException("Augmentation: " + what + " factor must be in [0, 1); received " + f);
        }
        return f;
    }

    @Override
    public Tensor apply(Tensor images, long seed) {
        int n = images.shape().dim(0), h = images.shape().dim(1), w = images.shape().dim(2), c = images.shape().dim(3);
        int per = h * w * c;
        float[] out = new float[images.size()];
        for (int b = 0; b < n; b++) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + b);
            // Inverse map: for an output pixel, where to sample in the input (about the centre).
            double angle = rotation == 0 ? 0 : r.nextDouble(-rotation, rotation) * 2 * Math.PI;
            double zy = zoom == 0 ? 1 : 1 + r.nextDouble(-zoom, zoom);
            double zx = zy;
            double ty = translateH == 0 ? 0 : r.nextDouble(-translateH, translateH) * h;
            double tx = translateW == 0 ? 0 : r.nextDouble(-translateW, translateW) * w;
            boolean mirror = flip && r.nextBoolean();
            double cos = Math.cos(angle), sin = Math.sin(angle);
            double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
            int base = b * per;
            boolean identity = angle == 0 && zy == 1 && ty == 0 && tx == 0 && !mirror;
            if (identity) {
                System.arraycopy(images.data(), base, out, base, per);
            } else {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        double dx = (mirror ? (w - 1 - x) : x) - cx - tx;
                        double dy = y - cy - ty;
                        double sx = (cos * dx + sin * dy) * zx + cx;
                        double sy = (-sin * dx + cos * dy) * zy + cy;
                        sample(images.data(), base, h, w, c, sy, sx, out, base + (y * w + x) * c);
                    }
                }
            }
            double delta = brightness == 0 ? 0 : r.nextDouble(-brightness, brightness);
            double factor = contrast == 0 ? 1 : r.nextDouble(1 - contrast, 1 + contrast);
            if (delta != 0 || factor != 1) {
                for (int ch = 0; ch < c; ch++) {
                    double mean = 0;
                    for (int p = 0; p < h * w; p++) {
                        mean += out[base + p * c + ch];
                    }
                    mean /= h * w;
                    for (int p = 0; p < h * w; p++) {
                        int i = base + p * c + ch;
                        double v = (out[i] - mean) * factor + mean + delta;
                        out[i] = (float) Math.min(1, Math.max(0, v));
                    }
                }
            }
        }
        return new Tensor(images.shape(), out);
    }

    /** Bilinear sample at (sy, sx) with reflect fill, all channels. */
    private static void sample(float[] src, int base, int h, int w, int c, double sy, double sx, float[] dst, int d) {
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        double wy = sy - y0;
        double wx = sx - x0;
        int ya = reflect(y0, h), yb = reflect(y0 + 1, h);
        int xa = reflect(x0, w), xb = reflect(x0 + 1, w);
        for (int ch = 0; ch < c; ch++) {
            double top = src[base + (ya * w + xa) * c + ch] * (1 - wx) + src[base + (ya * w + xb) * c + ch] * wx;
            double bot = src[base + (yb * w + xa) * c + ch] * (1 - wx) + src[base + (yb * w + xb) * c + ch] * wx;
            dst[d + ch] = (float) (top * (1 - wy) + bot * wy);
        }
    }

    /** Keras's {@code reflect}: {@code d c b a | a b c d | d c b a}. */
    static int reflect(int i, int n) {
        int period = 2 * n;
        int m = Math.floorMod(i, period);
        return m < n ? m : period - 1 - m;
    }
}
