package org.resnet4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;
import java.util.Map;

/**
 * JSON in and out, as plain maps and lists (insertion-ordered). Python's {@code json} writes
 * {@code NaN} and {@code Infinity} for non-finite floats, so reading accepts them.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    static {
        // Model files come from outside: bound what one document may make us allocate.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(200).maxStringLength(50_000_000).maxNumberLength(1000).build());
    }

    private Json() {
    }

    /** Compact JSON of maps, lists, strings, numbers, booleans and nulls. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Compact JSON with every non-ASCII character escaped ({@code \u00e9}), as Python's
     * {@code json.dumps} writes by default: safe in HDF5 strings whatever charset a reader assumes.
     */
    public static String writeAscii(Object value) {
        try {
            return MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Indented JSON. */
    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses a JSON object into a map; {@code what} names the source in errors. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(String json, String what) {
        Object v = read(json, what);
        if (!(v instanceof Map)) {
            throw new ModelFileException(what + ": expected a JSON object, found " + typeName(v));
        }
        return (Map<String, Object>) v;
    }

    /** Parses any JSON value. */
    public static Object read(String json, String what) {
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(what + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
    }

    static String typeName(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "a list";
        }
        if (v instanceof String) {
            return "a string";
        }
        if (v instanceof Number) {
            return "a number";
        }
        if (v instanceof Boolean) {
            return "a boolean";
        }
        return v.getClass().getSimpleName();
    }
}
