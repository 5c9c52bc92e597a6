package dev.miltermanager.config;

import java.util.List;

/**
 * A configuration that cannot be used. Carries every error found (not only the first), each as
 * {@code file:line: key = value: expected …}; the message lists them one per line.
 */
public final class ConfigurationException extends Exception {
    private static final long serialVersionUID = 1L;

    private final List<String> errors;

    /** @param errors at least one error, each naming its origin */
    public ConfigurationException(List<String> errors) {
        super(String.join("\n", errors));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a configuration exception needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** Every error, in file order. */
    public List<String> errors() {
        return errors;
    }
}
