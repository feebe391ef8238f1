package io.vmqos.lab.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The JSON form of {@link LoadResult} (and the report files): one shared, thread-safe Jackson mapper. */
public final class LoadJson {
    /** Indented output; unknown properties are ignored so older readers accept newer files. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private LoadJson() {}

    public static String write(LoadResult result) {
        try {
            return MAPPER.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write LoadResult as JSON: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException when the text is not a LoadResult */
    public static LoadResult read(String json) {
        try {
            return MAPPER.readValue(json, LoadResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a LoadResult JSON document: " + e.getOriginalMessage(), e);
        }
    }
}
