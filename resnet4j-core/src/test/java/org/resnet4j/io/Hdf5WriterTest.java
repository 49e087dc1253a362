package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HDF5 writer, read back by an independent reader (jhdf). */
class Hdf5WriterTest {

    @TempDir
    Path dir;

    @Test
    void groupsDatasetsAndAttributesReadBack() throws IOException {
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group root = w.root();
        root.attribute("version", "3.6.0");
        Hdf5Writer.Group g = root.group("model_weights/conv");
        g.attribute("weight_names", List.of("conv/kernel", "conv/bias"));
        float[] kernel = new float[2 * 3 * 4];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = i * 0.25f - 1;
        }
        g.dataset("conv/kernel", kernel, 2, 3, 4);
        g.dataset("conv/bias", new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE}, 4);
        root.group("model_weights/relu").attribute("weight_names", List.of());
        root.group("empty");
        root.dataset("optimizer/iteration", 123_456_789_012L);
        root.dataset("optimizer/learning_rate", new float[] {1e-3f});
        Path f = dir.resolve("a.h5");
        w.write(f);

        try (HdfFile h5 = new HdfFile(f)) {
            assertEquals("3.6.0", h5.getAttribute("version").getData());
            Dataset k = h5.getDatasetByPath("model_weights/conv/conv/kernel");
            assertArrayEquals(new int[] {2, 3, 4}, k.getDimensions());
            assertArrayEquals(kernel, (float[]) k.getDataFlat());
            float[] bias = (float[]) h5.getDatasetByPath("model_weights/conv/conv/bias").getDataFlat();
            assertTrue(Float.isNaN(bias[0]));
            assertEquals(Float.NEGATIVE_INFINITY, bias[1]);
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(bias[2]));
            assertEquals(Float.MIN_VALUE, bias[3]);
            assertEquals(List.of("conv/kernel", "conv/bias"),
                    LegacyH5.stringListAttribute(h5.getByPath("model_weights/conv"), "weight_names"));
            assertEquals(List.of(), LegacyH5.stringListAttribute(h5.getByPath("model_weights/relu"), "weight_names"));
            assertEquals(0, ((Group) h5.getByPath("empty")).getChildren().size());
            assertEquals(123_456_789_012L, h5.getDatasetByPath("optimizer/iteration").getData());
            assertEquals(0, h5.getDatasetByPath("optimizer/learning_rate").getDimensions().length);
            assertEquals(1e-3f, h5.getDatasetByPath("optimizer/learning_rate").getData());
        }
    }

    @Test
    void aLongStringAndHundredsOfLinksFit() throws IOException {
        // A ResNet-152's model_config is hundreds of KiB (beyond one object-header message),
        // and its model_weights group has over 500 links (beyond one B-tree node of h5py's K).
        String config = "{\"layers\": [" + "{\"name\": \"x\"},".repeat(30_000) + "{}]}";
        List<String> names = new ArrayList<>();
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group weights = w.root().group("model_weights");
        for (int i = 0; i < 700; i++) {
            names.add("layer_" + i);
            weights.group("layer_" + i).dataset("v", new float[] {i}, 1);
        }
        w.root().attribute("model_config", config);
        weights.attribute("layer_names", names);
        Path f = dir.resolve("big.h5");
        w.write(f);
        try (HdfFile h5 = new HdfFile(f)) {
            assertEquals(config, h5.getAttribute("model_config").getData());
            Group g = (Group) h5.getByPath("model_weights");
            assertEquals(700, g.getChildren().size());
            assertEquals(names, LegacyH5.stringListAttribute(g, "layer_names"));
            for (int i = 0; i < 700; i += 37) {
                assertArrayEquals(new float[] {i}, (float[]) h5.getDatasetByPath("model_weights/layer_" + i + "/v").getData());
            }
        }
    }

    @Test
    void fixedLengthStringsArePaddedToTheLongest() throws IOException {
        Hdf5Writer w = new Hdf5Writer();
        w.root().attribute("names", List.of("a", "longer_name", "mid"));
        Path f = dir.resolve("s.h5");
        w.write(f);
        try (HdfFile h5 = new HdfFile(f)) {
            assertEquals(List.of("a", "longer_name", "mid"), LegacyH5.stringListAttribute(h5, "names"));
        }
    }

    @Test
    void mistakesAreNamed() {
        Hdf5Writer w = new Hdf5Writer();
        Hdf5Writer.Group g = w.root().group("g");
        g.dataset("d", new float[] {1}, 1);
        assertEquals("/g/d already exists",
                assertThrows(IllegalArgumentException.class, () -> g.dataset("d", new float[] {1}, 1)).getMessage());
        assertEquals("/g/d is a dataset, not a group",
                assertThrows(IllegalArgumentException.class, () -> g.group("d/e")).getMessage());
        assertEquals("/g/x: shape [2, 2] holds 4 values; received 3",
                assertThrows(IllegalArgumentException.class, () -> g.dataset("x", new float[3], 2, 2)).getMessage());
        assertEquals("/g/a: invalid link name ''",
                assertThrows(IllegalArgumentException.class, () -> g.group("a//b")).getMessage());
        g.attribute("a", "x");
        assertEquals("/g: attribute 'a' already exists",
                assertThrows(IllegalArgumentException.class, () -> g.attribute("a", "y")).getMessage());
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 7000; i++) {
            many.add("name_number_" + i);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> g.attribute("many", many));
        assertTrue(e.getMessage().startsWith("/g: attribute 'many' takes "), e.getMessage());
    }

    @Test
    void anAttributeJustUnderTheLimitBeforePaddingIsRefused() {
        // 8 header + 16 name + 8 type + 24 space bytes, then the data: a message of 65,531 bytes
        // pads to 65,536, one more than a message's 16-bit size can say.
        Hdf5Writer w = new Hdf5Writer();
        String name = "x".repeat(12);
        List<String> values = new ArrayList<>();
        values.add("y".repeat(65_531 - 8 - 16 - 8 - 24));
        var e = assertThrows(IllegalArgumentException.class, () -> w.root().attribute(name, values));
        assertTrue(e.getMessage().contains("takes 65531 bytes"), e.getMessage());
    }

    @Test
    void keras2sChunkingRefusesANameNoChunkCanHold() {
        Hdf5Writer w = new Hdf5Writer();
        var e = assertThrows(IllegalArgumentException.class,
                () -> LegacyH5.strings(w.root(), "layer_names", List.of("z".repeat(70_000))));
        assertTrue(e.getMessage().contains("70000 bytes"), e.getMessage());
    }

    @Test
    void modelFileExtensionsAreFoundWhateverTheCase() {
        assertEquals(".keras", ModelFiles.extension(Path.of("\u0130.keras")));
        assertEquals(".H5", ModelFiles.extension(Path.of("model.H5")));
        assertEquals(".hdf5", ModelFiles.extension(Path.of("m.hdf5")));
        assertEquals(null, ModelFiles.extension(Path.of(".keras")));
        assertEquals(null, ModelFiles.extension(Path.of("model.txt")));
    }

    @Test
    void aFailedWriteLeavesNothingBehind() throws IOException {
        Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("child"));
        Hdf5Writer w = new Hdf5Writer();
        w.root().dataset("d", new float[] {1}, 1);
        assertThrows(IOException.class, () -> w.write(target));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList());
        }
        assertFalse(Files.isRegularFile(target));
    }
}
