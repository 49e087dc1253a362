package org.resnet4j.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.resnet4j.data.Preprocessing;

/**
 * What this library records with a saved model, besides the model itself: how to feed it
 * (class names, preprocessing) and where it came from (provenance). It lives under the
 * {@code resnet4j} key of {@code metadata.json}, which Keras writes but never reads.
 */
public final class ModelMetadata {

    /** The version of this metadata block; readers refuse newer ones they do not know. */
    public static final int FORMAT_VERSION = 1;

    private final Map<String, Object> values = new LinkedHashMap<>();

    public ModelMetadata() {
        values.put("format_version", FORMAT_VERSION);
        values.put("library", "resnet4j");
        values.put("library_version", version());
    }

    /** The library's version, from its jar manifest ({@code development} when run from classes). */
    public static String version() {
        String v = ModelMetadata.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    public ModelMetadata classNames(List<String> names) {
        values.put("class_names", List.copyOf(names));
        return this;
    }

    public ModelMetadata preprocessing(Preprocessing p) {
        values.put("preprocessing", p.id());
        return this;
    }

    /** Any other provenance entry: seed, data, architecture, epochs, final metrics... */
    public ModelMetadata put(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public Map<String, Object> toMap() {
        return values;
    }
}
