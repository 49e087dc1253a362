package org.resnet4j.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.resnet4j.data.Dataset;
import org.resnet4j.graph.Model;
import org.resnet4j.layers.Parameter;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResNet50;
import org.resnet4j.train.Adam;
import org.resnet4j.train.FitOptions;
import org.resnet4j.train.Losses;
import org.resnet4j.train.Metrics;
import org.resnet4j.train.Trainer;

/** Seeded training runs whose results tests compare bit for bit. */
public final class TrainingRuns {

    private TrainingRuns() {
    }

    /**
     * The notebook's ResNet-50 (seeded), set up by {@code configure}, after one epoch of Adam on
     * {@code data} in batches of 6: every weight, then the predictions on {@code data}.
     */
    public static List<float[]> notebookResNetAfterOneEpoch(Dataset data, Consumer<Model> configure) {
        RandomSeeds.setSeed(5);
        Model m = ResNet50.build(new int[] {64, 64, 3}, 6);
        configure.accept(m);
        Trainer t = new Trainer(m, new Adam(1e-3), Losses.CATEGORICAL_CROSSENTROPY, Metrics.accuracy());
        t.fit(data, null, FitOptions.defaults().epochs(1).batchSize(6).seed(2).verbose(false));
        List<float[]> out = new ArrayList<>();
        for (Parameter p : m.weights()) {
            out.add(p.value().data().clone());
        }
        out.add(m.predict(data.x()).data());
        return out;
    }
}
