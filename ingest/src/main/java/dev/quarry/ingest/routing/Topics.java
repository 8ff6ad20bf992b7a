package dev.quarry.ingest.routing;

/** Topic names of an index. */
public final class Topics {
    private Topics() {}

    /** The document log: key = id, value = JSON, null value = delete. */
    public static String docs(String index) {
        return "quarry." + index + ".docs";
    }

    /** Records no replica could apply, with the reason in a header. */
    public static String deadLetters(String index) {
        return "quarry." + index + ".dlq";
    }
}
