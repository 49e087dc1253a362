package org.resnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.tensor.Shape;
import org.resnet4j.testing.SharedFiles;

/** Class-folder datasets: layout, resizing, the stratified split and bad input. */
class ImageFolderDatasetTest {

    private static void png(Path file, int w, int h, int rgb) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(img, file.toString().endsWith(".png") ? "png" : "jpg", file.toFile());
    }

    @Test
    void classesAreSortedFolderNamesAndPixelsAreScaled(@TempDir Path dir) throws Exception {
        png(dir.resolve("b/one.png"), 10, 6, 0xff0000);
        png(dir.resolve("a/two.png"), 5, 5, 0x00ff00);
        png(dir.resolve("a/three.png"), 7, 3, 0x0000ff);
        Files.writeString(dir.resolve("LICENSE"), "files at the top are not classes");
        Dataset d = ImageFolderDataset.load(dir, 4, 4);
        assertEquals(List.of("a", "b"), d.classNames());
        assertEquals(Shape.of(3, 4, 4, 3), d.x().shape());
        assertArrayEquals(new int[] {0, 0, 1}, d.labels());
        // a/three.png (sorted before two.png) is blue, b/one.png red: constant images survive resizing.
        assertArrayEquals(new float[] {0, 0, 1}, new float[] {d.x().get(0, 1, 1, 0), d.x().get(0, 1, 1, 1),
                d.x().get(0, 1, 1, 2)});
        assertEquals(1f, d.x().get(2, 3, 3, 0));
    }

    @Test
    void readsTheRealHandSignDigits() {
        Dataset d = ImageFolderDataset.load(SharedFiles.path("data/sign-language-digits"), 64, 64);
        assertEquals(1661, d.size());
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), d.classNames());
        assertArrayEquals(new int[] {165, 166, 166, 166, 167, 167, 167, 166, 167, 164}, d.classCounts());
        Dataset[] split = d.stratifiedSplit(0.2, 42);
        assertEquals(d.size(), split[0].size() + split[1].size());
        for (int c = 0; c < 10; c++) {
            assertEquals(Math.round(d.classCounts()[c] * 0.2), split[1].classCounts()[c], "class " + c);
        }
        Dataset[] again = d.stratifiedSplit(0.2, 42);
        assertArrayEquals(split[1].x().data(), again[1].x().data(), "the split is deterministic");
    }

    @Test
    void aNonImageFileIsNamed(@TempDir Path dir) throws Exception {
        png(dir.resolve("a/ok.png"), 4, 4, 0);
        png(dir.resolve("b/ok.png"), 4, 4, 0);
        Files.writeString(dir.resolve("b/notes.txt"), "hello");
        var e = assertThrows(DataException.class, () -> ImageFolderDataset.load(dir, 4, 4));
        assertTrue(e.getMessage().startsWith(dir.resolve("b/notes.txt") + ": not an image"), e.getMessage());
    }

    @Test
    void anUnreadableImageIsNamed(@TempDir Path dir) throws Exception {
        png(dir.resolve("a/ok.png"), 4, 4, 0);
        Files.createDirectories(dir.resolve("b"));
        Files.writeString(dir.resolve("b/broken.jpg"), "not really a jpeg");
        var e = assertThrows(DataException.class, () -> ImageFolderDataset.load(dir, 4, 4));
        assertTrue(e.getMessage().startsWith(dir.resolve("b/broken.jpg") + ": not a readable image"), e.getMessage());
    }

    @Test
    void anEmptyClassFolderIsNamed(@TempDir Path dir) throws Exception {
        png(dir.resolve("a/ok.png"), 4, 4, 0);
        Files.createDirectories(dir.resolve("empty"));
        var e = assertThrows(DataException.class, () -> ImageFolderDataset.load(dir, 4, 4));
        assertEquals(dir.resolve("empty") + ": class folder 'empty' has no images", e.getMessage());
    }

    @Test
    void aMissingFolder(@TempDir Path dir) {
        var e = assertThrows(DataException.class, () -> ImageFolderDataset.load(dir.resolve("nothing"), 4, 4));
        assertTrue(e.getMessage().endsWith("no such folder (expected one sub-folder of images per class)"));
    }

    @Test
    void resizingModes() {
        // A 2x2 image to 4x4: nearest repeats pixels, bilinear blends them, area of a downscale averages.
        float[] src = {0, 100, 200, 300};
        assertArrayEquals(new float[] {0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 300, 300, 200, 200, 300, 300},
                Images.resize(src, 2, 2, 1, 4, 4, Images.Interpolation.NEAREST));
        float[] bi = Images.resize(src, 2, 2, 1, 4, 4, Images.Interpolation.BILINEAR);
        assertEquals(0f, bi[0]);
        assertEquals(25f, bi[1]);
        assertEquals(150f, Images.resize(src, 2, 2, 1, 1, 1, Images.Interpolation.AREA)[0]);
    }
}
