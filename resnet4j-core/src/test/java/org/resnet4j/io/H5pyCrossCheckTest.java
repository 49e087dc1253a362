package org.resnet4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Layer;
import org.resnet4j.layers.Parameter;
import org.resnet4j.testing.SharedFiles;
import org.resnet4j.train.Adam;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Trainer;

/**
 * Our legacy {@code .h5} files read by the reference HDF5 library, through h5py, the way Keras
 * reads them. Runs where a Python with h5py is installed and is skipped elsewhere; the
 * structure is also checked without it, by {@link LegacyH5ExportTest}.
 */
class H5pyCrossCheckTest {

    private static final String PYTHON_READER = String.join("\n",
            "import sys, json, h5py, numpy as np",
            "f = h5py.File(sys.argv[1], 'r')",
            "def s(v): return v.decode('utf8') if isinstance(v, bytes) else str(v)",
            "out = {'attrs': sorted(f.attrs.keys()), 'layers': []}",
            "out['config_layers'] = len(json.loads(f.attrs['model_config'])['config']['layers'])",
            "mw = f['model_weights']",
            "for name in [s(n) for n in mw.attrs['layer_names']]:",
            "    g = mw[name]",
            "    ws = [s(n) for n in g.attrs['weight_names']]",
            "    out['layers'].append([name, [[w, list(g[w].shape), float(np.asarray(g[w], np.float64).sum())] for w in ws]])",
            "if 'optimizer_weights' in f:",
            "    ow = f['optimizer_weights']",
            "    names = [s(n) for n in ow.attrs['weight_names']]",
            "    out['optimizer'] = [names[0], int(ow[names[0]][()]), len(names)]",
            "print(json.dumps(out))");

    private static String python;

    @BeforeAll
    static void findH5py() {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import h5py, numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return;
                }
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readWithH5py(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(python, "-c", PYTHON_READER, file.toString()).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        assertEquals(0, p.exitValue(), "h5py could not read " + file + ": " + err);
        return Json.readObject(new String(out, StandardCharsets.UTF_8), "h5py's report");
    }

    @Test
    @SuppressWarnings("unchecked")
    void h5pyReadsAnExportedResNetAsKerasWould(@TempDir Path dir) throws Exception {
        assumeTrue(python != null, "no Python with h5py here");
        SavedModel m = ModelFiles.load(SharedFiles.path("keras/tiny-resnet8-k2.4/pretrainedResnet.h5"));
        Model model = m.model();
        Adam adam = new Adam(1e-3);
        org.resnet4j.data.Dataset data = new org.resnet4j.data.Dataset(
                org.resnet4j.tensor.Tensor.fromFunction(org.resnet4j.tensor.Shape.of(4, 32, 32, 3), i -> i % 255),
                new int[] {0, 1, 2, 3}, java.util.stream.IntStream.range(0, 10).mapToObj(Integer::toString).toList());
        new Trainer(model, adam, Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy())
                .fit(data, null, FitOptions.defaults().epochs(1).batchSize(2).verbose(false));
        Path f = dir.resolve("resnet8.h5");
        ModelFiles.save(f, model, adam, "categorical_crossentropy", List.of("accuracy"), new ModelMetadata());

        Map<String, Object> r = readWithH5py(f);
        assertEquals(List.of("backend", "keras_version", "model_config", LegacyH5.METADATA, "training_config"), r.get("attrs"));
        assertEquals(model.layers().size(), ((Number) r.get("config_layers")).intValue());
        List<List<Object>> layers = (List<List<Object>>) (List<?>) r.get("layers");
        assertEquals(model.layers().size(), layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = model.layers().get(i);
            assertEquals(layer.name(), layers.get(i).get(0));
            List<List<Object>> ws = (List<List<Object>>) layers.get(i).get(1);
            assertEquals(layer.weights().size(), ws.size(), layer.name());
            for (int k = 0; k < ws.size(); k++) {
                Parameter p = layer.weights().get(k);
                assertEquals(p.path(), ws.get(k).get(0));
                assertEquals(java.util.Arrays.stream(p.value().shape().dims()).boxed().toList(), ws.get(k).get(1));
                double sum = 0;
                for (float v : p.value().data()) {
                    sum += v;
                }
                assertEquals(sum, ((Number) ws.get(k).get(2)).doubleValue(), 1e-9 * (1 + Math.abs(sum)), p.path());
            }
        }
        assertEquals(List.of("adam/iteration", 2, 2 + 2 * model.trainableWeights().size()), r.get("optimizer"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void h5pyReadsLongConfigsAndLargeGroups(@TempDir Path dir) throws Exception {
        assumeTrue(python != null, "no Python with h5py here");
        // Deep enough for a config beyond 64 KiB and a group beyond one B-tree node of h5py's defaults.
        Model model = org.resnet4j.models.KerasApplications.resNet152(new int[] {32, 32, 3},
                org.resnet4j.models.KerasApplications.Options.classifier(10));
        Path f = dir.resolve("resnet152.h5");
        ModelFiles.save(f, model, null, null, List.of(), new ModelMetadata());
        Map<String, Object> r = readWithH5py(f);
        assertEquals(model.layers().size(), ((Number) r.get("config_layers")).intValue());
        assertEquals(model.layers().size(), ((List<?>) r.get("layers")).size());
    }
}
