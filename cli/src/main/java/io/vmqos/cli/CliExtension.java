package io.vmqos.cli;

import java.util.List;

/**
 * More subcommands for the {@code vmqos} command line, found with {@link java.util.ServiceLoader} when their jar is
 * on the class path. The lab module (not shipped in the product) adds {@code demo} and {@code calibrate} this way, so
 * the product jar carries no lab code while {@code ./vmqos demo} still works from a source checkout.
 * Called once per command line, on the thread that builds it.
 */
public interface CliExtension {
    /** picocli command objects (classes annotated with {@code @Command}) to add as subcommands of {@code vmqos}. */
    List<Object> subcommands();

    /**
     * picocli command objects to add under a command of the product, by its name (e.g. {@code fleet} →
     * {@code fleet simulate}); none by default.
     */
    default java.util.Map<String, List<Object>> nestedSubcommands() { return java.util.Map.of(); }
}
