package org.resnet4j.peer;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.resnet4j.bench.Benchmark;
import org.resnet4j.kernels.KernelRegistry;
import org.resnet4j.layers.initializers.RandomSeeds;
import org.resnet4j.models.ResNet50;
import org.resnet4j.tensor.Tensor;
import org.resnet4j.train.Adam;
import org.resnet4j.train.Losses;

/**
 * resnet4j and DJL/PyTorch on the identical network in one process, runs alternating (ours,
 * theirs, ours, ...) so that both see the same machine state; medians and the ratio ours/theirs
 * for a training step at batch 32 and inference at batch 32 and 1.
 *
 * <pre>
 *   scripts/bench-peer.sh [--rounds 7] [--json]
 * </pre>
 */
public final class PeerBenchmark {

    private static final long SETTLE_MS = Long.getLong("peer.settle.ms", 100);

    private PeerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 7;
        boolean json = false;
        // The targets: speed ratios ours/theirs (batch-1 latency at most 0.7x theirs is a speed ratio of 1/0.7).
        double[] minRatio = {1.5, 1.5, 1 / 0.7};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                case "--min-train-ratio" -> minRatio[0] = Double.parseDouble(args[++i]);
                case "--min-infer-ratio" -> minRatio[1] = Double.parseDouble(args[++i]);
                case "--max-b1-latency-ratio" -> minRatio[2] = 1 / Double.parseDouble(args[++i]);
                default -> {
                    System.err.println("bench-peer: unknown option " + args[i] + " (--rounds N, --json, "
                            + "--min-train-ratio R, --min-infer-ratio R, --max-b1-latency-ratio R)");
                    System.exit(2);
                }
            }
        }
        // Ours.
        RandomSeeds.setSeed(1);
        org.resnet4j.graph.Model ours = ResNet50.build(new int[] {64, 64, 3}, 6);
        org.resnet4j.train.Trainer ourTrainer = new org.resnet4j.train.Trainer(ours, new Adam(1.5e-4),
                Losses.CATEGORICAL_CROSSENTROPY);
        Tensor x32 = Tensor.fromFunction(org.resnet4j.tensor.Shape.of(32, 64, 64, 3), i -> (i * 7919L % 1000) / 1000.0);
        Tensor x1 = x32.slice(0, 1);
        Tensor y32 = Benchmark.labels(32);
        // Theirs.
        try (Model model = Model.newInstance("resnet50-notebook", "PyTorch")) {
            model.setBlock(DjlResNet50.build(6));
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1.5e-4f)).build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(32, 3, 64, 64));
                NDManager root = trainer.getManager();
                NDArray tx32 = root.randomUniform(0, 1, new Shape(32, 3, 64, 64));
                NDArray tx1 = root.randomUniform(0, 1, new Shape(1, 3, 64, 64));
                NDArray ty = root.arange(32).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mod(6);

                Runnable ourTrain = () -> ourTrainer.trainStep(x32, y32, List.of());
                Runnable ourInfer32 = () -> ours.predict(x32);
                Runnable ourInfer1 = () -> ours.predict(x1);
                // Each run works on copies of the inputs owned by its own sub-manager: DJL attaches
                // every intermediate array to its first operand's manager, so with the shared
                // inputs all intermediates would pile up in the root manager until the end.
                Runnable theirTrain = () -> {
                    try (NDManager m = root.newSubManager()) {
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList pred = trainer.forward(new NDList(local(tx32, m)));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(local(ty, m)), pred);
                            gc.backward(loss);
                            pred.attach(m);
                            loss.attach(m);
                        }
                        trainer.step();
                    }
                };
                Runnable theirInfer32 = () -> {
                    try (NDManager m = root.newSubManager()) {
                        trainer.evaluate(new NDList(local(tx32, m))).attach(m);
                    }
                };
                Runnable theirInfer1 = () -> {
                    try (NDManager m = root.newSubManager()) {
                        trainer.evaluate(new NDList(local(tx1, m))).attach(m);
                    }
                };
                Map<String, double[]> t = new LinkedHashMap<>();
                String[] names = {"train_b32", "infer_b32", "infer_b1"};
                Runnable[][] pairs = {{ourTrain, theirTrain}, {ourInfer32, theirInfer32}, {ourInfer1, theirInfer1}};
                for (int k = 0; k < names.length; k++) {
                    Benchmark.warmUp(pairs[k][0], 3);
                    Benchmark.warmUp(pairs[k][1], 3);
                    double[] a = new double[rounds];
                    double[] b = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        a[r] = ms(pairs[k][0]);
                        b[r] = ms(pairs[k][1]);
                    }
                    t.put(names[k] + "_ours", a);
                    t.put(names[k] + "_theirs", b);
                }
                Map<String, Object> out = report(t, names, rounds, json);
                StringBuilder missed = new StringBuilder();
                for (int k = 0; k < names.length; k++) {
                    double ratio = (double) out.get(names[k] + "_speed_ratio");
                    if (ratio < minRatio[k]) {
                        missed.append(String.format(Locale.ROOT, " %s speed ratio %.2f < %.2f;", names[k], ratio, minRatio[k]));
                    }
                }
                if (missed.length() > 0) {
                    System.err.println("bench-peer: target missed:" + missed);
                    System.exit(3);
                }
            }
        }
    }

    /** A copy of {@code x} owned by {@code m}, so that what is computed from it is freed with {@code m}. */
    private static NDArray local(NDArray x, NDManager m) {
        NDArray copy = x.duplicate();
        copy.attach(m);
        return copy;
    }

    /**
     * Times one run, after a short pause, so that neither side starts while the other's worker
     * threads may still be winding down.
     */
    private static double ms(Runnable r) {
        try {
            Thread.sleep(SETTLE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    private static Map<String, Object> report(Map<String, double[]> t, String[] names, int rounds, boolean json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("threads", KernelRegistry.threads());
        out.put("kernels", KernelRegistry.current().name());
        out.put("peer", "DJL " + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        out.put("rounds", rounds);
        for (String n : names) {
            double ours = Benchmark.Timing.of(t.get(n + "_ours")).medianMs();
            double theirs = Benchmark.Timing.of(t.get(n + "_theirs")).medianMs();
            out.put(n + "_ms_ours", ours);
            out.put(n + "_ms_theirs", theirs);
            // Throughput ratio ours/theirs, above 1 when resnet4j is faster: the median of the
            // ratios of each round's pair of runs, which cancels the machine's slow swings in speed.
            double[] a = t.get(n + "_ours");
            double[] b = t.get(n + "_theirs");
            double[] ratios = new double[a.length];
            for (int r = 0; r < a.length; r++) {
                ratios[r] = b[r] / a[r];
            }
            Benchmark.Timing r = Benchmark.Timing.of(ratios);
            out.put(n + "_speed_ratio", r.medianMs());
            out.put(n + "_speed_ratio_range", List.of(r.minMs(), r.maxMs()));
        }
        out.put("peak_rss_mb_process", Benchmark.peakRssMb());
        if (json) {
            System.out.println(org.resnet4j.io.Json.write(out));
            return out;
        }
        System.out.println("resnet4j " + out.get("kernels") + " vs " + out.get("peer") + ", " + out.get("threads")
                + " threads, medians of " + rounds + " alternating runs");
        for (String n : names) {
            List<?> range = (List<?>) out.get(n + "_speed_ratio_range");
            System.out.printf(Locale.ROOT, "%-10s ours %8.1f ms   theirs %8.1f ms   speed ours/theirs %.2fx (rounds %.2f-%.2f)%n",
                    n, (double) out.get(n + "_ms_ours"), (double) out.get(n + "_ms_theirs"),
                    (double) out.get(n + "_speed_ratio"), (double) range.get(0), (double) range.get(1));
        }
        return out;
    }
}
