package org.resnet4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.tensor.Shape;
import org.resnet4j.testing.SharedFiles;

/** The assignment's HDF5 layout, read from the real SIGNS test split, and its failure modes. */
class SignsDatasetTest {

    @Test
    void readsTheRealTestSplit() {
        Dataset d = SignsDataset.load(SharedFiles.path("data/signs/test_signs.h5"));
        assertEquals(Shape.of(120, 64, 64, 3), d.x().shape());
        assertArrayEquals(new int[] {0, 0, 0, 5, 1, 0, 3, 1, 5, 1}, Arrays.copyOf(d.labels(), 10));
        assertEquals(6, d.numClasses());
        float min = 1, max = 0;
        for (float v : d.x().data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertTrue(min >= 0 && max <= 1 && max > 0.9, "pixels / 255: " + min + ".." + max);
        assertEquals(Shape.of(120, 6), d.oneHot().shape());
        assertEquals(1f, d.oneHot().get(3, 5));
    }

    @Test
    void rawPixelsAreUint8(@TempDir Path dir) throws Exception {
        // The file holds uint8 values; reading them as /255 must round-trip to integers.
        Dataset d = SignsDataset.load(SharedFiles.path("data/signs/test_signs.h5"), "test");
        for (int i = 0; i < 1000; i++) {
            float v = d.x().data()[i] * 255f;
            assertEquals(Math.round(v), v, 1e-3);
        }
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path f = dir.resolve("nope.h5");
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertEquals(f + ": no such file", e.getMessage());
    }

    @Test
    void notAnHdf5File(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("fake.h5");
        Files.writeString(f, "this is not HDF5");
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().startsWith(f + ": not a readable HDF5 file"), e.getMessage());
    }

    @Test
    void truncatedFile(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(SharedFiles.path("data/signs/test_signs.h5"));
        Path f = dir.resolve("truncated.h5");
        Files.write(f, Arrays.copyOf(all, all.length / 3));
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    }

    private static Path write(Path dir, String name, Object x, Object y) {
        Path f = dir.resolve(name);
        try (WritableHdfFile w = HdfFile.write(f)) {
            if (x != null) {
                w.putDataset("train_set_x", x);
            }
            if (y != null) {
                w.putDataset("train_set_y", y);
            }
            w.putDataset("list_classes", new long[] {0, 1, 2});
        }
        return f;
    }

    @Test
    void missingLabels(@TempDir Path dir) {
        Path f = write(dir, "nolabels.h5", new byte[2][4][4][3], null);
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().startsWith(f + ": missing dataset 'train_set_y'"), e.getMessage());
    }

    @Test
    void wrongPixelType(@TempDir Path dir) {
        Path f = write(dir, "floats.h5", new float[2][4][4][3], new long[] {0, 1});
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().startsWith(f + ": 'train_set_x' must be uint8 pixels"), e.getMessage());
    }

    @Test
    void wrongImageShape(@TempDir Path dir) {
        Path f = write(dir, "gray.h5", new byte[2][4][4], new long[] {0, 1});
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().contains("must be images (m, height, width, 3); received (2, 4, 4)"), e.getMessage());
    }

    @Test
    void labelCountDiffersFromImageCount(@TempDir Path dir) {
        Path f = write(dir, "count.h5", new byte[2][4][4][3], new long[] {0, 1, 2});
        var e = assertThrows(DataException.class, () -> SignsDataset.load(f));
        assertTrue(e.getMessage().contains("2 images in 'train_set_x' but 'train_set_y' has shape (3,)"),
                e.getMessage());
    }
}
