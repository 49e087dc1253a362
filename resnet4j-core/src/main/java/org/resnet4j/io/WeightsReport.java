package org.resnet4j.io;

import java.util.List;

/**
 * What {@link ModelFiles#loadWeights} did: the layers that received weights, those of the
 * model that the file had nothing for, and the file's weight groups that matched no layer.
 */
public record WeightsReport(List<String> loaded, List<String> missingInFile, List<String> unusedInFile) {

    @Override
    public String toString() {
        return "loaded " + loaded.size() + " layer(s)"
                + (missingInFile.isEmpty() ? "" : "; not in the file: " + String.join(", ", missingInFile))
                + (unusedInFile.isEmpty() ? "" : "; unused in the file: " + String.join(", ", unusedInFile));
    }
}
