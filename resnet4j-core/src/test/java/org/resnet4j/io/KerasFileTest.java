package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.resnet4j.data.Dataset;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.data.SyntheticSigns;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Parameter;
import org.resnet4j.models.ResNet50;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Adam;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Trainer;

/** The .keras format: a faithful round trip of the notebook's ResNet-50, and every failure mode. */
class KerasFileTest {

    @TempDir
    static Path dir;
    static Path saved;
    /** The same model in the legacy HDF5 format. */
    static Path savedH5;
    /** A small model's file, for the tests that rewrite an archive. */
    static Path small;
    static Model model;
    static Adam adam;
    static Dataset data;

    @BeforeAll
    static void trainBrieflyAndSave() {
        model = ResNet50.build(new int[] {64, 64, 3}, 6);
        adam = new Adam(1.5e-4);
        data = SyntheticSigns.generate(8, 1);
        Trainer t = new Trainer(model, adam, Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        // One step changes weights, moving statistics and the optimizer state away from their start.
        t.fit(data, null, FitOptions.defaults().epochs(1).batchSize(8).verbose(false));
        saved = dir.resolve("resnet50.keras");
        ModelFiles.save(saved, model, adam, "categorical_crossentropy", List.of("accuracy"),
                new ModelMetadata().classNames(List.of("a", "b", "c", "d", "e", "f")).preprocessing(Preprocessing.UNIT)
                        .put("seed", 7));
        savedH5 = dir.resolve("resnet50.h5");
        ModelFiles.save(savedH5, model, adam, "categorical_crossentropy", List.of("accuracy"),
                new ModelMetadata().classNames(List.of("a", "b", "c", "d", "e", "f")).preprocessing(Preprocessing.UNIT)
                        .put("seed", 7));
        org.resnet4j.layers.SymbolicTensor x = org.resnet4j.layers.InputLayer.input(8, 8, 3);
        org.resnet4j.layers.SymbolicTensor y = org.resnet4j.layers.Conv2D.builder(4, 3).build().apply(x);
        y = new org.resnet4j.layers.Flatten().apply(y);
        small = dir.resolve("small.keras");
        ModelFiles.save(small, new Model(x, y, "small"), null, null, List.of(), new ModelMetadata());
    }

    @ParameterizedTest
    @ValueSource(strings = {"keras", "h5"})
    void reloadPredictsBitForBit(String format) {
        SavedModel back = ModelFiles.load(format.equals("h5") ? savedH5 : saved);
        Tensor want = model.predict(data.x());
        Tensor got = back.model().predict(data.x());
        assertArrayEquals(want.data(), got.data());
        assertEquals(model.countParams(), back.model().countParams());
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), back.classNames());
        assertEquals(Preprocessing.UNIT, back.preprocessing());
        assertEquals(7, back.metadata().get("seed"));
        assertEquals(ModelMetadata.FORMAT_VERSION, back.metadata().get("format_version"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"keras", "h5"})
    void reloadKeepsLayerNamesAndEveryWeight(String format) {
        Model back = ModelFiles.load(format.equals("h5") ? savedH5 : saved).model();
        assertEquals(model.layers().stream().map(l -> l.name()).toList(), back.layers().stream().map(l -> l.name()).toList());
        List<Parameter> a = model.weights();
        List<Parameter> b = back.weights();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).path(), b.get(i).path());
            assertArrayEquals(a.get(i).value().data(), b.get(i).value().data(), a.get(i).path());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"keras", "h5"})
    void optimizerStateResumes(String format) {
        SavedModel back = ModelFiles.load(format.equals("h5") ? savedH5 : saved);
        assertNotNull(back.optimizer());
        assertEquals(adam.iterations(), back.optimizer().iterations());
        assertEquals((float) adam.learningRate(), (float) back.optimizer().learningRate());
        List<Parameter> a = model.trainableWeights();
        List<Parameter> b = back.model().trainableWeights();
        for (int i = 0; i < a.size(); i++) {
            float[][] sa = adam.slots(a.get(i));
            float[][] sb = back.optimizer().slots(b.get(i));
            for (int k = 0; k < sa.length; k++) {
                assertArrayEquals(sa[k], sb[k], "slot " + k + " of " + a.get(i).path());
            }
        }
    }

    @Test
    void theArchiveIsLaidOutAsKerasWritesIt() throws IOException {
        try (ZipFile zip = new ZipFile(saved.toFile())) {
            assertEquals(List.of("metadata.json", "config.json", "model.weights.h5"),
                    zip.stream().map(ZipEntry::getName).toList());
            zip.stream().forEach(e -> assertEquals(ZipEntry.STORED, e.getMethod(), e.getName()));
            Map<String, Object> config = Json.readObject(new String(zip.getInputStream(zip.getEntry("config.json"))
                    .readAllBytes(), StandardCharsets.UTF_8), "config");
            assertEquals("Functional", config.get("class_name"));
            assertEquals("keras.src.models.functional", config.get("module"));
            @SuppressWarnings("unchecked")
            Map<String, Object> inner = (Map<String, Object>) config.get("config");
            assertEquals(List.of("input_1", 0, 0), inner.get("input_layers"));
            assertEquals(List.of("predictions", 0, 0), inner.get("output_layers"));
            List<?> layers = (List<?>) inner.get("layers");
            assertEquals(177, layers.size());
            // An Add takes its two tensors as one list argument: {"args": [[kt, kt]], "kwargs": {}}.
            Map<?, ?> add = (Map<?, ?>) layers.get(16);
            assertEquals("conv2_block1_add", add.get("name"));
            List<?> args = (List<?>) ((Map<?, ?>) ((List<?>) add.get("inbound_nodes")).get(0)).get("args");
            assertEquals(1, args.size());
            assertEquals(2, ((List<?>) args.get(0)).size());
            Map<?, ?> compile = (Map<?, ?>) config.get("compile_config");
            assertEquals("categorical_crossentropy", compile.get("loss"));
            assertEquals("Adam", ((Map<?, ?>) compile.get("optimizer")).get("class_name"));
            Map<String, Object> meta = Json.readObject(new String(zip.getInputStream(zip.getEntry("metadata.json"))
                    .readAllBytes(), StandardCharsets.UTF_8), "metadata");
            assertTrue(((String) meta.get("date_saved")).matches("\\d{4}-\\d\\d-\\d\\d@\\d\\d:\\d\\d:\\d\\d"));
            assertTrue(meta.containsKey("keras_version"));
        }
    }

    @Test
    void theH5FileIsLaidOutAsKerasWritesIt() {
        try (io.jhdf.HdfFile h5 = new io.jhdf.HdfFile(savedH5)) {
            assertEquals(ModelFiles.KERAS_VERSION, h5.getAttribute("keras_version").getData());
            Map<String, Object> config = Json.readObject(LegacyH5.stringAttribute(h5, "model_config"), "model_config");
            assertEquals("Functional", config.get("class_name"));
            Map<String, Object> training = Json.readObject(LegacyH5.stringAttribute(h5, "training_config"), "training");
            assertEquals("Adam", ((Map<?, ?>) training.get("optimizer_config")).get("class_name"));
            assertEquals("categorical_crossentropy", training.get("loss"));
            io.jhdf.api.Group weights = (io.jhdf.api.Group) h5.getChild("model_weights");
            assertEquals(model.layers().stream().map(l -> l.name()).toList(),
                    LegacyH5.stringListAttribute(weights, "layer_names"));
            assertEquals(List.of("conv1_bn/gamma", "conv1_bn/beta", "conv1_bn/moving_mean", "conv1_bn/moving_variance"),
                    LegacyH5.stringListAttribute(weights.getChild("conv1_bn"), "weight_names"));
            List<String> opt = LegacyH5.stringListAttribute(h5.getChild("optimizer_weights"), "weight_names");
            assertEquals(2 + 2 * model.trainableWeights().size(), opt.size());
            assertEquals(List.of("adam/iteration", "adam/learning_rate", "adam/conv1_conv_kernel_momentum",
                    "adam/conv1_conv_kernel_velocity"), opt.subList(0, 4));
            assertEquals(1L, h5.getDatasetByPath("optimizer_weights/adam/iteration").getData());
        }
    }

    @Test
    void weightGroupsAreNamedByClassAsKerasNamesThem() {
        Map<org.resnet4j.layers.Layer, String> names = KerasWeights.groupNames(model);
        assertEquals("input_layer", names.get(model.getLayer("input_1")));
        assertEquals("conv2d", names.get(model.getLayer("conv1_conv")));
        assertEquals("conv2d_1", names.get(model.getLayer("conv2_block1_1_conv")));
        assertEquals("conv2d_4", names.get(model.getLayer("conv2_block1_0_conv")));
        assertEquals("batch_normalization_52", names.get(model.getLayer("conv5_block3_3_bn")));
        assertEquals("dense", names.get(model.getLayer("predictions")));
    }

    @Test
    void noHalfWrittenFileIsLeftBehind() throws IOException {
        Path bad = dir.resolve("sub/model.h6");
        assertThrows(ModelFileException.class, () -> ModelFiles.save(bad, model, null, null, List.of(), new ModelMetadata()));
        assertFalse(Files.exists(bad));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void aMissingFile() {
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(dir.resolve("none.keras")));
        assertEquals(dir.resolve("none.keras") + ": no such file", e.getMessage());
    }

    @Test
    void aFileThatIsNotAZip() throws IOException {
        Path f = dir.resolve("text.keras");
        Files.writeString(f, "hello");
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().startsWith(f + ": not a .keras file"), e.getMessage());
    }

    @Test
    void aTruncatedFile() throws IOException {
        byte[] all = Files.readAllBytes(small);
        Path f = dir.resolve("truncated.keras");
        Files.write(f, Arrays.copyOf(all, all.length / 2));
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().startsWith(f + ": not a"), e.getMessage());
    }

    /** A copy of the saved archive with one entry replaced (or dropped when {@code content} is null). */
    private static Path alter(String name, String entry, byte[] content, String extraName) throws IOException {
        Path f = dir.resolve(name);
        try (ZipFile in = new ZipFile(small.toFile()); ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(f))) {
            for (ZipEntry e : in.stream().toList()) {
                if (e.getName().equals(entry)) {
                    if (content != null) {
                        out.putNextEntry(new ZipEntry(entry));
                        out.write(content);
                    }
                    continue;
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                in.getInputStream(e).transferTo(out);
            }
            if (extraName != null) {
                out.putNextEntry(new ZipEntry(extraName));
                out.write(1);
            }
        }
        return f;
    }

    @Test
    void anAlteredConfig() throws IOException {
        Path f = alter("altered.keras", "config.json", "{\"class_name\": \"Functional\", \"config\": ".getBytes(), null);
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().startsWith(f + "!config.json: not valid JSON"), e.getMessage());
    }

    @Test
    void missingWeights() throws IOException {
        Path f = alter("noweights.keras", "model.weights.h5", null, null);
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertEquals(f + ": not a Keras model: it lacks model.weights.h5", e.getMessage());
    }

    @Test
    void corruptWeights() throws IOException {
        Path f = alter("badweights.keras", "model.weights.h5", "not hdf5".getBytes(), null);
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().startsWith(f + "!model.weights.h5: not a readable HDF5 file"), e.getMessage());
    }

    @Test
    void hostileEntryNames() throws IOException {
        for (String evil : new String[] {"../escape.txt", "/etc/passwd", "a/../../b"}) {
            Path f = alter("evil.keras", "nothing", null, evil);
            var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
            assertEquals(f + ": unsafe entry name '" + evil + "' in the archive", e.getMessage());
        }
    }

    @Test
    void unsupportedLayersAreAllNamedAtOnce() throws IOException {
        String cfg = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": ["
                + "{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"in\", \"batch_shape\": [null, 4]}, \"name\": \"in\", \"inbound_nodes\": []},"
                + "{\"class_name\": \"Lambda\", \"config\": {\"name\": \"lam\"}, \"name\": \"lam\", \"inbound_nodes\": []},"
                + "{\"class_name\": \"LSTM\", \"config\": {\"name\": \"rnn\"}, \"name\": \"rnn\", \"inbound_nodes\": []}],"
                + "\"input_layers\": [\"in\", 0, 0], \"output_layers\": [\"rnn\", 0, 0]}}";
        Path f = alter("lambda.keras", "config.json", cfg.getBytes(), null);
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().contains("unsupported layer(s) 'lam' (Lambda), 'rnn' (LSTM)"), e.getMessage());
    }

    @Test
    void aConfigWithAMalformedReferenceIsNamed() throws IOException {
        String cfg = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"m\", \"layers\": ["
                + "{\"class_name\": \"InputLayer\", \"config\": {\"name\": \"in\", \"batch_shape\": [null, 4]}, "
                + "\"name\": \"in\", \"inbound_nodes\": []}], "
                + "\"input_layers\": [\"in\", 0, 0], \"output_layers\": [\"in\"]}}";
        Path f = alter("shortref.keras", "config.json", cfg.getBytes(), null);
        var e = assertThrows(ModelFileException.class, () -> ModelFiles.load(f));
        assertTrue(e.getMessage().startsWith(f + "!config.json"), e.getMessage());
    }
}
