package org.resnet4j.io;

import java.util.List;
import java.util.Map;
import org.resnet4j.data.Preprocessing;
import org.resnet4j.graph.Model;
import org.resnet4j.train.Optimizer;

/**
 * A model read from a file, with what was saved beside it.
 *
 * @param model         the network, weights loaded
 * @param optimizer     the optimizer with its state when the file kept one, else {@code null}
 * @param classNames    the class of each output index (from the file, or "0".."k-1")
 * @param preprocessing how the model expects its pixels
 * @param metadata      the provenance this library records (seed, data, version, date,
 *                      metrics), empty for files written elsewhere
 */
public record SavedModel(Model model, Optimizer optimizer, List<String> classNames, Preprocessing preprocessing,
                         Map<String, Object> metadata) {
}
