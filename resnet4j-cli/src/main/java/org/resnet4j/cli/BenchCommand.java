package org.resnet4j.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.resnet4j.bench.Benchmark;
import org.resnet4j.io.Json;
import org.resnet4j.kernels.KernelRegistry;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code resnet4j bench}: training and inference speed of the notebook's ResNet-50. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the notebook's ResNet-50: training step (batch 32) and inference (batch 32 and 1).")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--threads", description = "Kernel threads. Default: all processors.")
    Integer threads;

    @Option(names = "--warmup", defaultValue = "3",
            description = "Untimed runs first, and on for at least 2 s (0: none). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--runs", defaultValue = "7", description = "Timed runs of each figure. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (threads != null) {
            KernelRegistry.setThreads(threads);
        }
        if (warmup < 0 || runs < 1) {
            throw new UserException("--warmup must be >= 0 and --runs >= 1");
        }
        Map<String, Object> r = new Benchmark(warmup, runs).run();
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(Json.write(r));
        } else {
            Benchmark.describe(r).forEach(w::println);
        }
        w.flush();
        return 0;
    }
}
