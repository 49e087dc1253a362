package org.resnet4j.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.resnet4j.tensor.Shape;
import org.resnet4j.tensor.Tensor;

/**
 * A built-in stand-in for the SIGNS data: 64x64 RGB pictures of a hand showing 0 to 5 raised
 * fingers (the class), drawn from a seed. Position, size, rotation, mirroring, finger spread and
 * length, skin tone, background colours, clutter, lighting and noise all vary, and backgrounds
 * may take skin colours, so no pixel or colour gives the class away: a network has to learn
 * the shapes. Like SIGNS: 1080 training and 120 test images, classes balanced, pixels in [0, 1].
 *
 * <p>Image {@code i} of a set depends only on the seed and {@code i}, so sets are identical on
 * every run and machine with the same JDK, and are drawn in parallel.
 */
public final class SyntheticSigns {

    /** Image side, as in SIGNS. */
    public static final int SIZE = 64;
    /** Classes: 0 to 5 raised fingers. */
    public static final int CLASSES = 6;

    private SyntheticSigns() {
    }

    /** 1080 training images from {@code seed}. */
    public static Dataset trainSet(long seed) {
        return generate(1080, seed * 2 + 1);
    }

    /** 120 test images from {@code seed}, disjoint in their random draws from the training set. */
    public static Dataset testSet(long seed) {
        return generate(120, seed * 2 + 2);
    }

    /** {@code count} images, classes in rotation (balanced), drawn from {@code seed}. */
    public static Dataset generate(int count, long seed) {
        int per = SIZE * SIZE * 3;
        float[] data = new float[count * per];
        int[] labels = new int[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            int label = i % CLASSES;
            labels[i] = label;
            BufferedImage img = draw(label, r);
            int[] argb = img.getRGB(0, 0, SIZE, SIZE, null, 0, SIZE);
            double noise = r.nextDouble() * 6;
            for (int p = 0; p < argb.length; p++) {
                for (int ch = 0; ch < 3; ch++) {
                    double v = (argb[p] >> (16 - 8 * ch)) & 0xff;
                    v += noise * r.nextGaussian();
                    data[i * per + p * 3 + ch] = (float) (Math.min(255, Math.max(0, v)) / 255.0);
                }
            }
        });
        List<String> names = new ArrayList<>();
        for (int c = 0; c < CLASSES; c++) {
            names.add(Integer.toString(c));
        }
        return new Dataset(new Tensor(Shape.of(count, SIZE, SIZE, 3), data), labels, names);
    }

    /** A light, weakly saturated colour of any hue. */
    private static Color pale(SplittableRandom r) {
        return Color.getHSBColor((float) r.nextDouble(), (float) r.nextDouble(0, 0.35), (float) r.nextDouble(0.6, 1.0));
    }

    /** A skin tone between a light and a dark one, with some hue jitter. */
    private static Color skin(SplittableRandom r) {
        double t = r.nextDouble();
        int red = (int) (250 - t * 160 + r.nextInt(-12, 13));
        int green = (int) (215 - t * 155 + r.nextInt(-12, 13));
        int blue = (int) (185 - t * 145 + r.nextInt(-12, 13));
        return new Color(clamp(red), clamp(green), clamp(blue));
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static BufferedImage draw(int fingers, SplittableRandom r) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Color skin = skin(r);
        // Background: a gentle gradient between two pale colours of any hue, like a wall
        // behind a hand, and sometimes skin-coloured so that colour alone tells nothing.
        Color bg1 = r.nextInt(6) == 0 ? skin(r) : pale(r);
        Color bg2 = pale(r);
        g.setPaint(new GradientPaint(r.nextInt(SIZE), 0, bg1, r.nextInt(SIZE), SIZE, bg2));
        g.fillRect(0, 0, SIZE, SIZE);
        // Clutter, now and then: a blob or a bar that is not a hand.
        if (r.nextInt(3) == 0) {
            g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256), 40 + r.nextInt(80)));
            if (r.nextBoolean()) {
                g.fill(new Ellipse2D.Double(r.nextInt(-8, SIZE), r.nextInt(-8, SIZE), 6 + r.nextInt(16), 6 + r.nextInt(16)));
            } else {
                g.fillRect(r.nextInt(-8, SIZE), r.nextInt(-8, SIZE), 3 + r.nextInt(24), 3 + r.nextInt(6));
            }
        }
        AffineTransform at = new AffineTransform();
        at.translate(SIZE / 2.0 + r.nextDouble(-6, 6), SIZE / 2.0 + r.nextDouble(-2, 8));
        at.rotate(Math.toRadians(r.nextDouble(-25, 25)));
        double scale = r.nextDouble(1.1, 1.45);
        at.scale(r.nextBoolean() ? scale : -scale, scale); // left or right hand
        g.setTransform(at);
        Color edge = skin.darker();
        g.setStroke(new BasicStroke(0.8f));
        // Which fingers are up: index, middle, ring, little, then the thumb for five.
        boolean[] up = new boolean[5];
        for (int f = 0; f < Math.min(fingers, 4); f++) {
            up[f] = true;
        }
        up[4] = fingers == 5;
        double[] fingerX = {-6.6, -2.2, 2.2, 6.6};
        double[] fingerLen = {16, 18, 16.5, 13};
        for (int f = 0; f < 4; f++) {
            double len = up[f] ? fingerLen[f] * r.nextDouble(0.85, 1.12) : r.nextDouble(3, 5);
            double spread = up[f] ? Math.toRadians((f - 1.5) * r.nextDouble(2, 7)) : 0;
            AffineTransform keep = g.getTransform();
            g.translate(fingerX[f], -6);
            g.rotate(spread);
            RoundRectangle2D finger = new RoundRectangle2D.Double(-2.1, -len, 4.2, len + 4, 4, 4);
            g.setColor(skin);
            g.fill(finger);
            g.setColor(edge);
            g.draw(finger);
            g.setTransform(keep);
        }
        // The palm, drawn over the finger roots.
        Ellipse2D palm = new Ellipse2D.Double(-10.5, -8, 21, 22);
        g.setColor(skin);
        g.fill(palm);
        g.setColor(edge);
        g.draw(palm);
        // The thumb: out to the side when raised, tucked across the palm otherwise.
        AffineTransform keep = g.getTransform();
        g.translate(-9, 4);
        g.rotate(up[4] ? Math.toRadians(-55 + r.nextDouble(-10, 10)) : Math.toRadians(60));
        double thumbLen = up[4] ? r.nextDouble(10, 13) : 8;
        RoundRectangle2D thumb = new RoundRectangle2D.Double(-2.4, -thumbLen, 4.8, thumbLen + 3, 4.5, 4.5);
        g.setColor(skin);
        g.fill(thumb);
        g.setColor(edge);
        g.draw(thumb);
        g.setTransform(keep);
        // The wrist, leaving the picture at the bottom.
        g.setColor(skin);
        g.fill(new RoundRectangle2D.Double(-7, 10, 14, 30, 5, 5));
        g.dispose();
        // Lighting: brightness and contrast of the whole picture.
        double gain = r.nextDouble(0.8, 1.2);
        double bias = r.nextDouble(-15, 15);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int p = img.getRGB(x, y);
                int red = clamp((int) (((p >> 16) & 0xff) * gain + bias));
                int green = clamp((int) (((p >> 8) & 0xff) * gain + bias));
                int blue = clamp((int) ((p & 0xff) * gain + bias));
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return img;
    }
}
