package org.resnet4j.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * Reads JPEG, PNG, BMP and GIF images as RGB pixels and resizes them, like Keras's
 * {@code load_img(path, target_size)} followed by {@code img_to_array}.
 */
public final class Images {

    /** How pixels are sampled when the size changes. */
    public enum Interpolation {
        /** The nearest source pixel: Keras's {@code load_img} default (PIL's NEAREST). */
        NEAREST,
        /**
         * Bilinear with half-pixel centres and no antialiasing: the default of Keras's
         * {@code image_dataset_from_directory} and {@code Resizing}.
         */
        BILINEAR,
        /**
         * The mean of the source pixels each target pixel covers: a clean downscale of a large
         * photo (a 3024x3024 phone picture to 64x64) without the aliasing of the two above.
         */
        AREA
    }

    private Images() {
    }

    /** The file extensions that are read as images (lower case). */
    public static boolean isImageName(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png") || n.endsWith(".bmp") || n.endsWith(".gif");
    }

    /** Decodes {@code file}; fails with a message naming the file when it is missing or not an image. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException(file + ": no such file");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DataException(file + ": not a readable image (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new DataException(file + ": not a readable image (JPEG, PNG, BMP or GIF expected)");
        }
        return img;
    }

    /**
     * Loads {@code file} as a {@code (1, height, width, 3)} tensor of raw 0-255 RGB values
     * (alpha dropped, grey expanded), resized with {@code interpolation}.
     */
    public static Tensor load(Path file, int height, int width, Interpolation interpolation) {
        return toTensor(read(file), height, width, interpolation);
    }

    /** Pixels of {@code img} resized into a {@code (1, height, width, 3)} tensor of 0-255 values. */
    public static Tensor toTensor(BufferedImage img, int height, int width, Interpolation interpolation) {
        int w = img.getWidth();
        int h = img.getHeight();
        if ((long) w * h * 3 > Integer.MAX_VALUE - 8) {
            throw new DataException("an image of " + w + "x" + h + " pixels is too large to read");
        }
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] src = new float[h * w * 3];
        for (int i = 0; i < argb.length; i++) {
            src[i * 3] = (argb[i] >> 16) & 0xff;
            src[i * 3 + 1] = (argb[i] >> 8) & 0xff;
            src[i * 3 + 2] = argb[i] & 0xff;
        }
        float[] out = resize(src, h, w, 3, height, width, interpolation);
        return new Tensor(Shape.of(1, height, width, 3), out);
    }

    /** Resizes one HWC image. */
    public static float[] resize(float[] src, int h, int w, int c, int outH, int outW, Interpolation mode) {
        if (h == outH && w == outW) {
            return src.clone();
        }
        float[] dst = new float[outH * outW * c];
        double sy = (double) h / outH;
        double sx = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int d = (y * outW + x) * c;
                switch (mode) {
                    case NEAREST -> {
                        int iy = Math.min(h - 1, (int) Math.floor((y + 0.5) * sy));
                        int ix = Math.min(w - 1, (int) Math.floor((x + 0.5) * sx));
                        System.arraycopy(src, (iy * w + ix) * c, dst, d, c);
                    }
                    case BILINEAR -> {
                        double fy = Math.max(0, (y + 0.5) * sy - 0.5);
                        double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                        int y0 = Math.min(h - 1, (int) fy);
                        int x0 = Math.min(w - 1, (int) fx);
                        int y1 = Math.min(h - 1, y0 + 1);
                        int x1 = Math.min(w - 1, x0 + 1);
                        double wy = fy - y0;
                        double wx = fx - x0;
                        for (int ch = 0; ch < c; ch++) {
                            double top = src[(y0 * w + x0) * c + ch] * (1 - wx) + src[(y0 * w + x1) * c + ch] * wx;
                            double bot = src[(y1 * w + x0) * c + ch] * (1 - wx) + src[(y1 * w + x1) * c + ch] * wx;
                            dst[d + ch] = (float) (top * (1 - wy) + bot * wy);
                        }
                    }
                    case AREA -> {
                        int ya = (int) Math.floor(y * sy);
                        int yb = Math.max(ya + 1, Math.min(h, (int) Math.ceil((y + 1) * sy)));
                        int xa = (int) Math.floor(x * sx);
                        int xb = Math.max(xa + 1, Math.min(w, (int) Math.ceil((x + 1) * sx)));
                        for (int ch = 0; ch < c; ch++) {
                            double sum = 0;
                            for (int yy = ya; yy < yb; yy++) {
                                for (int xx = xa; xx < xb; xx++) {
                                    sum += src[(yy * w + xx) * c + ch];
                                }
                            }
                            dst[d + ch] = (float) (sum / ((yb - ya) * (xb - xa)));
                        }
                    }
                }
            }
        }
        return dst;
    }
}
