package org.resnet4j.io;

import io.jhdf.HdfFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Optimizer;
import org.resnet4j.train.RMSprop;
import org.resnet4j.train.SGD;

/**
 * Saves and loads models in Keras 3's native {@code .keras} format: a zip (entries stored, not
 * compressed, as Keras writes them) of {@code metadata.json}, {@code config.json} and
 * {@code model.weights.h5}. See {@link ModelConfig} and {@link KerasWeights} for the two
 * inner layouts. The provenance of {@link ModelMetadata} goes in {@code metadata.json}.
 *
 * <p>Writes are atomic: the archive is written beside the target under a temporary name and
 * renamed over it only when complete, so a failure never leaves a half-written model.
 * Reading trusts nothing in the file: entry names must be the expected plain names (no paths),
 * sizes are bounded before anything is read, shapes are checked before weights are allocated,
 * and nothing in a file can run code.
 */
public final class ModelFiles {

    /** The Keras version whose format the files follow. */
    public static final String KERAS_VERSION = "3.6.0";

    private static final long MAX_JSON_BYTES = 64L << 20;
    private static final long MAX_WEIGHTS_BYTES = 8L << 30;

    private ModelFiles() {
    }

    /**
     * The model-file extension of {@code file}: {@code .keras}, or {@code .h5} / {@code .hdf5}
     * for the legacy HDF5 format (any case); {@code null} for anything else.
     */
    public static String extension(Path file) {
        String name = file.getFileName().toString();
        for (String ext : List.of(".keras", ".h5", ".hdf5")) {
            int at = name.length() - ext.length();
            if (at > 0 && name.regionMatches(true, at, ext, 0, ext.length())) {
                return name.substring(at);
            }
        }
        return null;
    }

    /**
     * Saves {@code model} to {@code file}: Keras 3's {@code .keras} format, or the legacy HDF5
     * format of {@code model.save("m.h5")} for a {@code .h5} or {@code .hdf5} name (see
     * {@link LegacyH5#save}). With an optimizer, its config and state are saved too, so that
     * training can resume.
     */
    public static void save(Path file, Model model, Optimizer optimizer, String loss, List<String> metrics,
                            ModelMetadata metadata) {
        String ext = extension(file);
        if (ext == null) {
            throw new ModelFileException(file + ": a model file must end in .keras (Keras 3's format) or .h5 "
                    + "(Keras's legacy HDF5 format)");
        }
        if (!ext.equalsIgnoreCase(".keras")) {
            LegacyH5.save(file, model, optimizer, loss, metrics, metadata);
            return;
        }
        try {
            AtomicFiles.replace(file, tmpZip -> {
                Path tmpH5 = Files.createFile(tmpZip.resolveSibling(tmpZip.getFileName() + ".h5"));
                try {
                    KerasWeights.write(tmpH5, model, optimizer);
                    Map<String, Object> config = ModelConfig.toKeras(model);
                    if (optimizer != null) {
                        config.put("compile_config", compileConfig(optimizer, loss, metrics));
                    }
                    Map<String, Object> meta = new LinkedHashMap<>();
                    meta.put("keras_version", KERAS_VERSION);
                    meta.put("date_saved", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd@HH:mm:ss")));
                    meta.put("resnet4j", metadata.toMap());
                    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(tmpZip))) {
                        putStored(zip, "metadata.json", Json.write(meta).getBytes(StandardCharsets.UTF_8));
                        putStored(zip, "config.json", Json.write(config).getBytes(StandardCharsets.UTF_8));
                        putStored(zip, "model.weights.h5", tmpH5);
                    }
                } finally {
                    deleteQuietly(tmpH5);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the model: " + e.getMessage(), e);
        }
    }

    /** Keras's {@code compile_config}. */
    static Map<String, Object> compileConfig(Optimizer optimizer, String loss, List<String> metrics) {
        Map<String, Object> opt = new LinkedHashMap<>();
        opt.put("module", "keras.optimizers");
        opt.put("class_name", optimizer.className());
        opt.put("config", optimizer.getConfig());
        opt.put("registered_name", null);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("optimizer", opt);
        c.put("loss", loss);
        c.put("loss_weights", null);
        c.put("metrics", metrics);
        c.put("weighted_metrics", null);
        c.put("run_eagerly", false);
        c.put("steps_per_execution", 1);
        c.put("jit_compile", false);
        return c;
    }

    private static void putStored(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        e.setSize(bytes.length);
        e.setCompressedSize(bytes.length);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static void putStored(ZipOutputStream zip, String name, Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(Files.size(file));
        e.setCompressedSize(Files.size(file));
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        Files.copy(file, zip);
        zip.closeEntry();
    }

    /**
     * Loads a model file: Keras 3's {@code .keras}, or a legacy Keras {@code .h5} /
     * {@code .hdf5} (see {@link LegacyH5}).
     */
    public static SavedModel load(Path file) {
        String ext = extension(file);
        if (ext != null && !ext.equalsIgnoreCase(".keras")) {
            return LegacyH5.load(file);
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file + ": no such file");
        }
        String what = file.toString();
        Path tmpH5 = null;
        try (ZipFile zip = openZip(file)) {
            Map<String, ZipEntry> entries = checkedEntries(zip, what);
            ZipEntry configEntry = entries.get("config.json");
            ZipEntry weightsEntry = entries.get("model.weights.h5");
            if (configEntry == null || weightsEntry == null) {
                throw new ModelFileException(what + ": not a Keras model: it lacks "
                        + (configEntry == null ? "config.json" : "model.weights.h5"));
            }
            Map<String, Object> config = Json.readObject(readJson(zip, configEntry, what + "!config.json"),
                    what + "!config.json");
            Map<String, Object> meta = entries.containsKey("metadata.json")
                    ? Json.readObject(readJson(zip, entries.get("metadata.json"), what + "!metadata.json"),
                    what + "!metadata.json")
                    : Map.of();
            Model model;
            try {
                model = ModelConfig.fromKeras(config, what + "!config.json");
            } catch (ModelFileException e) {
                throw e;
            } catch (RuntimeException e) {
                // A config that is valid JSON but not a valid model: say so, with the file named.
                throw new ModelFileException(what + "!config.json: not a valid Keras model config (" + e + ")", e);
            }
            Optimizer optimizer = optimizerFrom(config.get("compile_config"), what);
            tmpH5 = Files.createTempFile("resnet4j-weights", ".h5");
            try (InputStream in = zip.getInputStream(weightsEntry); OutputStream out = Files.newOutputStream(tmpH5)) {
                copyBounded(in, out, MAX_WEIGHTS_BYTES, what + "!model.weights.h5");
            }
            Hdf5Files.checkComplete(tmpH5, what + "!model.weights.h5");
            try (HdfFile h5 = new HdfFile(tmpH5)) {
                KerasWeights.read(h5, model, optimizer, what + "!model.weights.h5");
            } catch (ModelFileException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new ModelFileException(what + "!model.weights.h5: not a readable HDF5 file (" + e.getMessage() + ")", e);
            }
            return savedModel(model, optimizer, meta);
        } catch (ZipException e) {
            throw new ModelFileException(what + ": not a valid .keras file (a corrupt or truncated zip: "
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(what + ": cannot read: " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmpH5);
        }
    }

    /**
     * Loads weights from a model file into an existing model, Keras's {@code load_weights}.
     * {@code byName} matches layers by name and skips those without a counterpart (reported),
     * as {@code load_weights(by_name=True, skip_mismatch=False)} does; otherwise the layers with
     * weights are matched in order and their counts must agree. Shapes must match either way,
     * and nothing is changed unless every matched layer fits.
     *
     * @param file a {@code .keras} or legacy {@code .h5} model file
     */
    public static WeightsReport loadWeights(Model target, Path file, boolean byName) {
        List<Layer> from = layersWithWeights(load(file).model());
        List<Layer> to = layersWithWeights(target);
        Map<Layer, Layer> pairs = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        if (byName) {
            Map<String, Layer> byLayerName = new LinkedHashMap<>();
            for (Layer l : from) {
                byLayerName.put(l.name(), l);
            }
            for (Layer l : to) {
                Layer src = byLayerName.remove(l.name());
                if (src == null) {
                    missing.add(l.name());
                } else {
                    pairs.put(l, src);
                }
            }
            unused.addAll(byLayerName.keySet());
        } else {
            if (from.size() != to.size()) {
                throw new ModelFileException(file + ": the file has weights for " + from.size()
                        + " layer(s), the model has " + to.size() + " layer(s) with weights; load by name instead");
            }
            for (int i = 0; i < to.size(); i++) {
                pairs.put(to.get(i), from.get(i));
            }
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Layer, Layer> e : pairs.entrySet()) {
            List<Parameter> a = e.getKey().weights();
            List<Parameter> b = e.getValue().weights();
            if (a.size() != b.size()) {
                problems.add("layer '" + e.getKey().name() + "' has " + a.size() + " weight(s), '" + e.getValue().name()
                        + "' in the file has " + b.size());
                continue;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).value().shape().equals(b.get(i).value().shape())) {
                    problems.add(a.get(i).path() + " is " + a.get(i).value().shape() + ", the file's "
                            + b.get(i).path() + " is " + b.get(i).value().shape());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFileException(file + ": the weights do not fit: " + String.join("; ", problems));
        }
        List<String> loaded = new ArrayList<>();
        for (Map.Entry<Layer, Layer> e : pairs.entrySet()) {
            copyWeights(e.getValue(), e.getKey());
            loaded.add(e.getKey().name());
        }
        return new WeightsReport(loaded, missing, unused);
    }

    /**
     * Loads by name every layer whose weights fit in shape and count, and reports the rest (a
     * replaced classifier, say) as missing: the start of transfer learning, Keras's
     * {@code load_weights(by_name=True, skip_mismatch=True)}.
     */
    public static WeightsReport loadWeightsMatching(Model target, Path file) {
        Map<String, Layer> byName = new LinkedHashMap<>();
        for (Layer l : layersWithWeights(load(file).model())) {
            byName.put(l.name(), l);
        }
        List<String> loaded = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Layer l : layersWithWeights(target)) {
            Layer src = byName.remove(l.name());
            if (src == null || !fits(l, src)) {
                missing.add(l.name());
                continue;
            }
            copyWeights(src, l);
            loaded.add(l.name());
        }
        return new WeightsReport(loaded, missing, new ArrayList<>(byName.keySet()));
    }

    /** The model's layers that have weights, in order. */
    private static List<Layer> layersWithWeights(Model model) {
        List<Layer> out = new ArrayList<>();
        for (Layer l : model.layers()) {
            if (!l.weights().isEmpty()) {
                out.add(l);
            }
        }
        return out;
    }

    /** Copies every weight of {@code from} into the same-shaped weight of {@code to}. */
    private static void copyWeights(Layer from, Layer to) {
        for (int i = 0; i < to.weights().size(); i++) {
            to.weights().get(i).assign(from.weights().get(i).value());
        }
    }

    private static boolean fits(Layer a, Layer b) {
        if (a.weights().size() != b.weights().size()) {
            return false;
        }
        for (int i = 0; i < a.weights().size(); i++) {
            if (!a.weights().get(i).value().shape().equals(b.weights().get(i).value().shape())) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    static SavedModel savedModel(Model model, Optimizer optimizer, Map<String, Object> meta) {
        Map<String, Object> ours = meta.get("resnet4j") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        int classes = model.outputs().get(0).shape().dim(-1);
        List<String> names = new ArrayList<>();
        if (ours.get("class_names") instanceof List<?> l && l.size() == classes) {
            for (Object o : l) {
                names.add(String.valueOf(o));
            }
        } else {
            for (int i = 0; i < classes; i++) {
                names.add(Integer.toString(i));
            }
        }
        Preprocessing p = ours.get("preprocessing") instanceof String s ? Preprocessing.of(s) : Preprocessing.UNIT;
        return new SavedModel(model, optimizer, names, p, ours);
    }

    @SuppressWarnings("unchecked")
    static Optimizer optimizerFrom(Object compileConfig, String what) {
        if (!(compileConfig instanceof Map<?, ?> cc) || !(cc.get("optimizer") instanceof Map<?, ?> opt)) {
            return null;
        }
        Object cls = opt.get("class_name");
        Map<String, Object> c = opt.get("config") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        // Keras 2 spelled it "lr".
        double lr = num(c, "learning_rate", num(c, "lr", Double.NaN));
        return switch (String.valueOf(cls)) {
            case "Adam" -> new Adam(Double.isNaN(lr) ? 0.001 : lr, num(c, "beta_1", 0.9), num(c, "beta_2", 0.999),
                    num(c, "epsilon", 1e-7));
            case "SGD" -> new SGD(Double.isNaN(lr) ? 0.01 : lr, num(c, "momentum", 0),
                    Boolean.TRUE.equals(c.get("nesterov")));
            case "RMSprop" -> new RMSprop(Double.isNaN(lr) ? 0.001 : lr, num(c, "rho", 0.9), num(c, "momentum", 0),
                    num(c, "epsilon", 1e-7), Boolean.TRUE.equals(c.get("centered")));
            default -> null;
        };
    }

    private static double num(Map<String, Object> c, String key, double fallback) {
        return c.get(key) instanceof Number n ? n.doubleValue() : fallback;
    }

    private static ZipFile openZip(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new ModelFileException(file + ": not a .keras file (not a zip archive)", e);
        }
    }

    /** The archive's entries by name, refusing names that could escape or hide. */
    private static Map<String, ZipEntry> checkedEntries(ZipFile zip, String what) {
        Map<String, ZipEntry> out = new LinkedHashMap<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            if (n.startsWith("/") || n.startsWith("\\") || n.contains("..") || n.contains("\\") || n.contains(":")
                    || n.indexOf('\0') >= 0) {
                throw new ModelFileException(what + ": unsafe entry name '" + n + "' in the archive");
            }
            if (out.put(n, e) != null) {
                throw new ModelFileException(what + ": the archive has two entries named '" + n + "'");
            }
        }
        return out;
    }

    private static String readJson(ZipFile zip, ZipEntry e, String what) throws IOException {
        if (e.getSize() > MAX_JSON_BYTES) {
            throw new ModelFileException(what + ": " + e.getSize() + " bytes, more than a model config can be");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] bytes = in.readNBytes((int) MAX_JSON_BYTES + 1);
            if (bytes.length > MAX_JSON_BYTES) {
                throw new ModelFileException(what + ": larger than a model config can be");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static void copyBounded(InputStream in, OutputStream out, long max, String what) throws IOException {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            total += n;
            if (total > max) {
                throw new ModelFileException(what + ": larger than " + (max >> 30) + " GiB; refusing to read it");
            }
            out.write(buf, 0, n);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A leftover temporary file is harmless; the error that matters is already reported.
            }
        }
    }
}
