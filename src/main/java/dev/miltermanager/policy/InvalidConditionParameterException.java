package dev.miltermanager.policy;

import java.util.Objects;

/**
 * A condition parameter the configuration got wrong: an unknown key or an invalid value. The message names the
 * parameter's origin ({@code file:line}), the line and what was expected.
 */
public final class InvalidConditionParameterException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final transient ConditionParameter parameter;
    private final String expected;

    /**
     * @param parameter the offending line
     * @param expected what the key or value should have been ({@code "a number of connections, 0 or more"})
     */
    public InvalidConditionParameterException(ConditionParameter parameter, String expected) {
        super(parameter.origin() + ": " + parameter.key() + " = " + parameter.value() + ": expected "
                + Objects.requireNonNull(expected, "expected"));
        this.parameter = parameter;
        this.expected = expected;
    }

    /** The offending line. */
    public ConditionParameter parameter() {
        return parameter;
    }

    /** What was expected instead. */
    public String expected() {
        return expected;
    }
}
